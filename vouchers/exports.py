"""The vouchers app's lists as CSV or Excel files: applications, vouchers, redemptions,
and a provider's payments received.

Each export reads the same query string as its page and applies the same filters through
the same scoped selector (an official gets their district's rows only); `portal.exports`
writes the file.
"""

from django.db.models import Case, CharField, F, Value, When
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from portal.exports import (
    BOOLEAN,
    CHUNK_ROWS,
    DATE,
    DATETIME,
    INTEGER,
    MONEY,
    TEXT,
    Column,
    Export,
    export_view,
    local_field,
    query_has_filters,
    refuse_bad_filters,
    refuse_unknown_status,
    require_official,
    with_local_names,
)
from regions.models import ZERO
from vouchers import selectors as voucher_selectors
from vouchers.forms import QueueFilterForm
from vouchers.models import Redemption, Voucher, VoucherApplication
from vouchers.selectors.payments import programme_zone


def application_export(request) -> Export:
    """The review queue as /official/applications/ shows it: no query string means the
    applications waiting for a decision; an invalid filter is refused (the page shows all)."""
    filters = QueueFilterForm(request.GET or None)
    refuse_bad_filters(filters.errors if filters.is_bound else [])
    criteria = filters.cleaned_data if filters.is_bound else {}
    if not query_has_filters(request):
        criteria = {"status": VoucherApplication.Status.SUBMITTED}
    queryset = voucher_selectors.application_queue(
        request.user, **{k: v for k, v in criteria.items() if v not in (None, "")}
    )
    return Export(
        name="applications",
        title=gettext_lazy("Voucher applications"),
        queryset=with_local_names(queryset, "enterprise"),
        columns=[
            Column("#", "id", INTEGER),
            Column(pgettext_lazy("date", "Submitted"), "submitted_at", DATETIME),
            Column(gettext_lazy("Enterprise"), "enterprise_local_name", width=36),
            Column(gettext_lazy("Credit code"), "enterprise__credit_code", width=22),
            Column(gettext_lazy("Industry"), "enterprise__industry"),
            Column(gettext_lazy("District"), local_field("region__name"), width=18),
            Column(gettext_lazy("Year"), "year", INTEGER),
            Column(gettext_lazy("Requested amount (CNY)"), "requested_amount", MONEY),
            Column(gettext_lazy("Approved amount (CNY)"), "approved_amount", MONEY),
            Column(
                gettext_lazy("Status"),
                "status",
                labels=dict(VoucherApplication.Status.choices),
                width=12,
            ),
            Column(gettext_lazy("Decided"), "decided_at", DATETIME),
            Column(gettext_lazy("Voucher"), "voucher__serial", width=20),
            Column(gettext_lazy("Service category"), local_field("service_category__name")),
            Column(gettext_lazy("Purpose"), "purpose", width=60),
        ],
    )


# --- vouchers -----------------------------------------------------------------------------


def voucher_export(request) -> Export:
    queryset = voucher_selectors.vouchers_visible_to(request.user).order_by("-id")
    status = refuse_unknown_status(request, Voucher.Status.values)
    if status:
        queryset = queryset.filter(status=status)
    return Export(
        name="vouchers",
        title=gettext_lazy("Vouchers"),
        # The status as the pages show it (Voucher.status_label): a voucher whose rest is
        # held by pending claims is not "Exhausted".
        queryset=with_local_names(queryset, "enterprise").annotate(
            shown_status=Case(
                When(status=Voucher.Status.EXHAUSTED, held__gt=0, then=Value("held")),
                default=F("status"),
                output_field=CharField(),
            )
        ),
        columns=[
            Column(gettext_lazy("Serial"), "serial", width=20),
            Column(gettext_lazy("Enterprise"), "enterprise_local_name", width=36),
            Column(gettext_lazy("Credit code"), "enterprise__credit_code", width=22),
            Column(gettext_lazy("District"), local_field("issuing_region__name"), width=18),
            Column(gettext_lazy("Year"), "year", INTEGER),
            Column(gettext_lazy("Face value (CNY)"), "face_value", MONEY),
            Column(gettext_lazy("Balance (CNY)"), "balance", MONEY),
            Column(gettext_lazy("Held (CNY)"), "held", MONEY),
            Column(gettext_lazy("Redeemed (CNY)"), "redeemed", MONEY),
            Column(gettext_lazy("Returned to the budget (CNY)"), "released", MONEY),
            Column(
                gettext_lazy("Status"),
                "shown_status",
                labels={**dict(Voucher.Status.choices), "held": Voucher.FULLY_HELD},
                width=12,
            ),
            Column(gettext_lazy("Cross-region"), "cross_region", BOOLEAN),
            Column(pgettext_lazy("date", "Issued"), "issued_at", DATETIME),
            Column(gettext_lazy("Expires"), "expires_at", DATE),
        ],
    )


# --- redemptions -------------------------------------------------------------------------

REDEMPTION_QUEUES = {
    "to_approve": (voucher_selectors.redemptions_to_approve, ("claimed_at", "id")),
    "to_pay": (voucher_selectors.redemptions_to_pay, ("decided_at", "id")),
}


def redemption_export(request) -> Export:
    queue = request.GET.get("queue", "")
    if queue:
        if queue not in REDEMPTION_QUEUES:
            raise Http404
        require_official(request)  # as the two pages: the operator approves and pays nothing
        selector, ordering = REDEMPTION_QUEUES[queue]
        queryset = selector(request.user).order_by(*ordering)
    else:
        queryset = voucher_selectors.redemptions_visible_to(request.user).order_by(
            "-claimed_at", "-id"
        )
        status = refuse_unknown_status(request, Redemption.Status.values)
        if status:
            queryset = queryset.filter(status=status)
    return Export(
        name=f"redemptions-{queue.replace('_', '-')}" if queue else "redemptions",
        title=gettext_lazy("Redemptions"),
        queryset=with_local_names(queryset, "voucher__enterprise", "provider"),
        columns=[
            Column("#", "id", INTEGER),
            Column(gettext_lazy("Claimed"), "claimed_at", DATETIME),
            Column(gettext_lazy("Voucher"), "voucher__serial", width=20),
            Column(gettext_lazy("Enterprise"), "voucher__enterprise_local_name", width=36),
            Column(gettext_lazy("Service order"), "service_order__title", width=40),
            Column(gettext_lazy("Provider"), "provider_local_name", width=36),
            Column(gettext_lazy("Issuing district"), local_field("issuing_region__name"), width=18),
            Column(
                gettext_lazy("Provider's district"), local_field("provider_region__name"), width=18
            ),
            Column(gettext_lazy("Cross-region"), "cross_region", BOOLEAN),
            Column(gettext_lazy("Amount (CNY)"), "amount", MONEY),
            Column(
                gettext_lazy("Status"), "status", labels=dict(Redemption.Status.choices), width=12
            ),
            Column(gettext_lazy("Decided"), "decided_at", DATETIME),
            Column(pgettext_lazy("date", "Paid"), "paid_at", DATETIME),
            Column(gettext_lazy("Payment reference"), "payment_reference", width=22),
            Column(gettext_lazy("Settlement batch"), "settlement_item__batch_id", INTEGER),
        ],
    )


# --- payments received by a provider --------------------------------------------------------


def provider_payments_export(payments, *, year: int | None) -> Export:
    """A provider's payments received (vouchers.selectors.payments), as its statement page
    lists them, with a totals row last: the claims' count and what they add up to, summed
    from the rows written, so that the file adds up whatever was paid while it was read.
    The payment's day in the programme's time zone, as an ISO date."""
    zone = programme_zone()
    # The rows are written after the view has returned: the reader's language is kept for
    # the totals row's words, and each name's language chosen now.
    language = translation.get_language()
    rows = with_local_names(payments, "voucher__enterprise").values_list(
        "paid_at",
        "payment_reference",
        local_field("provider_region__name"),
        "id",
        "voucher__enterprise_local_name",
        "voucher__serial",
        "amount",
    )

    def lines():
        count, total = 0, ZERO
        for paid_at, *named, amount in rows.iterator(chunk_size=CHUNK_ROWS):
            count += 1
            total += amount
            yield (timezone.localtime(paid_at, zone).date().isoformat(), *named, amount)
        with translation.override(language):
            label = ngettext("Total: %(count)d claim", "Total: %(count)d claims", count) % {
                "count": count
            }
        yield (label, "", "", None, "", "", total)

    return Export(
        name=f"payments-received-{year or 'all'}",
        title=gettext_lazy("Payments received"),
        queryset=None,
        rows=lines(),
        columns=[
            # Text, not a date: the totals row says what it is in this column.
            Column(pgettext_lazy("date", "Paid"), kind=TEXT, width=12),
            Column(gettext_lazy("Payment reference"), width=22),
            Column(gettext_lazy("Paying district"), width=18),
            Column(pgettext_lazy("a column: the redemption paid", "Claim"), kind=INTEGER),
            Column(gettext_lazy("Enterprise"), width=36),
            Column(gettext_lazy("Voucher"), width=20),
            Column(gettext_lazy("Amount (CNY)"), kind=MONEY),
        ],
    )


# /exports/<kind>.csv|.xlsx for this app's lists (routed in urls.py).
export = export_view(
    {
        "applications": application_export,
        "vouchers": voucher_export,
        "redemptions": redemption_export,
    }
)
