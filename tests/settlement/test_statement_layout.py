"""The statement files read well: the PDF's columns never run into each other (long names
wrap inside their cell, measured with the CJK font the PDF embeds), its statuses are in both
languages, and the CSV opens in Excel with its Chinese intact (a UTF-8 byte-order mark)."""

import codecs
import csv
import io
import itertools

import pytest
from django.db.models import Q
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

import portal.pdf
from portal.pdf import (
    CELL_PADDING,
    TABLE_MARGIN,
    TABLE_SIZE,
    table_layout,
    text_width,
    wrap_text,
)
from providers.models import Provider
from regions.exports import PDF_HEADER, statement_pdf
from regions.models import Region
from vouchers.models import Redemption

pytestmark = pytest.mark.django_db

LONG_ZH = "上海应用技术大学材料科学与工程学院先进功能材料与智能制造联合研究中心"
LONG_EN = (
    "Shanghai Institute of Technology School of Materials Science and Engineering "
    "Joint Research Centre for Advanced Functional Materials and Intelligent Manufacturing"
)


@pytest.fixture
def long_names(demo):
    """The demo's providers renamed to long names in both languages (each its own)."""
    for n, provider in enumerate(Provider.objects.all()):
        provider.name_zh = f"{LONG_ZH}{n}"
        provider.name = f"{LONG_EN} {n}"
        provider.save(update_fields=["name_zh", "name"])
    return {p.pk: (p.name_zh, p.name) for p in Provider.objects.all()}


@pytest.fixture
def drawn(monkeypatch):
    """Every string the PDFs draw: (page, page size, left, right, baseline, size, text)."""
    strings = []

    def record(draw, right_aligned):
        def wrapper(self, x, y, text, *args, **kwargs):
            width = pdfmetrics.stringWidth(text, self._fontname, self._fontsize)
            left = x - width if right_aligned else x
            strings.append(
                (self.getPageNumber(), self._pagesize, left, left + width, y, self._fontsize, text)
            )
            return draw(self, x, y, text, *args, **kwargs)

        return wrapper

    monkeypatch.setattr(canvas.Canvas, "drawString", record(canvas.Canvas.drawString, False))
    monkeypatch.setattr(
        canvas.Canvas, "drawRightString", record(canvas.Canvas.drawRightString, True)
    )
    return strings


def _overlaps(strings):
    """Pairs of strings on one page whose boxes (baseline - descent to baseline + ascent)
    meet both across and up the page."""
    clashes = []
    for i, (page, _, left, right, y, size, text) in enumerate(strings):
        for other in strings[i + 1 :]:
            o_page, _, o_left, o_right, o_y, o_size, o_text = other
            if page != o_page:
                continue
            vertical = y - 0.2 * size < o_y + 0.8 * o_size and o_y - 0.2 * o_size < y + 0.8 * size
            horizontal = left < o_right - 0.01 and o_left < right - 0.01
            if vertical and horizontal:
                clashes.append((text, o_text))
    return clashes


def test_long_names_wrap_inside_their_columns():
    names = [f"{LONG_ZH} {LONG_EN}", "上海应用技术大学 Shanghai Institute of Technology"]
    rows = [
        [
            "12345",
            "YP-2026-000123-4",
            name,
            "南湖区",
            "杨浦区",
            "应付 owes",
            "2026-03-05 14:02",
            "已付款 paid",
            "¥1,234,567.89",
        ]
        for name in names
    ]

    layout = table_layout(PDF_HEADER, rows)

    assert layout.pagesize in (A4, landscape(A4))
    assert sum(layout.widths) <= layout.pagesize[0] - 2 * TABLE_MARGIN + 0.01
    for row in [PDF_HEADER, *rows]:
        for value, room in zip(row, layout.text_widths, strict=True):
            lines = wrap_text(value, room)
            assert all(text_width(line, 8) <= room + 0.01 for line in lines), (value, lines)
            # Nothing cut, nothing added; Chinese may break between characters, English
            # words stay whole.
            assert "".join("".join(lines).split()) == "".join(value.split())
            assert set(LONG_EN.split()) & set(value.split()) <= set(" ".join(lines).split())
    # The numbers, codes, districts, times and labels fit on one line; only the long names
    # wrap.
    for row in [PDF_HEADER, *rows]:
        for column in (0, 1, 3, 4, 5, 6, 7, 8):
            assert len(wrap_text(row[column], layout.text_widths[column])) == 1, row[column]
    assert len(wrap_text(names[0], layout.text_widths[2])) > 2


def test_a_word_wider_than_any_page_breaks_between_characters():
    word = "技" * 200
    layout = table_layout(["a", "b"], [["x", word]])

    lines = wrap_text(word, layout.text_widths[1])

    assert "".join(lines) == word
    assert all(text_width(line, 8) <= layout.text_widths[1] + 0.01 for line in lines)
    assert all(w >= 2 * CELL_PADDING for w in layout.widths)


def test_the_statement_pdf_draws_no_text_across_columns(
    computed, long_names, drawn, monkeypatch, tmp_path
):
    batch, _ = computed
    region = Region.objects.get(code="YANGPU")
    layouts = []
    monkeypatch.setattr(
        portal.pdf,
        "table_layout",
        lambda *a, **k: layouts.append(table_layout(*a, **k)) or layouts[-1],
    )

    pdf = statement_pdf(batch, region)

    (tmp_path / "statement.pdf").write_bytes(pdf)  # to look at: pytest --basetemp=DIR
    assert pdf.startswith(b"%PDF")
    assert drawn and _overlaps(drawn) == []
    pagesize = drawn[0][1]
    assert pagesize in (A4, landscape(A4))
    # Inside the margins, on the page.
    for _, _, left, right, y, _, text in drawn:
        assert TABLE_MARGIN - 0.01 <= left and right <= pagesize[0] - TABLE_MARGIN + 0.01, text
        assert 0 < y < pagesize[1], text
    # Every table cell's lines stay inside its column, padding included.
    (layout,) = layouts
    assert layout.pagesize == pagesize
    edges = list(itertools.accumulate(layout.widths, initial=TABLE_MARGIN))
    columns = list(itertools.pairwise(edges))
    cells = [s for s in drawn if s[5] == TABLE_SIZE]  # title and summary lines are larger
    assert len(cells) > len(long_names) * 4
    for _, _, left, right, _, _, text in cells:
        assert any(
            a + CELL_PADDING - 0.01 <= left and right <= b - CELL_PADDING + 0.01 for a, b in columns
        ), text
    # Every provider of the statement by both its whole names: nothing is cut (a cell's
    # lines are drawn one after the other, so its Chinese reads on across them).
    words = {word for *_, text in drawn for word in text.split()}
    run_on = "".join(text for *_, text in drawn)
    providers = set(
        Redemption.objects.filter(settlement_item__batch=batch)
        .filter(Q(issuing_region=region) | Q(provider_region=region))
        .values_list("provider_id", flat=True)
    )
    assert providers
    for provider in providers:
        name_zh, name = long_names[provider]
        assert name_zh in run_on and set(name.split()) <= words


def test_the_statement_pdf_shows_statuses_in_both_languages(computed, drawn, tmp_path):
    batch, _ = computed
    region = Region.objects.get(code="WUJIN")

    (tmp_path / "statement.pdf").write_bytes(statement_pdf(batch, region))

    texts = [text for *_, text in drawn]
    joined = " ".join(texts)
    # The demo spread has approved and paid redemptions in every district; the batch is computed.
    assert "已付款" in joined and "已批准" in joined
    assert "状态 status 已计算 computed" in joined
    # Never the bare stored value: each English status follows its Chinese on the line.
    for text in texts:
        words = text.split()
        for english, chinese in (("paid", "已付款"), ("approved", "已批准")):
            if english in words:
                assert words[words.index(english) - 1] == chinese, text


def test_the_statement_csv_starts_with_a_byte_order_mark(computed, demo, client):
    batch, _ = computed
    client.force_login(demo["users"]["operator"])

    response = client.get(f"/settlement/{batch.pk}/statements/YANGPU.csv")

    body = b"".join(response.streaming_content)
    assert body.startswith(codecs.BOM_UTF8)
    assert body.count(codecs.BOM_UTF8) == 1
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:2] == ["redemption", "voucher"]
    assert any("上海应用技术大学" in row[3] for row in rows[1:] if row and row[0].isdigit())
