"""PDF documents of the programme (voucher and provider certificates, settlement statements),
drawn with ReportLab and the CJK font the project ships, so Chinese renders everywhere."""

import io
import itertools
from dataclasses import dataclass
from decimal import Decimal

import qrcode
from django.conf import settings
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

PROGRAMME_ZH = "长三角双创示范基地联盟 · 双创券"
PROGRAMME_EN = (
    "Yangtze River Delta Dual Innovation Demonstration Base Alliance · Dual Innovation Voucher"
)
FONT = "WQYMicroHei"


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(settings.CJK_FONT_PATH), subfontIndex=0))
    return FONT


def qr_dark_runs(data: str) -> tuple[int, list[tuple[int, int, int]]]:
    """The QR code of `data` as (cells per side, [(row, first column, length)]): each
    horizontal run of dark cells once, so the PDF draws a few hundred rectangles in one path
    instead of a shape object per cell (which cost most of a certificate's drawing time)."""
    matrix = qrcode.QRCode(border=1, error_correction=qrcode.constants.ERROR_CORRECT_M)
    matrix.add_data(data)
    matrix.make(fit=True)
    cells = matrix.get_matrix()
    runs = []
    for y, row in enumerate(cells):
        x = 0
        for dark, cells_alike in itertools.groupby(row):
            length = len(list(cells_alike))
            if dark:
                runs.append((y, x, length))
            x += length
    return len(cells), runs


def _draw_qr(pdf: canvas.Canvas, data: str, *, x: float, y: float, size: float) -> None:
    """The QR code of `data` as one filled black path, its lower left corner at (x, y)."""
    count, runs = qr_dark_runs(data)
    cell = size / count
    path = pdf.beginPath()
    for row, column, length in runs:
        path.rect(x + column * cell, y + size - (row + 1) * cell, length * cell, cell)
    pdf.saveState()
    pdf.setFillColor(colors.black)
    pdf.drawPath(path, stroke=0, fill=1)
    pdf.restoreState()


def money(amount: Decimal) -> str:
    return f"¥{amount:,.2f}"


def certificate_pdf(
    *, title_zh: str, title_en: str, rows: list[tuple[str, str, str]], verify_url: str
) -> bytes:
    """A one-page landscape certificate: programme name in both languages, the rows
    (Chinese label, English label, value) and a QR code to the public verification page."""
    font = _font()
    buffer = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.setTitle(f"{title_en} {title_zh}")
    pdf.setStrokeColor(colors.HexColor("#0b5cab"))
    pdf.setLineWidth(3)
    pdf.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    pdf.setFillColor(colors.HexColor("#0b5cab"))
    pdf.setFont(font, 15)
    pdf.drawCentredString(width / 2, height - 32 * mm, PROGRAMME_ZH)
    pdf.setFont(font, 10)
    pdf.drawCentredString(width / 2, height - 39 * mm, PROGRAMME_EN)
    pdf.setFillColor(colors.black)
    pdf.setFont(font, 26)
    pdf.drawCentredString(width / 2, height - 56 * mm, title_zh)
    pdf.setFont(font, 14)
    pdf.drawCentredString(width / 2, height - 65 * mm, title_en)
    y = height - 84 * mm
    for label_zh, label_en, value in rows:
        pdf.setFont(font, 12)
        # A continuation row (the name in its other language) has no label of its own.
        pdf.drawString(30 * mm, y, " / ".join(part for part in (label_zh, label_en) if part))
        pdf.drawString(110 * mm, y, value)
        y -= 10 * mm
    qr_size = 42 * mm
    _draw_qr(pdf, verify_url, x=width - 30 * mm - qr_size, y=28 * mm, size=qr_size)
    pdf.setFont(font, 8)
    pdf.drawRightString(width - 30 * mm, 24 * mm, f"验证 Verify: {verify_url}")
    # The QR code and the address under it are also a link, so the PDF opened on a screen
    # verifies with a click (and the address stays readable in the file for any checker).
    pdf.linkURL(
        verify_url, (width - 30 * mm - qr_size, 22 * mm, width - 30 * mm, 28 * mm + qr_size)
    )
    pdf.setFont(font, 9)
    pdf.drawString(
        30 * mm, 24 * mm, "国家技术转移东部中心 East China National Technology Transfer Center"
    )
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


# --- tables (settlement statements) ---------------------------------------------------------
#
# Every cell is measured with the font it is drawn in and wrapped inside its column: a column
# is as wide as its longest unbreakable word at least, the rest of the page goes to the
# columns with the most text, and a row grows by as many lines as its fullest cell. Nothing
# is cut and no text reaches into the next column.

TABLE_MARGIN = 15 * mm
TABLE_SIZE = 8  # points, header and rows alike (one size, so the measured widths hold)
TABLE_LEADING = 1.25  # line height, in font sizes
CELL_PADDING = 2.5  # points between a column's edge and its text, each side
CELL_PADDING_Y = 1.5  # points above the first and below the last line of a cell
# Chinese may break between any two characters, so a long Chinese name does not claim a
# column as wide as itself: it asks for this many characters at least (short names such as
# "上海应用技术大学" stay on one line) and wraps beyond. Latin words are never broken.
CJK_KEEP = 8


def _is_cjk(word: str) -> bool:
    return any(ord(char) >= 0x2E80 for char in word)


def text_width(text: str, size: float) -> float:
    """The width in points of `text` drawn in the project's CJK font at `size`."""
    return pdfmetrics.stringWidth(text, _font(), size)


class _Measure:
    """Text widths at one size, remembered: a statement repeats the same few names,
    districts and labels on every row (and forgets them all now and then, as ids and
    amounts are new on every row)."""

    LIMIT = 50_000

    def __init__(self, size: float):
        self.size = size
        self.cache: dict[str, float] = {}
        self.space = self(" ")

    def __call__(self, text: str) -> float:
        width = self.cache.get(text)
        if width is None:
            if len(self.cache) >= self.LIMIT:
                self.cache.clear()
            width = self.cache[text] = text_width(text, self.size)
        return width


def wrap_text(text: str, width: float, *, size: float = TABLE_SIZE, measure=None) -> list[str]:
    """`text` as lines at most `width` points wide: broken at spaces, and a word wider than
    a whole line broken between characters (as Chinese wraps anyway). Never shortened: the
    words of the lines are the words of the text."""
    measure = measure or _Measure(size)
    lines: list[str] = []
    for paragraph in str(text).splitlines() or [""]:
        line, line_width = "", 0.0
        for word in paragraph.split():
            word_width = measure(word)
            if line and line_width + measure.space + word_width <= width:
                line, line_width = f"{line} {word}", line_width + measure.space + word_width
                continue
            if line:
                lines.append(line)
            while word_width > width and len(word) > 1:
                cut, used = 0, 0.0
                while cut < len(word) and used + measure(word[cut]) <= width:
                    used += measure(word[cut])
                    cut += 1
                cut = max(cut, 1)
                lines.append(word[:cut])
                word = word[cut:]
                word_width = measure(word)
            line, line_width = word, word_width
        lines.append(line)
    return lines


@dataclass(frozen=True)
class TableLayout:
    """The page a table is drawn on and the width of each of its columns, in points."""

    pagesize: tuple[float, float]
    widths: list[float]

    @property
    def text_widths(self) -> list[float]:
        """The room for text inside each column (its width less the padding)."""
        return [width - 2 * CELL_PADDING for width in self.widths]


def table_layout(header: list[str], rows: list[list[str]], *, size: float = TABLE_SIZE):
    """Column widths that fit the content, on A4 portrait if every column can have at least
    its longest word (of Chinese, `CJK_KEEP` characters), else on landscape. The columns
    whose text fits get all the room it needs; the longer ones (names) share the rest and
    wrap in it."""
    measure = _Measure(size)
    natural = [0.0] * len(header)  # each column's longest cell on one line
    minimum = [0.0] * len(header)  # each column's longest word
    for row in itertools.chain([header], rows):
        for i, value in enumerate(row):
            words = str(value).split()
            widths = [measure(word) for word in words]
            natural[i] = max(natural[i], sum(widths) + measure.space * max(len(words) - 1, 0))
            minimum[i] = max(
                [minimum[i]]
                + [
                    min(width, CJK_KEEP * size) if _is_cjk(word) else width
                    for word, width in zip(words, widths, strict=True)
                ]
            )
    pad = 2 * CELL_PADDING
    natural = [width + pad for width in natural]
    minimum = [width + pad for width in minimum]
    for pagesize in (A4, landscape(A4)):
        available = pagesize[0] - 2 * TABLE_MARGIN
        if sum(natural) <= available:
            # Everything on one line; the spare room spread in proportion.
            return TableLayout(pagesize, [w * available / sum(natural) for w in natural])
        if sum(minimum) <= available:
            return TableLayout(pagesize, _share(natural, minimum, available))
    # Some words are wider than even a landscape page allows: shrink every column alike
    # (never below two characters) and break those words between characters.
    pagesize = landscape(A4)
    available = pagesize[0] - 2 * TABLE_MARGIN
    floor = pad + 2 * size
    return TableLayout(pagesize, [max(m * available / sum(minimum), floor) for m in minimum])


def _share(natural: list[float], minimum: list[float], available: float) -> list[float]:
    """Widths between each column's `minimum` and `natural` that add up to `available`: the
    short columns whole (a status, a district on one line), the long ones (names) sharing
    the rest alike, none below its minimum. Needs sum(minimum) <= available < sum(natural)."""

    def widths(cap: float) -> list[float]:
        return [min(n, max(m, cap)) for n, m in zip(natural, minimum, strict=True)]

    low, high = 0.0, max(natural)
    for _ in range(50):
        cap = (low + high) / 2
        low, high = (cap, high) if sum(widths(cap)) <= available else (low, cap)
    shared = widths(low)
    # The last fraction of a point the search leaves, to the columns still short of room.
    short = [n - w for n, w in zip(natural, shared, strict=True)]
    spare = available - sum(shared)
    return [w + spare * gap / sum(short) for w, gap in zip(shared, short, strict=True)]


def table_pdf(
    *,
    title_zh: str,
    title_en: str,
    header: list[str],
    rows: list[list[str]],
    summary: list[str],
    align: list[str] | None = None,
) -> bytes:
    """A multi-page A4 table (settlement statements): title, summary lines, then the rows
    under a header repeated on every page. `align` gives "left" or "right" per column
    (amounts read best right-aligned); left by default."""
    font = _font()
    rows = [[str(value) for value in row] for row in rows]
    header = [str(value) for value in header]
    layout = table_layout(header, rows)
    align = align or ["left"] * len(header)
    measure = _Measure(TABLE_SIZE)
    buffer = io.BytesIO()
    width, height = layout.pagesize
    usable = width - 2 * TABLE_MARGIN
    bottom = 15 * mm
    leading = TABLE_SIZE * TABLE_LEADING
    pdf = canvas.Canvas(buffer, pagesize=layout.pagesize)
    pdf.setTitle(f"{title_en} {title_zh}")

    def lines(text: str, size: float, y: float) -> float:
        """Draw `text` wrapped to the page's width from baseline `y`; the next baseline."""
        pdf.setFont(font, size)
        for line in wrap_text(text, usable, size=size):
            pdf.drawString(TABLE_MARGIN, y, line)
            y -= size * 1.45
        return y

    def page_header() -> float:
        y = lines(PROGRAMME_ZH, 10, height - 12 * mm) - 2
        return lines(f"{title_zh} / {title_en}", 14, y - 6) - 2 * mm

    def cells(values: list[str]) -> list[list[str]]:
        return [
            wrap_text(value, room, size=TABLE_SIZE, measure=measure)
            for value, room in zip(values, layout.text_widths, strict=True)
        ]

    def row_height(wrapped: list[list[str]]) -> float:
        return 2 * CELL_PADDING_Y + leading * max(len(cell) for cell in wrapped)

    rules: list[float] = []  # the table's top edge on this page, then each row's bottom edge

    def draw_row(wrapped: list[list[str]], top: float, *, shaded: bool = False) -> float:
        """Draw one row's text with its top edge at `top`; returns its bottom edge."""
        bottom_edge = top - row_height(wrapped)
        if shaded:
            pdf.saveState()
            pdf.setFillColor(colors.HexColor("#e8eef6"))
            pdf.rect(TABLE_MARGIN, bottom_edge, usable, top - bottom_edge, stroke=0, fill=1)
            pdf.restoreState()
        pdf.setFont(font, TABLE_SIZE)
        x = TABLE_MARGIN
        for cell, column, side in zip(wrapped, layout.widths, align, strict=True):
            for n, line in enumerate(cell):
                baseline = top - CELL_PADDING_Y - n * leading - TABLE_SIZE
                if side == "right":
                    pdf.drawRightString(x + column - CELL_PADDING, baseline, line)
                else:
                    pdf.drawString(x + CELL_PADDING, baseline, line)
            x += column
        rules.append(bottom_edge)
        return bottom_edge

    wrapped_header = cells(header)

    def table_header(top: float) -> float:
        rules[:] = [top]
        return draw_row(wrapped_header, top, shaded=True)

    def end_page() -> None:
        """The page's grid as one path (a line under each row, the column edges), then the
        next page."""
        grid = pdf.beginPath()
        for edge in rules:
            grid.moveTo(TABLE_MARGIN, edge)
            grid.lineTo(TABLE_MARGIN + usable, edge)
        for x in itertools.accumulate(layout.widths, initial=TABLE_MARGIN):
            grid.moveTo(x, rules[0])
            grid.lineTo(x, rules[-1])
        pdf.saveState()
        pdf.setStrokeColor(colors.HexColor("#b0b8c4"))
        pdf.setLineWidth(0.4)
        pdf.drawPath(grid, stroke=1, fill=0)
        pdf.restoreState()
        pdf.showPage()

    y = page_header()
    for line in summary:
        y = lines(line, 10, y)
    y = table_header(y - 3 * mm)
    for row in rows:
        wrapped = cells(row)
        if y - row_height(wrapped) < bottom:
            end_page()
            y = table_header(page_header())
        y = draw_row(wrapped, y)
    end_page()
    pdf.save()
    return buffer.getvalue()
