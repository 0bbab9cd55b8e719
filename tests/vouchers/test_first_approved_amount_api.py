"""Four eyes in the API: an application waiting for its second official shows the amount the
first approved (`first_approved_amount`), in its detail and in the list alike, so the second
official sees what to approve before a 409 `amount_differs` says it."""

from decimal import Decimal

import pytest

from regions.models import ProgrammeRules
from regions.selectors import current_year

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _threshold(demo):
    ProgrammeRules.objects.filter(region__code="YANGPU", year=current_year()).update(
        four_eyes_threshold=Decimal("200000.00")
    )


def approve(api_as, user, application, amount):
    return api_as(user).post(
        f"/api/voucher-applications/{application.pk}/approve/",
        {"approved_amount": amount, "note": "The testing part is priced lower."},
        format="json",
    )


def shown(api, application) -> tuple[dict, dict]:
    """The application as its detail and as its row of the list give it."""
    detail = api.get(f"/api/voucher-applications/{application.pk}/").json()
    listed = api.get("/api/voucher-applications/").json()["results"]
    return detail, next(row for row in listed if row["id"] == application.pk)


def test_it_shows_the_amount_the_first_official_approved(api_as, demo, submit):
    application = submit("enterprise-yangpu", "250000.00")
    first = approve(api_as, demo["users"]["official-yangpu"], application, "240000.00")
    assert first.status_code == 202

    for body in shown(api_as(demo["users"]["official-yangpu-2"]), application):
        assert body["status"] == "submitted"
        assert body["approved_amount"] is None
        assert body["first_approved_amount"] == "240000.00"


def test_the_second_official_approves_the_amount_it_reads(api_as, demo, submit):
    application = submit("enterprise-yangpu", "250000.00")
    approve(api_as, demo["users"]["official-yangpu"], application, "240000.00")
    second = api_as(demo["users"]["official-yangpu-2"])
    amount = second.get(f"/api/voucher-applications/{application.pk}/").json()[
        "first_approved_amount"
    ]

    response = approve(api_as, demo["users"]["official-yangpu-2"], application, amount)

    assert response.status_code == 200
    assert response.json()["approved_amount"] == "240000.00"
    assert response.json()["first_approved_amount"] == "240000.00"


def test_it_is_null_before_any_approval(api_as, demo, submit):
    application = submit("enterprise-yangpu", "250000.00")

    for body in shown(api_as(demo["users"]["official-yangpu"]), application):
        assert body["first_approved_amount"] is None


def test_it_is_null_when_one_official_was_enough(api_as, demo, submit):
    application = submit("enterprise-yangpu", "150000.00")
    response = approve(api_as, demo["users"]["official-yangpu"], application, "150000.00")
    assert response.status_code == 200

    for body in shown(api_as(demo["users"]["official-yangpu"]), application):
        assert body["approved_amount"] == "150000.00"
        assert body["first_approved_amount"] is None
