"""Spread of approved redemptions across the districts for the settlement tests."""

import itertools
from collections import defaultdict
from decimal import Decimal

from tests.redemptions.factories import approved_redemption
from tests.vouchers.factories import make_voucher

ENTERPRISES = ["enterprise-jiangnan", "enterprise-yangpu", "enterprise-nanhu", "enterprise-hefei"]
PROVIDERS = ["provider-sit", "provider-graphene", "provider-weikai", "provider-ustc"]


def spread(demo, n: int, *, paid_every: int = 3) -> dict:
    """`n` approved redemptions (every `paid_every`-th paid) cycling over all 16 district
    pairs; returns the expected gross totals of the cross-region ones by (from, to) code."""
    vouchers = {e: make_voucher(demo["enterprises"][e], "250000.00") for e in ENTERPRISES}
    expected = defaultdict(lambda: Decimal("0.00"))
    pairs = itertools.cycle(itertools.product(ENTERPRISES, PROVIDERS))
    for i in range(n):
        enterprise, provider_name = next(pairs)
        amount = Decimal("100.00") + i
        voucher, provider = vouchers[enterprise], demo["providers"][provider_name]
        approved_redemption(demo, voucher, provider, str(amount), paid=i % paid_every == 0)
        if voucher.issuing_region_id != provider.region_id:
            expected[(voucher.issuing_region.code, provider.region.code)] += amount
    return dict(expected)


def obligations_of(batch) -> dict:
    return {(o.from_region.code, o.to_region.code): o.amount for o in batch.obligations.all()}
