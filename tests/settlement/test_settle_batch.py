from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from regions.models import SettlementBatch
from regions.services import reconciliation_run
from regions.settlement.services import settlement_batch_create, settlement_run
from regions.tasks import settle_batch
from tests.redemptions.factories import approved_redemption
from tests.settlement.factories import obligations_of, spread
from tests.vouchers.factories import make_voucher
from vouchers.models import Redemption

pytestmark = pytest.mark.django_db


def create(demo, **kwargs):
    # Without capturing on_commit callbacks the batch stays open: the tests drive it.
    return settlement_batch_create(actor=demo["users"]["operator"], **kwargs)


def test_it_settles_every_cross_region_redemption_once(demo):
    expected = spread(demo, 32)
    batch = create(demo)
    settlement_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == "computed"
    assert obligations_of(batch) == expected
    assert batch.redemption_count == 24 == batch.claimed_count
    assert batch.gross_total == sum(expected.values())
    assert not Redemption.objects.filter(cross_region=False, settlement_item__isnull=False)
    assert sum(p.amount for p in batch.net_positions.all()) == 0
    assert reconciliation_run().ok


def test_running_it_twice_settles_nothing_twice(demo):
    expected = spread(demo, 20)
    batch = create(demo)
    settlement_run(batch_id=batch.pk)
    settlement_run(batch_id=batch.pk)
    settle_batch.delay(batch.pk)
    batch.refresh_from_db()
    assert obligations_of(batch) == expected
    assert batch.obligations.count() == len(expected)
    assert batch.net_positions.count() == 4


def test_a_second_batch_takes_only_what_is_left(demo):
    spread(demo, 16)
    first = create(demo)
    settlement_run(batch_id=first.pk)
    voucher = make_voucher(demo["enterprises"]["enterprise-nanhu"])
    late = approved_redemption(demo, voucher, demo["providers"]["provider-ustc"], "77.00")
    second = create(demo)
    settlement_run(batch_id=second.pk)
    second.refresh_from_db()
    late.refresh_from_db()
    assert late.settlement_batch_id == second.pk
    assert obligations_of(second) == {("NANHU", "HEFEI_HT"): Decimal("77.00")}


def test_it_leaves_redemptions_decided_after_the_cutoff(demo):
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"])
    approved_redemption(demo, voucher, demo["providers"]["provider-sit"], "10.00")
    batch = create(demo, cutoff=timezone.now() - timedelta(hours=1))
    settlement_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.redemption_count == 0 and batch.status == "closed"
    assert Redemption.objects.filter(settlement_item__isnull=True).count() == 1


def test_pending_and_rejected_redemptions_stay_out(demo):
    from tests.redemptions.factories import make_order
    from vouchers.services import redemption_claim

    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"])
    order = make_order(voucher, demo["providers"]["provider-sit"])
    redemption_claim(service_order_id=order.pk, amount="5.00", actor=demo["users"]["provider-sit"])
    batch = create(demo)
    settlement_run(batch_id=batch.pk)
    assert not Redemption.objects.filter(settlement_item__isnull=False).exists()


def test_a_large_batch_is_split_over_several_tasks(demo, settings):
    settings.SETTLEMENT_CHUNK_SIZE = 3
    settings.SETTLEMENT_PARTS = 3
    expected = spread(demo, 40)
    batch = create(demo)
    settle_batch.delay(batch.pk)  # eager: the chord runs its parts and the finisher in-process
    batch.refresh_from_db()
    assert batch.status == "computed"
    assert obligations_of(batch) == expected
    assert batch.claimed_count == batch.redemption_count == 30


def test_a_future_cutoff_is_refused(demo):
    from portal.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        create(demo, cutoff=timezone.now() + timedelta(days=1))
    assert not SettlementBatch.objects.exists()


def test_a_cutoff_before_the_last_batchs_or_the_programme_is_refused(demo):
    from portal.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        create(demo, cutoff=datetime(1, 1, 1, tzinfo=UTC))
    assert "before the programme began" in str(refused.value)
    first = create(demo, cutoff=timezone.now() - timedelta(days=1))
    with pytest.raises(ValidationFailed) as refused:
        create(demo, cutoff=timezone.now() - timedelta(days=2))
    assert f"batch #{first.pk}" in str(refused.value)
    assert list(SettlementBatch.objects.all()) == [first]
    SettlementBatch.objects.update(status=SettlementBatch.Status.CLOSED)  # its workers done
    create(demo, cutoff=timezone.now())  # later than the last: as before
