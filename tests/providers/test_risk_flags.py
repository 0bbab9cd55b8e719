"""Risk flags raised at ordering (related-party details, split contracts), the approval they
hold back, and their clearance by an official of the voucher's issuing district."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.http import Http404

from portal.errors import InvalidTransition, NotAllowed, ValidationFailed
from providers import services
from providers.models import RiskFlag, ServiceOrder
from providers.services.risk import risk_flag_clear, risk_flag_raise
from regions.models import AuditEntry, ProgrammeRules, ProgrammeRulesVersion
from tests.redemptions.factories import confirm
from vouchers.services import redemption_approve, redemption_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def parties(make_enterprise, make_provider, make_voucher):
    """A Wujin enterprise with a voucher and a certified Wujin provider, all details different.
    Wujin's rules here have no four-eyes threshold (the demo's is 200,000), so the cap is the
    split-contract limit unless a test sets one."""
    set_four_eyes_threshold(None)
    enterprise = make_enterprise(region="WUJIN")
    enterprise.legal_representative = "Xu Lei"
    enterprise.registered_address = "18 Changwu Road, Changzhou"
    enterprise.contact_phone = "0519-88105004"
    enterprise.save()
    provider = make_provider(region="WUJIN", status="certified")
    provider.legal_representative = "Li Mingzhe"
    provider.registered_address = "6 Xiangyun Road, Changzhou"
    provider.contact_phone = "0519-86221001"
    provider.save()
    voucher = make_voucher(enterprise, "200000.00")
    return enterprise, provider, voucher


def set_four_eyes_threshold(amount):
    """Wujin's rules and the versions its vouchers keep (a test's shortcut: a real change is
    a new version, which issued vouchers never see)."""
    ProgrammeRules.objects.filter(region__code="WUJIN").update(four_eyes_threshold=amount)
    ProgrammeRulesVersion.objects.filter(region__code="WUJIN").update(four_eyes_threshold=amount)


def order(parties, amount, title="Testing"):
    enterprise, provider, voucher = parties
    return services.order_create(
        actor=enterprise.users.first(),
        provider=provider,
        voucher=voucher,
        title=title,
        contract_amount=amount,
    )


def open_flags(kind=None):
    flags = RiskFlag.objects.filter(cleared_at__isnull=True)
    return flags.filter(kind=kind) if kind else flags


# --- related parties by shared details --------------------------------------------------


def test_it_raises_nothing_between_parties_with_different_details(parties):
    order(parties, "10000.00")
    assert not RiskFlag.objects.exists()


@pytest.mark.parametrize(
    ("field", "ours", "theirs"),
    [
        ("legal_representative", "Zhang Wei", " zhang  WEI "),
        ("registered_address", "上海市 杨浦区 国权路 1 号", "上海市杨浦区国权路1号"),
        ("contact_phone", "+86 21 6512-3456", "021 65123456"),
    ],
)
def test_it_flags_a_shared_normalised_detail(parties, field, ours, theirs):
    enterprise, provider, _voucher = parties
    setattr(enterprise, field, ours)
    enterprise.save()
    setattr(provider, field, theirs)
    provider.save()
    new = order(parties, "10000.00")
    flag = open_flags("related_party").get()
    assert flag.service_order == new
    assert flag.evidence["fields"] == [{"field": field, "enterprise": ours, "provider": theirs}]
    assert AuditEntry.objects.filter(
        object_type="providers.serviceorder", object_id=str(new.pk), action="flag"
    ).exists()


def test_blank_details_never_match(parties):
    enterprise, provider, _voucher = parties
    for party in (enterprise, provider):
        party.legal_representative = party.registered_address = party.contact_phone = ""
        party.save()
    order(parties, "10000.00")
    assert not RiskFlag.objects.exists()


def test_a_declared_related_party_is_still_refused(parties):
    from vouchers.models import RelatedParty

    enterprise, provider, _voucher = parties
    RelatedParty.objects.create(enterprise=enterprise, credit_code=provider.credit_code)
    with pytest.raises(ValidationFailed) as refused:
        order(parties, "10000.00")
    assert refused.value.code == "related_party"
    assert not ServiceOrder.objects.filter(provider=provider).exists()


# --- split contracts -------------------------------------------------------------------


def test_orders_whose_payable_total_passes_the_cap_are_all_flagged(parties):
    # Demo rules: cap 300,000 per enterprise, ratio 0.5 and no four-eyes threshold.
    first = order(parties, "400000.00")  # payable 200,000
    assert not RiskFlag.objects.exists()
    second = order(parties, "300000.00")  # payable 150,000: total 350,000 > 300,000
    flags = open_flags("split_contract")
    assert {f.service_order_id for f in flags} == {first.pk, second.pk}
    evidence = flags.first().evidence
    assert [o["id"] for o in evidence["orders"]] == [first.pk, second.pk]
    assert [o["contract_amount"] for o in evidence["orders"]] == ["400000.00", "300000.00"]
    assert evidence["total"] == "350000.00"
    assert evidence["limit"] == "300000.00"
    assert evidence["limit_rule"] == "max_voucher_per_enterprise"


def test_the_four_eyes_threshold_is_the_limit_when_set(parties):
    set_four_eyes_threshold(Decimal("100000.00"))
    order(parties, "150000.00")
    order(parties, "150000.00")  # 75,000 + 75,000 > 100,000
    flag = open_flags("split_contract").first()
    assert flag.evidence["limit"] == "100000.00"
    assert flag.evidence["limit_rule"] == "four_eyes_threshold"
    assert open_flags("split_contract").count() == 2


def test_an_order_over_the_limit_alone_is_no_split(parties):
    order(parties, "700000.00")  # payable 350,000: one order, not a split
    order(parties, "10000.00")
    assert not open_flags("split_contract").exists()


def test_totals_at_the_limit_are_not_flagged(parties):
    order(parties, "300000.00")
    order(parties, "300000.00")  # 150,000 + 150,000 = 300,000, not more
    assert not RiskFlag.objects.exists()


def test_cancelled_and_declined_orders_do_not_count(parties):
    enterprise, provider, _voucher = parties
    cancelled = order(parties, "400000.00")
    services.order_cancel(order=cancelled, actor=enterprise.users.first(), reason="Wrong")
    declined = order(parties, "400000.00")
    services.order_decline(order=declined, actor=provider.users.first(), reason="Busy")
    order(parties, "300000.00")
    assert not RiskFlag.objects.exists()


def test_orders_before_the_window_do_not_count(parties):
    old = order(parties, "400000.00")
    ServiceOrder.objects.filter(pk=old.pk).update(
        requested_at=old.requested_at - timedelta(days=91)
    )
    order(parties, "300000.00")
    assert not RiskFlag.objects.exists()


def test_a_redeemed_order_of_the_group_is_not_flagged(demo, parties):
    enterprise, provider, voucher = parties
    first = order(parties, "200000.00")
    confirm(first)
    redemption = redemption_claim(
        service_order_id=first.pk, amount="100000.00", actor=provider.users.first()
    )
    redemption_approve(redemption_id=redemption.pk, actor=demo["users"]["official-wujin"])
    second = order(parties, "500000.00")  # 100,000 + 250,000 > 300,000
    assert {f.service_order_id for f in open_flags("split_contract")} == {second.pk}


def test_raising_again_keeps_one_open_flag_per_order_and_kind(parties):
    first = order(parties, "400000.00")
    second = order(parties, "300000.00")
    third = order(parties, "100000.00")
    flags = open_flags("split_contract")
    assert sorted(f.service_order_id for f in flags) == [first.pk, second.pk, third.pk]
    again = risk_flag_raise(order=first, kind="split_contract", evidence={})
    assert again.pk == flags.get(service_order=first).pk
    assert open_flags().count() == 3


# --- the approval waits; clearing ---------------------------------------------------------


@pytest.fixture
def flagged_claim(demo, parties):
    """Two split orders; the first confirmed and claimed. Returns (redemption, its flag)."""
    _enterprise, provider, _voucher = parties
    first = order(parties, "400000.00")
    order(parties, "300000.00")
    confirm(first)
    redemption = redemption_claim(
        service_order_id=first.pk, amount="100000.00", actor=provider.users.first()
    )
    return redemption, open_flags().get(service_order=first)


def test_an_open_flag_holds_back_the_approval(demo, flagged_claim):
    redemption, _flag = flagged_claim
    with pytest.raises(InvalidTransition) as refused:
        redemption_approve(redemption_id=redemption.pk, actor=demo["users"]["official-wujin"])
    assert refused.value.status == 409
    assert refused.value.code == "risk_flag_open"
    assert "Split contract suspected" in refused.value.message
    redemption.refresh_from_db()
    assert redemption.status == "pending"


def test_once_cleared_the_redemption_can_be_approved(demo, flagged_claim):
    redemption, flag = flagged_claim
    official = demo["users"]["official-wujin"]
    risk_flag_clear(flag_id=flag.pk, actor=official, reason="Two separate projects.")
    flag.refresh_from_db()
    assert flag.cleared_by == official and flag.cleared_at and not flag.is_open
    assert flag.clear_reason == "Two separate projects."
    assert AuditEntry.objects.filter(
        action="clear", object_id=str(flag.service_order_id), reason="Two separate projects."
    ).exists()
    redemption_approve(redemption_id=redemption.pk, actor=official)
    redemption.refresh_from_db()
    assert redemption.status == "approved"


def test_a_flagged_claim_offers_no_approval_until_cleared(client, demo, flagged_claim):
    """The queue's Approve asked "the held amount will be spent?" and the claim was then
    refused: while a flag is open the row offers rejection and the way to the risk queue."""
    redemption, flag = flagged_claim
    official = demo["users"]["official-wujin"]
    client.force_login(official)
    for url in ("/official/redemptions/", f"/redemptions/{redemption.pk}/"):
        page = client.get(url).content.decode()
        assert f"/redemptions/{redemption.pk}/reject/" in page, url
        assert f"/redemptions/{redemption.pk}/approve/" not in page, url
        assert "/official/risk-queue/#flag-" in page, url
    risk_flag_clear(flag_id=flag.pk, actor=official, reason="Two separate projects.")
    assert (
        f"/redemptions/{redemption.pk}/approve/"
        in client.get("/official/redemptions/").content.decode()
    )


def test_clearing_needs_a_reason(demo, flagged_claim):
    _redemption, flag = flagged_claim
    with pytest.raises(ValidationFailed):
        risk_flag_clear(flag_id=flag.pk, actor=demo["users"]["official-wujin"], reason="  ")
    flag.refresh_from_db()
    assert flag.is_open


def test_clearing_twice_is_a_conflict(demo, flagged_claim):
    _redemption, flag = flagged_claim
    official = demo["users"]["official-wujin"]
    risk_flag_clear(flag_id=flag.pk, actor=official, reason="Checked.")
    with pytest.raises(InvalidTransition) as refused:
        risk_flag_clear(flag_id=flag.pk, actor=official, reason="Again.")
    assert refused.value.code == "already_cleared"


def test_another_districts_official_gets_404(demo, flagged_claim):
    _redemption, flag = flagged_claim
    with pytest.raises(Http404):
        risk_flag_clear(flag_id=flag.pk, actor=demo["users"]["official-yangpu"], reason="No")


def test_other_roles_may_not_clear(demo, flagged_claim, parties):
    _redemption, flag = flagged_claim
    with pytest.raises(NotAllowed):
        risk_flag_clear(flag_id=flag.pk, actor=parties[0].users.first(), reason="Fine")


# --- the API ----------------------------------------------------------------------------


def test_the_api_lists_the_districts_open_flags(demo, api_as, flagged_claim):
    _redemption, flag = flagged_claim
    body = api_as(demo["users"]["official-wujin"]).get("/api/risk-flags/?open=true").json()
    rows = body["results"] if isinstance(body, dict) else body
    assert {row["id"] for row in rows} == set(open_flags().values_list("id", flat=True))
    row = next(row for row in rows if row["id"] == flag.pk)
    assert row["kind"] == "split_contract" and row["service_order"] == flag.service_order_id
    assert row["evidence"]["limit"] == "300000.00" and row["cleared_by"] is None
    other = api_as(demo["users"]["official-yangpu"]).get("/api/risk-flags/").json()
    assert (other["results"] if isinstance(other, dict) else other) == []


def test_the_api_clears_with_a_reason(demo, api_as, flagged_claim):
    _redemption, flag = flagged_claim
    client = api_as(demo["users"]["official-wujin"])
    url = f"/api/risk-flags/{flag.pk}/clear/"
    assert client.post(url, {}, format="json").status_code == 400
    response = client.post(url, {"reason": "Separate projects."}, format="json")
    assert response.status_code == 200
    assert response.json()["cleared_by"] == "official-wujin"
    again = client.post(url, {"reason": "Again."}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_cleared"
    closed = client.get("/api/risk-flags/?open=false").json()
    assert flag.pk in {row["id"] for row in (closed.get("results", closed))}


def test_the_api_answers_404_outside_the_district(demo, api_as, flagged_claim):
    _redemption, flag = flagged_claim
    client = api_as(demo["users"]["official-yangpu"])
    response = client.post(f"/api/risk-flags/{flag.pk}/clear/", {"reason": "x"}, format="json")
    assert response.status_code == 404
    flag.refresh_from_db()
    assert flag.is_open


def test_the_api_approval_answers_409_with_the_code(demo, api_as, flagged_claim):
    redemption, _flag = flagged_claim
    client = api_as(demo["users"]["official-wujin"])
    response = client.post(f"/api/redemptions/{redemption.pk}/approve/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "risk_flag_open"


# --- the pages --------------------------------------------------------------------------


@pytest.fixture
def browser(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


def test_the_queue_page_shows_the_evidence_and_clears(demo, browser, flagged_claim):
    redemption, flag = flagged_claim
    client = browser(demo["users"]["official-wujin"])
    page = client.get("/official/risk-queue/").content.decode()
    assert f'id="flag-{flag.pk}"' in page and "¥350,000.00" in page
    detail = client.get(f"/redemptions/{redemption.pk}/").content.decode()
    assert "/official/risk-queue/" in detail and "Split contract suspected" in detail
    assert client.post(f"/risk-flags/{flag.pk}/clear/", {"reason": ""}).status_code == 302
    flag.refresh_from_db()
    assert flag.is_open
    client.post(f"/risk-flags/{flag.pk}/clear/", {"reason": "Separate projects."})
    flag.refresh_from_db()
    assert not flag.is_open and flag.clear_reason == "Separate projects."


def test_the_queue_page_is_for_the_districts_officials(demo, browser, flagged_claim, parties):
    _redemption, flag = flagged_claim
    assert browser(parties[0].users.first()).get("/official/risk-queue/").status_code == 403
    client = browser(demo["users"]["official-yangpu"])
    assert f'id="flag-{flag.pk}"' not in client.get("/official/risk-queue/").content.decode()
    assert client.post(f"/risk-flags/{flag.pk}/clear/", {"reason": "x"}).status_code == 404


def test_the_operator_reads_every_districts_queue_and_clears_nothing(demo, browser, flagged_claim):
    """The operator saw the open flags through the API, but the page answered 403 and its
    dashboard counted none."""
    _redemption, flag = flagged_claim
    client = browser(demo["users"]["operator"])
    dashboard = client.get("/operator/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert open_flags().count() == 2  # both orders of the split
    assert "Open risk flags in the districts: 2." in dashboard
    assert "/official/risk-queue/" in dashboard
    page = client.get("/official/risk-queue/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'id="flag-{flag.pk}"' in page and "All districts" in page
    assert flag.service_order.voucher.issuing_region.display_name in page
    # Clearing stays with the issuing district's officials: no form, and a POST refused.
    assert f"/risk-flags/{flag.pk}/clear/" not in page
    assert client.post(f"/risk-flags/{flag.pk}/clear/", {"reason": "x"}).status_code == 403
    flag.refresh_from_db()
    assert flag.is_open


def test_the_operator_reads_one_districts_queue_and_an_unknown_district_is_said(
    demo, browser, flagged_claim
):
    """The operator's queue had no choice of district, and `?region=` was dropped unsaid."""
    _redemption, flag = flagged_claim
    issuing = flag.service_order.voucher.issuing_region.code
    other = "YANGPU" if issuing != "YANGPU" else "WUJIN"
    client = browser(demo["users"]["operator"])

    own = client.get(f"/official/risk-queue/?region={issuing}", HTTP_ACCEPT_LANGUAGE="en")
    assert own.status_code == 200 and f'id="flag-{flag.pk}"' in own.content.decode()
    elsewhere = client.get(f"/official/risk-queue/?region={other}").content.decode()
    assert f'id="flag-{flag.pk}"' not in elsewhere and "No open risk flag." in elsewhere

    unknown = client.get("/official/risk-queue/?region=ATLANTIS", HTTP_ACCEPT_LANGUAGE="en")
    assert unknown.status_code == 400
    body = unknown.content.decode()
    assert "District: “ATLANTIS” is none of its choices." in body
    assert f'id="flag-{flag.pk}"' not in body
    # An official reads their own district's queue: no choice offered.
    official = browser(demo["users"]["official-yangpu"])
    assert 'name="region"' not in official.get("/official/risk-queue/").content.decode()


def test_a_cancelled_or_declined_order_leaves_no_flag_open(parties):
    first = order(parties, "400000.00")
    second = order(parties, "300000.00")
    assert open_flags("split_contract").count() == 2
    enterprise, provider, _voucher = parties

    services.order_cancel(order=first, actor=enterprise.users.first(), reason="Ordered twice.")
    services.order_decline(order=second, actor=provider.users.first(), reason="No capacity.")

    assert not open_flags().exists()
    cleared = RiskFlag.objects.get(service_order=first)
    assert cleared.cleared_at and "Ordered twice." in cleared.clear_reason


def test_the_nightly_expiry_clears_the_flags_of_the_orders_it_cancels(parties, demo, browser):
    from vouchers.models import Voucher
    from vouchers.services.vouchers import voucher_expire

    order(parties, "400000.00")
    order(parties, "300000.00")
    assert open_flags("split_contract").count() == 2
    _enterprise, _provider, voucher = parties
    Voucher.objects.filter(pk=voucher.pk).update(expires_at=voucher.issued_at)

    assert voucher_expire(voucher_id=voucher.pk)

    assert not open_flags().exists()
    flag = RiskFlag.objects.filter(kind="split_contract").first()
    assert flag.cleared_by is None and "Expired on" in flag.clear_reason
    page = browser(demo["users"]["official-wujin"]).get("/official/risk-queue/")
    assert "the portal (voucher expired)" in page.content.decode()


def test_the_parties_history_of_the_order_leaves_out_the_flags(client, parties, demo):
    # A flag is the officials' to weigh: the enterprise read "flagged: suspected contract
    # splitting" in its order's history, with nothing it could do about it.
    enterprise, provider, _voucher = parties
    order(parties, "400000.00")
    second = order(parties, "300000.00")
    assert open_flags("split_contract").filter(service_order=second).exists()
    page = f"/orders/{second.pk}/"
    for user, sees in [
        (enterprise.users.first(), False),
        (provider.users.first(), False),
        (demo["users"]["official-wujin"], True),
        (demo["users"]["operator"], True),
    ]:
        client.force_login(user)
        entries = client.get(page).context["audit_entries"]
        assert entries.filter(action=AuditEntry.Action.FLAG).exists() is sees, user.username
