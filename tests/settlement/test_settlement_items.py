"""A batch's redemptions are its settlement items: what the database guarantees about them,
what the claim leaves untouched, and a claim killed mid-transaction then resumed."""

import threading
from decimal import Decimal

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Sum

from regions.models import SettlementBatch, SettlementItem
from regions.services import reconciliation_run
from regions.settlement.services import (
    settlement_batch_create,
    settlement_claim_range,
    settlement_run,
)
from tests.settlement.factories import obligations_of, spread
from vouchers.models import Redemption


def create(demo):
    return settlement_batch_create(actor=demo["users"]["operator"])


@pytest.mark.django_db
def test_a_redemption_can_be_in_at_most_one_batch(demo):
    spread(demo, 8)
    first = create(demo)
    settlement_run(batch_id=first.pk)
    item = SettlementItem.objects.filter(batch=first).first()
    second = SettlementBatch.objects.create(cutoff=first.cutoff)
    # The database itself refuses a second item for the same redemption, in any batch.
    for batch in (second, first):
        with pytest.raises(IntegrityError), transaction.atomic():
            SettlementItem.objects.create(
                redemption_id=item.redemption_id,
                batch=batch,
                issuing_region_id=item.issuing_region_id,
                provider_region_id=item.provider_region_id,
                amount=item.amount,
            )
    assert SettlementItem.objects.filter(redemption_id=item.redemption_id).count() == 1


@pytest.mark.django_db
def test_settling_leaves_the_redemption_rows_as_they_were_and_reads_through_items(demo, api_as):
    spread(demo, 16)
    columns = [f.attname for f in Redemption._meta.concrete_fields]
    before = {row[0]: row for row in Redemption.objects.order_by("id").values_list(*columns)}
    batch = create(demo)
    settlement_run(batch_id=batch.pk)
    after = {row[0]: row for row in Redemption.objects.order_by("id").values_list(*columns)}
    assert after == before  # no wide row rewritten: settled is derived from the item
    items = SettlementItem.objects.filter(batch=batch)
    assert items.count() == Redemption.objects.filter(cross_region=True).count() > 0
    for item in items.select_related("redemption"):
        redemption = item.redemption
        assert redemption.settlement_batch_id == batch.pk
        assert (item.amount, item.issuing_region_id, item.provider_region_id) == (
            redemption.amount,
            redemption.issuing_region_id,
            redemption.provider_region_id,
        )
    local = Redemption.objects.filter(cross_region=False).first()
    assert local.settlement_batch_id is None
    # The API reads the batch through the item, in the list as in the detail.
    settled = items.first().redemption_id
    client = api_as(demo["users"]["operator"])
    assert client.get(f"/api/redemptions/{settled}/").json()["settlement_batch"] == batch.pk
    assert client.get(f"/api/redemptions/{local.pk}/").json()["settlement_batch"] is None


def expected_totals() -> dict:
    return {
        (row["issuing_region__code"], row["provider_region__code"]): row["total"]
        for row in Redemption.objects.filter(cross_region=True, status__in=["approved", "paid"])
        .values("issuing_region__code", "provider_region__code")
        .annotate(total=Sum("amount"))
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_claim_killed_mid_transaction_then_resumed_gives_identical_totals(demo, settings):
    """Some chunks committed, then a backend killed inside its chunk's transaction (as a
    worker killed mid-statement leaves it), then the batch resumed: every redemption once,
    and the same totals as settling it in one go."""
    settings.SETTLEMENT_CHUNK_SIZE = 5
    spread(demo, 48)
    expected = expected_totals()
    eligible = Redemption.objects.filter(cross_region=True).count()
    batch = SettlementBatch.objects.create(
        cutoff=Redemption.objects.latest("decided_at").decided_at
    )
    ids = sorted(Redemption.objects.filter(cross_region=True).values_list("id", flat=True))
    # Some chunks of a first worker commit...
    committed = settlement_claim_range(batch_id=batch.pk, high=ids[len(ids) // 3])
    assert 0 < committed < eligible
    # ...then a second one inserts items for the rest and dies before its commit.
    db = connection.settings_dict
    dying = psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
    )
    dying.execute(
        "INSERT INTO regions_settlementitem"
        " (redemption_id, batch_id, issuing_region_id, provider_region_id, amount)"
        " SELECT id, %s, issuing_region_id, provider_region_id, amount"
        " FROM vouchers_redemption WHERE cross_region AND id > %s",
        [batch.pk, ids[len(ids) // 3]],
    )
    pid = dying.info.backend_pid

    # A resume racing the dying transaction waits on the items' primary key, then takes
    # the rows once the kill rolls them back.
    def resume():
        try:
            settlement_run(batch_id=batch.pk)
        finally:
            connection.close()

    resumed = threading.Thread(target=resume)
    resumed.start()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    resumed.join(timeout=60)
    assert not resumed.is_alive()
    dying.close()
    batch.refresh_from_db()
    assert batch.status == "computed"
    settled = SettlementItem.objects.filter(batch=batch).aggregate(
        n=Count("redemption_id"), total=Sum("amount")
    )
    assert settled["n"] == eligible == batch.redemption_count == batch.claimed_count
    assert obligations_of(batch) == expected
    assert batch.gross_total == settled["total"] == sum(expected.values(), Decimal("0"))
    report = reconciliation_run()
    assert report.ok, report.breaches


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_redemption_table_has_no_index_another_one_already_leads_with():
    """Each index is paid by every claim and approval: none may be a leading prefix of
    another plain index (a partial or unique index is a different index)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname, array_agg(a.attname ORDER BY k.ord), x.indisunique,"
            " x.indpred IS NOT NULL"
            " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
            " JOIN pg_class t ON t.oid = x.indrelid"
            " CROSS JOIN LATERAL unnest(x.indkey[0:x.indnkeyatts - 1]) WITH ORDINALITY"
            "  AS k(attnum, ord)"
            " JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum"
            " WHERE t.relname = 'vouchers_redemption' GROUP BY 1, 3, 4"
        )
        indexes = cursor.fetchall()
    plain = [(name, cols) for name, cols, unique, partial in indexes if not unique and not partial]
    for name, cols in plain:
        for other, other_cols in plain:
            assert other == name or other_cols[: len(cols)] != cols, (name, other)
    assert len(indexes) <= 11
