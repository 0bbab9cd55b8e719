"""The pure netting of a batch: net positions and the fewest transfers that settle them.

No database here, so the arithmetic is tested on its own (tests/settlement/test_netting.py).
"""

from decimal import Decimal

ZERO = Decimal("0.00")


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
