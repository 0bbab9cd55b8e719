"""An enterprise's or a provider's user adds colleagues: the organisation is registered once
(by its credit code), and a second person had no way in."""

import re

import pytest

from regions.models import AuditEntry, User

pytestmark = pytest.mark.django_db

COLLEAGUE = {
    "username": "jiangnan-li",
    "email": "li@jiangnan.example.com",
    "last_name": "李",
    "first_name": "娜",
}


def link_in(mail) -> str:
    return re.search(r"https?://\S+/account/set-password/\S+/", mail.body).group(0)


def test_an_enterprise_user_adds_a_colleague_who_then_acts_for_it(
    client, users, demo, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(users["enterprise-jiangnan"])
    page = client.get("/colleagues/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200 and "enterprise-jiangnan" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/colleagues/", COLLEAGUE)
    assert response.status_code == 302
    colleague = User.objects.get(username="jiangnan-li")
    assert colleague.role == User.Role.ENTERPRISE
    assert colleague.enterprise == users["enterprise-jiangnan"].enterprise
    assert not colleague.has_usable_password()
    assert AuditEntry.objects.filter(object_id=str(colleague.pk), action="create").exists()
    assert mailoutbox[-1].to == ["li@jiangnan.example.com"]
    path = "/" + link_in(mailoutbox[-1]).split("://", 1)[1].split("/", 1)[1]

    client.logout()
    form = client.get(path, follow=True)
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-Long-pass-2026", "new_password2": "a-Long-pass-2026"},
    )
    assert client.login(username="jiangnan-li", password="a-Long-pass-2026")
    dashboard = client.get("/enterprise/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert demo["voucher"].serial in dashboard
    listed = client.get("/colleagues/").content.decode()
    assert "enterprise-jiangnan" in listed and "jiangnan-li" in listed


def test_a_provider_user_adds_a_colleague_of_the_same_provider(client, users, demo):
    client.force_login(users["provider-sit"])
    assert client.post("/colleagues/", {**COLLEAGUE, "username": "sit-wang"}).status_code == 302
    colleague = User.objects.get(username="sit-wang")
    assert colleague.role == User.Role.PROVIDER
    assert colleague.provider == users["provider-sit"].provider
    assert colleague.enterprise is None


@pytest.mark.parametrize("who", ["official-wujin", "operator", "expert-demo"])
def test_other_roles_have_no_colleagues_page(client, users, demo, who):
    client.force_login(users[who])
    assert client.get("/colleagues/").status_code == 403
    assert client.post("/colleagues/", COLLEAGUE).status_code == 403
    assert not User.objects.filter(username="jiangnan-li").exists()


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"username": "enterprise-yangpu"}, 409),
        ({"email": "enterprise-yangpu@example.com"}, 409),
        ({"email": "not an address"}, 400),
        ({"username": "x"}, 400),
        ({"last_name": "李\u202e"}, 400),
    ],
)
def test_a_bad_colleague_is_refused_and_nothing_is_made(client, users, demo, fields, status):
    client.force_login(users["enterprise-jiangnan"])
    before = User.objects.count()
    response = client.post("/colleagues/", {**COLLEAGUE, **fields})
    assert response.status_code == status
    assert User.objects.count() == before


def test_the_signup_refusal_points_to_the_colleagues_page(client, demo):
    from vouchers.forms import SignupForm  # noqa: F401  (the message is the form's)

    code = demo["enterprises"]["enterprise-jiangnan"].credit_code
    response = client.post(
        "/signup/",
        {"credit_code": code, "username": "someone-new", "email": "new@example.com"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Colleagues, on the enterprise&#x27;s dashboard" in response.content.decode()


def test_a_colleague_who_left_is_deactivated_with_a_reason(client, users, demo):
    client.force_login(users["enterprise-jiangnan"])
    client.post("/colleagues/", COLLEAGUE)
    colleague = User.objects.get(username="jiangnan-li")

    blank = client.post(f"/colleagues/{colleague.pk}/deactivate/", {"reason": " "})
    assert blank.status_code == 400
    colleague.refresh_from_db()
    assert colleague.is_active

    done = client.post(f"/colleagues/{colleague.pk}/deactivate/", {"reason": "Left the company."})
    assert done.status_code == 302
    colleague.refresh_from_db()
    assert not colleague.is_active
    entry = AuditEntry.objects.get(object_id=str(colleague.pk), action="deactivate")
    assert entry.reason == "Left the company." and entry.actor == users["enterprise-jiangnan"]
    again = client.post(f"/colleagues/{colleague.pk}/deactivate/", {"reason": "x"})
    assert again.status_code == 409


def test_nobody_deactivates_themselves_or_another_organisations_account(client, users, demo):
    client.force_login(users["enterprise-jiangnan"])
    own = users["enterprise-jiangnan"]
    assert client.post(f"/colleagues/{own.pk}/deactivate/", {"reason": "x"}).status_code == 403
    other = users["enterprise-yangpu"]
    assert client.post(f"/colleagues/{other.pk}/deactivate/", {"reason": "x"}).status_code == 404
    provider = users["provider-sit"]
    assert client.post(f"/colleagues/{provider.pk}/deactivate/", {"reason": "x"}).status_code == 404
    assert User.objects.filter(pk__in=[own.pk, other.pk, provider.pk], is_active=False).count() == 0


def test_every_mistake_is_named_on_the_first_submit(client, users):
    """A bad e-mail was named alone; the user name's mistake came only on the next try."""
    client.force_login(users["enterprise-jiangnan"])
    body = {**COLLEAGUE, "username": "王 小明", "email": "bad"}
    response = client.post("/colleagues/", body)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "username" in errors and "email" in errors
    assert not User.objects.filter(email="bad").exists()


def test_invitations_beyond_the_sign_up_allowance_are_refused(client, users, settings):
    """Each creates an account and says whether an address has one: an account made by a
    provider's application sent 40 invitations in 9.5 s, and learnt which addresses exist."""
    settings.THROTTLE_SIGNUP = "2/hour"
    client.force_login(users["enterprise-jiangnan"])
    assert client.post("/colleagues/", COLLEAGUE).status_code == 302
    second = {**COLLEAGUE, "username": "jiangnan-wang", "email": "wang@jiangnan.example.com"}
    assert client.post("/colleagues/", second).status_code == 302
    taken = {**COLLEAGUE, "username": "jiangnan-zhao", "email": users["official-wujin"].email}
    accounts = User.objects.count()
    refused = client.post("/colleagues/", taken)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 3000
    page = refused.content.decode()
    assert "Too many invitations from your network" in page
    assert "exists already" not in page
    assert User.objects.count() == accounts
