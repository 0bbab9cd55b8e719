"""Settlement statements: a district's part of a batch as CSV (streamed) or PDF.

The rows come straight from the database in chunks and end with the totals they add up to,
so a district can reconcile the file against its own books line by line.

The CSV holds two tables, each under its own header row, with one blank row between them:
the claims (`STATEMENT_HEADER`), then the totals they add up to (`TOTALS_HEADER`). The
totals once sat under the claims' header, after the blank row, their figures in the claims'
`redemption` and `amount` columns: a spreadsheet or a CSV reader took them for claims.
A reader of the claims stops at the first blank row; the totals' header starts with
`figure`.
"""

import csv
import io
import itertools
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

from portal.exports import CSV_BOM, spreadsheet_safe
from portal.pdf import table_pdf
from portal.templatetags.portal import cny
from regions import sources
from regions.models import Region, SettlementBatch
from regions.settlement.netting import ZERO

STATEMENT_HEADER = [
    "redemption",
    "voucher",
    "service_order",
    "provider",
    "issuing_region",
    "provider_region",
    "direction",
    "decided_at",
    "status",
    "evidence_sha256",
    "amount",
]

# The totals' own columns. The amount stays last and each row's figure first, where they
# were when the totals sat under the claims' header.
TOTALS_HEADER = ["figure", "from_region", "to_region", "payment_reference", "amount"]


def _programme_time(moment: datetime) -> datetime:
    """`moment` in the programme's time zone. Not the request's current zone: the API reads
    times in UTC (portal.api.ApiTimesInUtc), and a statement downloaded through it printed
    the cutoff as 06:58 (UTC+0000) where the pages say 14:58 (as vouchers' dates,
    vouchers.services.vouchers._programme_date). Every time of the file carries its offset."""
    return timezone.localtime(moment, ZoneInfo(settings.TIME_ZONE))


def _programme_minute(moment: datetime) -> str:
    """ "2026-12-07 14:58 (UTC+08:00)": the statement's summary lines, page and API alike;
    the offset written as the file's times write it."""
    programme_time = _programme_time(moment)
    return f"{programme_time:%Y-%m-%d %H:%M} (UTC{programme_time.isoformat()[-6:]})"


def statement_summary(batch: SettlementBatch, region: Region) -> dict:
    """The district's figures of the batch; the rows of `statement_rows` add up to them."""
    obligations = list(batch.obligations.select_related("from_region", "to_region"))
    owes = [
        (o.to_region.code, o.amount, o.redemption_count)
        for o in obligations
        if o.from_region_id == region.pk
    ]
    owed = [
        (o.from_region.code, o.amount, o.redemption_count)
        for o in obligations
        if o.to_region_id == region.pk
    ]
    position = batch.net_positions.filter(region=region).values_list("amount", flat=True).first()
    transfers = [
        (t.from_region.code, t.to_region.code, t.amount, t.payment_reference)
        for t in batch.transfers.select_related("from_region", "to_region")
        if region.pk in (t.from_region_id, t.to_region_id)
    ]
    return {
        "owes": owes,
        "owed": owed,
        "owes_total": sum((a for _, a, _ in owes), ZERO),
        "owed_total": sum((a for _, a, _ in owed), ZERO),
        "count": sum(n for *_, n in owes) + sum(n for *_, n in owed),
        "net_position": position if position is not None else ZERO,
        "transfers": transfers,
    }


def statement_rows(batch: SettlementBatch, region: Region) -> Iterator[list[str]]:
    """Every redemption behind the district's figures, streamed from the database, with the
    SHA-256 of each evidence file of its order (recorded at upload; space-separated)."""
    rows = sources.batch_redemption_rows(batch_id=batch.pk, region_id=region.pk)
    for chunk in _batched(rows.iterator(chunk_size=2000), 500):
        hashes = sources.evidence_hashes(order_ids={row[2] for row in chunk})
        for (
            rid,
            serial,
            order,
            provider,
            provider_zh,
            issuing,
            paying,
            issuing_id,
            decided,
            status,
            amount,
        ) in chunk:
            yield [
                str(rid),
                serial,
                str(order),
                # Both names, as the statement's district line has both.
                spreadsheet_safe(f"{provider_zh} {provider}" if provider_zh else provider),
                issuing,
                paying,
                "owes" if issuing_id == region.pk else "owed",
                # ISO 8601 with its offset (+08:00), as the cutoff: the machine reads either.
                _programme_time(decided).isoformat() if decided else "",
                status,
                " ".join(hashes.get(order, [])),
                f"{amount:.2f}",
            ]


def statement_summary_lines(batch: SettlementBatch, region: Region, summary: dict) -> list[str]:
    lines = [
        f"Batch #{batch.pk}  cutoff {_programme_minute(batch.cutoff)}  status {batch.status}",
        f"District {region.code} {region.name_zh} {region.name}",
        f"Redemptions: {summary['count']}  owes {summary['owes_total']:.2f}  "
        f"is owed {summary['owed_total']:.2f}  net position {summary['net_position']:.2f}",
    ]
    for code, amount, n in summary["owes"]:
        lines.append(f"  owes {code}: {amount:.2f} ({n} redemptions)")
    for code, amount, n in summary["owed"]:
        lines.append(f"  is owed by {code}: {amount:.2f} ({n} redemptions)")
    for debtor, creditor, amount, reference in summary["transfers"]:
        lines.append(
            f"  transfer {debtor} -> {creditor}: {amount:.2f} {reference or '(not yet paid)'}"
        )
    return lines


def statement_csv_lines(batch: SettlementBatch, region: Region) -> Iterator[str]:
    """CSV text, one line at a time: the claims under their header, a blank row, then the
    totals they reconcile to under theirs."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush():
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return value

    summary = statement_summary(batch, region)
    writer.writerow(STATEMENT_HEADER)
    yield flush()
    for batch_rows in _batched(statement_rows(batch, region), 500):
        writer.writerows(batch_rows)
        yield flush()
    writer.writerow([])
    writer.writerow(TOTALS_HEADER)
    writer.writerow(["total_owes", "", "", "", f"{summary['owes_total']:.2f}"])
    writer.writerow(["total_owed", "", "", "", f"{summary['owed_total']:.2f}"])
    writer.writerow(["net_position", "", "", "", f"{summary['net_position']:.2f}"])
    for debtor, creditor, amount, reference in summary["transfers"]:
        writer.writerow(
            ["transfer", debtor, creditor, spreadsheet_safe(reference or ""), f"{amount:.2f}"]
        )
    yield flush()


def _batched(iterable, size):
    iterator = iter(iterable)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


# The PDF is read by people in both languages (the CSV stays a machine format with codes).
# When each claim was approved, as the pages show it (programme time, to the minute): the CSV
# has the same moment as ISO 8601 for machines.
PDF_HEADER = ["编号 #", "创新券 voucher", "服务机构 provider", "发券区 from", "兑付区 to",
              "方向 dir", "批准时间 approval time", "状态 status", "金额 amount"]  # fmt: skip
PDF_DIRECTION = {"owes": "应付 owes", "owed": "应收 owed"}
# The redemption's and the batch's status, in both languages like every other label of the
# PDF (the Chinese as the portal's pages show these statuses).
PDF_STATUS = {"approved": "已批准 approved", "paid": "已付款 paid",
              "pending": "待审核 pending", "rejected": "已驳回 rejected"}  # fmt: skip
PDF_BATCH_STATUS = {"open": "进行中 open", "computed": "已计算 computed",
                    "confirmed": "已确认 confirmed", "closed": "已关闭 closed"}  # fmt: skip
# Numbers right-aligned, text left.
PDF_ALIGN = ["right", "left", "left", "left", "left", "left", "left", "left", "right"]


def statement_pdf_summary_lines(batch: SettlementBatch, region: Region, summary: dict) -> list[str]:
    """The statement's totals in Chinese and English, districts by name and code."""
    named = {r.code: f"{r.name_zh} {r.code}" for r in Region.objects.all()}
    lines = [
        f"批次 Batch #{batch.pk}  截止 cutoff {_programme_minute(batch.cutoff)}  "
        f"状态 status {PDF_BATCH_STATUS.get(batch.status, batch.status)}",
        f"地区 District {region.name_zh} {region.name} ({region.code})",
        f"兑付笔数 Redemptions {summary['count']}  应付 owes {cny(summary['owes_total'])}  "
        f"应收 is owed {cny(summary['owed_total'])}  净头寸 net position "
        f"{cny(summary['net_position'])}",
    ]
    for code, amount, n in summary["owes"]:
        lines.append(f"  应付 owes {named[code]}: {cny(amount)} ({n} 笔 redemptions)")
    for code, amount, n in summary["owed"]:
        lines.append(f"  应收 is owed by {named[code]}: {cny(amount)} ({n} 笔 redemptions)")
    for debtor, creditor, amount, reference in summary["transfers"]:
        lines.append(
            f"  划款 transfer {named[debtor]} -> {named[creditor]}: {cny(amount)} "
            f"{reference or '(未付 not yet paid)'}"
        )
    # An empty table with zero totals said nothing of why, where the page says it.
    if batch.status != SettlementBatch.Status.OPEN and not batch.claimed_count:
        lines.append(
            "  本批次未结算任何兑付：没有待结算的已批准跨区兑付。"
            " Nothing was settled in this batch: no approved cross-region redemption was waiting."
        )
    elif summary["count"] == 0:
        lines.append(
            f"  {region.name_zh}在本批次中既不付款也不收款。"
            f" {region.name} neither pays nor receives in this batch."
        )
    # Two copies of a statement differ only if a claim was paid between them: the statuses
    # are those of the moment it was drawn.
    lines.append(
        f"生成时间 Generated {_programme_minute(timezone.now())}"
        "  (状态为生成时的状态 statuses as at that time)"
    )
    return lines


def _pdf_minute(decided: str) -> str:
    """A row's decision time (ISO 8601, programme time: `statement_rows`) as the pages print
    it, "2026-03-05 14:02"; the summary's lines say the offset once."""
    return f"{datetime.fromisoformat(decided):%Y-%m-%d %H:%M}" if decided else ""


def statement_pdf(batch: SettlementBatch, region: Region) -> bytes:
    summary = statement_summary(batch, region)
    names_zh = {r.code: r.name_zh for r in Region.objects.all()}
    return table_pdf(
        title_zh=f"结算单 #{batch.pk} {region.name_zh}",
        title_en=f"Settlement statement #{batch.pk} {region.name}",
        header=PDF_HEADER,
        rows=[
            [
                r[0],
                r[1],
                r[3],
                names_zh.get(r[4], r[4]),
                names_zh.get(r[5], r[5]),
                PDF_DIRECTION.get(r[6], r[6]),
                _pdf_minute(r[7]),
                PDF_STATUS.get(r[8], r[8]),
                # As the pages print money (the `cny` filter): ¥ and thousands grouped.
                cny(r[10]),
            ]
            for r in statement_rows(batch, region)
        ],  # fmt: skip
        summary=statement_pdf_summary_lines(batch, region, summary),
        align=PDF_ALIGN,
    )


def statement_response(batch: SettlementBatch, region: Region, fmt: str):
    """The district's statement as a streamed CSV or a PDF download (page and API alike)."""
    name = f"settlement-{batch.pk}-{region.code}"
    if fmt == "pdf":
        response = HttpResponse(statement_pdf(batch, region), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        return response
    # With a byte-order mark, as the list exports (portal.exports): Excel then reads the
    # Chinese names as UTF-8.
    response = StreamingHttpResponse(
        itertools.chain([CSV_BOM], statement_csv_lines(batch, region)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
