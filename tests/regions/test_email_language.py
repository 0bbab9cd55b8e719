"""Each e-mail in its reader's language: the one they last used the portal in (portal/emails.py),
whoever acted and in whatever language."""

import pytest
from django.utils import translation

from portal.models import OutboxMessage
from portal.notifications import notify_after_commit, notify_officials_after_commit
from regions.models import User
from regions.tasks import notify_officials

pytestmark = pytest.mark.django_db

SEND = "regions.tasks.send_notification"
MAIL = "vouchers/enterprise_registered"


def queued_since(first_id: int) -> list[dict]:
    return [
        m.kwargs
        for m in OutboxMessage.objects.filter(id__gt=first_id, task_name=SEND).order_by("id")
    ]


def last_outbox_id() -> int:
    return OutboxMessage.objects.order_by("-id").values_list("id", flat=True).first() or 0


@pytest.fixture
def readers(demo):
    """A Chinese reader, an English one, and one who never chose."""
    users = demo["users"]
    chinese, english, unknown = (
        users["enterprise-jiangnan"],
        users["provider-sit"],
        users["official-wujin"],
    )
    User.objects.filter(pk=chinese.pk).update(language="zh-hans")
    User.objects.filter(pk=english.pk).update(language="en")
    User.objects.filter(pk=unknown.pk).update(language="")
    return chinese, english, unknown


@pytest.mark.parametrize("actor_language", ["en", "zh-hans"])
def test_each_reader_gets_their_language_and_the_others_the_actors(readers, demo, actor_language):
    chinese, english, unknown = readers
    jiangnan = demo["enterprises"]["enterprise-jiangnan"]
    first = last_outbox_id()

    with translation.override(actor_language):
        notify_after_commit(
            recipients=[chinese.email, english.email, unknown.email, "contact@example.com"],
            email=MAIL,
            # Called once per language: the enterprise names itself in each.
            context=lambda: {"name": jiangnan.display_name, "code": "X", "region": "-"},
        )

    by_language = {}
    for message in queued_since(first):
        language = "zh-hans" if "创新券" in message["subject"] else "en"
        by_language[language] = message
    assert set(by_language["zh-hans"]["recipients"]) >= {chinese.email}
    assert set(by_language["en"]["recipients"]) >= {english.email}
    # Nobody known to have chosen: the language of whoever acted.
    for address in (unknown.email, "contact@example.com"):
        assert address in by_language[actor_language]["recipients"]
    assert jiangnan.name_zh in by_language["zh-hans"]["body"]
    assert jiangnan.name in by_language["en"]["body"]
    assert jiangnan.name_zh not in by_language["en"]["body"]


def test_one_language_one_message(readers):
    chinese, _english, _unknown = readers
    first = last_outbox_id()
    with translation.override("en"):
        notify_after_commit(
            recipients=[chinese.email],
            email=MAIL,
            context={"name": "X", "code": "X", "region": "-"},
        )
    [message] = queued_since(first)
    assert message["recipients"] == [chinese.email]
    assert message["subject"].startswith("【创新券平台】")


def test_the_officials_notice_reaches_each_official_in_their_language(demo, mailoutbox):
    wujin = demo["regions"]["WUJIN"]
    officials = list(User.objects.filter(role="official", region=wujin, is_active=True))
    assert len(officials) >= 2
    User.objects.filter(pk=officials[0].pk).update(language="zh-hans")
    User.objects.filter(pk__in=[o.pk for o in officials[1:]]).update(language="en")
    first = OutboxMessage.objects.order_by("-id").values_list("id", flat=True).first() or 0
    with translation.override("en"):
        notify_officials_after_commit(
            region_id=wujin.pk,
            email=MAIL,
            context=lambda: {"name": "-", "code": "X", "region": wujin.display_name},
        )
    message = OutboxMessage.objects.get(id__gt=first, task_name="regions.tasks.notify_officials")
    mailoutbox.clear()

    notify_officials(**message.kwargs)

    received = {address: mail for mail in mailoutbox for address in mail.to}
    assert "武进" in received[officials[0].email].body
    for official in officials[1:]:
        assert "Wujin" in received[official.email].body


def test_a_notice_queued_before_languages_came_is_still_sent(demo, mailoutbox):
    wujin = demo["regions"]["WUJIN"]
    mailoutbox.clear()
    assert notify_officials(region_id=wujin.pk, subject="Old", body="Queued earlier.\n") >= 1
    assert {mail.subject for mail in mailoutbox} == {"Old"}


def test_signing_in_keeps_the_pages_language(client, demo, password):
    user = demo["users"]["enterprise-jiangnan"]
    User.objects.filter(pk=user.pk).update(language="")

    response = client.post(
        "/login/",
        {"username": user.username, "password": password},
        HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9",
    )

    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).language == "zh-hans"


def test_the_language_switch_keeps_the_choice_for_e_mails(client, demo):
    user = demo["users"]["enterprise-jiangnan"]
    client.force_login(user)

    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/enterprise/"})
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).language == "zh-hans"
    client.post("/i18n/setlang/", {"language": "en", "next": "/enterprise/"})
    assert User.objects.get(pk=user.pk).language == "en"
    # A language the portal does not have changes nothing, not even the pages' language.
    answer = client.post("/i18n/setlang/", {"language": "fr", "next": "/enterprise/"})
    assert answer.status_code == 302 and answer["Location"] == "/enterprise/"
    assert User.objects.get(pk=user.pk).language == "en"
    assert "fr" not in str(client.cookies.get("django_language", ""))
    # However a code is written, the portal's own spelling is kept.
    client.post("/i18n/setlang/", {"language": "ZH-HANS", "next": "/enterprise/"})
    assert User.objects.get(pk=user.pk).language == "zh-hans"
    client.post("/i18n/setlang/", {"language": "EN", "next": "/enterprise/"})
    assert User.objects.get(pk=user.pk).language == "en"


def test_the_switch_still_works_for_visitors(client):
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302


def test_the_notification_settings_say_which_language_e_mails_come_in(client, demo):
    user = demo["users"]["enterprise-jiangnan"]
    client.force_login(user)
    User.objects.filter(pk=user.pk).update(language="")
    assert "the language you sign in with" in client.get("/account/notifications/").content.decode()

    User.objects.filter(pk=user.pk).update(language="zh-hans")
    page = client.get("/account/notifications/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Your e-mails are written in Simplified Chinese" in page

    # A code stored in another spelling, or one the portal no longer has, is read as such.
    for stored, shown in (("ZH-HANS", "Simplified Chinese"), ("fr", "the language you sign")):
        User.objects.filter(pk=user.pk).update(language=stored)
        page = client.get("/account/notifications/", HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 200
        assert shown in page.content.decode()


def test_an_order_e_mail_names_the_other_party_in_the_readers_language(client, demo):
    """The enterprise orders in English; the provider, who reads Chinese, is told in Chinese,
    the enterprise named by its Chinese name."""
    from django.test import Client

    sit = demo["providers"]["provider-sit"]
    jiangnan = demo["enterprises"]["enterprise-jiangnan"]
    User.objects.filter(provider=sit).update(language="zh-hans")
    enterprise = Client()
    enterprise.force_login(demo["users"]["enterprise-jiangnan"])
    first = last_outbox_id()

    answer = enterprise.post(
        "/orders/new/",
        {
            "provider": sit.pk,
            "voucher": demo["voucher"].serial,
            "title": "Raman mapping",
            "contract_amount": "20000.00",
            "description": "Ten samples.",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert answer.status_code == 302
    provider_users = set(User.objects.filter(provider=sit).values_list("email", flat=True))
    [told] = [m for m in queued_since(first) if provider_users & set(m["recipients"])]
    assert jiangnan.name_zh in told["body"]
    assert jiangnan.name not in told["body"]


def test_asking_for_an_api_token_in_a_language_keeps_it(client, demo, password):
    user = demo["users"]["enterprise-jiangnan"]
    User.objects.filter(pk=user.pk).update(language="en")
    body = {"username": user.username, "password": password}

    # No language asked for: the choice made on the website stays.
    assert client.post("/api/auth/token/", body).status_code == 200
    assert User.objects.get(pk=user.pk).language == "en"

    answer = client.post("/api/auth/token/", body, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert answer.status_code == 200
    assert User.objects.get(pk=user.pk).language == "zh-hans"
