"""The forgotten-password form queues the link in the outbox and the worker sends it: the
request does the same for an address with an account and one without (it sent the mail
itself, for a known address only, and its time told which addresses had accounts)."""

import re

import pytest

from portal.models import OutboxMessage

pytestmark = pytest.mark.django_db

RESET_TASK = "regions.tasks.send_password_reset"
KNOWN = "enterprise-nanhu@example.com"
UNKNOWN = "nobody-here@example.com"


def ask(client, email, **headers):
    return client.post("/account/forgot-password/", {"email": email}, **headers)


def queued_resets() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(task_name=RESET_TASK).order_by("id"))


def test_it_sends_nothing_in_the_request_and_the_worker_mails_the_known_address_alone(
    client, demo, mailoutbox, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as delivery:
        known, unknown = ask(client, KNOWN), ask(client, UNKNOWN)

    # The same answer, the same work: one outbox row each, no mail yet.
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert mailoutbox == []
    assert [m.kwargs["email"] for m in queued_resets()] == [KNOWN, UNKNOWN]

    for deliver in delivery:
        deliver()

    assert all(m.done_at is not None for m in queued_resets())
    [mail] = mailoutbox
    assert mail.to == [KNOWN]
    link = re.search(r"(https?://\S+)(/account/set-password/\S+/)", mail.body)
    assert link.group(1) == settings.PORTAL_BASE_URL
    form = client.get(link.group(2), follow=True)
    assert form.context["validlink"]
    saved = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "c-Long-pass-2026", "new_password2": "c-Long-pass-2026"},
    )
    assert saved.status_code == 302
    assert client.login(username="enterprise-nanhu", password="c-Long-pass-2026")


def test_the_link_starts_with_the_portals_address(
    client, demo, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_BASE_URL = "https://vouchers.example.cn"
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, KNOWN)

    assert "https://vouchers.example.cn/account/set-password/" in mailoutbox[-1].body


def test_the_mail_is_in_the_language_the_form_was_filled_in(
    client, demo, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, KNOWN, HTTP_ACCEPT_LANGUAGE="zh-hans")
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, "enterprise-jiangnan@example.com", HTTP_ACCEPT_LANGUAGE="en")

    chinese, english = mailoutbox
    assert chinese.subject == "【创新券平台】设置新密码"
    assert english.subject == "[Voucher portal] Choose a new password"


def test_a_deactivated_account_gets_no_link(
    client, demo, mailoutbox, django_capture_on_commit_callbacks
):
    user = demo["users"]["enterprise-nanhu"]
    user.is_active = False
    user.save(update_fields=["is_active"])

    with django_capture_on_commit_callbacks(execute=True):
        response = ask(client, KNOWN)

    assert response.status_code == 302
    assert len(queued_resets()) == 1  # queued all the same
    assert mailoutbox == []


def test_the_admins_outbox_shows_no_reset_link(client, demo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        ask(client, KNOWN)
    [message] = queued_resets()
    # The row names the address and the page's language; the link is written by the worker.
    assert set(message.kwargs) == {"email", "language"}

    client.force_login(demo["users"]["operator"])
    page = client.get(f"/admin/portal/outboxmessage/{message.pk}/change/")

    assert page.status_code == 200
    html = page.content.decode()
    assert KNOWN in html
    assert "set-password" not in html


def test_requests_beyond_the_sign_up_allowance_are_refused_queueing_nothing(client, demo, settings):
    """Each request queues a row for any address: the per-address limit alone let a script
    queue rows for invented addresses without end. Counted per network in the sign-up
    allowance (THROTTLE_SIGNUP)."""
    settings.THROTTLE_SIGNUP = "2/hour"
    assert ask(client, "first-invented@example.com").status_code == 302
    assert ask(client, "second-invented@example.com").status_code == 302

    refused = ask(client, "third-invented@example.com")

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 3000
    assert "Too many password requests from your network: try again in" in refused.content.decode()
    assert [m.kwargs["email"] for m in queued_resets()] == [
        "first-invented@example.com",
        "second-invented@example.com",
    ]


@pytest.mark.parametrize("reactivated", [False, True])
def test_a_link_mailed_before_the_account_was_deactivated_no_longer_works(
    client, demo, mailoutbox, django_capture_on_commit_callbacks, reactivated
):
    """Whoever held the old link set the password that would be live the day the account
    came back, and was told "you can log in with your new password now"."""
    from regions.accounts import account_deactivate, account_reactivate
    from regions.models import User

    with django_capture_on_commit_callbacks(execute=True):
        ask(client, KNOWN)
    path = re.search(r"https?://\S+?(/account/set-password/\S+/)", mailoutbox[-1].body).group(1)
    account = User.objects.get(email=KNOWN)
    password_before = account.password
    account_deactivate(actor=demo["users"]["operator"], account=account, reason="Left.")
    if reactivated:
        account_reactivate(actor=demo["users"]["operator"], account=account)

    form = client.get(path, follow=True)
    posted = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else path,
        {"new_password1": "c-Long-pass-2026", "new_password2": "c-Long-pass-2026"},
    )

    assert not form.context["validlink"]
    assert posted.status_code != 302
    account.refresh_from_db()
    assert account.password == password_before
