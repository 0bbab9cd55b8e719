"""Settlement's pages: the operator's matrix, batches and transfers; the districts'
statements; the reconciliation reports."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from portal.errors import ApplicationError
from portal.submissions import submitted_once
from portal.views import (
    add_service_error,
    is_htmx,
    page_of,
    query_without_page,
    run_service,
)
from regions import sources
from regions.exports import statement_response
from regions.models import (
    ReconciliationReport,
    Region,
    SettlementBatch,
    SettlementNetPosition,
)
from regions.permissions import can_run_settlement, can_view_settlement, can_view_statement
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
    settlement_batch_create,
    settlement_batch_resume,
)
from regions.settlement.transfers import ReferenceRecordedBefore, settlement_transfer_confirm
from vouchers import selectors as redemption_selectors


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
