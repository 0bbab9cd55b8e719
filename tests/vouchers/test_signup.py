import pytest
from django.core import mail

from regions.models import AuditEntry, User
from tests.vouchers.conftest import valid_credit_code
from vouchers.models import Enterprise

pytestmark = pytest.mark.django_db


def form(demo, **overrides):
    data = {
        "username": "newco",
        "email": "boss@newco.example",
        "password1": "a-Strong-pass-2026",
        "password2": "a-Strong-pass-2026",
        "name": "Wujin New Materials Co., Ltd.",
        "credit_code": valid_credit_code(),
        "region": demo["regions"]["WUJIN"].pk,
        "industry": "New materials",
        "size": "small",
        "contact_name": "Li Wei",
        "contact_phone": "0519-1234567",
        "contact_email": "li@newco.example",
    }
    data.update(overrides)
    return data


def test_it_shows_the_form(client, demo):
    response = client.get("/signup/")
    assert response.status_code == 200
    assert b"credit_code" in response.content


def test_it_creates_the_user_and_enterprise_and_logs_in(client, demo):
    response = client.post("/signup/", form(demo))
    assert response.status_code == 302
    assert response["Location"] == "/enterprise/"
    user = User.objects.get(username="newco")
    assert user.role == User.Role.ENTERPRISE
    assert user.enterprise.credit_code == valid_credit_code()
    assert user.enterprise.region.code == "WUJIN"
    assert not user.enterprise.is_verified
    assert client.get("/enterprise/").context["user"] == user
    # The contact the form asks for is the person signing up: histories name them.
    assert user.get_full_name() == "Li Wei"
    # The history names the person who registered (it said "the system").
    assert AuditEntry.objects.filter(
        object_type="vouchers.enterprise",
        object_id=str(user.enterprise.pk),
        action="register",
        actor=user,
    ).exists()


def test_it_tells_the_districts_officials(client, demo, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/signup/", form(demo))
    assert any("official-wujin@example.com" in m.to for m in mail.outbox)


def test_it_accepts_a_lower_case_code(client, demo):
    client.post("/signup/", form(demo, credit_code=valid_credit_code().lower()))
    assert Enterprise.objects.filter(credit_code=valid_credit_code()).exists()


@pytest.mark.parametrize(
    "code, message",
    [
        ("91320412MA1ABC00", "18 characters"),
        ("91320412MA1ABC0011", "check character"),
        ("91320412MA1ABCO01" + "1", "may not contain O"),
        ("", "required"),
    ],
)
def test_it_refuses_a_wrong_credit_code_on_the_field(client, demo, code, message):
    response = client.post("/signup/", form(demo, credit_code=code))
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors["credit_code"])
    assert message in errors
    assert not User.objects.filter(username="newco").exists()


def test_it_refuses_a_second_enterprise_with_the_same_code(client, demo):
    taken = demo["enterprises"]["enterprise-yangpu"].credit_code
    response = client.post("/signup/", form(demo, credit_code=taken))
    assert response.status_code == 400
    assert "already registered" in " ".join(response.context["form"].errors["credit_code"])
    assert not User.objects.filter(username="newco").exists()


def test_the_service_refuses_a_duplicate_the_form_missed(demo):
    """The race: the form's check passed, then another sign-up took the code."""
    from portal.errors import ValidationFailed
    from vouchers.services import enterprise_register

    data = form(demo)
    data.pop("password2")
    password = data.pop("password1")
    data["region"] = demo["regions"]["WUJIN"]
    data["credit_code"] = demo["enterprises"]["enterprise-hefei"].credit_code
    with pytest.raises(ValidationFailed) as error:
        enterprise_register(password=password, **data)
    assert error.value.field == "credit_code"
    assert not User.objects.filter(username="newco").exists()


def test_it_refuses_a_taken_user_name(client, demo):
    response = client.post("/signup/", form(demo, username="enterprise-yangpu"))
    assert response.status_code == 400
    assert "taken" in " ".join(response.context["form"].errors["username"])


def test_it_refuses_different_passwords(client, demo):
    response = client.post("/signup/", form(demo, password2="something-else-99"))
    assert response.status_code == 400
    assert response.context["form"].errors["password2"]
    assert not Enterprise.objects.filter(credit_code=valid_credit_code()).exists()


@pytest.mark.parametrize("field", ["name", "name_zh", "contact_name"])
def test_a_name_with_an_invisible_direction_character_is_refused(client, demo, field):
    # U+202E turns the rest of the name around where it is shown (a public certificate).
    response = client.post("/signup/", form(demo, **{field: "Good Co\u202eDAB Ltd"}))
    assert response.status_code == 400
    assert "invisible direction characters" in str(response.context["form"].errors)
    assert not User.objects.filter(username="newco").exists()
    assert not Enterprise.objects.filter(credit_code=valid_credit_code()).exists()


def test_a_name_that_shows_nothing_is_refused(client, demo):
    response = client.post("/signup/", form(demo, name="\u200b\u3164"))

    assert response.status_code == 400
    assert response.context["form"].errors["name"]
    assert not Enterprise.objects.filter(credit_code=valid_credit_code()).exists()


def test_a_short_password_is_refused_in_chinese_on_a_chinese_page(client, demo):
    """Django 5.2's own Chinese catalogue misses its new "too short" message."""
    response = client.post(
        "/signup/",
        form(demo, password1="ab1", password2="ab1"),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "密码太短：至少需要 8 个字符。" in page
    assert "too short" not in page


def test_every_mistake_is_named_on_the_first_submit(client, demo):
    """A bad e-mail was named alone; the phone's mistake came only on the next try."""
    response = client.post(
        "/signup/", form(demo, contact_email="not-an-address", contact_phone="abc")
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "contact_email" in errors and "contact_phone" in errors
    assert not User.objects.filter(username="newco").exists()
