"""The audit trail as a hash chain: sealing new entries, and proving the chain intact.

Each sealed entry has one `AuditChainLink`; link n carries `entry_hash = sha256(previous_hash
+ content of its entry)`, and link n+1's `previous_hash` is link n's `entry_hash`. The first
link chains to `GENESIS`. Editing an entry's row after it was sealed (even with SQL past the
append-only trigger) changes its content hash; deleting one leaves its link without an entry
or the chain with a gap. `audit_chain_verify` recomputes every link from the entries as they
are now and names the first that does not match.

Entries written since the last sealing run are not yet covered: the beat task seals every
`AUDIT_SEAL_EVERY_SECONDS` (60 by default), and `manage.py audit_verify` seals first.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC

from django.db import IntegrityError, transaction

from regions.models import AuditChainLink, AuditEntry

GENESIS = "0" * 64
SEAL_CHUNK = 2000


def entry_content(entry: AuditEntry) -> bytes:
    """Every stored field of the entry, in one canonical byte string."""
    return json.dumps(
        [
            entry.pk,
            entry.at.astimezone(UTC).isoformat(),
            entry.actor_id,
            entry.object_type,
            entry.object_id,
            entry.action,
            entry.from_status,
            entry.to_status,
            entry.reason,
            entry.data,
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    ).encode()


def chained_hash(previous_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256(previous_hash.encode() + b"\n" + entry_content(entry)).hexdigest()


def audit_chain_seal(limit: int | None = None) -> int:
    """Append a link for every entry that has none, oldest id first; returns how many.

    Two sealers at once: the second's first link repeats the head's `previous_hash`, which is
    unique, so its transaction fails and it seals nothing (the first one covers the entries)."""
    sealed = 0
    while limit is None or sealed < limit:
        chunk = SEAL_CHUNK if limit is None else min(SEAL_CHUNK, limit - sealed)
        try:
            added = _seal_chunk(chunk)
        except IntegrityError:
            return sealed
        sealed += added
        if added < chunk:
            break
    return sealed


@transaction.atomic
def _seal_chunk(size: int) -> int:
    head = AuditChainLink.objects.order_by("-position").first()
    previous_hash = head.entry_hash if head else GENESIS
    position = head.position if head else 0
    entries = list(AuditEntry.objects.filter(chain_link__isnull=True).order_by("id")[:size])
    links = []
    for entry in entries:
        position += 1
        entry_hash = chained_hash(previous_hash, entry)
        links.append(
            AuditChainLink(
                position=position,
                entry_id=entry.pk,
                previous_hash=previous_hash,
                entry_hash=entry_hash,
            )
        )
        previous_hash = entry_hash
    AuditChainLink.objects.bulk_create(links)
    return len(links)


@dataclass
class ChainReport:
    links: int = 0
    unsealed: int = 0
    broken_at: int | None = None  # the first link's position that does not hold
    broken_entry: int | None = None
    problem: str = ""
    head_hash: str = GENESIS  # the last verified link's hash: worth keeping outside the database

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def _link_chunks():
    """The chain's links in order, SEAL_CHUNK at a time, as (position, entry id, previous
    hash, hash): read without joining the entries, so that a link whose entry is gone shows."""
    after = 0
    while True:
        chunk = list(
            AuditChainLink.objects.filter(position__gt=after)
            .order_by("position")
            .values_list("position", "entry_id", "previous_hash", "entry_hash")[:SEAL_CHUNK]
        )
        if not chunk:
            return
        yield chunk
        after = chunk[-1][0]


def audit_chain_verify() -> ChainReport:
    """Walk the chain from its first link and recompute each hash from the entry as stored."""
    report = ChainReport()
    previous_hash = GENESIS
    expected_position = 1
    for chunk in _link_chunks():
        entries = AuditEntry.objects.in_bulk([entry_id for _p, entry_id, _h, _e in chunk])
        for position, entry_id, stored_previous, stored_hash in chunk:
            report.links += 1
            entry = entries.get(entry_id)
            problem = ""
            if position != expected_position:
                problem = f"link {expected_position} was removed"
            elif stored_previous != previous_hash:
                problem = "it does not chain to the link before it"
            elif entry is None:
                problem = f"audit entry {entry_id} was removed"
            elif chained_hash(previous_hash, entry) != stored_hash:
                problem = f"audit entry {entry_id} was changed after it was sealed"
            if problem:
                report.broken_at, report.broken_entry, report.problem = (
                    position,
                    entry_id,
                    problem,
                )
                return report
            previous_hash = stored_hash
            expected_position += 1
    report.head_hash = previous_hash
    report.unsealed = AuditEntry.objects.filter(chain_link__isnull=True).count()
    return report
