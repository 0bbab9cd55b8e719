"""Transfers racing on PostgreSQL over shared claims, listed in opposite orders and with a
payment on a claim's row: no deadlock, each claim paid once by one of them, each transfer
all or nothing, the ledger and the monthly summary reconciled."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection

from portal.errors import ApplicationError
from regions.models import AuditEntry, JournalEntry, StatisticsMonthlyDistrict
from tests.redemptions.factories import approved_redemption
from tests.vouchers.factories import make_voucher
from vouchers.models import Redemption
from vouchers.services import redemption_mark_paid, redemptions_mark_paid

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def race(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes = []

    def run(name, call):
        try:
            barrier.wait(timeout=10)
            call()
            outcomes.append((name, "ok"))
        except ApplicationError as error:
            outcomes.append((name, error.status))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return dict(outcomes)


def test_overlapping_transfers_pay_each_claim_once(demo):
    yangpu = demo["users"]["official-yangpu"]
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"], "100000.00")
    sit = demo["providers"]["provider-sit"]
    c = [approved_redemption(demo, voucher, sit, f"{10 + n}.00") for n in range(6)]
    transfers = {
        "T1": [c[0], c[1], c[2], c[3]],
        "T2": [c[5], c[4], c[3], c[2]],
        "T3": [c[4], c[1]],
    }
    payments_before = sum(
        StatisticsMonthlyDistrict.objects.filter(region=yangpu.region).values_list(
            "payments", flat=True
        )
    )

    def transfer(name):
        return lambda: redemptions_mark_paid(
            redemption_ids=[claim.pk for claim in transfers[name]],
            payment_reference=name,
            actor=yangpu,
        )

    outcomes = race(
        *[(name, transfer(name)) for name in transfers],
        ("row", lambda: redemption_mark_paid(
            redemption_id=c[5].pk, payment_reference="ROW", actor=yangpu
        )),
    )  # fmt: skip

    # Every call answered (a deadlock would have raised a database error instead).
    assert set(outcomes) == {"T1", "T2", "T3", "row"}
    assert set(outcomes.values()) <= {"ok", 409}
    paid = {r.pk: r for r in Redemption.objects.filter(pk__in=[claim.pk for claim in c])}
    for name, claims in transfers.items():
        references = {paid[claim.pk].payment_reference for claim in claims}
        if outcomes[name] == "ok":
            assert references == {name}
        else:
            assert name not in references  # nothing of a refused transfer was written
    ids = [str(claim.pk) for claim in c if paid[claim.pk].status == "paid"]
    assert JournalEntry.objects.filter(
        reference__endswith=":pay", redemption__in=[int(i) for i in ids]
    ).count() == len(ids)
    assert AuditEntry.objects.filter(
        object_type="vouchers.redemption", object_id__in=ids, action="mark_paid"
    ).count() == len(ids)
    payments_after = sum(
        StatisticsMonthlyDistrict.objects.filter(region=yangpu.region).values_list(
            "payments", flat=True
        )
    )
    assert payments_after - payments_before == len(ids)
    call_command("reconcile", verbosity=0)
