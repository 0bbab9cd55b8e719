"""The pilot's first voucher: Wujin's graphene company pays the Shanghai Institute of
Technology (Yangpu); Yangpu pays its provider and the next batch has Wujin owe Yangpu."""

from decimal import Decimal

import pytest

from regions.models import SettlementBatch
from regions.services import reconciliation_run
from regions.settlement.services import settlement_batch_create
from regions.settlement.transfers import settlement_transfer_confirm
from tests.redemptions.factories import confirm
from vouchers.services import redemption_approve, redemption_claim, redemption_mark_paid

pytestmark = pytest.mark.django_db


def test_the_seed_story_settles(demo, django_capture_on_commit_callbacks):
    users = demo["users"]
    confirm(demo["order"])
    redemption = redemption_claim(
        service_order_id=demo["order"].pk, amount="150000.00", actor=users["provider-sit"]
    )
    redemption_approve(redemption_id=redemption.pk, actor=users["official-wujin"])
    redemption_mark_paid(
        redemption_id=redemption.pk, payment_reference="YP-0001", actor=users["official-yangpu"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        batch = settlement_batch_create(actor=users["operator"])
    batch.refresh_from_db()
    redemption.refresh_from_db()

    assert batch.status == "computed"
    assert redemption.settlement_batch_id == batch.pk
    assert batch.redemption_count == 1 and batch.gross_total == Decimal("150000.00")
    assert [(o.from_region.code, o.to_region.code, o.amount) for o in batch.obligations.all()] == [
        ("WUJIN", "YANGPU", Decimal("150000.00"))
    ]
    assert {p.region.code: p.amount for p in batch.net_positions.all()} == {
        "YANGPU": Decimal("150000.00"),
        "WUJIN": Decimal("-150000.00"),
        "NANHU": Decimal("0.00"),
        "HEFEI_HT": Decimal("0.00"),
    }
    assert [(t.from_region.code, t.to_region.code, t.amount) for t in batch.transfers.all()] == [
        ("WUJIN", "YANGPU", Decimal("150000.00"))
    ]
    assert reconciliation_run().ok

    settlement_transfer_confirm(
        batch_id=batch.pk,
        from_region="WUJIN",
        to_region="YANGPU",
        payment_reference="WJ-TR-1",
        actor=users["operator"],
    )
    batch.refresh_from_db()
    assert batch.status == SettlementBatch.Status.CLOSED and batch.closed_at is not None
    report = reconciliation_run()
    assert report.ok, report.breaches
