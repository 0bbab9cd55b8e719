"""Writes of settlement, one function per step: open a batch, claim its redemptions, compute
it, confirm and close it (its transfers are recorded in `regions.settlement.transfers`).
`settlement_run` is the whole job in one call.

Lock order (CONVENTIONS.md): programme rules -> voucher -> service order -> redemption ->
settlement batch. The claim locks redemptions, then takes a KEY SHARE lock on the batch row;
the compute step and the transfer step lock only the batch row.
"""

import os
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import InvalidTransition, NotAllowed, ValidationFailed
from portal.links import portal_url
from portal.notifications import notify_after_commit
from portal.outbox import enqueue
from portal.states import check_transition
from portal.templatetags.portal import cny
from regions import ledger, sources
from regions.models import (
    AuditEntry,
    NotificationPreference,
    Region,
    SettlementBatch,
    SettlementNetPosition,
    SettlementObligation,
    SettlementTransfer,
    User,
)
from regions.permissions import can_run_settlement
from regions.selectors import official_emails, operator_emails, programme_first_year
from regions.services import audit_record
from regions.settlement.netting import ZERO, net_positions, propose_transfers
from regions.settlement.selectors import stalled_batches

Status = SettlementBatch.Status


def chunk_size() -> int:
    return int(getattr(settings, "SETTLEMENT_CHUNK_SIZE", 25000))


def part_count() -> int:
    return max(1, int(getattr(settings, "SETTLEMENT_PARTS", 4)))


def chunk_delay() -> float:
    """Test-only: seconds to sleep inside each claim chunk (SETTLEMENT_CHUNK_DELAY_SECONDS),
    so a test can kill the worker in the middle of a batch. Zero in production."""
    return float(os.environ.get("SETTLEMENT_CHUNK_DELAY_SECONDS") or 0)


# --- open ----------------------------------------------------------------------------------


def _programme_start() -> datetime | None:
    """Midnight of January 1 of the programme's first year, in programme time."""
    first_year = programme_first_year()
    if first_year is None:
        return None
    # The programme's time zone, not the request's: under /api/ (UTC) this was 08:00 in China.
    return datetime(first_year, 1, 1, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _moment(value: datetime) -> str:
    return timezone.localtime(value).isoformat(timespec="minutes")


@transaction.atomic(durable=True)
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
        # Both moments with their offset: a date alone is midnight in the request's time zone
        # (UTC under /api/), which can still be ahead in the morning in China.
        raise ValidationFailed(
            _("The cutoff cannot be in the future: %(cutoff)s is later than now, %(now)s.")
            % {"cutoff": _moment(cutoff), "now": _moment(now)},
            field="cutoff",
        )
    programme_start = _programme_start()
    if programme_start is not None and cutoff < programme_start:
        raise ValidationFailed(
            _("The cutoff %(cutoff)s is before the programme began, %(start)s.")
            % {
                "cutoff": _moment(cutoff),
                # The programme's first midnight as the programme reads it: 00:00 +08:00.
                "start": programme_start.isoformat(timespec="minutes"),
            },
            field="cutoff",
        )
    # Locked: two operators (or two tabs) starting a batch at once wait for each other, and
    # the second sees the first's batch below.
    last = SettlementBatch.objects.select_for_update().order_by("-cutoff", "-id").first()
    if last is not None and cutoff < last.cutoff:
        # Batch #N settled everything decided up to its cutoff: an earlier one finds nothing,
        # and its empty batch would stand as the latest on the settlement page.
        raise ValidationFailed(
            _(
                "The cutoff %(cutoff)s is before that of batch #%(batch)s, %(last)s, which "
                "settled everything decided up to then."
            )
            % {"cutoff": _moment(cutoff), "batch": last.pk, "last": _moment(last.cutoff)},
            field="cutoff",
        )
    running = SettlementBatch.objects.filter(status=Status.OPEN).order_by("id").first()
    if running is not None:
        # Its workers are still claiming what was approved up to its cutoff: a second batch
        # now would find what the first has not yet reached, or nothing, and stand empty.
        raise InvalidTransition(
            # "When it has closed" sent the operator to wait for the transfers, while a
            # computed batch blocks nothing; the moment as the pages write it, not ISO.
            _(
                "Batch #%(batch)s is still settling what was approved up to %(cutoff)s; start "
                "the next one once it is computed (its page shows when)."
            )
            % {
                "batch": running.pk,
                "cutoff": f"{timezone.localtime(running.cutoff):%Y-%m-%d %H:%M}",
            },
            code="batch_running",
        )
    batch = SettlementBatch.objects.create(cutoff=cutoff, created_by=actor)
    audit_record(
        actor=actor,
        obj=batch,
        action=AuditEntry.Action.CREATE,
        to_status=Status.OPEN,
        data={"cutoff": cutoff.isoformat()},
    )
    enqueue("regions.tasks.settle_batch", batch_id=batch.pk)
    return batch


@transaction.atomic(durable=True)
def settlement_batch_resume(*, batch_id: int, actor: User | None) -> SettlementBatch:
    """Queue an open batch's unfinished work again: the id ranges still unclaimed, then the
    compute step. For a batch whose worker died mid-way; harmless if the work is in fact
    still running, since every claim skips what is taken and compute runs once."""
    if actor is not None and not can_run_settlement(actor):
        raise NotAllowed(_("Only the programme operator runs settlement."))
    batch = SettlementBatch.objects.select_for_update().get(pk=batch_id)
    # Resuming moves no status: only an open batch has work left to queue.
    if batch.status != Status.OPEN:
        raise InvalidTransition(
            _("This batch is %(status)s; only an open batch can be resumed.")
            % {"status": batch.get_status_display().lower()}
        )
    batch.progressed_at = timezone.now()
    batch.save(update_fields=["progressed_at"])
    audit_record(
        actor=actor,
        obj=batch,
        action=AuditEntry.Action.RESUME,
        from_status=Status.OPEN,
        to_status=Status.OPEN,
        data={"claimed": batch.claimed_count},
    )
    enqueue("regions.tasks.settle_batch", batch_id=batch.pk)
    return batch


def resume_stalled_batches() -> list[int]:
    """Resume every stalled batch (see `selectors.stalled_batches`), each in its own
    transaction; run by the beat every minute."""
    resumed = []
    for batch_id in stalled_batches().values_list("id", flat=True):
        try:
            settlement_batch_resume(batch_id=batch_id, actor=None)
        except InvalidTransition:
            continue  # computed since the query: nothing left to resume
        resumed.append(batch_id)
    return resumed


# --- claim: each chunk its own short transaction, by design ---------------------------------


def settlement_plan(*, batch_id: int, parts: int | None = None) -> list[tuple[int, int]]:
    """Split the redemptions the batch would take into at most `parts` id ranges."""
    batch = SettlementBatch.objects.get(pk=batch_id)
    low, high, count = sources.unsettled_id_range(cutoff=batch.cutoff)
    if not count:
        return []
    parts = max(1, min(parts or part_count(), -(-count // chunk_size())))
    width = -(-(high - low + 1) // parts)
    return [(start, min(start + width - 1, high)) for start in range(low, high + 1, width)]


def _claim_chunk(
    batch_id: int, cutoff: datetime, low: int, high: int | None, limit: int, skip_settled: bool
):
    """Claim up to `limit` rows with ids in [low, high] in one transaction.

    Returns (claimed, last id, whether some were settled already) or None when the batch is
    no longer open.
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
        else:
            # SQLite serialises writers, so the plain read is already exclusive.
            cursor.execute("SELECT status FROM regions_settlementbatch WHERE id = %s", [batch_id])
        row = cursor.fetchone()
        if row is None or row[0] != Status.OPEN:
            return None
        claimed, last, settled_seen = sources.redemptions_claim(
            batch_id=batch_id,
            cutoff=cutoff,
            low=low,
            high=high,
            limit=limit,
            skip_settled=skip_settled,
        )
        if claimed:
            cursor.execute(
                "UPDATE regions_settlementbatch"
                " SET claimed_count = claimed_count + %s, progressed_at = %s WHERE id = %s",
                [claimed, timezone.now(), batch_id],
            )
        delay = chunk_delay()
        if delay and claimed:
            time.sleep(delay)
    return claimed, last, settled_seen


def settlement_claim_range(*, batch_id: int, low: int = 0, high: int | None = None) -> int:
    """Claim every eligible redemption with an id in [low, high] for the batch, chunk by chunk.

    Safe to run any number of times, concurrently with itself or another batch: a row that
    another transaction holds is skipped here and picked up by the final sweep (or by the
    batch that holds it).
    """
    batch = SettlementBatch.objects.filter(pk=batch_id).values("cutoff", "status").first()
    if batch is None or batch["status"] != Status.OPEN:
        return 0
    total = 0
    limit = chunk_size()
    # Fresh ids are claimed with a plain insert; once a chunk met items already there (a
    # resumed range, a second batch on the same rows), the rest of the range skips them up
    # front rather than try, fail and redo each chunk.
    skip_settled = False
    while True:
        result = _claim_chunk(batch_id, batch["cutoff"], low, high, limit, skip_settled)
        if result is None:
            return total
        claimed, last, settled_seen = result
        skip_settled = skip_settled or settled_seen
        total += claimed
        if last is None:
            return total
        low = last + 1


# --- compute -------------------------------------------------------------------------------


def settlement_run(*, batch_id: int) -> SettlementBatch:
    """Settle the batch in this process: claim what is left, then compute (the one-worker
    path, and the final sweep after the parallel parts). Safe to run again: a batch that is
    already computed is returned as it is."""
    # The sweep asks first, in one anti-join, whether anything is left and from which id:
    # after the parts have claimed everything (the usual case) walking the whole id range
    # again, probing each item, cost a tenth of the claim (measured at 1M).
    cutoff = SettlementBatch.objects.filter(pk=batch_id).values_list("cutoff", flat=True).first()
    low, _high, left = sources.unsettled_id_range(cutoff=cutoff) if cutoff else (None, None, 0)
    if left:
        settlement_claim_range(batch_id=batch_id, low=low)
    with transaction.atomic(durable=True):
        batch = SettlementBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status != Status.OPEN:
            return batch
        return _compute(batch)


@transaction.atomic(durable=True)
def settlement_compute(*, batch_id: int) -> SettlementBatch:
    """open -> computed for the batch's claimed redemptions; refuses a batch no longer open."""
    batch = SettlementBatch.objects.select_for_update().get(pk=batch_id)
    return _compute(batch)


def _compute(batch: SettlementBatch) -> SettlementBatch:
    """Total, net and propose transfers (batch row locked FOR UPDATE, which waits for any
    claim chunk still writing)."""
    from_status = check_transition(batch, Status.COMPUTED)
    regions = list(Region.objects.order_by("id"))
    codes = {r.pk: r.code for r in regions}
    by_code = {r.code: r for r in regions}
    obligations = {}
    rows = []
    count = 0
    for pair in sources.batch_pair_totals(batch_id=batch.pk):
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
    batch.status = Status.COMPUTED
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
        from_status=from_status,
        to_status=Status.COMPUTED,
        data={
            "redemptions": count,
            "gross_total": str(batch.gross_total),
            "transfers": [[d, c, str(a)] for d, c, a in transfers],
        },
    )
    if not transfers:
        # Nothing to pay (an empty batch, or obligations that cancel exactly): done at once.
        settlement_batch_confirm(batch=batch, actor=None)
        settlement_batch_close(batch=batch, actor=None)
    recipients = operator_emails()
    for region in regions:
        recipients += official_emails(region.pk)
    notify_after_commit(
        recipients=recipients,
        kind=NotificationPreference.Kind.SETTLEMENT,
        email="regions/settlement_computed",
        context=lambda: {
            "batch": batch.pk,
            "cutoff": f"{timezone.localtime(batch.cutoff):%Y-%m-%d %H:%M}",
            "redemptions": count,
            "gross": cny(batch.gross_total),
            "transfers": len(transfers),
            "url": portal_url("settlement-batch", batch.pk),
        },
    )
    return batch


# --- confirm, close (transfers are recorded in regions.settlement.transfers) ----------------


@transaction.atomic
def settlement_batch_confirm(*, batch: SettlementBatch, actor: User | None) -> None:
    """computed -> confirmed: every transfer is paid, so the netting entry goes to the ledger.

    A step of `settlement_transfer_confirm` (and of computing a batch with nothing to pay),
    inside its transaction with the batch row locked; the batch closes in the same one.
    """
    from_status = check_transition(batch, Status.CONFIRMED)
    transfers = list(batch.transfers.all())
    sides = []  # (account lookup, debit, credit)
    for o in batch.obligations.all():
        sides.append((ledger.clearing(o.from_region_id, o.to_region_id), o.amount, 0))
        sides.append((ledger.clearing(o.to_region_id, o.from_region_id), 0, o.amount))
    for t in transfers:
        sides.append((ledger.cash(t.to_region_id), t.amount, 0))
        sides.append((ledger.cash(t.from_region_id), 0, t.amount))
    found = ledger.accounts(*(lookup for lookup, _debit, _credit in sides))
    lines = [
        (account, debit, credit)
        for account, (_lookup, debit, credit) in zip(found, sides, strict=True)
    ]
    if lines:
        ledger.post_entry(
            reference=f"settlement:{batch.pk}:net",
            description=f"Settlement batch #{batch.pk}: obligations netted and transfers paid",
            lines=lines,
            settlement_batch=batch,
        )
    batch.status = Status.CONFIRMED
    batch.save(update_fields=["status"])
    audit_record(
        actor=actor,
        obj=batch,
        action=AuditEntry.Action.CONFIRM,
        from_status=from_status,
        to_status=Status.CONFIRMED,
        reason="Every transfer has a payment reference." if transfers else "Nothing to transfer.",
    )


@transaction.atomic
def settlement_batch_close(*, batch: SettlementBatch, actor: User | None) -> None:
    """confirmed -> closed (batch row locked by the caller)."""
    from_status = check_transition(batch, Status.CLOSED)
    batch.status = Status.CLOSED
    batch.closed_at = timezone.now()
    batch.save(update_fields=["status", "closed_at"])
    audit_record(
        actor=actor,
        obj=batch,
        action=AuditEntry.Action.CLOSE,
        from_status=from_status,
        to_status=Status.CLOSED,
    )
