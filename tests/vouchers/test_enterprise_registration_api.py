"""PATCH /api/enterprises/<id>/: the enterprise's own users correct its registration, with
the page's rules."""

import pytest

from regions.models import AuditEntry
from tests.vouchers.conftest import RIGHT_CODE, WRONG_CODE

pytestmark = pytest.mark.django_db


def url(enterprise) -> str:
    return f"/api/enterprises/{enterprise.pk}/"


def test_it_corrects_a_refused_registration(api_as, demo, newcomer):
    enterprise, user = newcomer
    official = api_as(demo["users"]["official-wujin"])
    official.post(f"{url(enterprise)}reject/", {"reason": "Name differs"}, format="json")

    response = api_as(user).patch(
        url(enterprise),
        {"name": "Changzhou Jiangnan Graphite Co., Ltd.", "credit_code": RIGHT_CODE.lower()},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["name"] == "Changzhou Jiangnan Graphite Co., Ltd."
    assert body["credit_code"] == RIGHT_CODE
    assert body["industry"] == "Graphite"  # left out: kept
    entry = AuditEntry.objects.get(object_id=str(enterprise.pk), action="update")
    assert [c["field"] for c in entry.data["changes"]] == ["name", "credit_code"]
    assert api_as(user).patch(url(enterprise), {}, format="json").status_code == 200


def test_a_verified_enterprise_cannot_change_its_identity(api_as, demo):
    user = demo["users"]["enterprise-jiangnan"]
    enterprise = user.enterprise
    client = api_as(user)
    for body in (
        {"name": "Renamed Co."},
        {"name_zh": "改名公司"},
        {"credit_code": RIGHT_CODE},
        {"region": "YANGPU"},
    ):
        response = client.patch(url(enterprise), body, format="json")
        assert response.status_code == 409, body
        assert response.json()["code"] == "locked_once_verified"
    enterprise.refresh_from_db()
    assert enterprise.name == "Changzhou Jiangnan Graphene Technology Co., Ltd."
    assert enterprise.region.code == "WUJIN"
    # Sent unchanged it is no change; the contact it may still change.
    response = client.patch(
        url(enterprise),
        {"name": enterprise.name, "credit_code": enterprise.credit_code, "contact_name": "Li Si"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["contact_name"] == "Li Si"


def test_only_the_enterprises_own_users_correct_it(api_as, demo, newcomer):
    enterprise, _user = newcomer
    body = {"name": "Taken over"}
    assert (
        api_as(demo["users"]["enterprise-yangpu"]).patch(url(enterprise), body).status_code == 404
    )
    assert api_as(demo["users"]["official-nanhu"]).patch(url(enterprise), body).status_code == 404
    assert api_as(demo["users"]["official-wujin"]).patch(url(enterprise), body).status_code == 403
    assert api_as(demo["users"]["operator"]).patch(url(enterprise), body).status_code == 403
    assert api_as(demo["users"]["provider-sit"]).patch(url(enterprise), body).status_code == 404
    enterprise.refresh_from_db()
    assert enterprise.name == "Changzhou Jiangnan Tech Co."


def test_a_taken_or_mistyped_credit_code_is_400(api_as, demo, newcomer):
    enterprise, user = newcomer
    client = api_as(user)
    taken = demo["enterprises"]["enterprise-yangpu"].credit_code
    response = client.patch(url(enterprise), {"credit_code": taken}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "duplicate_credit_code"
    wrong = RIGHT_CODE[:17] + ("0" if RIGHT_CODE[17] != "0" else "1")
    response = client.patch(
        url(enterprise), {"credit_code": wrong}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "check character" in str(response.json())
    enterprise.refresh_from_db()
    assert enterprise.credit_code == WRONG_CODE


@pytest.mark.parametrize(
    "body",
    [
        {"name": "\u200b"},
        {"name": "a\x00b"},
        {"credit_code": "\x00" * 18},
        {"region": "NOWHERE"},
        {"region": None},
        {"size": "huge"},
        {"contact_email": "nobody"},
        {"contact_phone": "<script>"},
        {"industry": "x" * 101},
        {"verified": True},
        {"legal_representative": "Someone"},
    ],
)
def test_bad_input_is_400_never_500(api_as, newcomer, body):
    enterprise, user = newcomer
    response = api_as(user).patch(url(enterprise), body, format="json")
    assert response.status_code == 400, response.json()
    enterprise.refresh_from_db()
    assert enterprise.name == "Changzhou Jiangnan Tech Co." and enterprise.verified_at is None


def test_a_new_district_moves_it_in_the_api_too(api_as, demo, newcomer):
    enterprise, user = newcomer
    response = api_as(user).patch(url(enterprise), {"region": "NANHU"}, format="json")
    assert response.status_code == 200 and response.json()["region"] == "NANHU"
    assert api_as(demo["users"]["official-wujin"]).get(url(enterprise)).status_code == 404
    assert api_as(demo["users"]["official-nanhu"]).get(url(enterprise)).status_code == 200


def test_put_is_not_offered(api_as, newcomer):
    enterprise, user = newcomer
    assert api_as(user).put(url(enterprise), {}, format="json").status_code == 405
