"""The rows of the vouchers and providers apps that regions reads, all in this one module.

vouchers and providers build on regions (districts, rules, the ledger); regions needs their
rows back only to settle, reconcile and show district figures. Keeping every such read here
means the arrow regions -> vouchers/providers has one tail, and a change to their tables has
one place to look at in regions.
"""

from datetime import datetime, timedelta

from django.core.exceptions import EmptyResultSet
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth, ExtractYear

from providers.models import (
    Demand,
    EvidenceFile,
    FileIntegrityCheck,
    Provider,
    ProviderCertificate,
    RiskFlag,
    ServiceCategory,
    ServiceOrder,
)
from regions.models import RedemptionMonthlyEnterprise, SettlementItem, StatisticsMonthlyDistrict
from vouchers.models import Enterprise, Redemption, Voucher, VoucherApplication

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


# --- district figures for the home page and the dashboards ---------------------------------


def certified_providers_per_region() -> dict[int, int]:
    return dict(
        Provider.objects.filter(status=Provider.Status.CERTIFIED)
        .values_list("region_id")
        .annotate(n=Count("id"))
        .values_list("region_id", "n")
    )


def voucher_totals_per_region(*, year: int) -> dict[int, dict]:
    """region id -> {n, active, face, redeemed} of the year's vouchers."""
    return {
        row["issuing_region_id"]: row
        for row in Voucher.objects.filter(year=year)
        .values("issuing_region_id")
        .annotate(
            n=Count("id"),
            active=Count("id", filter=Q(status=Voucher.Status.ACTIVE)),
            face=Sum("face_value"),
            redeemed=Sum("redeemed"),
        )
        .order_by()
    }


def official_queue_counts(*, region_id: int) -> dict[str, int]:
    """What waits for the district official, one count per queue (index scans), all in one
    query: one round trip and one statement to compile instead of seven on every render."""
    return counts_in_one_query(official_queues(region_id=region_id))


def official_queues(*, region_id: int) -> dict[str, QuerySet]:
    """The district official's queues, by name, as querysets to count."""
    return {
        "applications": VoucherApplication.objects.filter(region_id=region_id, status="submitted"),
        "enterprises": Enterprise.objects.filter(
            region_id=region_id, verified_at__isnull=True, rejected_at__isnull=True
        ),
        "providers": Provider.objects.filter(region_id=region_id, status="applied"),
        "redemptions": Redemption.objects.filter(issuing_region_id=region_id, status="pending"),
        "payments": Redemption.objects.filter(provider_region_id=region_id, status="approved"),
        # Disputes the district decides: those on orders paid with its vouchers (counted by
        # the provider's district, the card said 0 to the one official who could act).
        "disputes": ServiceOrder.objects.filter(
            voucher__issuing_region_id=region_id, status="disputed"
        ),
        "risk_flags": open_risk_flags(region_id=region_id),
    }


def counts_in_one_query(querysets: dict[str, QuerySet]) -> dict[str, int]:
    """{name: queryset.count()} for each, from one SELECT of scalar subqueries."""
    columns, params, counts = [], [], {}
    for name, queryset in querysets.items():
        try:
            sql, values = queryset.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # a none(): nothing to count
            counts[name] = 0
            continue
        columns.append((name, f"(SELECT COUNT(*) FROM ({sql}) AS counted)"))
        params.extend(values)
    if columns:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(column for _, column in columns)}", params)
            counts.update(zip([name for name, _ in columns], cursor.fetchone(), strict=True))
    return {name: counts[name] for name in querysets}


def open_risk_flags(*, region_id: int) -> QuerySet:
    """Open risk flags on orders paid with the district's vouchers (the risk queue)."""
    return RiskFlag.objects.filter(
        cleared_at__isnull=True, service_order__voucher__issuing_region_id=region_id
    )


def open_risk_flag_count(*, region_id: int) -> int:
    return open_risk_flags(region_id=region_id).count()


# --- the public serial check ----------------------------------------------------------------


def voucher_by_serial(serial: str) -> Voucher | None:
    return (
        Voucher.objects.select_related("enterprise", "issuing_region").filter(serial=serial).first()
    )


def certificate_by_serial(serial: str) -> ProviderCertificate | None:
    return (
        ProviderCertificate.objects.select_related("provider", "provider__region")
        .filter(serial=serial)
        .first()
    )


def vouchers_without_certificate(*, issued_before: datetime) -> QuerySet:
    """Serials of vouchers issued before then whose certificate PDF was never drawn."""
    return Voucher.objects.filter(certificate_pdf="", issued_at__lt=issued_before).values_list(
        "serial", flat=True
    )


def certificates_without_pdf(*, issued_before: datetime) -> QuerySet:
    """Serials of provider certificates issued before then whose PDF was never drawn."""
    return ProviderCertificate.objects.filter(pdf="", issued_at__lt=issued_before).values_list(
        "serial", flat=True
    )


# --- open statistics (regions/statistics.py) ------------------------------------------------
#
# Each returns one aggregate query's rows for a period: a year and the months in it (1-12).
# The spent redemptions' counts and amounts per month and pair come from the dashboards'
# summary (RedemptionMonthlyFlow), not from here.


def _period(field: str, year: int, months: tuple[int, ...]) -> Q:
    condition = Q(**{f"{field}__year": year})
    if len(months) < 12:
        condition &= Q(**{f"{field}__month__in": months})
    return condition


def statistics_vouchers_issued(*, year: int, months: tuple[int, ...], region_id: int | None):
    """Per month: count and face value of the vouchers issued, and the total time from
    their applications' submission to the issue (for the average); from the statistics'
    district summary (StatisticsMonthlyDistrict), at most 4 x 12 rows."""
    queryset = StatisticsMonthlyDistrict.objects.filter(year=year, vouchers_issued__gt=0)
    if len(months) < 12:
        queryset = queryset.filter(month__in=months)
    if region_id is not None:
        queryset = queryset.filter(region_id=region_id)
    rows = queryset.values("month").annotate(
        n=Sum("vouchers_issued"), total=Sum("issued_amount"), waited=Sum("issue_wait_us")
    )
    return [
        {**row, "waited": timedelta(microseconds=row["waited"] or 0)}
        for row in rows.order_by("month")
    ]


def _spent(*, year: int, months: tuple[int, ...], region_id: int | None) -> QuerySet:
    """The statistics' summary rows (RedemptionMonthlyEnterprise) of spent redemptions
    decided in the period, of the issuing district."""
    queryset = RedemptionMonthlyEnterprise.objects.filter(year=year)
    if len(months) < 12:
        queryset = queryset.filter(month__in=months)
    if region_id is not None:
        queryset = queryset.filter(issuing_region_id=region_id)
    return queryset


def statistics_categories(*, year: int, months: tuple[int, ...], region_id: int | None):
    """Spent redemptions per service category: the order's offering's category, else the
    category the enterprise named in its application (0 when neither says one)."""
    return (
        _spent(year=year, months=months, region_id=region_id)
        .values(category_id=F("category"))
        .annotate(n=Sum("redemption_count"), total=Sum("amount"))
        .order_by()
    )


def statistics_enterprises_served(
    *, year: int, months: tuple[int, ...], region_id: int | None, by: str
):
    """Distinct enterprises whose vouchers paid for a service (a spent redemption) in the
    period, per `by` ("industry" or "size")."""
    return (
        _spent(year=year, months=months, region_id=region_id)
        .values(key=F(f"enterprise__{by}"))
        .annotate(n=Count("enterprise_id", distinct=True))
        .order_by()
    )


def statistics_payments(*, year: int, months: tuple[int, ...], region_id: int | None) -> dict:
    """Redemptions paid in the period (by the paying district, the provider's): count and
    total time from claim to payment (for the average); from the district summary."""
    queryset = StatisticsMonthlyDistrict.objects.filter(year=year)
    if len(months) < 12:
        queryset = queryset.filter(month__in=months)
    if region_id is not None:
        queryset = queryset.filter(region_id=region_id)
    totals = queryset.aggregate(n=Sum("payments"), waited=Sum("payment_wait_us"))
    return {"n": totals["n"] or 0, "waited": timedelta(microseconds=totals["waited"] or 0)}


def statistics_categories_named() -> dict[int, tuple[str, str, str]]:
    """category id -> (code, name, Chinese name) of the seven categories."""
    return {
        pk: (code, name, name_zh)
        for pk, code, name, name_zh in ServiceCategory.objects.values_list(
            "id", "code", "name", "name_zh"
        )
    }


def statistics_demands(*, year: int, months: tuple[int, ...], region_id: int | None):
    """Technology demands published (created) in the period, and resolved (awarded: a
    proposal accepted, which made the service order) in it, by the demand's district; one
    query."""
    queryset = Demand.objects.all()
    if region_id is not None:
        queryset = queryset.filter(region_id=region_id)
    return queryset.aggregate(
        published=Count("id", filter=_period("created_at", year, months)),
        resolved=Count("id", filter=Q(status="awarded") & _period("closed_at", year, months)),
    )


# --- stored files' integrity (the operator's reconciliation page) ---------------------------


def file_integrity_checks(limit: int = 5):
    """The latest nightly re-hashings of evidence files and order documents."""
    return list(FileIntegrityCheck.objects.order_by("-checked_at", "-id")[:limit])


def evidence_hashes(*, order_ids) -> dict[int, list[str]]:
    """The SHA-256 of each evidence file of these orders, by order, in upload order."""
    hashes: dict[int, list[str]] = {}
    rows = (
        EvidenceFile.objects.filter(order_id__in=list(order_ids))
        .order_by("id")
        .values_list("order_id", "sha256")
    )
    for order_id, digest in rows:
        hashes.setdefault(order_id, []).append(digest or "-")
    return hashes
