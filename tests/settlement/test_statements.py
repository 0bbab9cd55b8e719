"""Each district's statement lists every redemption behind its figures and adds up to them."""

import csv
import io
from decimal import Decimal

import pytest
from django.db.models import Q
from django.utils import timezone

from regions.exports import statement_csv_lines, statement_summary
from regions.models import Region
from vouchers.models import Redemption

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code", ["YANGPU", "WUJIN", "NANHU", "HEFEI_HT"])
def test_the_statement_reconciles_to_the_batch(computed, code):
    batch, expected = computed
    region = Region.objects.get(code=code)
    # Two tables, a blank row between: the claims, then the totals under their own header.
    claims, totals = "".join(statement_csv_lines(batch, region)).split("\r\n\r\n")
    lines = list(csv.DictReader(io.StringIO(claims)))
    totals = {
        r["figure"]: Decimal(r["amount"])
        for r in csv.DictReader(io.StringIO(totals))
        if r["figure"] in ("total_owes", "total_owed", "net_position")
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
    # Each provider by both its names, as the district line has both.
    for line in lines:
        provider = Redemption.objects.get(pk=int(line["redemption"])).provider
        assert line["provider"] == f"{provider.name_zh} {provider.name}".strip()


def test_the_pdf_statement_names_the_districts_in_both_languages(computed):
    from regions.exports import statement_pdf, statement_pdf_summary_lines

    batch, expected = computed
    wujin = Region.objects.get(code="WUJIN")
    summary = statement_summary(batch, wujin)

    lines = statement_pdf_summary_lines(batch, wujin, summary)

    assert lines[1] == f"地区 District {wujin.name_zh} {wujin.name} (WUJIN)"
    # The cutoff in programme time, with its offset: the API and the CSV's rows speak UTC.
    cutoff = timezone.localtime(batch.cutoff)
    assert f"{cutoff:%Y-%m-%d %H:%M} (UTC+08:00)" in lines[0]
    owes = [line for line in lines if line.startswith("  应付 owes")]
    assert len(owes) == len(summary["owes"]) > 0
    for line, (code, amount, _n) in zip(owes, summary["owes"], strict=True):
        # As the pages print money (the `cny` filter).
        assert Region.objects.get(code=code).name_zh in line and f"¥{amount:,.2f}" in line
    assert statement_pdf(batch, wujin).startswith(b"%PDF")


def test_a_provider_named_like_a_formula_is_text_in_the_statement(computed):
    """The statements are opened in Excel (they carry a BOM for it): a provider that named
    itself "=HYPERLINK(...)" must not run on the official's machine."""
    from providers.models import Provider

    batch, _expected = computed
    provider = Redemption.objects.filter(settlement_item__batch=batch).first().provider
    Provider.objects.filter(pk=provider.pk).update(name_zh="", name='=HYPERLINK("http://x")')
    region = provider.region

    text = "".join(statement_csv_lines(batch, region))

    rows = list(csv.reader(io.StringIO(text)))
    names = {row[3] for row in rows[1:] if row and row[0].isdigit()}
    assert '\'=HYPERLINK("http://x")' in names
    assert not any(cell.startswith("=") for row in rows for cell in row)


def test_an_empty_statement_says_why_and_every_statement_when_it_was_drawn(demo, computed):
    """A batch that settled nothing printed an empty table with zero totals, where its page
    says "Nothing was settled in this batch"; two copies could not be told apart."""
    from regions.exports import statement_pdf_summary_lines
    from regions.settlement.services import settlement_batch_create, settlement_run

    empty = settlement_batch_create(actor=demo["users"]["operator"])  # all settled before
    settlement_run(batch_id=empty.pk)
    empty.refresh_from_db()
    yangpu = Region.objects.get(code="YANGPU")
    lines = statement_pdf_summary_lines(empty, yangpu, statement_summary(empty, yangpu))
    assert any("Nothing was settled in this batch" in line for line in lines)
    drawn = f"生成时间 Generated {timezone.localtime():%Y-%m-%d}"
    assert any(line.startswith(drawn) for line in lines)

    batch, _expected = computed
    lines = statement_pdf_summary_lines(batch, yangpu, statement_summary(batch, yangpu))
    assert not any("Nothing was settled" in line or "neither pays" in line for line in lines)
