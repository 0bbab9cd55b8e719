"""Programme rules as published versions: who publishes, what is refused (and changes
nothing), when a version applies, and that an issued voucher keeps its snapshot."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from portal.errors import InvalidTransition, NotAllowed
from providers import services as orders
from providers.models import ServiceCategory, ServiceOffering
from regions.models import AuditEntry, ProgrammeRules, ProgrammeRulesVersion
from regions.rules import rules_apply_all_due, rules_version_publish
from regions.selectors import (
    current_year,
    programme_today,
    rules_of_voucher,
    rules_version_in_force,
)
from tests.redemptions.factories import confirm, make_order
from tests.vouchers.factories import make_voucher
from vouchers.services import application_submit, redemption_claim

pytestmark = pytest.mark.django_db

URL = "/api/programme-rules/"


def body(**fields):
    return {
        "region": "WUJIN",
        "year": current_year(),
        "annual_budget": "12000000.00",
        "max_voucher_per_enterprise": "400000.00",
        "co_funding_ratio": "0.400",
        "validity_days": 180,
        "cross_region": True,
        **fields,
    }


def minimal(**fields):
    """A new version naming only what the API requires: the rest keeps its value in force."""
    required = ("region", "year", "max_voucher_per_enterprise", "co_funding_ratio")
    values = {name: value for name, value in body().items() if name in required}
    return {**values, "annual_budget": "13000000.00", **fields}


def post(api_as, demo, user="operator", **fields):
    return api_as(demo["users"][user]).post(URL, body(**fields), format="json")


def wujin():
    return ProgrammeRules.objects.get(region__code="WUJIN", year=current_year())


def snapshot():
    rules = wujin()
    return (
        rules.annual_budget,
        rules.max_voucher_per_enterprise,
        rules.co_funding_ratio,
        rules.validity_days,
        ProgrammeRulesVersion.objects.count(),
    )


def publish(demo, **fields):
    values = body(**fields)
    values["region"] = demo["regions"][values["region"]]
    return rules_version_publish(actor=demo["users"]["operator"], **values)


def test_every_district_year_has_a_first_version(demo):
    for rules in ProgrammeRules.objects.all():
        version = rules_version_in_force(region_id=rules.region_id, year=rules.year)
        assert version is not None
        assert version.annual_budget == rules.annual_budget
        assert version.co_funding_ratio == rules.co_funding_ratio


def test_the_operator_publishes_a_version_in_force_today(api_as, demo):
    response = post(api_as, demo)

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["region"] == "WUJIN"
    assert data["published_by"] == "operator"
    assert data["effective_from"] == programme_today().isoformat()
    rules = wujin()
    assert rules.annual_budget == Decimal("12000000.00")
    assert rules.co_funding_ratio == Decimal("0.400")
    assert rules.validity_days == 180
    version = ProgrammeRulesVersion.objects.get(pk=data["id"])
    assert version.applied_at is not None
    assert AuditEntry.objects.filter(
        object_type="regions.programmerulesversion", object_id=str(version.pk), action="publish"
    ).exists()


def test_what_a_new_version_leaves_out_keeps_its_value_in_force(api_as, demo):
    """A budget raised through the API turned four eyes off and made every category
    eligible: an absent threshold was read as none, absent categories as all."""
    category = ServiceCategory.objects.order_by("pk").first()
    publish(
        demo,
        four_eyes_threshold=Decimal("200000.00"),
        requires_own_share=False,
        cross_region=False,
        provider_notice_days=10,
        eligible_categories=[category],
    )
    response = api_as(demo["users"]["operator"]).post(URL, minimal(), format="json")

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["four_eyes_threshold"] == "200000.00"
    assert data["eligible_categories"] == [category.code]
    assert data["requires_own_share"] is False and data["cross_region"] is False
    assert data["validity_days"] == 180 and data["provider_notice_days"] == 10
    rules = wujin()
    assert rules.annual_budget == Decimal("13000000.00")
    assert rules.four_eyes_threshold == Decimal("200000.00")


def test_what_a_later_version_leaves_out_comes_from_the_version_waiting_before_it(api_as, demo):
    """Today's rules were copied instead: on its date the later version undid the waiting
    one's threshold and categories, unsaid."""
    today = programme_today()
    first, second = today + timedelta(days=3), today + timedelta(days=6)
    if second.year != today.year:
        pytest.skip("the year ends within six days")
    category = ServiceCategory.objects.order_by("pk").first()
    publish(
        demo,
        four_eyes_threshold=Decimal("50000.00"),
        eligible_categories=[category],
        service_level_days=3,
        effective_from=first,
    )
    response = api_as(demo["users"]["operator"]).post(
        URL, minimal(effective_from=second.isoformat()), format="json"
    )

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["four_eyes_threshold"] == "50000.00"
    assert data["eligible_categories"] == [category.code]
    assert data["service_level_days"] == 3


def test_a_new_version_turns_four_eyes_off_and_opens_categories_only_when_told(api_as, demo):
    category = ServiceCategory.objects.order_by("pk").first()
    publish(demo, four_eyes_threshold=Decimal("200000.00"), eligible_categories=[category])

    response = post(api_as, demo, four_eyes_threshold=None, eligible_categories=[])

    assert response.status_code == 201, response.content
    assert response.json()["four_eyes_threshold"] is None
    assert response.json()["eligible_categories"] == []
    assert wujin().four_eyes_threshold is None


def test_anyone_reads_the_versions_newest_first_and_filters(api_client, api_as, demo):
    post(api_as, demo, annual_budget="11000000.00")
    post(api_as, demo, region="NANHU")

    everything = api_client.get(URL).json()
    rows = everything["results"] if isinstance(everything, dict) else everything
    assert rows[0]["region"] == "NANHU"
    assert rows[1]["annual_budget"] == "11000000.00"
    only = api_client.get(URL, {"region": "WUJIN", "year": current_year()}).json()
    only = only["results"] if isinstance(only, dict) else only
    assert {row["region"] for row in only} == {"WUJIN"}
    assert len(only) == 2


@pytest.mark.parametrize("user", ["official-wujin", "enterprise-jiangnan", "provider-sit"])
def test_only_the_operator_publishes(api_as, demo, user):
    before = snapshot()

    assert post(api_as, demo, user=user).status_code == 403
    assert snapshot() == before


def test_anonymous_cannot_publish(api_client, demo):
    assert api_client.post(URL, body(), format="json").status_code in (401, 403)


@pytest.mark.parametrize(
    "fields",
    [
        {"annual_budget": "-1.00"},
        {"max_voucher_per_enterprise": "-5.00"},
        {"max_voucher_per_enterprise": "0.00"},
        {"co_funding_ratio": "1.500"},
        {"co_funding_ratio": "0"},
        {"co_funding_ratio": "-0.2"},
        {"co_funding_ratio": 0.5},  # a JSON number: as for money, a string only
        {"co_funding_ratio": "1e-1"},
        {"validity_days": 0},
        {"effective_from": "2000-01-01"},
        {"year": 2001},
    ],
)
def test_bad_values_are_400_and_change_nothing(api_as, demo, fields):
    before = snapshot()

    response = post(api_as, demo, **fields)

    assert response.status_code == 400, response.content
    assert snapshot() == before


def test_an_effective_date_in_the_past_of_the_running_year_is_refused(api_as, demo):
    yesterday = programme_today() - timedelta(days=1)
    if yesterday.year != current_year():
        pytest.skip("January 1st: yesterday is last year")
    before = snapshot()

    response = post(api_as, demo, effective_from=yesterday.isoformat())

    assert response.status_code == 400
    assert response.json()["code"] == "effective_in_past"
    assert snapshot() == before


def test_a_budget_below_what_is_committed_is_409_with_the_figure(api_as, demo):
    committed = wujin().committed
    assert committed > 0
    before = snapshot()

    response = post(api_as, demo, annual_budget=str(committed - Decimal("0.01")))

    assert response.status_code == 409
    data = response.json()
    assert data["code"] == "budget_below_committed"
    assert data["committed"] == str(committed)
    assert f"{committed:,.2f}" in data["detail"]
    assert snapshot() == before


def test_a_future_version_waits_for_its_date_then_the_task_applies_it(demo):
    today = programme_today()
    later = today + timedelta(days=3)
    if later.year != today.year:
        pytest.skip("the year ends within three days")
    old_ratio = wujin().co_funding_ratio
    version = publish(demo, co_funding_ratio="0.300", effective_from=later)

    assert version.applied_at is None
    assert wujin().co_funding_ratio == old_ratio
    # Before its date the version in force is still the old one.
    assert rules_version_in_force(region_id=version.region_id, year=version.year) != version
    assert rules_apply_all_due(today=today) == 0
    assert wujin().co_funding_ratio == old_ratio

    # On its date it is in force, even before the task has run ...
    assert rules_version_in_force(region_id=version.region_id, year=version.year, on=later) == (
        version
    )
    # ... and the task applies it, once.
    assert rules_apply_all_due(today=later) == 1
    assert wujin().co_funding_ratio == Decimal("0.300")
    assert rules_apply_all_due(today=later) == 0
    version.refresh_from_db()
    assert version.applied_at is not None


def test_a_future_smaller_budget_keeps_approvals_below_it(demo):
    today = programme_today()
    later = today + timedelta(days=3)
    if later.year != today.year:
        pytest.skip("the year ends within three days")
    rules = wujin()
    publish(demo, annual_budget=str(rules.committed + Decimal("1000.00")), effective_from=later)

    from portal.errors import BudgetExceeded

    with pytest.raises(BudgetExceeded) as refused:
        make_voucher(demo["enterprises"]["enterprise-jiangnan"], "2000.00")
    # The budget in force is larger: the refusal says which rules keep it lower.
    assert f"the rules taking effect on {later:%Y-%m-%d} cut it to" in refused.value.message


def test_the_available_budget_shown_is_the_one_approvals_keep_within(api_as, client, demo):
    """With a smaller budget waiting for its date, every page and the API showed the
    budget in force less what was committed, while the approval refused beyond the
    smaller one."""
    today = programme_today()
    later = today + timedelta(days=3)
    if later.year != today.year:
        pytest.skip("the year ends within three days")
    rules = wujin()
    publish(demo, annual_budget=str(rules.committed + Decimal("1000.00")), effective_from=later)
    left = "1,000.00"

    official = demo["users"]["official-wujin"]
    budget = api_as(official).get("/api/regions/WUJIN/budget/").json()
    assert budget["available"] == "1000.00"
    client.force_login(official)
    page = client.get("/official/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert left in page and "Rules waiting to take effect set the budget" in page
    enterprise = demo["users"]["enterprise-jiangnan"]
    application = application_submit(
        enterprise=enterprise.enterprise,
        requested_amount=Decimal("800.00"),
        purpose="Test the thing",
        actor=enterprise,
    )
    page = client.get(f"/applications/{application.pk}/", HTTP_ACCEPT_LANGUAGE="en").content
    assert "District budget available: ¥1,000.00" in page.decode()
    client.force_login(demo["users"]["operator"])
    page = client.get("/operator/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert left in page


def test_a_voucher_keeps_the_version_it_was_issued_under(demo):
    enterprise = demo["enterprises"]["enterprise-yangpu"]
    voucher = make_voucher(enterprise, "10000.00")
    issued_under = voucher.rules_version
    assert issued_under is not None
    assert issued_under == rules_version_in_force(region_id=enterprise.region_id, year=voucher.year)

    publish(demo, region="YANGPU", co_funding_ratio="0.200", cross_region=False)

    voucher.refresh_from_db()
    assert voucher.rules_version == issued_under
    assert rules_of_voucher(voucher) == issued_under
    assert rules_of_voucher(voucher).co_funding_ratio == Decimal("0.500")
    assert voucher.cross_region is True
    # The claim still pays half the contract, as the voucher's own rules say.
    order = make_order(voucher, demo["providers"]["provider-sit"], contract="10000.00")
    redemption = redemption_claim(
        service_order_id=order.pk, amount="5000.00", actor=demo["users"]["provider-sit"]
    )
    assert redemption.amount == Decimal("5000.00")


def test_a_voucher_issued_after_a_new_version_follows_it(demo):
    publish(demo, region="YANGPU", co_funding_ratio="0.200")
    voucher = make_voucher(demo["enterprises"]["enterprise-yangpu"], "10000.00")
    assert voucher.rules_version.co_funding_ratio == Decimal("0.200")
    order = make_order(voucher, demo["providers"]["provider-sit"], contract="10000.00")

    from portal.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        redemption_claim(
            service_order_id=order.pk, amount="2500.00", actor=demo["users"]["provider-sit"]
        )


def test_old_vouchers_without_a_version_fall_back_to_the_district_row(demo):
    voucher = demo["voucher"]
    type(voucher).objects.filter(pk=voucher.pk).update(rules_version=None)
    voucher.refresh_from_db()

    assert rules_of_voucher(voucher) == ProgrammeRules.objects.get(
        region_id=voucher.issuing_region_id, year=voucher.year
    )


def _categories():
    testing = ServiceCategory.objects.order_by("id")[0]
    other = ServiceCategory.objects.order_by("id")[1]
    return testing, other


def test_an_order_outside_the_eligible_categories_is_refused(demo):
    testing, other = _categories()
    values = body(region="YANGPU")
    values["region"] = demo["regions"]["YANGPU"]
    rules_version_publish(actor=demo["users"]["operator"], eligible_categories=[testing], **values)
    voucher = make_voucher(demo["enterprises"]["enterprise-yangpu"], "10000.00")
    provider = demo["providers"]["provider-sit"]
    offering = ServiceOffering.objects.create(
        provider=provider, category=other, title="Not eligible"
    )

    with pytest.raises(InvalidTransition) as refused:
        orders.order_create(
            actor=demo["users"]["enterprise-yangpu"],
            provider=provider,
            voucher=voucher,
            title="Outside",
            contract_amount="1000.00",
            offering=offering,
        )
    assert refused.value.code == "category_not_eligible"
    assert refused.value.status == 409


def test_a_claim_outside_the_vouchers_categories_is_refused(demo):
    testing, other = _categories()
    voucher = make_voucher(demo["enterprises"]["enterprise-yangpu"], "10000.00")
    provider = demo["providers"]["provider-sit"]
    offering = ServiceOffering.objects.create(provider=provider, category=other, title="Other")
    order = make_order(voucher, provider, contract="2000.00", confirmed=False)
    type(order).objects.filter(pk=order.pk).update(offering=offering)
    confirm(order)
    # The snapshot limits categories (as a version with a list would have at issue).
    voucher.rules_version.eligible_categories.set([testing])

    with pytest.raises(InvalidTransition) as refused:
        redemption_claim(
            service_order_id=order.pk, amount="1000.00", actor=demo["users"]["provider-sit"]
        )
    assert refused.value.code == "category_not_eligible"
    voucher.refresh_from_db()
    assert voucher.held == 0


def test_a_claim_in_an_eligible_category_passes(demo):
    testing, _other = _categories()
    voucher = make_voucher(demo["enterprises"]["enterprise-yangpu"], "10000.00")
    provider = demo["providers"]["provider-sit"]
    offering = ServiceOffering.objects.create(provider=provider, category=testing, title="Ok")
    order = make_order(voucher, provider, contract="2000.00", confirmed=False)
    type(order).objects.filter(pk=order.pk).update(offering=offering)
    confirm(order)
    voucher.rules_version.eligible_categories.set([testing])

    redemption = redemption_claim(
        service_order_id=order.pk, amount="1000.00", actor=demo["users"]["provider-sit"]
    )
    assert redemption.amount == Decimal("1000.00")


def test_the_api_refuses_an_ineligible_order_with_409(api_as, demo):
    testing, other = _categories()
    values = body(region="YANGPU")
    values["region"] = demo["regions"]["YANGPU"]
    rules_version_publish(actor=demo["users"]["operator"], eligible_categories=[testing], **values)
    voucher = make_voucher(demo["enterprises"]["enterprise-yangpu"], "10000.00")
    provider = demo["providers"]["provider-sit"]
    offering = ServiceOffering.objects.create(provider=provider, category=other, title="No")

    response = api_as(demo["users"]["enterprise-yangpu"]).post(
        "/api/service-orders/",
        {
            "provider": provider.pk,
            "voucher": voucher.serial,
            "offering": offering.pk,
            "title": "Outside",
            "contract_amount": "1000.00",
        },
        format="json",
    )
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "category_not_eligible"


def test_publishing_for_next_year_creates_its_row(demo):
    year = current_year() + 1
    version = publish(demo, region="NANHU", year=year, effective_from=date(year, 1, 1))

    rules = ProgrammeRules.objects.get(region__code="NANHU", year=year)
    assert rules.annual_budget == version.annual_budget
    assert rules.committed == 0


def test_only_the_operator_calls_the_service(demo):
    values = body()
    values["region"] = demo["regions"]["WUJIN"]
    with pytest.raises(NotAllowed):
        rules_version_publish(actor=demo["users"]["official-wujin"], **values)
