from decimal import Decimal

import pytest
from django.http import Http404

from portal.errors import InvalidTransition, NotAllowed
from regions.models import JournalEntry, ProgrammeRules
from regions.services import reconciliation_run
from tests.redemptions.factories import confirm, make_order
from tests.vouchers.factories import make_voucher
from vouchers.models import Voucher
from vouchers.services import redemption_approve, redemption_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(demo):
    confirm(demo["order"])
    return redemption_claim(
        service_order_id=demo["order"].pk, amount="150000.00", actor=demo["users"]["provider-sit"]
    )


def test_it_spends_the_hold_and_posts_the_ledger(demo, pending):
    rules_before = ProgrammeRules.objects.get(region__code="WUJIN").redeemed
    redemption_approve(redemption_id=pending.pk, actor=demo["users"]["official-wujin"])
    pending.refresh_from_db()
    voucher = Voucher.objects.get(pk=demo["voucher"].pk)
    assert pending.status == "approved" and pending.decided_at is not None
    assert voucher.held == 0 and voucher.redeemed == Decimal("150000.00")
    assert voucher.balance == Decimal("50000.00")
    rules = ProgrammeRules.objects.get(region__code="WUJIN")
    assert rules.redeemed - rules_before == Decimal("150000.00")
    entry = JournalEntry.objects.get(reference=f"redemption:{pending.pk}:approve")
    kinds = sorted((line.account.kind, line.debit, line.credit) for line in entry.lines.all())
    assert kinds == [
        ("clearing", Decimal("0.00"), Decimal("150000.00")),
        ("clearing", Decimal("150000.00"), Decimal("0.00")),
        ("fund", Decimal("150000.00"), Decimal("0.00")),
        ("payable", Decimal("0.00"), Decimal("150000.00")),
    ]
    assert reconciliation_run().ok


def test_a_same_district_approval_credits_the_providers_payable(demo):
    voucher = make_voucher(demo["enterprises"]["enterprise-yangpu"])
    order = make_order(voucher, demo["providers"]["provider-sit"])
    redemption = redemption_claim(
        service_order_id=order.pk, amount="500.00", actor=demo["users"]["provider-sit"]
    )
    redemption_approve(redemption_id=redemption.pk, actor=demo["users"]["official-yangpu"])
    entry = JournalEntry.objects.get(redemption=redemption)
    assert sorted(line.account.kind for line in entry.lines.all()) == ["fund", "payable"]
    assert reconciliation_run().ok


def test_it_cannot_approve_twice(demo, pending):
    redemption_approve(redemption_id=pending.pk, actor=demo["users"]["official-wujin"])
    with pytest.raises(InvalidTransition):
        redemption_approve(redemption_id=pending.pk, actor=demo["users"]["official-wujin"])
    assert JournalEntry.objects.filter(redemption=pending).count() == 1


def test_an_official_of_another_district_gets_404(demo, pending):
    for name in ("official-yangpu", "official-nanhu"):
        with pytest.raises(Http404):
            redemption_approve(redemption_id=pending.pk, actor=demo["users"][name])
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_a_provider_may_never_approve(demo, pending):
    with pytest.raises(NotAllowed):
        redemption_approve(redemption_id=pending.pk, actor=demo["users"]["provider-sit"])
