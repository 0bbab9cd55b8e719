"""The statement CSV's totals are a table of their own, under a header naming their columns,
not rows under the claims' header: a spreadsheet or a CSV reader took them for claims."""

import csv
import io
from decimal import Decimal

import pytest

from regions.exports import STATEMENT_HEADER, statement_csv_lines, statement_summary
from regions.models import Region

pytestmark = pytest.mark.django_db

TOTALS_HEADER = ["figure", "from_region", "to_region", "payment_reference", "amount"]


def _tables(batch, region) -> list[list[list[str]]]:
    """The file's tables, as a spreadsheet finds them: rows between blank rows."""
    tables: list[list[list[str]]] = [[]]
    for row in csv.reader(io.StringIO("".join(statement_csv_lines(batch, region)))):
        if row:
            tables[-1].append(row)
        else:
            tables.append([])
    return tables


@pytest.mark.parametrize("code", ["YANGPU", "WUJIN"])
def test_the_claims_table_holds_claims_alone(computed, code):
    batch, _expected = computed
    region = Region.objects.get(code=code)

    claims, _totals = _tables(batch, region)

    assert claims[0] == STATEMENT_HEADER
    rows = [dict(zip(STATEMENT_HEADER, row, strict=True)) for row in claims[1:]]
    assert rows and all(row["redemption"].isdigit() for row in rows)
    assert len(rows) == statement_summary(batch, region)["count"]


def test_the_totals_are_a_table_under_their_own_header(computed):
    batch, expected = computed
    region = Region.objects.get(code="WUJIN")
    summary = statement_summary(batch, region)

    _claims, totals = _tables(batch, region)

    assert totals[0] == TOTALS_HEADER
    assert all(len(row) == len(TOTALS_HEADER) for row in totals)
    figures = [dict(zip(TOTALS_HEADER, row, strict=True)) for row in totals[1:]]
    by_figure = {f["figure"]: Decimal(f["amount"]) for f in figures if f["figure"] != "transfer"}
    assert by_figure == {
        "total_owes": summary["owes_total"],
        "total_owed": summary["owed_total"],
        "net_position": summary["net_position"],
    }
    assert by_figure["total_owes"] == sum(a for (f, _), a in expected.items() if f == "WUJIN")
    transfers = [
        (f["from_region"], f["to_region"], f["payment_reference"], Decimal(f["amount"]))
        for f in figures
        if f["figure"] == "transfer"
    ]
    assert transfers == [(d, c, r or "", a) for d, c, a, r in summary["transfers"]]
    assert transfers, "WUJIN takes part in a transfer of the spread's batch"


def test_a_district_with_nothing_in_the_batch_still_gets_both_headers(demo, computed):
    from regions.settlement.services import settlement_batch_create, settlement_run

    empty = settlement_batch_create(actor=demo["users"]["operator"])  # all settled before
    settlement_run(batch_id=empty.pk)
    empty.refresh_from_db()

    claims, totals = _tables(empty, Region.objects.get(code="YANGPU"))

    assert claims == [STATEMENT_HEADER]
    assert totals == [
        TOTALS_HEADER,
        ["total_owes", "", "", "", "0.00"],
        ["total_owed", "", "", "", "0.00"],
        ["net_position", "", "", "", "0.00"],
    ]
