"""Reads of settlement: the batches a user may see, a batch as that user sees it, the gross
matrix, what the next batch would take, and the transfers recorded under a reference."""

import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from regions import sources
from regions.models import (
    Region,
    SettlementBatch,
    SettlementNetPosition,
    SettlementObligation,
    SettlementTransfer,
)
from regions.permissions import can_view_settlement

ZERO = Decimal("0.00")


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


def normalised_reference(reference: str) -> str:
    """A bank reference as the operator means it: "WJ2YP-20261208", "wj2yp - 20261208" and
    the full-width "ＷＪ２ＹＰ－２０２６１２０８" are one reference. NFKC (full-width letters,
    digits, hyphen and space to ASCII), case-folded, without whitespace; hyphens and other
    punctuation stay, since they separate a reference's parts. The same rule as the claims'
    payment references (`vouchers.models.Redemption.reference_key`), written out here
    because settlement reads the vouchers app only through `regions.sources`."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", reference).casefold())
    return "".join(character for character in folded if not character.isspace())


def transfers_recorded_with_reference(
    *, paying_region_id: int, reference: str, besides: int | None = None
) -> list[SettlementTransfer]:
    """The transfers of any batch that the paying district was recorded as having made under
    `reference` (compared by `normalised_reference`), latest first, with their districts
    loaded. A bank gives a reference per transfer out of the paying account, so the same one
    again is most likely the same transfer recorded twice; another district's account may
    well have given the same string, and is not compared.

    Compared in Python: neither database can apply NFKC alike (SQLite has none) and the
    transfer keeps no normalised column. A batch has at most three transfers, so this reads
    a few hundred short rows for a year of nightly batches."""
    key = normalised_reference(reference)
    if not key:
        return []
    recorded = (
        SettlementTransfer.objects.filter(from_region_id=paying_region_id)
        .exclude(payment_reference="")
        .select_related("from_region", "to_region")
        .order_by("-confirmed_at", "-id")
    )
    if besides is not None:
        recorded = recorded.exclude(pk=besides)
    return [t for t in recorded if normalised_reference(t.payment_reference) == key]


def gross_matrix(batch: SettlementBatch, regions: list[Region]) -> list[dict]:
    """The 4 x 4 gross obligations as rows: {region, cells: [(creditor, amount or None)],
    owes, owed}. Each cell names its column's district: on a phone the row is a card and each
    cell is labelled with it."""
    amounts = {(o.from_region_id, o.to_region_id): o.amount for o in batch.obligations.all()}
    rows = []
    for debtor in regions:
        cells = [
            (
                creditor,
                None if debtor.pk == creditor.pk else amounts.get((debtor.pk, creditor.pk), ZERO),
            )
            for creditor in regions
        ]
        owes = sum((amount or ZERO for _creditor, amount in cells), ZERO)
        owed = sum((amounts.get((c.pk, debtor.pk), ZERO) for c in regions), ZERO)
        rows.append({"region": debtor, "cells": cells, "owes": owes, "owed": owed})
    return rows


def unsettled_summary() -> dict:
    """What the next batch would take now (count and total), for the operator's page."""
    row = sources.unsettled_redemptions().aggregate(count=Count("id"), total=Sum("amount"))
    return {"count": row["count"], "total": row["total"] or ZERO}


def unsettled_of_region(region) -> dict:
    """What the next batch would settle for `region` now: its vouchers' approved claims with
    other districts' providers (it owes), and other districts' vouchers' with its providers
    (it is owed), each with its count; the net is what it would receive."""
    from django.db.models import Q

    issued, paid = Q(issuing_region_id=region.pk), Q(provider_region_id=region.pk)
    row = (
        sources.unsettled_redemptions()
        .filter(issued | paid)
        .aggregate(
            owes_count=Count("id", filter=issued),
            owes=Sum("amount", filter=issued),
            owed_count=Count("id", filter=paid),
            owed=Sum("amount", filter=paid),
        )
    )
    owes, owed = row["owes"] or ZERO, row["owed"] or ZERO
    return {
        "owes_count": row["owes_count"],
        "owes": owes,
        "owed_count": row["owed_count"],
        "owed": owed,
        "net": owed - owes,
    }


def batch_remaining(batch: SettlementBatch) -> int:
    """How many redemptions an open batch still has to claim (for its progress bar)."""
    if batch.status != SettlementBatch.Status.OPEN:
        return 0
    return sources.unsettled_redemptions(cutoff=batch.cutoff).count()


def stalled_batches() -> QuerySet[SettlementBatch]:
    """Open batches that have not moved for SETTLEMENT_STALL_SECONDS: a worker died with
    their messages unacknowledged, which the broker redelivers only after its visibility
    timeout (an hour)."""
    return SettlementBatch.objects.filter(
        status=SettlementBatch.Status.OPEN, progressed_at__lt=_stalled_if_not_moved_since()
    ).order_by("id")


def batch_is_stalled(batch: SettlementBatch) -> bool:
    return (
        batch.status == SettlementBatch.Status.OPEN
        and batch.progressed_at < _stalled_if_not_moved_since()
    )


def _stalled_if_not_moved_since():
    return timezone.now() - timedelta(seconds=settings.SETTLEMENT_STALL_SECONDS)
