"""Redemptions as settlement reads them: those waiting for a batch, claimed by one, and whole
tables for the nightly reconciliation."""

from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth, ExtractYear

from regions.models import SettlementItem
from vouchers.models import Redemption, Voucher

SPENT = [Redemption.Status.APPROVED, Redemption.Status.PAID]

# --- redemptions waiting for settlement -----------------------------------------------------
#
# A redemption is settled exactly when it has a SettlementItem (regions.models): the claim
# inserts narrow item rows and never rewrites the wide redemption row. Approved and paid are
# final states (Redemption.TRANSITIONS), so a redemption the claim reads as eligible stays so
# and needs no row lock; the item's primary key (the redemption id) makes it settle once.


def unsettled_redemptions(*, cutoff: datetime | None = None) -> QuerySet[Redemption]:
    """Approved or paid cross-region redemptions in no batch yet (decided up to `cutoff`)."""
    queryset = Redemption.objects.filter(
        cross_region=True, status__in=SPENT, settlement_item__isnull=True
    )
    if cutoff is not None:
        queryset = queryset.filter(decided_at__lte=cutoff)
    return queryset


# The same condition as `unsettled_redemptions(cutoff=...)`, for the raw statements below
# (`r` is vouchers_redemption; the conditions match the partial redemption_settleable_idx).
_SPENT_UP_TO = "r.cross_region AND r.status IN ('approved', 'paid') AND r.decided_at <= %s"
_ELIGIBLE = (
    _SPENT_UP_TO
    + " AND NOT EXISTS (SELECT 1 FROM regions_settlementitem i WHERE i.redemption_id = r.id)"
)

# The claim's slow path probes the items' primary key once per candidate (a correlated
# scalar sub-select, which PostgreSQL never turns into a join): written as NOT EXISTS, the
# planner may answer it with a hash or merge anti-join that reads every item so far, per
# chunk, which made a 1M batch quadratic (parts of equal size took 7, 12, 17 and 21 s).
_CLAIMABLE = (
    _SPENT_UP_TO
    + " AND (SELECT i.redemption_id FROM regions_settlementitem i WHERE i.redemption_id = r.id)"
    " IS NULL"
)


def unsettled_id_range(*, cutoff: datetime) -> tuple[int | None, int | None, int]:
    """(lowest id, highest id, count) of the redemptions a batch up to `cutoff` would take."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT MIN(r.id), MAX(r.id), COUNT(*) FROM vouchers_redemption r WHERE {_ELIGIBLE}",
            [cutoff],
        )
        return cursor.fetchone()


def redemptions_claim(
    *, batch_id: int, cutoff: datetime, low: int, high: int, limit: int, skip_settled: bool
) -> tuple[int, int | None, bool]:
    """Put up to `limit` unsettled redemptions with ids in [low, high] into the batch as
    settlement items; return (how many it inserted, the last id it looked at, None when
    there was nothing left, whether some were settled already). Runs inside the caller's
    transaction.

    Raw SQL because the claim must be one set-based statement: at a million redemptions a
    batch cannot load rows into Python. It reads the candidates from the partial index alone
    and writes only the narrow items. The returned last id is the last candidate, inserted or
    not, so a chunk that lost every row to another batch still moves on.
    """
    if connection.vendor != "postgresql":
        return (*_redemptions_claim_sqlite(batch_id, cutoff, low, high, limit), skip_settled)
    if skip_settled:
        return (*_redemptions_claim_skipping(batch_id, cutoff, low, high, limit), True)
    # First as a plain INSERT of the next `limit` eligible ids, without asking whether each
    # is already settled: the item's primary key answers that, refusing the whole statement
    # if any one is (a second batch racing for a row waits on the key until the first
    # commits). That is the only write the fresh claim needs; probing the items' key per
    # candidate and an ON CONFLICT arbiter cost as much again as the insert (measured, README).
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "WITH candidates AS MATERIALIZED ("
                " SELECT r.id, r.issuing_region_id, r.provider_region_id, r.amount"
                f" FROM vouchers_redemption r WHERE {_SPENT_UP_TO}"
                " AND r.id >= %s AND r.id <= %s ORDER BY r.id LIMIT %s"
                "), inserted AS ("
                " INSERT INTO regions_settlementitem"
                " (redemption_id, batch_id, issuing_region_id, provider_region_id, amount)"
                " SELECT id, %s, issuing_region_id, provider_region_id, amount FROM candidates"
                ") SELECT COUNT(*), MAX(id) FROM candidates",
                [cutoff, low, high, limit, batch_id],
            )
            claimed, last = cursor.fetchone()
            return claimed, last, False
    except IntegrityError:
        # Some are settled already (a resumed range, a second batch): a savepoint rolled
        # back the refused insert, the rest of the transaction stands; skip them one by one.
        return (*_redemptions_claim_skipping(batch_id, cutoff, low, high, limit), True)


def _redemptions_claim_skipping(batch_id, cutoff, low, high, limit) -> tuple[int, int | None]:
    """The claim for a range where items exist already: candidates that have one are left
    out, and a redemption another batch is inserting right now is waited for on its key, then
    skipped (ON CONFLICT DO NOTHING)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH candidates AS ("
            " SELECT r.id, r.issuing_region_id, r.provider_region_id, r.amount"
            f" FROM vouchers_redemption r WHERE {_CLAIMABLE}"
            " AND r.id >= %s AND r.id <= %s ORDER BY r.id LIMIT %s"
            "), inserted AS ("
            " INSERT INTO regions_settlementitem"
            " (redemption_id, batch_id, issuing_region_id, provider_region_id, amount)"
            " SELECT id, %s, issuing_region_id, provider_region_id, amount FROM candidates"
            " ORDER BY id ON CONFLICT (redemption_id) DO NOTHING RETURNING 1"
            ") SELECT (SELECT COUNT(*) FROM inserted), (SELECT MAX(id) FROM candidates)",
            [cutoff, low, high, limit, batch_id],
        )
        claimed, last = cursor.fetchone()
        return claimed, last


def _redemptions_claim_sqlite(batch_id, cutoff, low, high, limit) -> tuple[int, int | None]:
    # SQLite serialises writers, so the plain statements are already exclusive.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT MAX(id) FROM (SELECT r.id FROM vouchers_redemption r"
            f" WHERE {_CLAIMABLE} AND r.id >= %s AND r.id <= %s ORDER BY r.id LIMIT %s)",
            [cutoff, low, high, limit],
        )
        (last,) = cursor.fetchone()
        if last is None:
            return 0, None
        cursor.execute(
            "INSERT OR IGNORE INTO regions_settlementitem"
            " (redemption_id, batch_id, issuing_region_id, provider_region_id, amount)"
            " SELECT r.id, %s, r.issuing_region_id, r.provider_region_id, r.amount"
            f" FROM vouchers_redemption r WHERE {_CLAIMABLE} AND r.id >= %s AND r.id <= %s",
            [batch_id, cutoff, low, last],
        )
        return cursor.rowcount, last


# --- redemptions of a batch: read through its settlement items -----------------------------


def batch_pair_totals(*, batch_id: int) -> QuerySet:
    """The batch's redemptions totalled per (issuing district, provider's district): one
    GROUP BY over the batch's items (settlement_item_batch_only_idx)."""
    return (
        SettlementItem.objects.filter(batch_id=batch_id)
        .values("issuing_region_id", "provider_region_id")
        .annotate(total=Sum("amount"), count=Count("redemption_id"))
        .order_by()
    )


def batch_redemption_rows(*, batch_id: int, region_id: int) -> QuerySet:
    """The batch's redemptions that the district owes or is owed, as value tuples."""
    return (
        Redemption.objects.filter(settlement_item__batch_id=batch_id)
        .filter(
            Q(settlement_item__issuing_region_id=region_id)
            | Q(settlement_item__provider_region_id=region_id)
        )
        .order_by("id")
        .values_list(
            "id",
            "voucher__serial",
            "service_order_id",
            "provider__name",
            "provider__name_zh",
            "issuing_region__code",
            "provider_region__code",
            "issuing_region_id",
            "decided_at",
            "status",
            "amount",
        )
    )


def claimed_by_batches(batches: QuerySet) -> dict:
    """Count and total of the redemptions the given batches hold so far."""
    return SettlementItem.objects.filter(batch__in=batches).aggregate(
        n=Count("redemption_id"), total=Sum("amount")
    )


def settled_pair_totals() -> dict[tuple[int, int, int], object]:
    """(batch, issuing district, provider's district) -> total of every batch's items, for
    reconciliation against the stored obligations."""
    return {
        (batch, issuing, provider): total
        for batch, issuing, provider, total in SettlementItem.objects.values_list(
            "batch_id", "issuing_region_id", "provider_region_id"
        )
        .annotate(total=Sum("amount"))
        .order_by()
    }


def settlement_items_unlike_their_redemption() -> list[dict]:
    """Items with no redemption or no batch behind them, whose copied amount or districts
    differ from their redemption's, or whose redemption is not a spent cross-region one.
    Never expected: the claim copies them in one statement from an existing redemption into
    an open batch, and nothing deletes either. The items table has no database foreign
    keys (see SettlementItem), so this is where a broken reference would show."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.redemption_id, i.batch_id FROM regions_settlementitem i"
            " LEFT JOIN vouchers_redemption r ON r.id = i.redemption_id"
            " LEFT JOIN regions_settlementbatch b ON b.id = i.batch_id"
            " WHERE r.id IS NULL OR b.id IS NULL OR r.amount <> i.amount"
            " OR r.issuing_region_id <> i.issuing_region_id"
            " OR r.provider_region_id <> i.provider_region_id"
            " OR NOT r.cross_region OR r.status NOT IN ('approved', 'paid')"
            " ORDER BY 1 LIMIT 100"
        )
        return [{"redemption": rid, "batch": bid} for rid, bid in cursor.fetchall()]


# --- whole tables, for the nightly reconciliation -------------------------------------------


def all_redemptions() -> QuerySet[Redemption]:
    """Every redemption: reconciliation re-derives money totals from them in GROUP BYs."""
    return Redemption.objects.all()


def all_vouchers() -> QuerySet[Voucher]:
    """Every voucher: reconciliation compares balances and budgets against them."""
    return Voucher.objects.all()


def monthly_flows_from_redemptions() -> dict[tuple[int, int, int, int], tuple]:
    """(year, month, issuing district, provider's district) -> (count, total) of spent
    redemptions; one GROUP BY, to rebuild or check the dashboards' monthly summary."""
    rows = (
        Redemption.objects.filter(status__in=SPENT, decided_at__isnull=False)
        .annotate(year=ExtractYear("decided_at"), month=ExtractMonth("decided_at"))
        .values_list("year", "month", "issuing_region_id", "provider_region_id")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by()
    )
    return {(y, m, a, b): (n, total) for y, m, a, b, n, total in rows}
