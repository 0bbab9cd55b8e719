"""Pages of the regions app: the public home page and serial check, the login landing, the
officials' and the operator's dashboards, and settlement (the operator's matrix, batches and
transfers; the districts' statements; the reconciliation reports)."""

import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from portal.charts import bar_chart, flow_matrix, month_label
from portal.codes import serial_check_digit_is_wrong, typed_serial
from portal.errors import ApplicationError
from portal.submissions import submitted_once
from portal.throttling import SerialCheckThrottle, page_throttle_wait
from portal.views import (
    add_service_error,
    is_htmx,
    page_of,
    query_without_page,
    render_throttled,
    run_service,
)
from providers.selectors import brokered_deals
from regions import dashboards, sources
from regions.exports import statement_response
from regions.models import (
    ProgrammeRules,
    ReconciliationReport,
    Region,
    SettlementBatch,
    SettlementNetPosition,
)
from regions.permissions import can_run_settlement, can_view_settlement, can_view_statement
from regions.selectors import current_year, region_list
from regions.services import audit_trail_for, reconciliation_run
from regions.settlement.selectors import (
    batch_is_stalled,
    batch_remaining,
    batch_view_for,
    batches_visible_to,
    gross_matrix,
    normalised_reference,
    unsettled_of_region,
    unsettled_summary,
)
from regions.settlement.services import (
    ReferenceRecordedBefore,
    settlement_batch_create,
    settlement_batch_resume,
    settlement_transfer_confirm,
)
from vouchers import selectors as redemption_selectors
from vouchers.permissions import can_read_voucher_holder, masked_holder


@require_GET
def home(request):
    year = current_year()
    rules = {r.region_id: r for r in ProgrammeRules.objects.filter(year=year)}
    provider_counts = sources.certified_providers_per_region()
    voucher_totals = sources.voucher_totals_per_region(year=year)
    districts = [
        {
            "region": region,
            "rules": rules.get(region.id),
            "providers": provider_counts.get(region.id, 0),
            "vouchers": voucher_totals.get(region.id, {}).get("n", 0),
            "issued": voucher_totals.get(region.id, {}).get("face") or 0,
            "redeemed": voucher_totals.get(region.id, {}).get("redeemed") or 0,
        }
        for region in region_list()
    ]
    return render(request, "regions/home.html", {"districts": districts, "year": year})


@require_GET
def how_to_apply(request):
    """The programme's steps for a newcomer, from registering to the provider being paid."""
    return render(request, "regions/how_to_apply.html")


FAVICON = settings.BASE_DIR / "static" / "favicon.svg"


@require_GET
def favicon(request):
    """Browsers and feed readers ask for /favicon.ico whatever the page links: answer it with
    the portal's icon itself (an SVG, which browsers take from this address too)."""
    response = HttpResponse(FAVICON.read_bytes(), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@login_required
def dashboard(request):
    """Send each role to the page that opens on what needs it now."""
    user = request.user
    targets = {
        "enterprise": "enterprise-dashboard",
        "provider": "provider-dashboard",
        "official": "official-dashboard",
        "operator": "operator-dashboard",
        "expert": "expert-assignments",
        "manager": "manager-dashboard",
    }
    target = targets.get(user.role)
    if target:
        return redirect(target)
    return render(request, "regions/dashboard.html", {})


# What a voucher or certificate serial is written with (regions/codes.py), with room to spare.
SERIAL_CHARACTERS = re.compile(r"[A-Za-z0-9-]{1,64}")


def _too_many_checks(request, serial: str):
    """The 429 page when the client has checked THROTTLE_VERIFY serials in its window, else None.

    Serials are sequential with a check digit: unthrottled, anyone could walk through them
    and list every voucher and certificate there is (and whose it is, masked or not)."""
    wait = page_throttle_wait(request, SerialCheckThrottle)
    if wait is None:
        return None
    context = {"serial": serial, "throttled": True, "retry_after": wait}
    return render_throttled(request, "regions/verify.html", context, wait=wait)


@require_GET
def verify_lookup(request):
    """The form's answer. A serial it can send on is checked, and counted, by `verify`: one
    check costs the client one request of its allowance, not two."""
    serial = typed_serial(request.GET.get("serial") or "")
    if SERIAL_CHARACTERS.fullmatch(serial):
        return redirect("verify", serial=serial)
    if serial:
        if refusal := _too_many_checks(request, serial):
            return refusal
        # A "/" or other stray characters cannot be put in the /verify/<serial>/ address,
        # and no serial holds them: answer not found here.
        context = {"serial": serial, "voucher": None, "certificate": None, "found": False}
        return render(request, "regions/verify.html", context, status=404)
    return render(request, "regions/verify.html", {"serial": "", "found": None})


@require_GET
def verify(request, serial):
    """Public check of a voucher or provider certificate serial. A forged serial is 'not found'."""
    serial = typed_serial(serial).upper()
    if refusal := _too_many_checks(request, serial):
        return refusal
    voucher = sources.voucher_by_serial(serial)
    certificate = sources.certificate_by_serial(serial) if voucher is None else None
    found = voucher is not None or certificate is not None
    holder_in_full = voucher is not None and can_read_voucher_holder(request.user, voucher)
    return render(
        request,
        "regions/verify.html",
        {
            "serial": serial,
            "voucher": voucher,
            "holder_in_full": holder_in_full,
            "holder": (
                voucher.enterprise.display_name
                if holder_in_full
                else masked_holder(voucher.enterprise.display_name)
            )
            if voucher is not None
            else "",
            "certificate": certificate,
            "found": found,
            "mistyped": not found and serial_check_digit_is_wrong(serial),
        },
        status=200 if found else 404,
    )


@login_required
def official_dashboard(request):
    """What needs the district official now, the district's budget and its flows."""
    if not request.user.is_official:
        raise PermissionDenied
    region = request.user.region
    data = dashboards.official_dashboard(region=region, official=request.user)
    months = [month_label(m) for m in dashboards.MONTHS]
    data["monthly_chart"] = bar_chart(
        title=_("Vouchers issued and redeemed per month, %(year)s") % {"year": data["year"]},
        labels=months,
        series=[(_("Issued"), data["monthly_issued"]), (_("Redeemed"), data["monthly_redeemed"])],
    )
    data["monthly_rows"] = list(
        zip(months, data["monthly_issued"], data["monthly_redeemed"], strict=True)
    )
    data["brokered_deals"] = brokered_deals(region_id=region.pk)
    return render(request, "regions/official_dashboard.html", {"region": region, **data})


@login_required
def operator_dashboard(request):
    """The four districts side by side, the flow matrix and the settlement batches."""
    if not request.user.is_operator:
        raise PermissionDenied
    data = dashboards.operator_dashboard()
    codes = [r.code for r in data["regions"]]
    names = [r.display_name for r in data["regions"]]
    data["flow_chart"] = flow_matrix(
        title=_(
            "Approved cross-region redemptions so far, settled or not: the voucher's district "
            "(row) to the provider's district (column)"
        ),
        codes=codes,
        names=names,
        amounts=data["flows"],
    )
    data["flow_table"] = [
        {
            "region": r,
            "cells": [data["flows"].get((r.code, c)) if r.code != c else None for c in codes],
        }
        for r in data["regions"]
    ]
    data["brokered_deals"] = brokered_deals()
    return render(request, "regions/operator_dashboard.html", data)


# --- settlement ---------------------------------------------------------------------------


class TransferForm(forms.Form):
    # Required and one line: the service checks it, as the API's.
    payment_reference = forms.CharField(
        label=gettext_lazy("Payment reference"),
        max_length=100,
        required=False,
        error_messages={
            "max_length": gettext_lazy("A payment reference has at most 100 characters.")
        },
    )
    # Ticked after the page said the reference was recorded before: the checkbox carries the
    # reference it confirms, so a reference changed before sending again is checked anew.
    confirm_reused_reference = forms.CharField(max_length=100, required=False)

    def confirms_reused_reference(self) -> bool:
        confirmed = self.cleaned_data.get("confirm_reused_reference") or ""
        typed = self.cleaned_data.get("payment_reference") or ""
        return bool(confirmed) and normalised_reference(confirmed) == normalised_reference(typed)


def _require_operator(request):
    if not can_run_settlement(request.user):
        raise PermissionDenied(_("This page is for the programme operator."))


def _require_viewer(request):
    if not can_view_settlement(request.user):
        raise PermissionDenied(_("This page is for district officials and the operator."))


def _regions():
    return list(Region.objects.order_by("id"))


@login_required
@require_GET
def settlement_home(request):
    """The operator's settlement desk: the latest batch's matrix, what is waiting, history."""
    _require_operator(request)
    batches = Paginator(SettlementBatch.objects.order_by("-id"), 20).get_page(
        request.GET.get("page")
    )
    latest = SettlementBatch.objects.exclude(status=SettlementBatch.Status.OPEN).first()
    # A later batch must not hide an earlier one whose transfers are still to be recorded:
    # the money it names is owed until the operator records each payment.
    unpaid = SettlementBatch.objects.filter(
        status__in=[SettlementBatch.Status.COMPUTED, SettlementBatch.Status.CONFIRMED]
    ).order_by("id")
    context = {
        "page": batches,
        "latest": latest,
        "unpaid": [batch for batch in unpaid if latest is None or batch.pk != latest.pk],
        "unsettled": unsettled_summary(),
        "regions": _regions(),
    }
    if latest is not None:
        context["view"] = batch_view_for(request.user, latest)
        context["matrix"] = gross_matrix(latest, context["regions"])
    return render(request, "settlement/home.html", context)


@login_required
@require_POST
@submitted_once(same_contents=False)  # a double click starts one batch, not a second, empty one
def settlement_run_now(request):
    _require_operator(request)
    if not unsettled_summary()["count"]:
        # A batch of nothing would stand as the latest, closed, above one still unpaid.
        messages.info(request, _("No approved cross-region redemption waits for settlement."))
        return redirect("settlement-home")
    batch, ok = run_service(
        request,
        settlement_batch_create,
        success=_("Settlement batch started; the workers are claiming its redemptions."),
        actor=request.user,
    )
    if ok:
        return redirect("settlement-batch", pk=batch.pk)
    return redirect("settlement-home")


@login_required
@require_GET
def settlement_batch(request, pk):
    if is_htmx(request):
        return settlement_batch_progress(request, pk)
    _require_viewer(request)
    batch = get_object_or_404(batches_visible_to(request.user), pk=pk)
    return _batch_page(request, batch)


def _batch_page(request, batch, *, refused=None, form=None, ask_reuse=False, status=200):
    """The batch page; after a refused transfer, `refused` is that transfer's id and `form`
    what was typed, with the refusal beside it (and, for a reference recorded before, the
    box that records it anyway)."""
    view = batch_view_for(request.user, batch)
    regions = _regions()
    # The redemptions the batch settled, as far as the reader may see them (an official: those
    # of its district, either side), oldest approval first, a page at a time.
    redemptions = page_of(
        request,
        redemption_selectors.redemptions_visible_to(request.user)
        .filter(settlement_item__batch=batch)
        .order_by("decided_at", "id"),
    )
    return render(
        request,
        "settlement/batch.html",
        {
            "batch": batch,
            "redemptions": redemptions,
            "query": query_without_page(request),
            "view": view,
            "regions": regions if request.user.is_operator else [request.user.region],
            "matrix": gross_matrix(batch, regions) if request.user.is_operator else None,
            "audit_entries": audit_trail_for(batch) if request.user.is_operator else [],
            "form": form,
            "refused_transfer": refused,
            "ask_reuse": ask_reuse,
            **_progress(batch),
        },
        status=status,
    )


def _progress(batch) -> dict:
    """claimed / (claimed + still to claim): the eligible total is counted, not stored."""
    expected = batch.claimed_count + batch_remaining(batch)
    percent = min(100, batch.claimed_count * 100 // expected) if expected else 0
    return {"expected": expected, "percent": percent, "stalled": batch_is_stalled(batch)}


@login_required
@require_POST
def settlement_resume(request, pk):
    """The operator's button on a stalled batch: queue what is left of it now."""
    _require_operator(request)
    batch = get_object_or_404(SettlementBatch, pk=pk)
    run_service(
        request,
        settlement_batch_resume,
        success=_("The batch is resumed; the workers are claiming what is left of it."),
        batch_id=batch.pk,
        actor=request.user,
    )
    return redirect("settlement-batch", pk=batch.pk)


@login_required
@require_GET
def settlement_batch_progress(request, pk):
    """The progress bar alone, polled by htmx every 2 s while the batch is open. Once the
    batch is computed the answer carries no poll (so polling stops) and asks htmx to reload
    the page, which then shows the matrix, positions and transfers."""
    _require_viewer(request)
    batch = get_object_or_404(batches_visible_to(request.user), pk=pk)
    response = render(
        request, "settlement/partials/progress.html", {"batch": batch, **_progress(batch)}
    )
    if is_htmx(request) and batch.status != SettlementBatch.Status.OPEN:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def settlement_confirm_transfer(request, pk, transfer_id):
    _require_operator(request)
    batch = get_object_or_404(SettlementBatch, pk=pk)
    transfer = get_object_or_404(
        batch.transfers.select_related("from_region", "to_region"), pk=transfer_id
    )
    form = TransferForm(request.POST)
    if not form.is_valid():
        return _batch_page(request, batch, refused=transfer.pk, form=form, status=400)
    try:
        settlement_transfer_confirm(
            batch_id=batch.pk,
            from_region=transfer.from_region.code,
            to_region=transfer.to_region.code,
            payment_reference=form.cleaned_data["payment_reference"],
            confirm_reused_reference=form.confirms_reused_reference(),
            actor=request.user,
        )
    except ApplicationError as error:
        if error.field not in form.fields:
            # The batch moved on (recorded meanwhile, another tab): the page shows it now.
            messages.error(request, error.message)
            return redirect("settlement-batch", pk=batch.pk)
        # The reference refused (empty, two lines, recorded before): beside what was typed,
        # which a redirect would lose, with the refusal's own status.
        add_service_error(request, error, form)
        return _batch_page(
            request,
            batch,
            refused=transfer.pk,
            form=form,
            ask_reuse=error.code == ReferenceRecordedBefore.code,
            status=error.status,
        )
    messages.success(request, _("The transfer is recorded."))
    return redirect("settlement-batch", pk=batch.pk)


@login_required
@require_GET
def settlement_statements(request):
    """An official's statements: one per batch for its district, CSV and PDF."""
    _require_viewer(request)
    region = request.user.region if request.user.is_official else None
    page = Paginator(
        SettlementBatch.objects.exclude(status=SettlementBatch.Status.OPEN).order_by("-id"), 20
    ).get_page(request.GET.get("page"))
    positions = {}
    if region is not None:
        positions = dict(
            SettlementNetPosition.objects.filter(
                region=region, batch__in=[b.pk for b in page]
            ).values_list("batch_id", "amount")
        )
    rows = [{"batch": b, "position": positions.get(b.pk)} for b in page]
    return render(
        request,
        "settlement/statements.html",
        {
            "page": page,
            "rows": rows,
            "region": region,
            "regions": _regions(),
            # What the next batch would settle: the statements list only what batches did.
            "unsettled": unsettled_of_region(region) if region is not None else None,
        },
    )


@login_required
@require_GET
def settlement_statement(request, pk, code, fmt):
    _require_viewer(request)
    batch = get_object_or_404(batches_visible_to(request.user), pk=pk)
    region = Region.objects.filter(code=code.upper()).first()
    if region is None or not can_view_statement(request.user, region):
        raise Http404
    if batch.status == SettlementBatch.Status.OPEN:
        raise Http404
    return statement_response(batch, region, fmt)


@login_required
@require_GET
def reconciliation_reports(request):
    _require_operator(request)
    page = Paginator(ReconciliationReport.objects.order_by("-ran_at", "-id"), 20).get_page(
        request.GET.get("page")
    )
    # What each report counted, named in the reader's language (the report keeps its keys).
    labels = {
        "vouchers": _("vouchers"),
        "journal_lines": _("journal lines"),
        "rules": _("programme rules"),
        "batches": _("settlement batches"),
    }
    for report in page.object_list:
        report.checked_rows = [(labels.get(k, k), v) for k, v in (report.checked or {}).items()]
    return render(
        request,
        "settlement/reconciliation.html",
        {"page": page, "file_checks": sources.file_integrity_checks()},
    )


@login_required
@require_POST
def reconciliation_run_now(request):
    _require_operator(request)
    report = reconciliation_run()
    if report.ok:
        messages.success(request, _("Reconciliation found no breach."))
    else:
        messages.error(
            request,
            ngettext(
                "Reconciliation found %(n)s breach; the operators are e-mailed.",
                "Reconciliation found %(n)s breaches; the operators are e-mailed.",
                len(report.breaches),
            )
            % {"n": len(report.breaches)},
        )
    return redirect("reconciliation-reports")
