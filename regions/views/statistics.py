"""The open statistics: the public page with its year, month and district selector, its CSV
and JSON downloads, and the quarterly indicator report of a district for officials."""

from decimal import ROUND_HALF_UP

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from portal.charts import bar_chart, flow_matrix, month_label
from portal.exports import INTEGER, MONEY, TEXT, Column, Export, export_response, refusal
from regions.models import reads_chinese
from regions.selectors import region_list
from regions.statistics import (
    MONTHS,
    TENTH,
    StatisticsQueryError,
    quarterly_figures,
    ratio,
    statistics_cached,
    statistics_query,
    statistics_years,
)
from regions.statistics_api import statistics_data
from vouchers.models import Enterprise


def _query_or_errors(request) -> tuple[dict, dict]:
    """The page's query and its errors: a bad choice is left out, the others kept (a bad
    month reset the district chosen beside it to the whole programme)."""
    try:
        return statistics_query(request.GET), {}
    except StatisticsQueryError as error:
        return error.query, error.errors


def _category_name(row: dict) -> str:
    if row["category"] is None:
        return _("No category recorded")
    return (row["name_zh"] or row["name"]) if reads_chinese() else row["name"]


@require_GET
def statistics_page(request):
    query, errors = _query_or_errors(request)
    figures = statistics_cached(**query)
    regions = list(region_list())
    names = {r.code: r.display_name for r in regions}
    sizes = dict(Enterprise.Size.choices)
    months = [month_label(m) for m in MONTHS]
    monthly = figures["monthly"]
    monthly_chart = bar_chart(
        title=_("Vouchers issued and redeemed per month, %(year)s") % {"year": query["year"]},
        labels=months,
        series=[
            (_("Issued"), [m["issued_amount"] for m in monthly]),
            (_("Redeemed"), [m["redeemed_amount"] for m in monthly]),
        ],
    )
    amounts = {(f["from_region"], f["to_region"]): f["amount"] for f in figures["flows"]}
    flow_chart = flow_matrix(
        title=_(
            "Vouchers of each district (row) spent with providers of each other district (column)"
        ),
        codes=[r.code for r in regions],
        names=[r.display_name for r in regions],
        amounts=amounts,
    )
    labels = {"region": _("District"), "year": _("Year"), "month": _("Month")}
    redeemed = figures["vouchers_redeemed"]["amount"]
    context = {
        "figures": figures,
        "errors": errors,
        "error_rows": [(labels.get(name, name), message) for name, message in errors.items()],
        "query": query,
        "regions": regions,
        "years": statistics_years(),
        "months": list(zip(MONTHS, months, strict=True)),
        "scope_name": names.get(figures["region"]) if figures["region"] else None,
        "month_name": month_label(query["month"]) if query["month"] else None,
        "monthly_chart": monthly_chart,
        "monthly_rows": [(label, m) for label, m in zip(months, monthly, strict=True)],
        "flow_chart": flow_chart,
        "flows": [
            {**f, "from_name": names[f["from_region"]], "to_name": names[f["to_region"]]}
            for f in figures["flows"]
        ],
        # The page's percentages are rounded once, from the amounts: not from `share`, which
        # is already rounded to 4 decimals (see `ratio`).
        "cross_region_ratio": ratio(figures["cross_region"]["amount"], redeemed),
        "spent_by_district": [
            {**row, "name": names[row["region"]], "ratio": ratio(row["amount"], redeemed)}
            for row in figures["spent_by_district"]
        ],
        "categories": [{**row, "label": _category_name(row)} for row in figures["top_categories"]],
        "by_size": [
            {**row, "label": sizes.get(row["size"], row["size"] or _("Not recorded"))}
            for row in figures["enterprises_served"]["by_size"]
        ],
        "query_string": request.GET.urlencode() if not errors else "",
        # An official's report is of its own district; the operator's of the chosen one.
        "may_download_report": request.user.is_authenticated
        and (request.user.is_official or (request.user.is_operator and query["region"])),
    }
    return render(request, "regions/statistics.html", context, status=400 if errors else 200)


# --- downloads ------------------------------------------------------------------------------

# Open data read by programs: the header is the same in every language (the `name` column
# is in the reader's language, the codes beside it are not).
FIGURE_COLUMNS = [
    Column("section", kind=TEXT, width=24),
    Column("item", kind=TEXT, width=20),
    Column("name", kind=TEXT),
    Column("count", kind=INTEGER),
    Column("amount", kind=MONEY),
    Column("share_or_days", kind=INTEGER, width=14),
]


def figure_rows(figures: dict) -> list[tuple]:
    """The figures as (section, item, name, count, amount, share or days) rows: section and
    item are stable codes for programs, the name is for people."""
    names = {r.code: r.display_name for r in region_list()}
    sizes = dict(Enterprise.Size.choices)
    issued, redeemed, cross = (
        figures["vouchers_issued"],
        figures["vouchers_redeemed"],
        figures["cross_region"],
    )
    days = figures["average_days"]
    rows = [
        ("vouchers_issued", "", _("Vouchers issued"), issued["count"], issued["amount"], None),
        ("vouchers_redeemed", "", _("Redeemed"), redeemed["count"], redeemed["amount"], None),
        ("cross_region", "", _("Spent across districts"), cross["count"], cross["amount"], cross["share"]),
        ("enterprises_served", "", _("Enterprises served"), figures["enterprises_served"]["count"], None, None),
        ("average_days", "application_to_voucher", _("Days from application to voucher"), None, None, days["application_to_voucher"]),
        ("average_days", "claim_to_payment", _("Days from claim to payment"), None, None, days["claim_to_payment"]),
    ]  # fmt: skip
    if figures["demands"] is not None:
        rows += [
            ("demands", "published", _("Demands published"), figures["demands"]["published"], None, None),
            ("demands", "resolved", _("Demands resolved"), figures["demands"]["resolved"], None, None),
        ]  # fmt: skip
    rows += [
        ("spent_by_district", r["region"], names[r["region"]], r["count"], r["amount"], r["share"])
        for r in figures["spent_by_district"]
    ]
    rows += [
        (
            "flows",
            f"{f['from_region']}>{f['to_region']}",
            f"{names[f['from_region']]} → {names[f['to_region']]}",
            f["count"],
            f["amount"],
            None,
        )
        for f in figures["flows"]
    ]
    rows += [
        ("top_categories", c["category"] or "", _category_name(c), c["count"], c["amount"], None)
        for c in figures["top_categories"]
    ]
    rows += [
        ("enterprises_by_industry", "", i["industry"] or "", i["count"], None, None)
        for i in figures["enterprises_served"]["by_industry"]
    ]
    rows += [
        ("enterprises_by_size", s["size"] or "", sizes.get(s["size"], ""), s["count"], None, None)
        for s in figures["enterprises_served"]["by_size"]
    ]
    for m in figures["monthly"]:
        label = month_label(m["month"])
        rows.append(
            ("monthly_issued", str(m["month"]), label, m["issued_count"], m["issued_amount"], None)
        )
        rows.append(("monthly_redeemed", str(m["month"]), label, m["redeemed_count"], m["redeemed_amount"], None))  # fmt: skip
    return rows


def _download_name(figures: dict) -> str:
    parts = ["statistics", (figures["region"] or "all").lower(), str(figures["year"])]
    if figures["month"]:
        parts.append(f"{figures['month']:02d}")
    return "-".join(parts)


@require_GET
def statistics_download(request, fmt: str):
    """The page's figures as open data: `download.csv` or `download.json`, same query."""
    try:
        query = statistics_query(request.GET)
    except StatisticsQueryError as error:
        return JsonResponse({name: [text] for name, text in error.errors.items()}, status=400)
    figures = statistics_cached(**query)
    if fmt == "json":
        response = JsonResponse(statistics_data(figures), json_dumps_params={"ensure_ascii": False})
        response["Content-Disposition"] = f'attachment; filename="{_download_name(figures)}.json"'
        return response
    return export_response(
        Export(
            name=_download_name(figures),
            queryset=None,
            columns=FIGURE_COLUMNS,
            rows=figure_rows(figures),
        ),
        "csv",
    )


# --- the quarterly indicator report ---------------------------------------------------------


QUARTERLY_COLUMNS = [
    Column(gettext_lazy("Period"), kind=TEXT, width=14),
    Column(gettext_lazy("Vouchers issued"), kind=INTEGER, width=12),
    Column(gettext_lazy("Amount issued"), kind=MONEY),
    Column(gettext_lazy("Redemptions"), kind=INTEGER, width=12),
    Column(gettext_lazy("Amount redeemed"), kind=MONEY),
    Column(gettext_lazy("Spent across districts"), kind=MONEY),
    Column(gettext_lazy("Share across districts (%)"), kind=INTEGER, width=14),
    Column(gettext_lazy("Enterprises served"), kind=INTEGER, width=12),
    Column(gettext_lazy("Days from application to voucher"), kind=INTEGER, width=14),
    Column(gettext_lazy("Days from claim to payment"), kind=INTEGER, width=14),
]
DEMAND_COLUMNS = [
    Column(gettext_lazy("Demands published"), kind=INTEGER, width=12),
    Column(gettext_lazy("Demands resolved"), kind=INTEGER, width=12),
]


def quarterly_rows(periods: list[tuple[str, dict]]) -> list[tuple]:
    labels = {
        "q1": _("Q1"),
        "q2": _("Q2"),
        "q3": _("Q3"),
        "q4": _("Q4"),
        "year": _("Whole year"),
    }
    rows = []
    for key, f in periods:
        row = (
            labels[key],
            f["vouchers_issued"]["count"],
            f["vouchers_issued"]["amount"],
            f["vouchers_redeemed"]["count"],
            f["vouchers_redeemed"]["amount"],
            f["cross_region"]["amount"],
            # Rounded once, from the amounts (see `ratio`).
            (ratio(f["cross_region"]["amount"], f["vouchers_redeemed"]["amount"]) * 100).quantize(
                TENTH, rounding=ROUND_HALF_UP
            ),
            f["enterprises_served"]["count"],
            f["average_days"]["application_to_voucher"],
            f["average_days"]["claim_to_payment"],
        )
        if f["demands"] is not None:
            row += (f["demands"]["published"], f["demands"]["resolved"])
        rows.append(row)
    return rows


@login_required
@require_GET
def statistics_quarterly(request, fmt: str):
    """`/statistics/quarterly.<csv|xlsx>?year=`: an official's district, quarter by quarter
    and for the year; the operator names the district (`?region=`)."""
    user = request.user
    if not (user.is_official or user.is_operator):
        raise PermissionDenied(_("This report is for district officials and the operator."))
    # A file asked for from a browser: a refusal is a sentence in the reader's language.
    try:
        query = statistics_query(request.GET)
    except StatisticsQueryError as error:
        return refusal(" ".join(str(text) for text in error.errors.values()))
    if user.is_official:
        if query["region"] is not None and query["region"].pk != user.region_id:
            return refusal(
                _("An official reads the report of their own district, %(region)s.")
                % {"region": user.region.display_name}
            )
        region = user.region
    else:
        region = query["region"]
    if region is None:
        return refusal(_("Choose the district of the report: ?region= and its code."))
    periods = quarterly_figures(year=query["year"], region=region)
    columns = QUARTERLY_COLUMNS + (DEMAND_COLUMNS if periods[0][1]["demands"] is not None else [])
    return export_response(
        Export(
            name=f"indicators-{region.code.lower()}-{query['year']}",
            queryset=None,
            columns=columns,
            rows=quarterly_rows(periods),
            title=_("Indicators"),
        ),
        fmt,
    )
