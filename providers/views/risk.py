"""The district's risk queue: open flags on orders paid with its vouchers, each with what
raised it, cleared by an official with a reason."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from portal.views import next_or, page_of, query_without_page, run_service, unread_filters
from portal.widgets import Textarea
from providers.services.risk import risk_flag_clear, risk_flags_visible_to
from regions.models import Region

FIELD_LABELS = {
    "legal_representative": gettext_lazy("Legal representative"),
    "registered_address": gettext_lazy("Registered address"),
    "contact_phone": gettext_lazy("Contact phone"),
}
# The facts other flags record, named for the page (a key not named here shows as recorded).
FACT_LABELS = {
    "invoice_code": gettext_lazy("Invoice code"),
    "invoice_number": gettext_lazy("Invoice number"),
    "other_order": gettext_lazy("The other order"),
    "other_district": gettext_lazy("Its issuing district"),
    "matched_on": gettext_lazy("Found by"),
    "file": gettext_lazy("The file, as named on the other order"),
}
MATCHED_ON = {
    "number": gettext_lazy("its invoice code and number"),
    "file": gettext_lazy("the same file, whatever number was typed"),
}
LIMIT_LABELS = {
    "four_eyes_threshold": gettext_lazy("the four-eyes threshold"),
    "max_voucher_per_enterprise": gettext_lazy("the cap per enterprise"),
}


class ClearForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why the flag can be cleared"),
        widget=Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


class RiskQueueFilterForm(forms.Form):
    """The operator's choice of one district's queue (an official reads their own only)."""

    region = forms.ModelChoiceField(
        label=gettext_lazy("District"),
        queryset=Region.objects.order_by("id"),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("All districts"),
    )


def with_evidence(flags) -> list:
    """Each flag with its evidence worded for the page: the shared details (`shared`:
    label, enterprise's value, provider's value) or the orders summed (`orders`, `total`,
    `limit`, `limit_label`); other kinds keep their evidence as recorded (`facts`)."""
    rows = list(flags)
    regions = Region.objects.in_bulk(field_name="code")  # four rows, read once for the page
    for flag in rows:
        evidence = flag.evidence or {}
        flag.shared = [
            (FIELD_LABELS.get(item.get("field"), item.get("field")), item.get("enterprise"), item.get("provider"))
            for item in evidence.get("fields", [])
        ]  # fmt: skip
        flag.orders = evidence.get("orders", [])
        flag.limit_label = LIMIT_LABELS.get(evidence.get("limit_rule"), "")
        flag.facts = [
            _fact(key, value, regions)
            for key, value in evidence.items()
            if key not in {"fields", "orders", "total", "limit", "limit_rule", "co_funding_ratio",
                           "window_days", "enterprise", "provider"}
        ]  # fmt: skip
    return rows


def _fact(key: str, value, regions: dict) -> tuple:
    """(label, value shown, link or ""): the other order links to its page, a district is
    named in the reader's language."""
    label = FACT_LABELS.get(key, key)
    if key == "other_order" and str(value).isdigit():
        return label, f"#{value}", reverse("order-detail", args=[value])
    if key == "matched_on":
        return label, MATCHED_ON.get(value, value), ""
    if key == "other_district":
        region = regions.get(value)
        return label, region.display_name if region else value, ""
    return label, value, ""


def _require_official(request):
    if not request.user.is_official:
        raise PermissionDenied(_("This page is for district officials."))


@login_required
@require_GET
def risk_queue(request):
    """An official's district's open flags, to clear; the operator reads every district's
    (clearing stays with the voucher's issuing district)."""
    if not (request.user.is_official or request.user.is_operator):
        raise PermissionDenied(_("This page is for district officials and the programme operator."))
    flags = risk_flags_visible_to(request.user).select_related(
        "service_order__voucher__issuing_region"
    )
    filters = RiskQueueFilterForm(request.GET or None) if request.user.is_operator else None
    filter_errors = unread_filters(filters, ["region"]) if filters else []
    if filter_errors:
        flags = flags.none()
    elif filters and filters.is_bound and filters.cleaned_data.get("region"):
        flags = flags.filter(service_order__voucher__issuing_region=filters.cleaned_data["region"])
    page = page_of(request, flags.filter(cleared_at__isnull=True).order_by("raised_at", "id"))
    page.object_list = with_evidence(page.object_list)
    cleared = with_evidence(flags.filter(cleared_at__isnull=False).order_by("-cleared_at")[:10])
    return render(
        request,
        "providers/risk_queue.html",
        {
            "page": page,
            "cleared": cleared,
            "form": ClearForm(),
            "filters": filters,
            "filter_errors": filter_errors,
            "query": query_without_page(request),
        },
        status=400 if filter_errors else 200,
    )


@login_required
@require_POST
def risk_flag_clear_view(request, pk):
    _require_official(request)
    form = ClearForm(request.POST)
    if form.is_valid():
        run_service(
            request,
            risk_flag_clear,
            success=_("The flag is cleared."),
            flag_id=pk,
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
    else:
        messages.error(request, _("Give the reason the flag can be cleared."))
    return redirect(next_or(request, reverse("risk-queue")))
