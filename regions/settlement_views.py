"""Pages of settlement: the operator's matrix, batches and transfers; the districts'
statements; the reconciliation reports."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from portal.views import run_service
from regions import settlement
from regions.models import ReconciliationReport, Region, SettlementBatch, SettlementNetPosition
from regions.services import audit_trail_for, reconciliation_run
from regions.settlement_api import statement_response


class TransferForm(forms.Form):
    payment_reference = forms.CharField(
        label=gettext_lazy("Payment reference"), max_length=100, required=False
    )


def _require_operator(request):
    if not settlement.can_run_settlement(request.user):
        raise PermissionDenied(_("This page is for the programme operator."))


def _require_viewer(request):
    if not settlement.can_view_settlement(request.user):
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
    context = {
        "page": batches,
        "latest": latest,
        "unsettled": settlement.unsettled_summary(),
        "regions": _regions(),
    }
    if latest is not None:
        context["view"] = settlement.batch_view_for(request.user, latest)
        context["matrix"] = settlement.gross_matrix(latest, context["regions"])
    return render(request, "settlement/home.html", context)


@login_required
@require_POST
def settlement_run_now(request):
    _require_operator(request)
    batch, ok = run_service(
        request,
        settlement.settlement_batch_create,
        success=_("Settlement batch started; the workers are claiming its redemptions."),
        actor=request.user,
    )
    if ok:
        return redirect("settlement-batch", pk=batch.pk)
    return redirect("settlement-home")


@login_required
@require_GET
def settlement_batch(request, pk):
    if request.headers.get("HX-Request") == "true":
        return settlement_batch_progress(request, pk)
    _require_viewer(request)
    batch = get_object_or_404(settlement.batches_visible_to(request.user), pk=pk)
    view = settlement.batch_view_for(request.user, batch)
    regions = _regions()
    return render(
        request,
        "settlement/batch.html",
        {
            "batch": batch,
            "view": view,
            "regions": regions if request.user.is_operator else [request.user.region],
            "matrix": settlement.gross_matrix(batch, regions) if request.user.is_operator else None,
            "audit_entries": audit_trail_for(batch) if request.user.is_operator else [],
            "form": TransferForm(),
            **_progress(batch),
        },
    )


def _progress(batch) -> dict:
    """claimed / (claimed + still to claim): the eligible total is counted, not stored."""
    expected = batch.claimed_count + settlement.batch_remaining(batch)
    percent = min(100, batch.claimed_count * 100 // expected) if expected else 0
    return {"expected": expected, "percent": percent}


@login_required
@require_GET
def settlement_batch_progress(request, pk):
    """The progress bar alone, polled by htmx every 2 s while the batch is open. Once the
    batch is computed the answer carries no poll (so polling stops) and asks htmx to reload
    the page, which then shows the matrix, positions and transfers."""
    _require_viewer(request)
    batch = get_object_or_404(settlement.batches_visible_to(request.user), pk=pk)
    response = render(
        request, "settlement/partials/progress.html", {"batch": batch, **_progress(batch)}
    )
    if request.headers.get("HX-Request") == "true" and batch.status != SettlementBatch.Status.OPEN:
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
    if form.is_valid():
        run_service(
            request,
            settlement.settlement_transfer_confirm,
            success=_("The transfer is recorded."),
            batch_id=batch.pk,
            from_region=transfer.from_region.code,
            to_region=transfer.to_region.code,
            payment_reference=form.cleaned_data["payment_reference"],
            actor=request.user,
        )
    else:
        messages.error(request, _("A payment reference has at most 100 characters."))
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
        {"page": page, "rows": rows, "region": region, "regions": _regions()},
    )


@login_required
@require_GET
def settlement_statement(request, pk, code, fmt):
    _require_viewer(request)
    batch = get_object_or_404(settlement.batches_visible_to(request.user), pk=pk)
    region = Region.objects.filter(code=code.upper()).first()
    if region is None or not settlement.can_view_statement(request.user, region):
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
    return render(request, "settlement/reconciliation.html", {"page": page})


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
            _("Reconciliation found %(n)s breach(es); the operators are e-mailed.")
            % {"n": len(report.breaches)},
        )
    return redirect("reconciliation-reports")
