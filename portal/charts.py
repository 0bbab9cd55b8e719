"""Charts drawn on the server as SVG: no network, no JavaScript, readable by screen readers
(each chart has a <title>, and every page that shows one also shows the figures as a table)."""

import calendar
import itertools
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from regions.models import reads_chinese

PALETTE = ["#0b5cab", "#1d7a3e", "#f0a500", "#b3261e"]
# Each chart's <title> id, unique on a page that shows several (an object's id() is reused).
_chart_ids = itertools.count(1)


def _fmt(amount: Decimal) -> str:
    """An axis or bar figure, short, in the reader's convention: 20万 / 1.5亿 in Chinese (the
    ten-thousand grouping), 200k / 1.5M in English."""
    amount = Decimal(amount or 0)
    if reads_chinese():
        if amount >= 100_000_000:
            return f"{_short(amount / 100_000_000)}亿"
        if amount >= 10_000:
            return f"{_short(amount / 10_000)}万"
        return f"{amount:.0f}"
    if amount >= 1_000_000:
        return f"{_short(amount / 1_000_000)}M"
    if amount >= 1_000:
        # One decimal: ¥1,500 read "2k" and ¥8,172.83 "8k".
        return f"{_short(amount / 1_000)}k"
    return f"{amount:.0f}"


def _short(number: Decimal) -> str:
    """At most one decimal, none when it is zero: 20, 1.5."""
    text = f"{number:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _header_lines(text: str, width: int = 16) -> list[str]:
    """A column header in one line, or two split at the space nearest its middle when it is
    longer than `width` characters (a cell holds about 16 at the header's size)."""
    if len(text) <= width or " " not in text:
        return [text]
    middle = len(text) / 2
    cut = min((i for i, c in enumerate(text) if c == " "), key=lambda i: abs(i - middle))
    return [text[:cut], text[cut + 1 :]]


def month_label(month: int) -> str:
    """A month on a chart axis or in its table: 1月 … 12月 in Chinese, Jan … Dec in English."""
    return f"{month}月" if reads_chinese() else calendar.month_abbr[month]


def bar_chart(
    *, title: str, labels: list[str], series: list[tuple[str, list[Decimal]]]
) -> SafeString:
    """Grouped bars: one group per label, one bar per series.

    The scale (the highest figure) and the legend are drawn at the right end, beside the
    latest months: on a phone the chart scrolls sideways in its card and opens on that end
    (static/js/portal.js: data-opens-at-end); drawn at the left, both were out of view."""
    width, height, left, right, bottom, top = 640, 240, 8, 48, 28, 16
    plot_w, plot_h = width - left - right, height - bottom - top
    highest = max([Decimal(v or 0) for _name, values in series for v in values], default=Decimal(0))
    # Bars are drawn against the highest; with nothing to draw the axis says 0, not 1.
    peak = max(highest, Decimal(1))
    chart_id = f"chart-{next(_chart_ids)}"
    group_w = plot_w / max(len(labels), 1)
    bar_w = max(group_w * 0.8 / max(len(series), 1), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{chart_id}" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="{chart_id}">{escape(title)}</title>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#a9b4c4"/>',
        f'<text class="chart-scale" x="{width - 4}" y="{top + 10}" font-size="11" '
        f'text-anchor="end" fill="#5a6576">{_fmt(highest)}</text>',
    ]
    if not highest:
        nothing = escape(_("No figures yet"))
        parts.append(
            f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h / 2:.1f}" font-size="13" '
            f'text-anchor="middle" fill="#5a6576">{nothing}</text>'
        )
    for i, label in enumerate(labels):
        x0 = left + i * group_w + group_w * 0.1
        for s, (_name, values) in enumerate(series):
            value = Decimal(values[i] or 0)
            h = float(value / peak) * plot_h
            parts.append(
                f'<rect x="{x0 + s * bar_w:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 1:.1f}" '
                f'height="{h:.1f}" fill="{PALETTE[s % len(PALETTE)]}"><title>{escape(label)}: {_fmt(value)}</title></rect>'
            )
        parts.append(
            f'<text class="axis-label" x="{left + i * group_w + group_w / 2:.1f}" y="{height - 10}" '
            f'font-size="11" text-anchor="middle" fill="#1c2430">{escape(label)}</text>'
        )
    # The legend is one line of text that ends at the chart's right edge, whatever the
    # names' widths in the reader's font: a square in each series' colour, then its name.
    entries = "".join(
        f'<tspan dx="{14 if s else 0}" fill="{PALETTE[s % len(PALETTE)]}">■</tspan>'
        f'<tspan dx="4">{escape(name)}</tspan>'
        for s, (name, _values) in enumerate(series)
    )
    parts.append(
        f'<text class="chart-legend" x="{width - 4}" y="9" font-size="11" text-anchor="end" '
        f'fill="#1c2430">{entries}</text>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def flow_matrix(
    *, title: str, codes: list[str], names: list[str], amounts: dict[tuple[str, str], Decimal]
) -> SafeString:
    """A heat map of what each district (row) owes each other district (column)."""
    n = len(codes)
    cell, left, top = 110, 130, 40
    width, height = left + n * cell + 8, top + n * 44 + 8
    peak = max(list(amounts.values()) + [Decimal(1)])
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="flow-title" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="flow-title">{escape(title)}</title>'
    ]
    for j, name in enumerate(names):
        # A long name over two lines: "→ Nanhu District→ Hefei High-tech Zone" ran together.
        x = left + j * cell + cell / 2
        lines = _header_lines(f"→ {name}")
        spans = "".join(
            f'<tspan x="{x}" y="{top - 12 - 13 * (len(lines) - 1 - k)}">{escape(line)}</tspan>'
            for k, line in enumerate(lines)
        )
        parts.append(f'<text font-size="11" text-anchor="middle" fill="#1c2430">{spans}</text>')
    for i, row_code in enumerate(codes):
        y = top + i * 44
        parts.append(
            f'<text x="4" y="{y + 26}" font-size="11" fill="#1c2430">{escape(names[i])}</text>'
        )
        for j, col_code in enumerate(codes):
            x = left + j * cell
            if i == j:
                parts.append(
                    f'<rect x="{x}" y="{y}" width="{cell - 4}" height="40" fill="#eef2f7"/>'
                )
                continue
            value = Decimal(amounts.get((row_code, col_code), 0))
            opacity = 0.08 + 0.92 * float(value / peak) if value else 0.04
            ink = "#fff" if opacity > 0.55 else "#1c2430"
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell - 4}" height="40" fill="#0b5cab" fill-opacity="{opacity:.2f}">'
                f"<title>{escape(names[i])} → {escape(names[j])}: ¥{value:,.2f}</title></rect>"
                f'<text x="{x + (cell - 4) / 2}" y="{y + 25}" font-size="12" text-anchor="middle" fill="{ink}">'
                f"{_fmt(value)}</text>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))
