"""Settlement between the four districts: batches that net cross-region redemptions.

A batch goes open -> computed -> confirmed -> closed:
1. `settlement_batch_create` writes an open batch with a cutoff and queues
   `regions.tasks.settle_batch` after commit.
2. The claim step inserts one narrow `SettlementItem` (redemption, batch, amount, the two
   districts) for every approved or paid, cross-region redemption decided up to the cutoff
   that has no item yet. It runs in chunks of 25,000 redemptions, each its own transaction,
   as one plain `INSERT ... SELECT`: the item's primary key is the redemption id, so the
   database writes a redemption's batch once, whichever batch, retried task or restarted
   worker gets there first. A chunk whose insert the key refuses (a resumed range, a second
   batch on the same rows; a racing one waits on the key first) is rolled back to a
   savepoint and redone leaving out what is settled (`ON CONFLICT DO NOTHING`), and so is
   the rest of its range.
   Each chunk also takes a KEY SHARE lock on the open batch row, so no chunk can add to a
   batch after it is computed. Large batches are split into id ranges, one task each.
3. The compute step (`settlement_compute`) runs after a final sweep (one anti-join first
   asks whether anything is left, and from which id): with the batch row
   locked FOR UPDATE (which waits for any chunk still writing) and only while it is open, it
   totals the batch's redemptions with one GROUP BY, writes the gross obligations, the four
   net positions and the proposed transfers, and marks the batch computed. Running it again
   changes nothing.
4. The operator records each transfer's payment reference; the last one confirms the batch
   (posts the netting entry to the ledger) and closes it, in the same transaction.

Why items and not a column on the redemption: stamping `settlement_batch_id` rewrote every
settled redemption, a wide row with a dozen indexes (new tuple, new entry in each index,
WAL for all of it), which made settlement cost about what the claims that created those
rows cost. An item is about half as wide (64 against 136 bytes a row) with two indexes
against ten, and nothing else is written.
A redemption's status is therefore not moved at settlement: "settled" is derived from the
item's existence (`Redemption.settlement_batch_id` reads it; lists select_related it), and
approved/paid are final states, so an eligible redemption stays eligible without a row
lock. Every reader of "the redemptions of batch X" (totals, statements, reconciliation,
dashboards, exports, the API) reads the items.

Everything is set-based SQL: the claim reads the partial covering index
`redemption_settleable_idx` (an index-only scan) and lets the items' primary key refuse a
second item (it probes that key per row only on the redone path); no step holds one Python
object per redemption.

Where things are: `netting` (pure arithmetic), `selectors` (reads), `services` (the steps,
`settlement_run` for the whole job); statements are in `regions.exports`, and the SQL that
claims redemptions is in `regions.sources`, the one module that reads the vouchers app.
"""
