"""Names with invisible format characters (Unicode category Cf) are refused where people sign
up and are invited, as direction characters already were: "李\u200b四" showed as 李四 and
was stored as another name."""

import pytest

from regions.models import User
from tests.vouchers.conftest import valid_credit_code
from tests.vouchers.test_signup import form
from vouchers.models import Enterprise

pytestmark = pytest.mark.django_db

MESSAGE = "This value contains invisible formatting characters."
# Zero-width space, non-joiner and joiner, the word joiner, the byte-order mark.
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]


@pytest.mark.parametrize("character", INVISIBLE)
@pytest.mark.parametrize("field", ["name", "name_zh", "contact_name"])
def test_the_signup_page_refuses_a_name_with_an_invisible_character(client, demo, field, character):
    response = client.post("/signup/", form(demo, **{field: f"李{character}四"}))

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [MESSAGE]
    assert not User.objects.filter(username="newco").exists()
    assert not Enterprise.objects.filter(credit_code=valid_credit_code()).exists()


@pytest.mark.parametrize("field", ["name", "name_zh", "contact_name"])
def test_the_api_refuses_a_name_with_an_invisible_character(api_as, demo, field):
    user = User.objects.create_user(username="fresh", password="pass-2026-x", role="enterprise")
    body = {
        "name": "Hefei Optics Co.",
        "credit_code": valid_credit_code("91340100MA2XYW001"),
        "region": "HEFEI_HT",
        "industry": "Optics",
        "size": "small",
        "contact_name": "Wang",
        "contact_email": "wang@optics.example",
        field: "李\u200b四",
    }

    response = api_as(user).post("/api/enterprises/", body, format="json")

    assert response.status_code == 400
    assert response.json() == {field: [MESSAGE], "code": "hidden_characters"}
    assert not Enterprise.objects.filter(credit_code=body["credit_code"]).exists()


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_a_colleague_is_not_invited_under_a_name_with_an_invisible_character(client, demo, field):
    client.force_login(demo["users"]["enterprise-jiangnan"])
    colleague = {"username": "jiangnan-li", "email": "li@jiangnan.example.com"}

    response = client.post("/colleagues/", {**colleague, field: "李\u200b四"})

    assert response.status_code == 400
    assert MESSAGE in response.content.decode()
    assert not User.objects.filter(username="jiangnan-li").exists()


def test_an_official_is_not_invited_under_a_name_with_an_invisible_character(client, demo):
    client.force_login(demo["users"]["operator"])

    response = client.post(
        "/people/invite/",
        {
            "username": "official-wujin-3",
            "email": "wujin3@example.com",
            "first_name": "\ufeffLin",
            "region": demo["regions"]["WUJIN"].pk,
        },
    )

    assert response.status_code == 400
    assert MESSAGE in response.content.decode()
    assert not User.objects.filter(username="official-wujin-3").exists()
