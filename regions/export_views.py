"""CSV and Excel exports of the lists officials and the operator work with.

Each export reads the same query string as its page, applies the same filters through the
same scoped selector (an official gets their district's rows only), and hands the queryset
with its columns to `regions.exports`. Enterprise and provider users get 403: their own
pages are short, and these files are the districts' working lists.

| URL                                   | page(s) it mirrors                                  |
| ------------------------------------- | --------------------------------------------------- |
| /exports/applications.csv|.xlsx       | /official/applications/ (status, dates, amounts...) |
| /exports/vouchers.csv|.xlsx           | /vouchers/ (status)                                 |
| /exports/redemptions.csv|.xlsx        | /redemptions/ (status); ?queue=to_approve is        |
|                                       | /official/redemptions/, ?queue=to_pay /official/payments/ |
| /exports/providers.csv|.xlsx          | /providers/ (q, region, category; status, default   |
|                                       | certified); ?queue=to_certify is /providers/to-certify/ |
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from providers import selectors as provider_selectors
from providers.forms import DirectoryFilterForm
from providers.models import Provider, ProviderCertificate
from regions.exports import (
    BOOLEAN,
    DATE,
    DATETIME,
    INTEGER,
    MONEY,
    Column,
    Export,
    export_response,
)
from vouchers import selectors as redemption_selectors
from vouchers import selectors as voucher_selectors
from vouchers.forms import QueueFilterForm
from vouchers.models import Redemption, Voucher, VoucherApplication


def _chinese() -> bool:
    return (get_language() or "").startswith("zh")


def _local(field: str) -> str:
    """The district or category name in the request's language (`name` or `name_zh`)."""
    return f"{field}_zh" if _chinese() else field


def _require_staff(request):
    user = request.user
    if not (user.is_official or user.is_operator):
        raise PermissionDenied(_("Exports are for district officials and the operator."))


def _require_official(request):
    if not request.user.is_official:
        raise PermissionDenied(_("This page is for district officials."))


# --- applications ------------------------------------------------------------------------


def application_export(request) -> Export:
    """The review queue as /official/applications/ shows it: no query string means the
    applications waiting for a decision, an invalid filter means no filter (as the page)."""
    filters = QueueFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    if not _filter_params(request):
        criteria = {"status": VoucherApplication.Status.SUBMITTED}
    queryset = voucher_selectors.application_queue(
        request.user, **{k: v for k, v in criteria.items() if v not in (None, "")}
    )
    return Export(
        name="applications",
        title=gettext_lazy("Voucher applications"),
        queryset=queryset,
        columns=[
            Column("#", "id", INTEGER),
            Column(gettext_lazy("Submitted"), "submitted_at", DATETIME),
            Column(gettext_lazy("Enterprise"), "enterprise__name", width=36),
            Column(gettext_lazy("Credit code"), "enterprise__credit_code", width=22),
            Column(gettext_lazy("Industry"), "enterprise__industry"),
            Column(gettext_lazy("District"), _local("region__name"), width=18),
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
            Column(gettext_lazy("Service category"), _local("service_category__name")),
            Column(gettext_lazy("Purpose"), "purpose", width=60),
        ],
    )


def _filter_params(request) -> bool:
    """Whether the query string holds anything but the page number (the queue's default
    applies to a bare URL, as on the page, whose export link carries its own query)."""
    return any(key != "page" for key in request.GET)


# --- vouchers ----------------------------------------------------------------------------


def voucher_export(request) -> Export:
    queryset = voucher_selectors.vouchers_visible_to(request.user).order_by("-id")
    status = request.GET.get("status", "")
    if status in Voucher.Status.values:
        queryset = queryset.filter(status=status)
    return Export(
        name="vouchers",
        title=gettext_lazy("Vouchers"),
        queryset=queryset,
        columns=[
            Column(gettext_lazy("Serial"), "serial", width=20),
            Column(gettext_lazy("Enterprise"), "enterprise__name", width=36),
            Column(gettext_lazy("Credit code"), "enterprise__credit_code", width=22),
            Column(gettext_lazy("District"), _local("issuing_region__name"), width=18),
            Column(gettext_lazy("Year"), "year", INTEGER),
            Column(gettext_lazy("Face value"), "face_value", MONEY),
            Column(gettext_lazy("Balance"), "balance", MONEY),
            Column(gettext_lazy("Held"), "held", MONEY),
            Column(gettext_lazy("Redeemed"), "redeemed", MONEY),
            Column(gettext_lazy("Released"), "released", MONEY),
            Column(gettext_lazy("Status"), "status", labels=dict(Voucher.Status.choices), width=12),
            Column(gettext_lazy("Cross-region"), "cross_region", BOOLEAN),
            Column(gettext_lazy("Issued"), "issued_at", DATETIME),
            Column(gettext_lazy("Expires"), "expires_at", DATETIME),
        ],
    )


# --- redemptions -------------------------------------------------------------------------

REDEMPTION_QUEUES = {
    "to_approve": (redemption_selectors.redemptions_to_approve, ("claimed_at", "id")),
    "to_pay": (redemption_selectors.redemptions_to_pay, ("decided_at", "id")),
}


def redemption_export(request) -> Export:
    queue = request.GET.get("queue", "")
    if queue:
        if queue not in REDEMPTION_QUEUES:
            raise Http404
        _require_official(request)  # as the two pages: the operator approves and pays nothing
        selector, ordering = REDEMPTION_QUEUES[queue]
        queryset = selector(request.user).order_by(*ordering)
    else:
        queryset = redemption_selectors.redemptions_visible_to(request.user).order_by(
            "-claimed_at", "-id"
        )
        status = request.GET.get("status", "")
        if status in Redemption.Status.values:
            queryset = queryset.filter(status=status)
    return Export(
        name=f"redemptions-{queue.replace('_', '-')}" if queue else "redemptions",
        title=gettext_lazy("Redemptions"),
        queryset=queryset,
        columns=[
            Column("#", "id", INTEGER),
            Column(gettext_lazy("Claimed"), "claimed_at", DATETIME),
            Column(gettext_lazy("Voucher"), "voucher__serial", width=20),
            Column(gettext_lazy("Enterprise"), "voucher__enterprise__name", width=36),
            Column(gettext_lazy("Service order"), "service_order__title", width=40),
            Column(gettext_lazy("Provider"), "provider__name", width=36),
            Column(gettext_lazy("Issuing district"), _local("issuing_region__name"), width=18),
            Column(gettext_lazy("Provider's district"), _local("provider_region__name"), width=18),
            Column(gettext_lazy("Cross-region"), "cross_region", BOOLEAN),
            Column(gettext_lazy("Amount (CNY)"), "amount", MONEY),
            Column(
                gettext_lazy("Status"), "status", labels=dict(Redemption.Status.choices), width=12
            ),
            Column(gettext_lazy("Decided"), "decided_at", DATETIME),
            Column(gettext_lazy("Paid"), "paid_at", DATETIME),
            Column(gettext_lazy("Payment reference"), "payment_reference", width=22),
            Column(gettext_lazy("Settlement batch"), "settlement_batch_id", INTEGER),
        ],
    )


# --- providers ---------------------------------------------------------------------------


def _category_names(queryset):
    """provider id -> its category names: one query for the whole export (a join in the row
    query would repeat each provider once per category)."""
    name = _local("servicecategory__name")
    links = (
        Provider.categories.through.objects.filter(provider_id__in=queryset.values("pk"))
        .order_by("provider_id", "servicecategory_id")
        .values_list("provider_id", name)
    )
    names: dict[int, list[str]] = {}
    for provider_id, category in links.iterator(chunk_size=5000):
        names.setdefault(provider_id, []).append(category)
    return names


def provider_export(request) -> Export:
    queue = request.GET.get("queue", "")
    if queue:
        if queue != "to_certify":
            raise Http404
        _require_official(request)
        queryset = provider_selectors.providers_to_certify(request.user)
    else:
        # The directory's filters; an unknown district or category is dropped, as there.
        form = DirectoryFilterForm(request.GET or None)
        form.is_valid()
        cleaned = getattr(form, "cleaned_data", {})
        status = request.GET.get("status", "")
        if status not in Provider.Status.values:
            status = Provider.Status.CERTIFIED  # what the directory lists
        queryset = provider_selectors.filter_providers(
            provider_selectors.providers_visible_to(request.user),
            search=cleaned.get("q", ""),
            region=cleaned.get("region", ""),
            category=cleaned.get("category", ""),
            status=status,
        ).order_by("name", "id")
    latest = ProviderCertificate.objects.filter(provider=OuterRef("pk")).order_by(
        "-issued_at", "-id"
    )
    queryset = queryset.annotate(
        certificate_serial=Subquery(latest.values("serial")[:1]),
        certificate_valid_until=Subquery(latest.values("valid_until")[:1]),
    )
    return Export(
        name="providers-to-certify" if queue else "providers",
        title=gettext_lazy("Providers"),
        queryset=queryset,
        prepare=_category_names,
        columns=[
            Column("#", "id", INTEGER),
            Column(gettext_lazy("Provider"), "name", width=36),
            Column(gettext_lazy("Chinese name"), "name_zh", width=30),
            Column(gettext_lazy("Credit code"), "credit_code", width=22),
            Column(gettext_lazy("District"), _local("region__name"), width=18),
            Column(gettext_lazy("Type"), "kind", labels=dict(Provider.Kind.choices), width=18),
            Column(
                gettext_lazy("Categories"),
                "id",
                compute=lambda pk, names: ", ".join(names.get(pk, [])),
                width=40,
            ),
            Column(
                gettext_lazy("Status"), "status", labels=dict(Provider.Status.choices), width=12
            ),
            Column(gettext_lazy("Applied"), "applied_at", DATETIME),
            Column(gettext_lazy("Decided"), "decided_at", DATETIME),
            Column(gettext_lazy("Contact e-mail"), "contact_email"),
            Column(gettext_lazy("Contact phone"), "contact_phone", width=16),
            Column(gettext_lazy("Certificate"), "certificate_serial", width=20),
            Column(gettext_lazy("Valid until"), "certificate_valid_until", DATE),
        ],
    )


EXPORTS = {
    "applications": application_export,
    "vouchers": voucher_export,
    "redemptions": redemption_export,
    "providers": provider_export,
}


@login_required
@require_GET
def export(request, kind, fmt):
    if kind not in EXPORTS or fmt not in ("csv", "xlsx"):
        raise Http404
    _require_staff(request)
    return export_response(EXPORTS[kind](request), fmt)
