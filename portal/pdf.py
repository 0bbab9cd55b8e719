"""PDF documents of the programme (voucher and provider certificates, settlement statements),
drawn with ReportLab and the CJK font the project ships, so Chinese renders everywhere."""

import io
import itertools
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
        pdf.drawString(30 * mm, y, f"{label_zh} / {label_en}")
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


def table_pdf(
    *, title_zh: str, title_en: str, header: list[str], rows: list[list[str]], summary: list[str]
) -> bytes:
    """A multi-page A4 table (settlement statements): title, summary lines, then the rows."""
    font = _font()
    buffer = io.BytesIO()
    width, height = A4
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(f"{title_en} {title_zh}")

    def page_header():
        pdf.setFont(font, 10)
        pdf.drawString(15 * mm, height - 12 * mm, PROGRAMME_ZH)
        pdf.setFont(font, 14)
        pdf.drawString(15 * mm, height - 20 * mm, f"{title_zh} / {title_en}")
        return height - 30 * mm

    y = page_header()
    pdf.setFont(font, 10)
    for line in summary:
        pdf.drawString(15 * mm, y, line)
        y -= 6 * mm
    y -= 4 * mm
    column = (width - 30 * mm) / max(len(header), 1)

    def draw_row(values, bold=False):
        pdf.setFont(font, 8 if not bold else 8.5)
        for i, value in enumerate(values):
            pdf.drawString(15 * mm + i * column, y, str(value)[:40])

    draw_row(header, bold=True)
    y -= 6 * mm
    for row in rows:
        if y < 15 * mm:
            pdf.showPage()
            y = page_header()
            draw_row(header, bold=True)
            y -= 6 * mm
        draw_row(row)
        y -= 5 * mm
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
