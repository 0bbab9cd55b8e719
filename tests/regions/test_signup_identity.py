"""One e-mail address, one account; one rule for user names. The sign-up of enterprises
(`/signup/`) and the application of a provider with a new account (`/providers/apply/`) refuse
what the invitation of officials refuses (tests/regions/test_people.py), on the form, and write
nothing when they do."""

import threading

import pytest
from django.db import connection

from portal.errors import InvalidTransition, ValidationFailed
from providers.models import Provider, ServiceCategory
from providers.services import provider_register
from regions.models import Region, User
from tests.providers.conftest import credit_code, pdf_upload
from tests.vouchers.conftest import valid_credit_code
from tests.vouchers.test_signup import form as signup_form
from vouchers.models import Enterprise

pytestmark = pytest.mark.django_db

# The address of a demo account (enterprise-jiangnan).
TAKEN = "enterprise-jiangnan@example.com"
BAD_USERNAMES = ["x y", "a", "<script>x</script>"]
USERNAME_RULE = "3 to 150 letters, digits and @ . + - _ only."
EMAIL_TAKEN = "An account with this e-mail address exists already."


def apply_form(demo, **account):
    data = {
        "name": "Changzhou Materials Testing Centre",
        "credit_code": credit_code(),
        "region": demo["regions"]["WUJIN"].pk,
        "kind": "testing_lab",
        "categories": [ServiceCategory.objects.get(code="testing").pk],
        "contact_email": "lab@example.com",
        "qualifications": [pdf_upload("licence.pdf")],
        "account-username": "new-lab",
        "account-email": "new-lab@example.com",
        "account-password": "a-good-pass-2026",
        "account-password_again": "a-good-pass-2026",
    }
    data.update({f"account-{key}": value for key, value in account.items()})
    return data


def assert_nothing_signed_up(before: int):
    assert User.objects.count() == before
    assert not Enterprise.objects.filter(credit_code=valid_credit_code()).exists()


def assert_nothing_applied(before: int):
    assert User.objects.count() == before
    assert not Provider.objects.filter(name="Changzhou Materials Testing Centre").exists()


# --- /signup/ -----------------------------------------------------------------------------------


@pytest.mark.parametrize("email", [TAKEN, TAKEN.upper(), "Enterprise-Jiangnan@Example.com"])
def test_signup_refuses_an_address_in_use(client, demo, email):
    before = User.objects.count()

    response = client.post("/signup/", signup_form(demo, email=email))

    assert response.status_code == 400
    assert response.context["form"].errors["email"] == [EMAIL_TAKEN]
    assert_nothing_signed_up(before)


def test_signup_refuses_a_contact_address_in_use_when_the_account_has_none(client, demo):
    """Without an address of its own the account gets the contact's."""
    before = User.objects.count()

    response = client.post("/signup/", signup_form(demo, email="", contact_email=TAKEN.upper()))

    assert response.status_code == 400
    assert response.context["form"].errors["contact_email"] == [EMAIL_TAKEN]
    assert_nothing_signed_up(before)


@pytest.mark.parametrize("username", BAD_USERNAMES)
def test_signup_refuses_a_bad_user_name(client, demo, username):
    before = User.objects.count()

    response = client.post("/signup/", signup_form(demo, username=username))

    assert response.status_code == 400
    assert response.context["form"].errors["username"] == [USERNAME_RULE]
    assert_nothing_signed_up(before)


def test_signup_still_creates_the_account(client, demo):
    response = client.post("/signup/", signup_form(demo, username="new.co_2026@wujin+x"))

    assert response.status_code == 302
    user = User.objects.get(username="new.co_2026@wujin+x")
    assert user.email == "boss@newco.example"
    assert user.enterprise.credit_code == valid_credit_code()


def test_signup_gives_the_account_the_contact_address_when_it_has_none(client, demo):
    response = client.post("/signup/", signup_form(demo, email=""))

    assert response.status_code == 302
    assert User.objects.get(username="newco").email == "li@newco.example"


# --- /providers/apply/ --------------------------------------------------------------------------


@pytest.mark.parametrize("email", [TAKEN, TAKEN.upper()])
def test_provider_apply_refuses_an_address_in_use(client, demo, email):
    before = User.objects.count()

    response = client.post("/providers/apply/", apply_form(demo, email=email))

    assert response.status_code == 400
    assert response.context["account_form"].errors["email"] == [EMAIL_TAKEN]
    assert_nothing_applied(before)


@pytest.mark.parametrize("username", BAD_USERNAMES)
def test_provider_apply_refuses_a_bad_user_name(client, demo, username):
    before = User.objects.count()

    response = client.post("/providers/apply/", apply_form(demo, username=username))

    assert response.status_code == 400
    assert response.context["account_form"].errors["username"] == [USERNAME_RULE]
    assert_nothing_applied(before)


def test_provider_apply_still_creates_the_account(client, demo):
    response = client.post("/providers/apply/", apply_form(demo))

    assert response.status_code == 302
    user = User.objects.get(username="new-lab")
    assert user.email == "new-lab@example.com"
    assert user.provider.name == "Changzhou Materials Testing Centre"


# --- the service, behind the form ----------------------------------------------------------------


def register(demo, **account):
    return provider_register(
        **{
            "username": "new-lab",
            "email": "new-lab@example.com",
            "password": "a-good-pass-2026",
            **account,
        },
        name="Changzhou Materials Testing Centre",
        credit_code=credit_code(),
        region=demo["regions"]["WUJIN"],
        kind="testing_lab",
        categories=[ServiceCategory.objects.get(code="testing")],
    )


def test_provider_register_refuses_an_address_the_form_did_not_see_taken(demo):
    """The race: the form's check passed, then another request took the address."""
    before = User.objects.count()

    with pytest.raises(InvalidTransition) as refused:
        register(demo, email=TAKEN.upper())

    assert (refused.value.field, refused.value.code) == ("email", "email_taken")
    assert_nothing_applied(before)


@pytest.mark.parametrize("username", BAD_USERNAMES)
def test_provider_register_refuses_a_bad_user_name(demo, username):
    before = User.objects.count()

    with pytest.raises(ValidationFailed) as refused:
        register(demo, username=username)

    assert (refused.value.field, refused.value.message) == ("username", USERNAME_RULE)
    assert_nothing_applied(before)


def enterprise_signup(demo, **account):
    from vouchers.services import enterprise_register

    return enterprise_register(
        username=account.get("username", "newco"),
        password="a-Strong-pass-2026",
        email=account.get("email", "boss@newco.example"),
        credit_code=valid_credit_code(),
        region=demo["regions"]["WUJIN"],
        name="Wujin New Materials Co., Ltd.",
        industry="New materials",
        size="small",
        contact_name="Li Wei",
        contact_phone="0519-1234567",
        contact_email="li@newco.example",
    )


def test_enterprise_register_refuses_an_address_the_form_did_not_see_taken(demo):
    before = User.objects.count()

    with pytest.raises(InvalidTransition) as refused:
        enterprise_signup(demo, email=TAKEN.upper())

    assert (refused.value.field, refused.value.code) == ("email", "email_taken")
    assert_nothing_signed_up(before)


def test_enterprise_register_writes_no_enterprise_when_the_account_fails(demo, monkeypatch):
    """The user name taken between the check and the insert: neither row stays."""
    from django.db import IntegrityError

    def taken(*args, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(User.objects, "create_user", taken)
    before = User.objects.count()

    with pytest.raises(ValidationFailed) as refused:
        enterprise_signup(demo)

    assert refused.value.field == "username"
    assert_nothing_signed_up(before)


# serialized_rollback: see tests/vouchers/test_concurrent_signup.py.
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_providers_registering_one_address_at_once_get_one_account(demo):
    region_id = demo["regions"]["WUJIN"].pk
    category_id = ServiceCategory.objects.get(code="testing").pk
    codes = [credit_code(), credit_code()]
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def apply(i: int):
        try:
            region = Region.objects.get(pk=region_id)
            category = ServiceCategory.objects.get(pk=category_id)
            start.wait()
            provider_register(
                username=f"racer-lab{i}",
                email=["race@example.com", "RACE@example.com"][i],
                password="race-pass-2026!",
                name=f"Racer Lab {i}",
                credit_code=codes[i],
                region=region,
                kind="testing_lab",
                categories=[category],
            )
            outcomes.append("registered")
        except InvalidTransition as refused:
            outcomes.append(f"{refused.field}:{refused.code}")
        except Exception as error:  # noqa: BLE001 — anything else must fail the test
            outcomes.append(f"error: {error!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=apply, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["email:email_taken", "registered"], outcomes
    assert User.objects.filter(email__iexact="race@example.com").count() == 1
    assert Provider.objects.filter(name__startswith="Racer Lab").count() == 1
