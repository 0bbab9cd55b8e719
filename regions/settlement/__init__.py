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
4. The operator records each transfer's payment reference; the last one confirms the batch
   (posts the netting entry to the ledger) and closes it, in the same transaction.

Everything is set-based SQL over the partial index `redemption_unsettled_idx`; no step holds
one Python object per redemption.

Where things are: `netting` (pure arithmetic), `selectors` (reads), `services` (the steps,
`settlement_run` for the whole job); statements are in `regions.exports`, and the SQL that
claims redemptions is in `regions.sources`, the one module that reads the vouchers app.
"""
