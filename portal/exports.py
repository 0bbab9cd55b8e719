"""Lists as CSV or Excel files: a queryset of value rows plus column definitions in, a
download out.

Rows are read with `.values_list().iterator()`, so an export of 100,000 redemptions holds
one chunk of tuples in memory, never one model object per row, and runs the same few
queries whatever its length. CSV is streamed as it is read; XLSX is written by openpyxl's
write-only mode to a temporary file (a zip needs its directory at the end) and then streamed.

Conventions, so that the two formats say the same thing:
- headers and choice labels in the language of the request;
- money: CSV "1234.56" (dot, two places, no grouping: a number any program parses),
  XLSX a number shown with two decimals;
- times in the portal's time zone: CSV "2026-03-01 14:05", XLSX a real date-time;
- CSV in UTF-8 with a byte-order mark, which is what makes Excel read Chinese correctly;
- text that a spreadsheet would run as a formula (= + - @ ...) is prefixed with an
  apostrophe: names and purposes are typed by enterprises and providers, and an official
  opens the file (CSV injection).
"""

import csv
import io
import itertools
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

TEXT, MONEY, INTEGER, DATE, DATETIME, BOOLEAN = (
    "text",
    "money",
    "integer",
    "date",
    "datetime",
    "boolean",
)
CSV_BOM = "\ufeff"
CENT = Decimal("0.01")
CHUNK_ROWS = 2000
XLSX_MAX_ROWS = 1_048_576  # Excel's limit, header row included
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
WIDTHS = {TEXT: 28, MONEY: 16, INTEGER: 10, DATE: 12, DATETIME: 17, BOOLEAN: 8}


@dataclass(frozen=True)
class Column:
    """One column: its header (lazily translated), the `values_list` path it reads, what
    kind of value it is, and optionally labels for the stored codes (status choices) or
    `compute(value, context)` turning the value read into the one shown, with the context
    `Export.prepare` gave (for what the row query cannot join, like many-to-many labels)."""

    header: Any
    field: str = ""
    kind: str = TEXT
    labels: dict | None = None
    compute: Callable[[Any, Any], Any] | None = None
    width: int | None = None


@dataclass
class Export:
    """What a view hands over: the scoped, filtered, ordered queryset and its columns."""

    name: str
    queryset: QuerySet | None
    columns: list[Column]
    title: Any = ""
    # Called once with the queryset before the rows are read, for lookups the row query
    # cannot join (many-to-many labels): returns context the columns' `compute` may use.
    prepare: Callable[[QuerySet], Any] | None = None
    # Figures already computed (a report rather than a list): tuples with one value per
    # column, in the columns' order, read instead of a queryset (which is then None).
    rows: Iterable[tuple] | None = None


def spreadsheet_safe(value) -> str:
    """A text cell that a spreadsheet shows as text: one starting like a formula gets a
    leading apostrophe (a provider named "=HYPERLINK(...)" would run on an official's PC)."""
    text = force_str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Plan:
    """The columns resolved once per request into one small function per cell, so that a
    row costs a list comprehension: headers and labels translated, value positions found."""

    def __init__(self, export: Export):
        fields: list[str] = []
        positions: list[int | None] = []
        for column in export.columns:
            if column.field and column.field not in fields:
                fields.append(column.field)
            positions.append(fields.index(column.field) if column.field else None)
        # Resolve lazy strings now, while the request's language is active: a streamed
        # body is produced after the view has returned.
        self.headers = [force_str(column.header) for column in export.columns]
        self.columns = export.columns
        self.positions = positions
        self.yes, self.no = force_str(_("Yes")), force_str(_("No"))
        self.zone = timezone.get_current_timezone()
        if export.rows is not None:
            self.readers = [
                self._reader(column, position, None)
                for position, column in enumerate(export.columns)
            ]
            self.rows = iter(export.rows)
            return
        queryset = export.queryset.prefetch_related(None)
        context = export.prepare(queryset) if export.prepare else None
        self.readers = [
            self._reader(column, position, context)
            for column, position in zip(export.columns, positions, strict=True)
        ]
        self.rows = queryset.values_list(*fields).iterator(chunk_size=CHUNK_ROWS)

    @staticmethod
    def _reader(column: Column, position: int | None, context) -> Callable[[tuple], Any]:
        """row -> the column's value: read, computed, labelled."""
        labels = (
            {key: force_str(label) for key, label in column.labels.items()}
            if column.labels
            else None
        )
        compute = column.compute

        def read(row):
            value = row[position] if position is not None else None
            if compute is not None:
                value = compute(value, context)
            if labels is not None and value is not None:
                value = labels.get(value, value)
            return value

        return read

    def _local(self, value: datetime) -> datetime:
        return value.astimezone(self.zone) if value.tzinfo is not None else value

    def _day(self, value):
        """A date, or a moment's day in the portal's time zone (a voucher's expiry is a
        moment the pages show as its day)."""
        return self._local(value).date() if isinstance(value, datetime) else value

    def csv_cell(self, kind: str, value) -> str:
        if value is None or value == "":
            return ""
        if kind == MONEY:
            return f"{value:.2f}"
        if kind == DATETIME:
            return self._local(value).strftime("%Y-%m-%d %H:%M")
        if kind == DATE:
            return self._day(value).isoformat()
        if kind == BOOLEAN:
            return self.yes if value else self.no
        if kind == INTEGER:
            return str(value)
        return spreadsheet_safe(value)

    def csv_row(self, row: tuple) -> list[str]:
        return [
            self.csv_cell(column.kind, read(row))
            for column, read in zip(self.columns, self.readers, strict=True)
        ]

    def xlsx_cell(self, sheet, kind: str, value):
        if value is None or value == "":
            return None
        if kind == MONEY:
            cell = WriteOnlyCell(sheet, value=Decimal(value).quantize(CENT))
            cell.number_format = "#,##0.00"
            return cell
        if kind == DATETIME:
            # Excel has no time zones: the portal's local time, as the pages show it.
            cell = WriteOnlyCell(sheet, value=self._local(value).replace(tzinfo=None))
            cell.number_format = "yyyy-mm-dd hh:mm"
            return cell
        if kind == DATE:
            cell = WriteOnlyCell(sheet, value=self._day(value))
            cell.number_format = "yyyy-mm-dd"
            return cell
        if kind == BOOLEAN:
            return self.yes if value else self.no
        if kind == INTEGER:
            return value
        # openpyxl refuses control characters and would store "=..." as a formula. The
        # characters go first: "\x01=HYPERLINK(...)" kept its "=" unguarded once they went.
        return spreadsheet_safe(ILLEGAL_CHARACTERS_RE.sub("", force_str(value)))

    def xlsx_row(self, sheet, row: tuple) -> list:
        return [
            self.xlsx_cell(sheet, column.kind, read(row))
            for column, read in zip(self.columns, self.readers, strict=True)
        ]


def _filename(export: Export, extension: str) -> str:
    return f"{export.name}-{timezone.localdate():%Y%m%d}.{extension}"


def _csv_chunks(plan: _Plan) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    writer.writerow(plan.headers)
    yield CSV_BOM + flush()
    for chunk in _chunked(plan.rows, 500):
        writer.writerows(plan.csv_row(row) for row in chunk)
        yield flush()


def _chunked(rows: Iterable, size: int) -> Iterator[list]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def csv_response(export: Export) -> StreamingHttpResponse:
    plan = _Plan(export)
    response = StreamingHttpResponse(_csv_chunks(plan), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(export, "csv")}"'
    response["Cache-Control"] = "private, no-store"
    return response


def write_xlsx(export: Export, target) -> int:
    """Write the workbook into `target` (a binary file); returns the number of data rows."""
    plan = _Plan(export)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(force_str(export.title) or export.name)[:31])
    for index, column in enumerate(plan.columns):
        letter = _column_letter(index)
        sheet.column_dimensions[letter].width = column.width or WIDTHS.get(column.kind, 20)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for text in plan.headers:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    written = 0
    for row in plan.rows:
        if written + 1 >= XLSX_MAX_ROWS:
            break  # beyond Excel's sheet size; the CSV export has no limit
        sheet.append(plan.xlsx_row(sheet, row))
        written += 1
    workbook.save(target)
    return written


def xlsx_response(export: Export) -> FileResponse:
    # A spooled file: small workbooks stay in memory, large ones go to disk.
    target = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    write_xlsx(export, target)
    target.seek(0)
    response = FileResponse(
        target,
        as_attachment=True,
        filename=_filename(export, "xlsx"),
        content_type=XLSX_CONTENT_TYPE,
    )
    response["Cache-Control"] = "private, no-store"
    return response


def export_response(export: Export, fmt: str):
    if fmt == "xlsx":
        return xlsx_response(export)
    return csv_response(export)


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


# --- what every app's list export shares ----------------------------------------------------


def local_field(field: str) -> str:
    """The district or category name in the request's language (`name` or `name_zh`)."""
    return f"{field}_zh" if (get_language() or "").startswith("zh") else field


def with_local_names(queryset: QuerySet, *paths: str) -> QuerySet:
    """Annotate `<path>_local_name` for each enterprise or provider path ("enterprise",
    "provider", "voucher__enterprise"): its Chinese name for a Chinese reader where one is
    recorded, else its name, so that a column reads it as it reads any field."""
    from django.db.models import F, Value
    from django.db.models.functions import Coalesce, NullIf

    chinese = (get_language() or "").startswith("zh")
    return queryset.annotate(
        **{
            f"{path}_local_name": (
                Coalesce(NullIf(F(f"{path}__name_zh"), Value("")), F(f"{path}__name"))
                if chinese
                else F(f"{path}__name")
            )
            for path in paths
        }
    )


def query_has_filters(request) -> bool:
    """Whether the query string holds anything but the page number (a queue's default
    applies to a bare URL, as on the page, whose export link carries its own query)."""
    return any(key != "page" for key in request.GET)


class ExportFilterRefused(Exception):
    """A filter of an export's query string that is not one of its values: the file would
    hold every row instead of the ones asked for, which nobody reading it would notice."""

    def __init__(self, names):
        self.names = sorted(names)


def refusal(message: str) -> HttpResponse:
    """Why a file asked for from a browser is not sent: a 400 with the sentence alone (a
    browser shows it where the download would have started)."""
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def refuse_bad_filters(names) -> None:
    """Raise ExportFilterRefused naming the parameters, if any."""
    if names:
        raise ExportFilterRefused(names)


def refuse_unknown_status(request, values) -> str:
    """The `?status=` asked for ("" for none), refused when it names no state."""
    status = request.GET.get("status", "")
    refuse_bad_filters(["status"] if status and status not in values else [])
    return status


def require_official(request) -> None:
    """The queue exports mirror pages that only district officials have."""
    if not request.user.is_official:
        raise PermissionDenied(_("This page is for district officials."))


def export_view(lists: dict[str, Callable]):
    """The view behind `/exports/<kind>.<csv|xlsx>` for an app's lists: `lists` maps each
    kind to the function that builds its `Export` from the request (same query string,
    filters and scope as its page). Enterprise and provider users get 403: their own pages
    are short, and these files are the districts' working lists."""
    from django.contrib.auth.decorators import login_required
    from django.http import Http404
    from django.views.decorators.http import require_GET

    @login_required
    @require_GET
    def export(request, kind: str, fmt: str):
        if kind not in lists or fmt not in ("csv", "xlsx"):
            raise Http404
        if not (request.user.is_official or request.user.is_operator):
            raise PermissionDenied(_("Exports are for district officials and the operator."))
        try:
            export = lists[kind](request)
        except ExportFilterRefused as refused:
            message = _("The list cannot filter by this value of %(names)s. Nothing was exported.")
            return refusal(message % {"names": ", ".join(refused.names)})
        return export_response(export, fmt)

    return export
