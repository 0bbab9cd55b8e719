"""One voucher says what it pays for: its co-funding ratio and eligible categories, from the
rules that govern it (the version in force when it was issued), on its page and in the API."""

import pytest
from django.urls import reverse

from providers.models import ServiceCategory
from regions.models import ProgrammeRules
from vouchers.models import Voucher

pytestmark = pytest.mark.django_db


def test_one_voucher_says_what_it_pays_for(api_as, client, demo):
    voucher = demo["voucher"]
    version = voucher.rules_version
    category = ServiceCategory.objects.order_by("pk").first()
    version.eligible_categories.set([category])
    api = api_as(demo["users"]["official-wujin"])

    body = api.get(f"/api/vouchers/{voucher.serial}/").json()
    assert body["terms"] == {
        "co_funding_ratio": f"{version.co_funding_ratio:.3f}",
        "eligible_categories": [category.code],
        "rules_version": version.pk,
        "in_force_from": version.effective_from.isoformat(),
    }
    # The list stays as it was: one voucher's terms are read for its own page only.
    assert "terms" not in api.get("/api/vouchers/").json()["results"][0]

    client.force_login(demo["users"]["enterprise-jiangnan"])
    page = client.get(
        reverse("voucher-detail", args=[voucher.serial]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert f"{version.co_funding_ratio * 100:.0f}%" in page
    assert category.name in page
    assert f"In force since {version.effective_from:%Y-%m-%d}" in page


def test_a_voucher_from_before_rules_versions_has_its_district_years_terms(api_as, demo):
    voucher = demo["voucher"]
    Voucher.objects.filter(pk=voucher.pk).update(rules_version=None)
    rules = ProgrammeRules.objects.get(region=voucher.issuing_region, year=voucher.year)

    body = api_as(demo["users"]["enterprise-jiangnan"]).get(f"/api/vouchers/{voucher.serial}/")
    assert body.json()["terms"] == {
        "co_funding_ratio": f"{rules.co_funding_ratio:.3f}",
        "eligible_categories": [],
        "rules_version": None,
        "in_force_from": None,
    }


def test_without_rules_for_its_year_a_voucher_shows_no_terms(api_as, client, demo):
    voucher = demo["voucher"]
    Voucher.objects.filter(pk=voucher.pk).update(rules_version=None, year=voucher.year - 5)

    body = api_as(demo["users"]["enterprise-jiangnan"]).get(f"/api/vouchers/{voucher.serial}/")
    assert body.json()["terms"] is None
    client.force_login(demo["users"]["enterprise-jiangnan"])
    page = client.get(reverse("voucher-detail", args=[voucher.serial]), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Co-funding ratio" not in page.content.decode()


def test_in_chinese_the_categories_are_listed_with_the_chinese_comma(client, demo):
    voucher = demo["voucher"]
    first, second = ServiceCategory.objects.order_by("pk")[:2]
    voucher.rules_version.eligible_categories.set([first, second])
    client.force_login(demo["users"]["enterprise-jiangnan"])

    page = client.get(
        reverse("voucher-detail", args=[voucher.serial]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert f"{first.name_zh}、{second.name_zh}" in page
