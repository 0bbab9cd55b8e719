"""Settlement between the four districts: batches that net cross-region redemptions.

A batch goes open -> computed -> confirmed -> closed:
1. `settlement_batch_create` writes an open batch with a cutoff and queues
   `regions.tasks.settle_batch` after commit.
2. The claim step stamps `settlement_batch_id` on every approved or paid, cross-region,
   unsettled redemption decided up to the cutoff. It runs in chunks, each its own short
   transaction, as `UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED)` guarded by
   `settlement_batch_id IS NULL`: a redemption's batch is written once, by whichever batch
   locks it first, so two batches, a retried task or a restarted worker can never settle it
   twice. Each chunk also takes a KEY SHARE lock on the open batch row, so no chunk can add
   to a batch after it is computed. Large batches are split into id ranges, one task each.
3. The compute step (`settlement_compute`) runs after a final sweep: with the batch row
   locked FOR UPDATE (which waits for any chunk still writing) and only while it is open, it
   totals the batch's redemptions with one GROUP BY, writes the gross obligations, the four
   net positions and the proposed transfers, and marks the batch computed. Running it again
   changes nothing.
4. The operator records each transfer's payment reference; the last one confirms the batch,
   posts the netting entry to the ledger and closes it.

Everything is set-based SQL over the partial index `redemption_unsettled_idx`; no step holds
one Python object per redemption.
"""

import itertools
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import InvalidTransition, NotAllowed, ValidationFailed
from portal.notifications import notify_after_commit
from portal.outbox import enqueue
from regions import ledger
from regions.ledger import clean_payment_reference
from regions.models import (
    AuditEntry,
    Region,
    SettlementBatch,
    SettlementNetPosition,
    SettlementObligation,
    SettlementTransfer,
    User,
)
from regions.selectors import official_emails, operator_emails
from regions.services import audit_record
from vouchers.models import Redemption

log = logging.getLogger(__name__)
ZERO = Decimal("0.00")
SETTLED_STATUSES = [SettlementBatch.Status.CONFIRMED, SettlementBatch.Status.CLOSED]


def chunk_size() -> int:
    return int(getattr(settings, "SETTLEMENT_CHUNK_SIZE", 5000))


def part_count() -> int:
    return max(1, int(getattr(settings, "SETTLEMENT_PARTS", 4)))


def chunk_delay() -> float:
    """Test-only: seconds to sleep inside each claim chunk (SETTLEMENT_CHUNK_DELAY_SECONDS),
    so a test can kill the worker in the middle of a batch. Zero in production."""
    return float(os.environ.get("SETTLEMENT_CHUNK_DELAY_SECONDS") or 0)


# --- the pure netting --------------------------------------------------------------------


def net_positions(
    obligations: dict[tuple[str, str], Decimal], regions: list[str]
) -> dict[str, Decimal]:
    """Each district's net position: what it is owed minus what it owes (sums to zero)."""
    positions = {code: ZERO for code in regions}
    for (debtor, creditor), amount in obligations.items():
        positions[debtor] -= amount
        positions[creditor] += amount
    return positions


def _zero_sum_partition(codes: list[str], positions: dict[str, Decimal]) -> list[list[str]]:
    """The partition of `codes` into the most groups that each sum to zero (brute force: the
    four districts have at most 15 partitions)."""

    def partitions(items):
        if not items:
            yield []
            return
        first, rest = items[0], items[1:]
        for smaller in partitions(rest):
            for i in range(len(smaller)):
                yield smaller[:i] + [[first, *smaller[i]]] + smaller[i + 1 :]
            yield [[first], *smaller]

    best: list[list[str]] = [codes] if codes else []
    for candidate in partitions(codes):
        if len(candidate) > len(best) and all(
            sum((positions[c] for c in group), ZERO) == 0 for group in candidate
        ):
            best = candidate
    return best


def propose_transfers(positions: dict[str, Decimal]) -> list[tuple[str, str, Decimal]]:
    """The fewest transfers that settle `positions` (from net debtor to net creditor).

    A group of k districts whose positions sum to zero needs k - 1 transfers, so the fewest
    transfers come from splitting the non-zero districts into the most zero-sum groups; within
    a group the largest debtor pays the largest creditor until the group is square. Four
    districts never need more than three transfers.
    """
    if sum(positions.values(), ZERO) != 0:
        raise ValueError("net positions must sum to zero")
    codes = sorted(code for code, amount in positions.items() if amount != 0)
    transfers = []
    for group in _zero_sum_partition(codes, positions):
        left = {code: positions[code] for code in group}
        while any(amount != 0 for amount in left.values()):
            debtor = min(left, key=lambda c: (left[c], c))
            creditor = max(left, key=lambda c: (left[c], c))
            amount = min(-left[debtor], left[creditor])
            transfers.append((debtor, creditor, amount))
            left[debtor] += amount
            left[creditor] -= amount
    return transfers


# --- selectors and permissions ------------------------------------------------------------


def can_run_settlement(user) -> bool:
    return bool(user.is_authenticated and user.is_operator)


def can_view_settlement(user) -> bool:
    return bool(user.is_authenticated and (user.is_operator or user.is_official))


def can_view_statement(user, region: Region) -> bool:
    return bool(
        user.is_authenticated
        and (user.is_operator or (user.is_official and user.region_id == region.pk))
    )


def batches_visible_to(user) -> QuerySet[SettlementBatch]:
    if not can_view_settlement(user):
        return SettlementBatch.objects.none()
    return SettlementBatch.objects.all()


@dataclass
class BatchView:
    """A batch as one user may see it: officials only their district's part."""

    batch: SettlementBatch
    obligations: list[SettlementObligation]
    net_positions: list[SettlementNetPosition]
    transfers: list[SettlementTransfer]
    region: Region | None  # the official's district, None for the operator


def batch_view_for(user, batch: SettlementBatch) -> BatchView:
    obligations = list(batch.obligations.select_related("from_region", "to_region"))
    positions = list(batch.net_positions.select_related("region"))
    transfers = list(batch.transfers.select_related("from_region", "to_region"))
    region = None
    if not user.is_operator:
        region = user.region
        rid = user.region_id
        obligations = [o for o in obligations if rid in (o.from_region_id, o.to_region_id)]
        positions = [p for p in positions if p.region_id == rid]
        transfers = [t for t in transfers if rid in (t.from_region_id, t.to_region_id)]
    return BatchView(batch, obligations, positions, transfers, region)


def gross_matrix(batch: SettlementBatch, regions: list[Region]) -> list[dict]:
    """The 4 x 4 gross obligations as rows: {region, cells: [amount or None], owes, owed}."""
    amounts = {(o.from_region_id, o.to_region_id): o.amount for o in batch.obligations.all()}
    rows = []
    for debtor in regions:
        cells = [
            None if debtor.pk == creditor.pk else amounts.get((debtor.pk, creditor.pk), ZERO)
            for creditor in regions
        ]
        owed = sum((amounts.get((c.pk, debtor.pk), ZERO) for c in regions), ZERO)
        rows.append(
            {"region": debtor, "cells": cells, "owes": sum(c or ZERO for c in cells), "owed": owed}
        )
    return rows


def unsettled_summary() -> dict:
    """What the next batch would take now (count and total), for the operator's page."""
    row = Redemption.objects.filter(
        cross_region=True,
        settlement_batch__isnull=True,
        status__in=[Redemption.Status.APPROVED, Redemption.Status.PAID],
    ).aggregate(count=Count("id"), total=Sum("amount"))
    return {"count": row["count"], "total": row["total"] or ZERO}


def batch_remaining(batch: SettlementBatch) -> int:
    """How many redemptions an open batch still has to claim (for its progress bar)."""
    if batch.status != SettlementBatch.Status.OPEN:
        return 0
    return Redemption.objects.filter(
        cross_region=True,
        settlement_batch__isnull=True,
        status__in=[Redemption.Status.APPROVED, Redemption.Status.PAID],
        decided_at__lte=batch.cutoff,
    ).count()


# --- services: create, claim, compute ----------------------------------------------------


@transaction.atomic
def settlement_batch_create(
    *, cutoff: datetime | None = None, actor: User | None
) -> SettlementBatch:
    """Open a batch for everything decided up to `cutoff` (default now) and queue its work."""
    if actor is not None and not can_run_settlement(actor):
        raise NotAllowed(_("Only the programme operator runs settlement."))
    now = timezone.now()
    if cutoff is None:
        cutoff = now
    if timezone.is_naive(cutoff):
        cutoff = timezone.make_aware(cutoff)
    if cutoff > now:
        raise ValidationFailed(_("The cutoff cannot be in the future."), field="cutoff")
    batch = SettlementBatch.objects.create(cutoff=cutoff, created_by=actor)
    audit_record(
        actor=actor,
        obj=batch,
        action=AuditEntry.Action.CREATE,
        to_status=SettlementBatch.Status.OPEN,
        data={"cutoff": cutoff.isoformat()},
    )
    enqueue("regions.tasks.settle_batch", batch_id=batch.pk)
    return batch


_ELIGIBLE = (
    "settlement_batch_id IS NULL AND cross_region AND status IN ('approved', 'paid') "
    "AND decided_at <= %s"
)


def settlement_plan(*, batch_id: int, parts: int | None = None) -> list[tuple[int, int]]:
    """Split the redemptions the batch would take into at most `parts` id ranges."""
    batch = SettlementBatch.objects.get(pk=batch_id)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT MIN(id), MAX(id), COUNT(*) FROM vouchers_redemption WHERE {_ELIGIBLE}",
            [batch.cutoff],
        )
        low, high, count = cursor.fetchone()
    if not count:
        return []
    parts = max(1, min(parts or part_count(), -(-count // chunk_size())))
    width = -(-(high - low + 1) // parts)
    return [(start, min(start + width - 1, high)) for start in range(low, high + 1, width)]


def _claim_chunk(batch_id: int, cutoff: datetime, low: int, high: int | None, limit: int):
    """Claim up to `limit` rows with ids in [low, high] in one transaction.

    Returns (claimed, last id) or None when the batch is no longer open.
    """
    high = high if high is not None else 2**62
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # KEY SHARE: chunks of several workers run side by side, but the compute step's
            # FOR UPDATE waits for them, and a chunk that starts after it sees `computed`.
            cursor.execute(
                "SELECT status FROM regions_settlementbatch WHERE id = %s FOR KEY SHARE",
                [batch_id],
            )
            row = cursor.fetchone()
            if row is None or row[0] != SettlementBatch.Status.OPEN:
                return None
            cursor.execute(
                "WITH claimed AS ("
                " UPDATE vouchers_redemption SET settlement_batch_id = %s WHERE id IN ("
                f"  SELECT id FROM vouchers_redemption WHERE {_ELIGIBLE}"
                "   AND id >= %s AND id <= %s ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)"
                " RETURNING id"
                ") SELECT COUNT(*), MAX(id) FROM claimed",
                [batch_id, cutoff, low, high, limit],
            )
            claimed, last = cursor.fetchone()
        else:
            # SQLite serialises writers, so the plain statement is already exclusive.
            cursor.execute("SELECT status FROM regions_settlementbatch WHERE id = %s", [batch_id])
            row = cursor.fetchone()
            if row is None or row[0] != SettlementBatch.Status.OPEN:
                return None
            cursor.execute(
                f"SELECT MAX(id), COUNT(*) FROM (SELECT id FROM vouchers_redemption"
                f" WHERE {_ELIGIBLE} AND id >= %s AND id <= %s ORDER BY id LIMIT %s)",
                [cutoff, low, high, limit],
            )
            last, _count = cursor.fetchone()
            claimed = 0
            if last is not None:
                cursor.execute(
                    f"UPDATE vouchers_redemption SET settlement_batch_id = %s"
                    f" WHERE {_ELIGIBLE} AND id >= %s AND id <= %s",
                    [batch_id, cutoff, low, last],
                )
                claimed = cursor.rowcount
        if claimed:
            cursor.execute(
                "UPDATE regions_settlementbatch SET claimed_count = claimed_count + %s"
                " WHERE id = %s",
                [claimed, batch_id],
            )
        delay = chunk_delay()
        if delay and claimed:
            time.sleep(delay)
    return claimed, last


def settlement_claim_range(*, batch_id: int, low: int = 0, high: int | None = None) -> int:
    """Claim every eligible redemption with an id in [low, high] for the batch, chunk by chunk.

    Safe to run any number of times, concurrently with itself or another batch: a row that
    another transaction holds is skipped here and picked up by the final sweep (or by the
    batch that holds it).
    """
    batch = SettlementBatch.objects.filter(pk=batch_id).values("cutoff", "status").first()
    if batch is None or batch["status"] != SettlementBatch.Status.OPEN:
        return 0
    total = 0
    limit = chunk_size()
    while True:
        result = _claim_chunk(batch_id, batch["cutoff"], low, high, limit)
        if result is None:
            return total
        claimed, last = result
        if not claimed:
            return total
        total += claimed
        low = last + 1


@transaction.atomic
def settlement_compute(*, batch_id: int) -> SettlementBatch:
    """Total, net and propose transfers for the batch's claimed redemptions (once)."""
    batch = SettlementBatch.objects.select_for_update().get(pk=batch_id)
    if batch.status != SettlementBatch.Status.OPEN:
        return batch
    regions = list(Region.objects.order_by("id"))
    codes = {r.pk: r.code for r in regions}
    by_code = {r.code: r for r in regions}
    pairs = (
        Redemption.objects.filter(settlement_batch_id=batch.pk)
        .values("issuing_region_id", "provider_region_id")
        .annotate(total=Sum("amount"), count=Count("id"))
        .order_by()
    )
    obligations = {}
    rows = []
    count = 0
    for pair in pairs:
        key = (codes[pair["issuing_region_id"]], codes[pair["provider_region_id"]])
        obligations[key] = pair["total"]
        count += pair["count"]
        rows.append(
            SettlementObligation(
                batch=batch,
                from_region_id=pair["issuing_region_id"],
                to_region_id=pair["provider_region_id"],
                amount=pair["total"],
                redemption_count=pair["count"],
            )
        )
    SettlementObligation.objects.bulk_create(rows)
    positions = net_positions(obligations, [r.code for r in regions])
    SettlementNetPosition.objects.bulk_create(
        SettlementNetPosition(batch=batch, region=by_code[code], amount=amount)
        for code, amount in positions.items()
    )
    transfers = propose_transfers(positions)
    SettlementTransfer.objects.bulk_create(
        SettlementTransfer(
            batch=batch, from_region=by_code[debtor], to_region=by_code[creditor], amount=amount
        )
        for debtor, creditor, amount in transfers
    )
    batch.status = SettlementBatch.Status.COMPUTED
    batch.computed_at = timezone.now()
    batch.redemption_count = count
    batch.claimed_count = count
    batch.gross_total = sum(obligations.values(), ZERO)
    batch.save(
        update_fields=["status", "computed_at", "redemption_count", "claimed_count", "gross_total"]
    )
    audit_record(
        actor=None,
        obj=batch,
        action=AuditEntry.Action.COMPUTE,
        from_status=SettlementBatch.Status.OPEN,
        to_status=SettlementBatch.Status.COMPUTED,
        data={
            "redemptions": count,
            "gross_total": str(batch.gross_total),
            "transfers": [[d, c, str(a)] for d, c, a in transfers],
        },
    )
    if not transfers:
        # Nothing to pay (an empty batch, or obligations that cancel exactly): done at once.
        _confirm_and_close(batch, actor=None)
    recipients = operator_emails()
    for region in regions:
        recipients += official_emails(region.pk)
    notify_after_commit(
        recipients=recipients,
        subject=f"[Voucher portal] Settlement batch #{batch.pk} computed",
        body=(
            f"Settlement batch #{batch.pk} (cutoff {timezone.localtime(batch.cutoff):%Y-%m-%d %H:%M}) covers "
            f"{count} cross-region redemptions, {batch.gross_total} CNY gross, with "
            f"{len(transfers)} transfer(s). Statements are on the portal.\n"
        ),
    )
    return batch


def settlement_run(*, batch_id: int) -> SettlementBatch:
    """Claim and compute in this process (the one-worker path, and the final sweep)."""
    settlement_claim_range(batch_id=batch_id)
    return settlement_compute(batch_id=batch_id)


def _confirm_and_close(batch: SettlementBatch, *, actor: User | None) -> None:
    """computed -> confirmed -> closed, posting the netting entry (batch row locked)."""
    obligations = list(batch.obligations.all())
    transfers = list(batch.transfers.all())
    lines = []
    for o in obligations:
        lines.append((ledger.clearing_account(o.from_region_id, o.to_region_id), o.amount, 0))
        lines.append((ledger.clearing_account(o.to_region_id, o.from_region_id), 0, o.amount))
    for t in transfers:
        lines.append((ledger.cash_account(t.to_region_id), t.amount, 0))
        lines.append((ledger.cash_account(t.from_region_id), 0, t.amount))
    if lines:
        ledger.post_entry(
            reference=f"settlement:{batch.pk}:net",
            description=f"Settlement batch #{batch.pk}: obligations netted and transfers paid",
            lines=lines,
            settlement_batch=batch,
        )
    now = timezone.now()
    batch.status = SettlementBatch.Status.CONFIRMED
    audit_record(
        actor=actor,
        obj=batch,
        action=AuditEntry.Action.CONFIRM,
        from_status=SettlementBatch.Status.COMPUTED,
        to_status=SettlementBatch.Status.CONFIRMED,
        reason="Every transfer has a payment reference." if transfers else "Nothing to transfer.",
    )
    batch.status = SettlementBatch.Status.CLOSED
    batch.closed_at = now
    batch.save(update_fields=["status", "closed_at"])
    audit_record(
        actor=actor,
        obj=batch,
        action=AuditEntry.Action.CLOSE,
        from_status=SettlementBatch.Status.CONFIRMED,
        to_status=SettlementBatch.Status.CLOSED,
    )


def _region_by_code(code, *, field: str) -> Region:
    region = Region.objects.filter(code=str(code or "").strip().upper()).first()
    if region is None:
        raise ValidationFailed(_("Unknown district code."), field=field)
    return region


@transaction.atomic
def settlement_transfer_confirm(
    *, batch_id: int, from_region: str, to_region: str, payment_reference: str, actor: User
) -> SettlementTransfer:
    """The operator records the payment reference of one transfer; the last one closes."""
    if not can_run_settlement(actor):
        raise NotAllowed(_("Only the programme operator records settlement transfers."))
    payment_reference = clean_payment_reference(payment_reference)
    debtor = _region_by_code(from_region, field="from_region")
    creditor = _region_by_code(to_region, field="to_region")
    batch = SettlementBatch.objects.select_for_update().filter(pk=batch_id).first()
    if batch is None:
        raise Http404("No such settlement batch")
    if batch.status != SettlementBatch.Status.COMPUTED:
        raise InvalidTransition(
            _("Transfers are recorded on a computed batch (this one is %(status)s).")
            % {"status": batch.get_status_display()}
        )
    transfer = batch.transfers.filter(from_region=debtor, to_region=creditor).first()
    if transfer is None:
        raise ValidationFailed(
            _("This batch has no transfer from %(from)s to %(to)s.")
            % {"from": debtor.code, "to": creditor.code},
            field="to_region",
        )
    if transfer.payment_reference:
        raise InvalidTransition(_("This transfer is already recorded."))
    transfer.payment_reference = payment_reference
    transfer.confirmed_at = timezone.now()
    transfer.confirmed_by = actor
    transfer.save(update_fields=["payment_reference", "confirmed_at", "confirmed_by"])
    audit_record(
        actor=actor,
        obj=batch,
        action=AuditEntry.Action.CONFIRM_TRANSFER,
        reason=payment_reference,
        data={"from": debtor.code, "to": creditor.code, "amount": str(transfer.amount)},
    )
    if not batch.transfers.filter(payment_reference="").exists():
        _confirm_and_close(batch, actor=actor)
        notify_after_commit(
            recipients=operator_emails()
            + official_emails(debtor.pk)
            + official_emails(creditor.pk),
            subject=f"[Voucher portal] Settlement batch #{batch.pk} closed",
            body=f"Every transfer of settlement batch #{batch.pk} is paid; the batch is closed.\n",
        )
    return transfer


# --- statements ----------------------------------------------------------------------------

STATEMENT_HEADER = [
    "redemption",
    "voucher",
    "service_order",
    "provider",
    "issuing_region",
    "provider_region",
    "direction",
    "decided_at",
    "status",
    "amount",
]


def statement_summary(batch: SettlementBatch, region: Region) -> dict:
    """The district's figures of the batch; the rows of `statement_rows` add up to them."""
    obligations = list(batch.obligations.select_related("from_region", "to_region"))
    owes = [
        (o.to_region.code, o.amount, o.redemption_count)
        for o in obligations
        if o.from_region_id == region.pk
    ]
    owed = [
        (o.from_region.code, o.amount, o.redemption_count)
        for o in obligations
        if o.to_region_id == region.pk
    ]
    position = batch.net_positions.filter(region=region).values_list("amount", flat=True).first()
    transfers = [
        (t.from_region.code, t.to_region.code, t.amount, t.payment_reference)
        for t in batch.transfers.select_related("from_region", "to_region")
        if region.pk in (t.from_region_id, t.to_region_id)
    ]
    return {
        "owes": owes,
        "owed": owed,
        "owes_total": sum((a for _, a, _ in owes), ZERO),
        "owed_total": sum((a for _, a, _ in owed), ZERO),
        "count": sum(n for *_, n in owes) + sum(n for *_, n in owed),
        "net_position": position if position is not None else ZERO,
        "transfers": transfers,
    }


def statement_rows(batch: SettlementBatch, region: Region) -> Iterator[list[str]]:
    """Every redemption behind the district's figures, streamed from the database."""
    rows = (
        Redemption.objects.filter(settlement_batch=batch)
        .filter(Q(issuing_region=region) | Q(provider_region=region))
        .order_by("id")
        .values_list(
            "id",
            "voucher__serial",
            "service_order_id",
            "provider__name",
            "issuing_region__code",
            "provider_region__code",
            "issuing_region_id",
            "decided_at",
            "status",
            "amount",
        )
    )
    for (
        rid,
        serial,
        order,
        provider,
        issuing,
        paying,
        issuing_id,
        decided,
        status,
        amount,
    ) in rows.iterator(chunk_size=2000):
        yield [
            str(rid),
            serial,
            str(order),
            provider,
            issuing,
            paying,
            "owes" if issuing_id == region.pk else "owed",
            decided.isoformat() if decided else "",
            status,
            f"{amount:.2f}",
        ]


def statement_summary_lines(batch: SettlementBatch, region: Region, summary: dict) -> list[str]:
    lines = [
        f"Batch #{batch.pk}  cutoff {timezone.localtime(batch.cutoff):%Y-%m-%d %H:%M}  status {batch.status}",
        f"District {region.code} {region.name_zh} {region.name}",
        f"Redemptions: {summary['count']}  owes {summary['owes_total']:.2f}  "
        f"is owed {summary['owed_total']:.2f}  net position {summary['net_position']:.2f}",
    ]
    for code, amount, n in summary["owes"]:
        lines.append(f"  owes {code}: {amount:.2f} ({n} redemptions)")
    for code, amount, n in summary["owed"]:
        lines.append(f"  is owed by {code}: {amount:.2f} ({n} redemptions)")
    for debtor, creditor, amount, reference in summary["transfers"]:
        lines.append(
            f"  transfer {debtor} -> {creditor}: {amount:.2f} {reference or '(not yet paid)'}"
        )
    return lines


def statement_csv_lines(batch: SettlementBatch, region: Region) -> Iterator[str]:
    """CSV text, one line at a time: the rows, then the totals they reconcile to."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush():
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return value

    summary = statement_summary(batch, region)
    writer.writerow(STATEMENT_HEADER)
    yield flush()
    for batch_rows in _batched(statement_rows(batch, region), 500):
        writer.writerows(batch_rows)
        yield flush()
    writer.writerow([])
    writer.writerow(["total_owes", "", "", "", "", "", "", "", "", f"{summary['owes_total']:.2f}"])
    writer.writerow(["total_owed", "", "", "", "", "", "", "", "", f"{summary['owed_total']:.2f}"])
    writer.writerow(
        ["net_position", "", "", "", "", "", "", "", "", f"{summary['net_position']:.2f}"]
    )
    for debtor, creditor, amount, reference in summary["transfers"]:
        writer.writerow(
            ["transfer", debtor, creditor, reference, "", "", "", "", "", f"{amount:.2f}"]
        )
    yield flush()


def _batched(iterable, size):
    iterator = iter(iterable)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def statement_pdf(batch: SettlementBatch, region: Region) -> bytes:
    from portal.pdf import table_pdf

    summary = statement_summary(batch, region)
    return table_pdf(
        title_zh=f"结算对账单 #{batch.pk} {region.name_zh}",
        title_en=f"Settlement statement #{batch.pk} {region.name}",
        header=["#", "voucher", "provider", "from", "to", "dir", "status", "amount"],
        rows=[
            [r[0], r[1], r[3], r[4], r[5], r[6], r[8], r[9]] for r in statement_rows(batch, region)
        ],
        summary=statement_summary_lines(batch, region, summary),
    )


def resume_open_batches(*, older_than_seconds: int = 3600) -> list[int]:
    """Re-queue batches still open long after they were created (a lost task); harmless if
    the work is in fact still running, since every step is idempotent."""
    from regions.tasks import settle_batch

    stale = list(
        SettlementBatch.objects.filter(
            status=SettlementBatch.Status.OPEN,
            created_at__lt=timezone.now() - timedelta(seconds=older_than_seconds),
        ).values_list("id", flat=True)
    )
    for batch_id in stale:
        settle_batch.delay(batch_id)
    return stale
