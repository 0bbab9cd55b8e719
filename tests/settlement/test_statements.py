"""Each district's statement lists every redemption behind its figures and adds up to them."""

import csv
import io
from decimal import Decimal

import pytest
from django.db.models import Q

from regions.exports import statement_csv_lines, statement_summary
from regions.models import Region
from vouchers.models import Redemption

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code", ["YANGPU", "WUJIN", "NANHU", "HEFEI_HT"])
def test_the_statement_reconciles_to_the_batch(computed, code):
    batch, expected = computed
    region = Region.objects.get(code=code)
    rows = list(csv.reader(io.StringIO("".join(statement_csv_lines(batch, region)))))
    header, body = rows[0], rows[1:]
    lines = [dict(zip(header, r, strict=True)) for r in body if r and r[0].isdigit()]
    totals = {
        r[0]: Decimal(r[-1])
        for r in body
        if r and r[0] in ("total_owes", "total_owed", "net_position")
    }
    owes = sum((Decimal(r["amount"]) for r in lines if r["direction"] == "owes"), Decimal("0"))
    owed = sum((Decimal(r["amount"]) for r in lines if r["direction"] == "owed"), Decimal("0"))
    assert owes == totals["total_owes"] == sum(a for (f, _), a in expected.items() if f == code)
    assert owed == totals["total_owed"] == sum(a for (_, t), a in expected.items() if t == code)
    assert totals["net_position"] == owed - owes == batch.net_positions.get(region=region).amount
    ids = {int(r["redemption"]) for r in lines}
    assert ids == set(
        Redemption.objects.filter(settlement_item__batch=batch)
        .filter(Q(issuing_region=region) | Q(provider_region=region))
        .values_list("id", flat=True)
    )
    summary = statement_summary(batch, region)
    assert summary["count"] == len(lines)
