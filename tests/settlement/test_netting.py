"""The pure netting: gross obligations -> net positions -> the fewest transfers."""

from collections import defaultdict
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from regions.settlement.netting import net_positions, propose_transfers

CODES = ["YANGPU", "WUJIN", "NANHU", "HEFEI_HT"]

redemption = st.tuples(
    st.sampled_from(CODES),
    st.sampled_from(CODES),
    st.decimals(min_value="0.01", max_value="500000.00", places=2),
).filter(lambda r: r[0] != r[1])


def totals(redemptions):
    gross = defaultdict(lambda: Decimal("0.00"))
    for debtor, creditor, amount in redemptions:
        gross[(debtor, creditor)] += amount
    return dict(gross)


@settings(max_examples=400, deadline=None)
@given(st.lists(redemption, max_size=60))
def test_it_nets_any_set_of_redemptions(redemptions):
    gross = totals(redemptions)
    assert sum(gross.values(), Decimal("0")) == sum((a for *_, a in redemptions), Decimal("0"))
    positions = net_positions(gross, CODES)
    assert sum(positions.values()) == 0
    transfers = propose_transfers(positions)
    assert len(transfers) <= 3
    settled = dict(positions)
    for debtor, creditor, amount in transfers:
        assert amount > 0 and debtor != creditor
        assert positions[debtor] < 0 < positions[creditor]
        settled[debtor] += amount
        settled[creditor] -= amount
    assert all(amount == 0 for amount in settled.values())


def test_two_independent_pairs_need_two_transfers():
    positions = {
        "YANGPU": Decimal("100"),
        "WUJIN": Decimal("-100"),
        "NANHU": Decimal("50"),
        "HEFEI_HT": Decimal("-50"),
    }
    assert sorted(propose_transfers(positions)) == [
        ("HEFEI_HT", "NANHU", Decimal("50")),
        ("WUJIN", "YANGPU", Decimal("100")),
    ]


def test_a_pair_that_cancels_needs_nothing():
    gross = {("WUJIN", "YANGPU"): Decimal("10.00"), ("YANGPU", "WUJIN"): Decimal("10.00")}
    assert propose_transfers(net_positions(gross, CODES)) == []


def test_the_zero_sum_grouping_beats_greedy():
    # Greedy on all four would pay 3 times; {A,B} and {C,D} each cancel: 2 transfers.
    positions = {
        "YANGPU": Decimal("70"),
        "WUJIN": Decimal("-70"),
        "NANHU": Decimal("-40"),
        "HEFEI_HT": Decimal("40"),
    }
    assert len(propose_transfers(positions)) == 2
