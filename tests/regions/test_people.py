"""The operator invites officials and deactivates accounts in the portal, never in the Django
admin; officials see their district's officials."""

import re

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from regions.models import AuditEntry, User

pytestmark = pytest.mark.django_db

INVITE = {"username": "official-wujin-3", "email": "wujin3@example.com", "first_name": "Lin"}


def invite(client, **fields):
    return client.post("/people/invite/", {**INVITE, **fields})


def link_in(mail) -> str:
    return re.search(r"https?://\S+/account/set-password/\S+/", mail.body).group(0)


def ask_for_a_reset(client, capture, email):
    """Post the forgotten-password form and deliver what it queued (the outbox's task runs
    once the request's transaction commits)."""
    with capture(execute=True):
        return client.post("/account/forgot-password/", {"email": email})


def test_the_operator_invites_an_official_who_chooses_a_password_and_logs_in(
    client, demo, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(demo["users"]["operator"])
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client, region=demo["regions"]["WUJIN"].pk)

    assert response.status_code == 302
    colleague = User.objects.get(username="official-wujin-3")
    assert colleague.is_official and colleague.region.code == "WUJIN"
    assert not colleague.has_usable_password()
    assert AuditEntry.objects.filter(object_id=str(colleague.pk), action="create").exists()
    mail = mailoutbox[-1]
    assert mail.to == ["wujin3@example.com"]
    path = link_in(mail).split("://", 1)[1].split("/", 1)[1]

    client.logout()
    form = client.get("/" + path, follow=True)
    assert form.status_code == 200 and form.context["validlink"]
    saved = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-Long-pass-2026", "new_password2": "a-Long-pass-2026"},
    )
    assert saved.status_code == 302
    assert client.login(username="official-wujin-3", password="a-Long-pass-2026")
    # the link works once
    client.logout()
    assert not client.get("/" + path, follow=True).context["validlink"]


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"username": "x"}, "letters, digits"),
        ({"username": "official-wujin"}, "exists already"),
        ({"username": "OFFICIAL-WUJIN"}, "exists already"),
        ({"email": "not-an-address"}, "valid"),
        ({"username": "has space"}, "letters, digits"),
        ({"first_name": "明\u202e"}, "invisible direction characters"),
        ({"last_name": "\u2066李"}, "invisible direction characters"),
    ],
)
def test_bad_invitations_are_refused_and_create_nothing(client, demo, fields, needle):
    client.force_login(demo["users"]["operator"])
    before = User.objects.count()

    response = invite(client, region=demo["regions"]["WUJIN"].pk, **fields)

    assert response.status_code in {400, 409}
    assert needle in response.content.decode()
    assert User.objects.count() == before


def test_an_official_invites_nobody(client, demo):
    """Four eyes: an official who could create a colleague's account could approve once as
    itself and once as the account it made."""
    client.force_login(demo["users"]["official-wujin"])
    before = User.objects.count()

    assert invite(client, region=demo["regions"]["WUJIN"].pk).status_code == 403
    assert client.get("/people/invite/").status_code == 403
    page = client.get("/people/").content.decode()
    assert 'href="/people/invite/"' not in page
    assert User.objects.count() == before


def test_the_operator_invites_for_any_district_and_must_choose_one(client, demo):
    client.force_login(demo["users"]["operator"])

    assert invite(client).status_code == 400
    assert invite(client, region=demo["regions"]["HEFEI_HT"].pk).status_code == 302
    assert User.objects.get(username="official-wujin-3").region.code == "HEFEI_HT"


@pytest.mark.parametrize("username", ["enterprise-jiangnan", "provider-sit"])
def test_other_roles_cannot_reach_the_people_pages(client, demo, username):
    client.force_login(demo["users"][username])

    assert client.get("/people/").status_code == 403
    assert invite(client).status_code == 403


def test_an_official_sees_and_manages_only_its_districts_officials(client, demo):
    users = demo["users"]
    client.force_login(users["official-wujin"])
    listed = {p.username for p in client.get("/people/").context["page"].object_list}
    assert listed == {"official-wujin", "official-wujin-2"}  # the seed has two per district

    other = users["official-nanhu"]
    assert client.post(f"/people/{other.pk}/deactivate/", {"reason": "x"}).status_code == 404
    own = client.post(f"/people/{users['official-wujin'].pk}/deactivate/", {"reason": "x"})
    assert own.status_code == 403
    other.refresh_from_db()
    assert other.is_active and users["official-wujin"].is_active


def test_the_operator_filters_people_by_role_and_an_unknown_role_is_said(client, demo):
    """`?role=zzz` listed every account, as if filtered by a role the reader asked for."""
    client.force_login(demo["users"]["operator"])
    officials = client.get("/people/?role=official")
    assert officials.status_code == 200
    roles = {p.role for p in officials.context["page"].object_list}
    assert roles == {User.Role.OFFICIAL}

    unknown = client.get("/people/?role=zzz", HTTP_ACCEPT_LANGUAGE="en")
    assert unknown.status_code == 400
    assert list(unknown.context["page"].object_list) == []
    assert "Role: “zzz” is none of its choices." in unknown.content.decode()

    zh = client.get("/people/?role=zzz", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "“zzz”" in zh and "is none of its choices" not in zh


def test_the_operator_deactivates_an_account_whose_token_and_session_stop(client, api_as, demo):
    enterprise_user = demo["users"]["enterprise-yangpu"]
    api = api_as(enterprise_user)
    assert api.get("/api/vouchers/").status_code == 200
    client.force_login(demo["users"]["operator"])

    assert (
        client.post(f"/people/{enterprise_user.pk}/deactivate/", {"reason": ""}).status_code == 400
    )
    response = client.post(
        f"/people/{enterprise_user.pk}/deactivate/", {"reason": "Left the company."}
    )

    assert response.status_code == 302
    enterprise_user.refresh_from_db()
    assert not enterprise_user.is_active
    assert not Token.objects.filter(user=enterprise_user).exists()
    assert api.get("/api/vouchers/").status_code == 401
    entry = AuditEntry.objects.filter(object_id=str(enterprise_user.pk)).latest("id")
    assert (entry.action, entry.reason) == (AuditEntry.Action.DEACTIVATE, "Left the company.")
    again = client.post(f"/people/{enterprise_user.pk}/deactivate/", {"reason": "Twice."})
    assert again.status_code == 409
    # The list says who deactivated the account, when and why.
    listed = client.get("/people/", {"q": enterprise_user.username}).content.decode()
    assert "Left the company." in listed and "operator" in listed
    # A deactivation, in the people list's words: not a provider's suspension.
    assert "deactivated" in listed and "suspended" not in listed

    assert client.post(f"/people/{enterprise_user.pk}/reactivate/").status_code == 302
    enterprise_user.refresh_from_db()
    assert enterprise_user.is_active


def test_the_operator_cannot_deactivate_an_operator(client, demo):
    operator = demo["users"]["operator"]
    client.force_login(operator)

    response = client.post(f"/people/{operator.pk}/deactivate/", {"reason": "Oops."})

    assert response.status_code == 403
    operator.refresh_from_db()
    assert operator.is_active


def test_forgot_password_sends_a_link_that_sets_a_new_password(
    client, api_as, demo, mailoutbox, django_capture_on_commit_callbacks
):
    # A token made with the old password (by whoever knew it) stops with the reset.
    old_api = api_as(demo["users"]["enterprise-nanhu"])
    assert old_api.get("/api/vouchers/").status_code == 200
    response = ask_for_a_reset(
        client, django_capture_on_commit_callbacks, "enterprise-nanhu@example.com"
    )

    assert response.status_code == 302
    path = link_in(mailoutbox[-1]).split("://", 1)[1].split("/", 1)[1]
    form = client.get("/" + path, follow=True)
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "b-Long-pass-2026", "new_password2": "b-Long-pass-2026"},
    )
    assert client.login(username="enterprise-nanhu", password="b-Long-pass-2026")
    assert old_api.get("/api/vouchers/").status_code == 401


def test_a_new_password_like_the_user_name_is_refused(
    client, demo, mailoutbox, django_capture_on_commit_callbacks
):
    ask_for_a_reset(client, django_capture_on_commit_callbacks, "enterprise-nanhu@example.com")
    path = link_in(mailoutbox[-1]).split("://", 1)[1].split("/", 1)[1]
    form = client.get("/" + path, follow=True)
    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "enterprise-nanhu-3", "new_password2": "enterprise-nanhu-3"},
    )
    assert response.status_code == 400
    assert "too similar" in str(response.context["form"].errors["new_password2"])


def test_an_invited_official_whose_link_expired_asks_for_a_new_one(
    client, demo, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(demo["users"]["operator"])
    invite(client, region=demo["regions"]["HEFEI_HT"].pk)
    client.logout()

    ask_for_a_reset(client, django_capture_on_commit_callbacks, "WUJIN3@example.com")

    assert mailoutbox[-1].to == ["wujin3@example.com"]
    assert "/account/set-password/" in mailoutbox[-1].body


def test_an_address_already_in_use_is_refused(client, demo):
    client.force_login(demo["users"]["operator"])

    response = invite(
        client, email="Enterprise-Jiangnan@example.com", region=demo["regions"]["WUJIN"].pk
    )

    assert response.status_code == 409
    assert not User.objects.filter(username="official-wujin-3").exists()


def test_an_official_cannot_deactivate_a_district_colleague(client, demo):
    client.force_login(demo["users"]["operator"])
    invite(
        client,
        username="wujin-colleague",
        email="colleague@example.com",
        region=demo["regions"]["WUJIN"].pk,
    )
    colleague = User.objects.get(username="wujin-colleague")
    client.force_login(demo["users"]["official-wujin"])

    response = client.post(f"/people/{colleague.pk}/deactivate/", {"reason": "Gone."})

    assert response.status_code == 403
    colleague.refresh_from_db()
    assert colleague.is_active
    assert not AuditEntry.objects.filter(object_id=str(colleague.pk), action="deactivate").exists()


def test_a_weak_new_password_is_refused_with_400_and_changes_nothing(
    client, demo, mailoutbox, django_capture_on_commit_callbacks
):
    ask_for_a_reset(client, django_capture_on_commit_callbacks, "enterprise-nanhu@example.com")
    path = link_in(mailoutbox[-1]).split("://", 1)[1].split("/", 1)[1]
    form = client.get("/" + path, follow=True)

    response = client.post(
        form.redirect_chain[-1][0], {"new_password1": "123", "new_password2": "123"}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["new_password2"]
    assert not client.login(username="enterprise-nanhu", password="123")


def test_a_wrong_password_at_login_answers_400(client, demo):
    response = client.post("/login/", {"username": "enterprise-nanhu", "password": "wrong"})

    assert response.status_code == 400
    assert response.context["form"].errors
    assert client.post("/account/forgot-password/", {"email": "not-an-address"}).status_code == 400


def test_a_chinese_name_reads_family_name_first():
    from regions.models import User

    assert User(first_name="三", last_name="张").get_full_name() == "张三"
    assert User(first_name="Jane", last_name="Smith").get_full_name() == "Jane Smith"


def test_a_reactivated_account_does_not_get_its_old_sessions_back(client, demo):
    # Switched off because it was compromised: whoever held its session must not be signed
    # in again the moment the operator switches it back on.
    enterprise_user = demo["users"]["enterprise-yangpu"]
    held = Client()
    held.force_login(enterprise_user)
    assert held.get("/enterprise/").status_code == 200
    client.force_login(demo["users"]["operator"])

    client.post(f"/people/{enterprise_user.pk}/deactivate/", {"reason": "Compromised."})
    assert held.get("/enterprise/").status_code == 302
    assert client.post(f"/people/{enterprise_user.pk}/reactivate/").status_code == 302

    assert held.get("/enterprise/").status_code == 302  # to the login page, for good
    enterprise_user.refresh_from_db()
    again = Client()
    again.force_login(enterprise_user)  # signing in afresh works
    assert again.get("/enterprise/").status_code == 200


def test_an_account_never_deactivated_keeps_its_sessions_across_the_change(client, demo):
    enterprise_user = demo["users"]["enterprise-yangpu"]
    client.force_login(enterprise_user)
    enterprise_user.refresh_from_db()
    assert enterprise_user.session_generation == 0
    assert client.get("/enterprise/").status_code == 200


def test_an_address_gets_at_most_three_reset_links_an_hour(
    client, demo, mailoutbox, django_capture_on_commit_callbacks
):
    # The public form sent a link each time it was asked: anyone could flood a mailbox.
    capture = django_capture_on_commit_callbacks
    for _ in range(5):
        response = ask_for_a_reset(client, capture, "enterprise-hefei@example.com")
        assert response.status_code == 302  # the same answer every time
    assert len([m for m in mailoutbox if "enterprise-hefei@example.com" in m.to]) == 3
    ask_for_a_reset(client, capture, "enterprise-nanhu@example.com")
    assert any("enterprise-nanhu@example.com" in m.to for m in mailoutbox)


def test_an_enterprise_or_provider_account_reads_its_organisations_district(client, demo):
    """The list showed "—" for them."""
    client.force_login(demo["users"]["operator"])
    html = client.get("/people/", {"role": "enterprise"}, HTTP_ACCEPT_LANGUAGE="en")
    row = html.content.decode().split("enterprise-jiangnan", 1)[1].split("</tr>", 1)[0]
    enterprise = demo["users"]["enterprise-jiangnan"].enterprise
    assert str(enterprise.region) in row
