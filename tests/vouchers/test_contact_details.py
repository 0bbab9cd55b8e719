"""Contact details are what they say: a phone is a phone, and no name, address or phone holds
invisible format characters (a right-to-left override makes a name read as another)."""

import pytest

from portal.errors import ValidationFailed
from providers.models import Provider, ServiceCategory
from tests.providers.test_apply import account
from tests.providers.test_apply import form_data as application_form
from tests.vouchers.test_signup import form as signup_form
from vouchers.models import Enterprise
from vouchers.services.related_parties import clean_phone

pytestmark = pytest.mark.django_db

RLO = "\u202e"


@pytest.mark.parametrize(
    "written, stored",
    [
        ("0519-1234567", "0519-1234567"),
        ("+86 (21) 6512 3456", "+86 (21) 6512 3456"),
        ("０５１９－８８８８１２３４", "0519-88881234"),  # full-width, as a Chinese IME types it
        ("021 6512 3456 转 12", "021 6512 3456 转 12"),
        ("  138  1234 5678 ", "138 1234 5678"),
        ("", ""),
    ],
)
def test_phones_people_write_are_kept_normalised(written, stored):
    assert clean_phone(written) == stored


@pytest.mark.parametrize(
    "junk", ["<script>alert(1)</script>", "call me", "12" + RLO + "34", "+", "-0519", "1" * 33]
)
def test_anything_else_is_not_a_phone(junk):
    with pytest.raises(ValidationFailed) as refused:
        clean_phone(junk)
    assert refused.value.field == "contact_phone"


def test_the_providers_profile_refuses_markup_as_its_phone(demo, client):
    graphene = demo["providers"]["provider-graphene"]
    before = graphene.contact_phone
    client.force_login(demo["users"]["provider-graphene"])
    response = client.post(
        "/provider/profile/",
        {
            "legal_representative": "Li Ming",
            "registered_address": "6 Road",
            "contact_phone": "<script>alert(1)</script>",
        },
    )
    assert response.status_code == 400
    assert "phone number" in response.content.decode()
    graphene.refresh_from_db()
    assert graphene.contact_phone == before and graphene.legal_representative != "Li Ming"


def test_a_right_to_left_override_in_a_name_is_refused(demo, client):
    enterprise = demo["enterprises"]["enterprise-jiangnan"]
    before = enterprise.legal_representative
    client.force_login(demo["users"]["enterprise-jiangnan"])
    response = client.post(
        "/enterprise/profile/",
        {
            "legal_representative": "Xu" + RLO + "Lei",
            "registered_address": "1 New Road",
            "contact_phone": "0519-1",
        },
    )
    assert response.status_code == 400
    enterprise.refresh_from_db()
    assert enterprise.legal_representative == before


def test_signing_up_with_markup_as_the_phone_is_refused(client, demo):
    data = signup_form(demo, contact_phone="javascript:alert(1)")
    response = client.post("/signup/", data)
    assert response.status_code == 400
    assert "phone number" in response.content.decode()
    assert not Enterprise.objects.filter(credit_code=data["credit_code"]).exists()


def test_applying_as_a_provider_with_markup_as_the_phone_is_refused(client, demo):
    testing = ServiceCategory.objects.get(code="testing")
    data = {
        **application_form(
            region=demo["regions"]["WUJIN"].pk, categories=[testing.pk], contact_phone="<b>1</b>"
        ),
        **account(),
    }
    response = client.post("/providers/apply/", data)
    assert response.status_code == 400
    assert not Provider.objects.filter(credit_code=data["credit_code"]).exists()
