"""Decisions racing on PostgreSQL: one redemption approved and rejected at once, and many
claims on one voucher approved while others are claimed."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from portal.errors import ApplicationError
from regions.models import JournalEntry
from regions.services import reconciliation_run
from tests.redemptions.factories import make_order
from tests.vouchers.factories import make_voucher
from vouchers.models import Redemption, Voucher
from vouchers.services import redemption_approve, redemption_claim, redemption_reject

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def race(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes = []

    def run(call):
        try:
            barrier.wait(timeout=10)
            call()
            outcomes.append("ok")
        except ApplicationError as error:
            outcomes.append(error.status)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes, key=str)


def test_approve_and_reject_at_once_decide_once(demo):
    official = demo["users"]["official-wujin"]
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"], "1000.00")
    order = make_order(voucher, demo["providers"]["provider-sit"], "2000.00")
    redemption = redemption_claim(
        service_order_id=order.pk, amount="1000.00", actor=demo["users"]["provider-sit"]
    )
    outcomes = race(
        lambda: redemption_approve(redemption_id=redemption.pk, actor=official),
        lambda: redemption_reject(redemption_id=redemption.pk, actor=official, note="no"),
        lambda: redemption_approve(redemption_id=redemption.pk, actor=official),
    )
    assert outcomes == [409, 409, "ok"]
    redemption.refresh_from_db()
    voucher.refresh_from_db()
    if redemption.status == "approved":
        assert voucher.redeemed == Decimal("1000.00") and voucher.balance == 0
        assert JournalEntry.objects.filter(redemption=redemption).count() == 1
    else:
        assert voucher.balance == Decimal("1000.00") and voucher.status == "active"
    assert voucher.held == 0
    assert reconciliation_run().ok


def test_claims_and_approvals_on_one_voucher_interleave_exactly(demo):
    provider = demo["users"]["provider-sit"]
    official = demo["users"]["official-wujin"]
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"], "300.00")
    orders = [make_order(voucher, demo["providers"]["provider-sit"], "100.00") for _ in range(8)]
    first = [
        redemption_claim(service_order_id=o.pk, amount="50.00", actor=provider) for o in orders[:4]
    ]
    calls = [lambda r=r: redemption_approve(redemption_id=r.pk, actor=official) for r in first]
    calls += [
        lambda o=o: redemption_claim(service_order_id=o.pk, amount="50.00", actor=provider)
        for o in orders[4:]
    ]
    outcomes = race(*calls)
    assert outcomes.count("ok") == 6 and outcomes.count(409) == 2
    voucher = Voucher.objects.get(pk=voucher.pk)
    assert voucher.redeemed == Decimal("200.00")
    assert voucher.held == Decimal("100.00")
    assert voucher.balance == 0 and voucher.status == "exhausted"
    assert Redemption.objects.filter(voucher=voucher).count() == 6
    assert reconciliation_run().ok
