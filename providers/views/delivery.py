"""Delivery of a service order: the provider logs the completed service with its evidence,
either party downloads the evidence, and the issuing district's official decides a dispute
from the list of disputed orders it watches."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.files import private_file_response
from portal.views import (
    page_of,
    query_without_page,
    run_service_with_status,
)
from providers import permissions, selectors, services
from providers.forms import (
    CompletionForm,
    DisputeDecisionForm,
)
from providers.models import ServiceOrder
from providers.views.orders import _order_form_action, _visible_order


@login_required
@require_POST
def order_resolve_dispute(request, pk):
    """The issuing district's official decides a disputed order (uphold or cancel)."""
    return _order_form_action(
        request, pk, form_class=DisputeDecisionForm, prefix="resolve",
        service=services.order_resolve_dispute,
        success=_("The dispute is decided; both parties are told."),
    )  # fmt: skip


# Why the completion of an order past delivery cannot be logged, in the words of its state.
# The page said "it must be accepted (or disputed) first" to every order it refused, and sent
# providers to accept orders long confirmed; that advice is now for a requested order only.
NOTHING_TO_LOG = {
    ServiceOrder.Status.COMPLETED: gettext_lazy(
        "The completion of this order is already logged: it is waiting for the enterprise "
        "to confirm delivery."
    ),
    ServiceOrder.Status.CONFIRMED: gettext_lazy(
        "Delivery of this order is already confirmed: there is nothing to log."
    ),
    ServiceOrder.Status.DECLINED: gettext_lazy("This order was declined: there is nothing to log."),
    ServiceOrder.Status.CANCELLED: gettext_lazy(
        "This order was cancelled: there is nothing to log."
    ),
}
CLAIMED_NOTHING_TO_LOG = gettext_lazy(
    "Delivery of this order is confirmed and its voucher is claimed: there is nothing to log."
)


def _nothing_to_log(order: ServiceOrder) -> str:
    """What the completion page says instead of its form for an order past delivery or
    whose booked instrument time has not ended; empty for an order still to be completed or
    still waiting to be accepted."""
    if order.status == ServiceOrder.Status.CONFIRMED and selectors.has_live_claim(order):
        return CLAIMED_NOTHING_TO_LOG
    if order.status in (ServiceOrder.Status.ACCEPTED, ServiceOrder.Status.DISPUTED):
        return selectors.booked_time_not_over(order)
    return NOTHING_TO_LOG.get(order.status, "")


@login_required
@require_http_methods(["GET", "POST"])
def order_complete(request, pk):
    order = _visible_order(request, pk)
    if not permissions.is_order_provider(request.user, order):
        raise PermissionDenied
    form = CompletionForm(request.POST or None, request.FILES or None)
    status = 200
    may_complete = permissions.can_complete_order(
        request.user, order
    ) and not selectors.booked_time_not_over(order)
    if request.method == "POST" and not may_complete:
        # Refused for the order's state whatever was typed: the page shows no form whose
        # errors could be read, only what state the order is in (409, as the service says).
        status = 409
    elif request.method == "POST":
        if form.is_valid():
            _order, status = run_service_with_status(
                request,
                services.order_complete,
                form=form,
                success=_("The completed service is logged."),
                order=order,
                actor=request.user,
                summary=form.cleaned_data["summary"],
                deliverables=form.cleaned_data["deliverables"],
                evidence=form.cleaned_data["evidence"],
            )
            if status is None:
                return redirect("order-detail", pk=order.pk)
            # Refused: the order may have moved meanwhile (confirmed, cancelled), and the
            # page says the state it is in now.
            order.refresh_from_db()
            may_complete = permissions.can_complete_order(request.user, order)
        else:
            status = 400
    return render(
        request,
        "providers/order_complete.html",
        {
            "order": order,
            "form": form,
            "may_complete": may_complete,
            "nothing_to_log": _nothing_to_log(order),
        },
        status=status,
    )


@login_required
@require_GET
def order_evidence(request, pk, file_id):
    order = _visible_order(request, pk)
    if not permissions.can_read_order(request.user, order):
        raise Http404
    evidence = get_object_or_404(order.evidence, pk=file_id)
    return private_file_response(
        evidence.file, filename=evidence.original_name, content_type=evidence.content_type
    )


@login_required
@require_GET
def disputed_orders(request):
    if not request.user.is_official:
        raise PermissionDenied
    page = page_of(request, selectors.disputed_orders_for(request.user).order_by("-completed_at"))
    return render(
        request,
        "providers/disputed.html",
        {"page": page, "query": query_without_page(request)},
    )
