"""The settlement floor's one SQL transaction claims the same rows and totals the same 12
pairs as the portal's batch (so comparing their times is fair)."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from benchmarks.settlement import (
    FLOOR_SQL,
    NARROW_FLOOR_SETUP,
    NARROW_FLOOR_SQL,
    WIDE_FLOOR_SETUP,
)
from regions.models import SettlementBatch
from regions.settlement.services import settlement_batch_create, settlement_run

# The floor is PostgreSQL SQL (UPDATE ... RETURNING inside a CTE).
pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def floor_totals(setup: list[str], sql: str) -> dict:
    """The floor's totals, its setup and writes rolled back."""
    with transaction.atomic():
        floor_batch = SettlementBatch.objects.create(cutoff="2000-01-01T00:00:00Z")
        with connection.cursor() as cursor:
            for statement in setup:
                cursor.execute(statement)
            cursor.execute(sql, {"batch": floor_batch.pk})
            floor = {(a, b): (Decimal(s), n) for a, b, s, n in cursor.fetchall()}
            if setup is NARROW_FLOOR_SETUP:
                cursor.execute("SELECT COUNT(*) FROM bench_floor_item")
                assert cursor.fetchone()[0] == sum(n for _, n in floor.values())
        transaction.set_rollback(True)
    return floor


@pytest.mark.parametrize("narrow", [False, True], ids=["wide", "narrow"])
def test_the_floor_totals_equal_the_batch_obligations(demo, narrow):
    call_command("seed_load", enterprises=8, vouchers=16, redemptions=400, verbosity=0)
    if narrow:
        floor = floor_totals(NARROW_FLOOR_SETUP, NARROW_FLOOR_SQL)
    else:
        floor = floor_totals(WIDE_FLOOR_SETUP, FLOOR_SQL)
    batch = settlement_batch_create(actor=None)
    settlement_run(batch_id=batch.pk)
    portal = {
        (o.from_region.code, o.to_region.code): (o.amount, o.redemption_count)
        for o in batch.obligations.select_related("from_region", "to_region")
    }
    assert len(floor) == 12
    assert portal == floor
