"""Service orders on both sides: the list, ordering, the order page and its actions (completion
and disputes are in `delivery`, the contract, invoice and own share in `documents`).

The order pages answer a refused action with the refusal's own status beside the form
(`run_service_with_status`). The order's actions also answer htmx row swaps with the refusal
inside the row, so `order_action` catches the domain error itself and shows it with
`add_service_error`, the helper `run_service` uses."""

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.errors import ApplicationError, NotAllowed
from portal.submissions import submitted_once
from portal.views import (
    add_service_error,
    is_htmx,
    next_or,
    page_of,
    query_without_page,
    run_service_with_status,
)
from providers import permissions, selectors, services
from providers.forms import (
    CancelForm,
    CompletionForm,
    DeclineForm,
    DisputeDecisionForm,
    DisputeForm,
    DocumentForm,
    OrderForm,
    OwnShareForm,
    ProviderCancelForm,
    RatingForm,
)
from providers.models import Provider, ServiceOrder
from providers.services.orders import relation_refusal
from regions.models import AuditEntry
from regions.services import audit_trail_for
from vouchers.selectors import (
    OWN_SHARE_COVERS_CONTRACT,
    confirmed_own_share_amount,
    contract_rest,
    no_claim_reason,
)
from vouchers.services.related_parties import is_related_party

NEXT_STEPS = {
    "enterprise": {
        "requested": gettext_lazy("Waiting for the provider to accept"),
        "accepted": gettext_lazy("The provider is delivering"),
        "completed": gettext_lazy("Confirm delivery or dispute it"),
        "disputed": gettext_lazy("Waiting for the provider to answer the dispute"),
        "confirmed": gettext_lazy("Done; the provider claims the voucher"),
        "declined": gettext_lazy("Closed"),
        "cancelled": gettext_lazy("Closed"),
    },
    "provider": {
        "requested": gettext_lazy("Accept or decline"),
        "accepted": gettext_lazy("Log the completed service"),
        "completed": gettext_lazy("Waiting for the enterprise to confirm"),
        "disputed": gettext_lazy("Disputed: log completion again"),
        "confirmed": gettext_lazy("Claim the voucher"),
        "declined": gettext_lazy("Closed"),
        "cancelled": gettext_lazy("Closed"),
    },
}
NOTHING_LEFT_TO_CLAIM = gettext_lazy(
    "Nothing is left on the voucher: its balance is held by claims waiting for the official. "
    "A claim is possible if one of them is rejected."
)
VOUCHER_USED_UP = gettext_lazy(
    "No claim: the voucher is used up, and no claim on it is pending whose rejection could "
    "give some back."
)
# Officials, the operator and a broker follow an order: whose move it is (the status again,
# as the column beside it already says, told them nothing).
NEXT_STEPS_OF_OBSERVERS = {
    "requested": NEXT_STEPS["enterprise"]["requested"],
    "accepted": NEXT_STEPS["enterprise"]["accepted"],
    "completed": NEXT_STEPS["provider"]["completed"],
    "disputed": NEXT_STEPS["enterprise"]["disputed"],
    "confirmed": NEXT_STEPS["enterprise"]["confirmed"],
    "declined": NEXT_STEPS["enterprise"]["declined"],
    "cancelled": NEXT_STEPS["enterprise"]["cancelled"],
}


# A confirmed order's claim, once made, is what everyone waits for next: "Claim the voucher"
# stood beside orders long paid.
CLAIM_STEPS = {
    "pending": gettext_lazy("Claimed: waiting for the issuing district's decision"),
    "approved": gettext_lazy("Claim approved: waiting for the provider's district to pay"),
    "paid": gettext_lazy("Paid: nothing left to do"),
}
DECIDE_THE_DISPUTE = gettext_lazy(
    "Decide the dispute: uphold it (the provider completes the service again) or cancel the order"
)
NO_CLAIM_RELATED = gettext_lazy(
    "No claim: the enterprise and the provider are recorded as related parties"
)
# The enterprise (and whoever follows the order) once read "Done; the provider claims the
# voucher" beside orders the provider's page said no claim was possible for.
DONE_WITHOUT_CLAIM = gettext_lazy("Done. %(reason)s")
# A confirmed order's claim waits for its paperwork: "Done; the provider claims the voucher"
# told the enterprise it was done while the claim waited for its own share.
RECORD_YOUR_OWN_SHARE = gettext_lazy(
    "Record your payment of your own share: the provider's claim waits for it"
)
PAPERWORK_BEFORE_CLAIM = gettext_lazy("Before the claim: %(missing)s")
UNREAD = object()


def next_step(
    user, order: ServiceOrder, *, claim_status=UNREAD, related_party=UNREAD, no_claim=UNREAD
) -> str:
    """Whose move the order waits for, in the words of `user`'s role. `claim_status` (the
    status of the order's live claim, None without one), `related_party` (the parties are
    recorded as related) and `no_claim` (`vouchers.selectors.no_claim_reason`: why a claim
    would be nothing whatever the balance) when the caller already knows them; otherwise
    they are read when the order is confirmed. A list, which gives `related_party` from its
    annotation, reads no amounts per row: without `no_claim` it is left to the order's page.

    When no claim is possible the provider reads why; everyone else reads that the order is
    done and why no claim follows, not that the provider claims the voucher."""
    if order.status == ServiceOrder.Status.DISPUTED and permissions.can_resolve_dispute(
        user, order
    ):
        return DECIDE_THE_DISPUTE
    steps = NEXT_STEPS.get(user.role, NEXT_STEPS_OF_OBSERVERS)
    if order.status != ServiceOrder.Status.CONFIRMED:
        return steps.get(order.status, "")
    if claim_status is UNREAD:
        claim_status = selectors.claim_status_of(order)
    if claim_status:
        return CLAIM_STEPS[claim_status]
    if no_claim is UNREAD and related_party is not UNREAD:
        no_claim = ""  # a list's row: no amounts read per row
    if related_party is UNREAD:
        related_party = is_related_party(
            enterprise_id=order.enterprise_id, provider_id=order.provider_id
        )
    if related_party:
        return NO_CLAIM_RELATED
    if order.voucher.ended:
        return ""  # no claim: the page says why beside the voucher
    if order.voucher.balance <= 0:
        if order.voucher.held <= 0:
            reason = VOUCHER_USED_UP  # spent to the last yuan: nothing can come back
        else:
            reason = NOTHING_LEFT_TO_CLAIM  # the balance is held by other orders' claims
    else:
        reason = no_claim_reason(order) if no_claim is UNREAD else no_claim
    if not reason:
        return _paperwork_step(user, order) or steps[order.status]
    if user.role == "provider":
        return reason
    return DONE_WITHOUT_CLAIM % {"reason": reason}


def _paperwork_step(user, order: ServiceOrder) -> str:
    """What a confirmed order's claim still waits for, "" when nothing: the enterprise's own
    share first (the enterprise records it), then what the provider adds or confirms. Reads
    the list's annotations (`paperwork_annotations`) where it has them, one query otherwise."""
    missing = selectors.paperwork_missing(order)
    if not missing:
        return ""
    if user.role == "enterprise" and not selectors.own_share_recorded(order):
        return str(RECORD_YOUR_OWN_SHARE)
    return PAPERWORK_BEFORE_CLAIM % {"missing": pgettext("list separator", ", ").join(missing)}


@login_required
@require_GET
def order_list(request):
    user = request.user
    orders = selectors.orders_visible_to(user)
    status = request.GET.get("status") or ""
    filter_errors = []
    if status in ServiceOrder.Status.values:
        orders = orders.filter(status=status)
    elif status:
        filter_errors.append(
            _("No order is ever in a state called “%(status)s”.") % {"status": status[:40]}
        )
        orders = orders.none()
        status = ""
    page = page_of(
        request,
        selectors.with_claim_status(orders)
        # Read in the list's one query: an own share covering the contract leaves no claim,
        # and the paperwork a claim still waits for.
        .annotate(
            own_share_amount=confirmed_own_share_amount(), **selectors.paperwork_annotations()
        )
        .order_by("-requested_at", "-id"),
    )
    for order in page.object_list:
        rest = contract_rest(order, order.own_share_amount)
        order.next_step = next_step(
            user,
            order,
            claim_status=order.claim_status,
            related_party=order.related_party,
            no_claim=str(OWN_SHARE_COVERS_CONTRACT) if rest is not None and rest <= 0 else "",
        )
    context = {"page": page, "query": query_without_page(request), "filter_errors": filter_errors}
    return render(
        request,
        "providers/orders.html",
        context | _order_tabs(user, status),
        status=400 if filter_errors else 200,
    )


def _order_tabs(user, status: str) -> dict:
    """The list's state tabs with their counts, `status` the one shown."""
    orders = selectors.orders_visible_to(user)
    counts = dict(orders.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    tabs = [
        {"value": value, "label": label, "count": counts.get(value, 0)}
        for value, label in ServiceOrder.Status.choices
    ]
    return {"tabs": tabs, "status": status, "total": sum(counts.values())}


def _order_initial(provider, offerings, offering_id) -> dict:
    """The order form as it opens: for a service chosen on the provider's page, its title and
    reference price (the form opened on the service with both fields empty)."""
    initial = {"provider": provider.pk}
    chosen = next((o for o in offerings if str(o.pk) == str(offering_id)), None)
    if chosen is not None:
        initial.update(offering=chosen.pk, title=chosen.title)
        if chosen.indicative_price is not None:
            initial["contract_amount"] = chosen.indicative_price
    return initial


@login_required
@require_http_methods(["GET", "POST"])
@submitted_once
def order_create(request):
    user = request.user
    if not (user.is_enterprise and user.enterprise_id):
        raise PermissionDenied
    provider_id = request.POST.get("provider") or request.GET.get("provider")
    if not (provider_id and str(provider_id).isdigit()):
        messages.info(request, _("Choose a provider in the directory first."))
        return redirect("provider-directory")
    # Among the providers the enterprise may see, as the API looks them up.
    provider = get_object_or_404(selectors.providers_visible_to(user), pk=provider_id)
    if request.method == "GET" and not provider.takes_orders:
        raise Http404
    vouchers = selectors.enterprise_vouchers(user)
    offerings = list(provider.offerings.filter(active=True).select_related("category"))
    form = OrderForm(
        request.POST or None,
        providers=Provider.objects.filter(pk=provider.pk),
        vouchers=vouchers,
        offerings=provider.offerings.filter(pk__in=[o.pk for o in offerings]),
        initial=_order_initial(provider, offerings, request.GET.get("offering")),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            order, status = run_service_with_status(
                request,
                services.order_create,
                form=form,
                success=_("Your order is sent to the provider."),
                actor=user,
                provider=provider,
                voucher=form.cleaned_data["voucher"],
                offering=form.cleaned_data["offering"],
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                contract_amount=form.cleaned_data["contract_amount"],
            )
            if status is None:
                return redirect("order-detail", pk=order.pk)
        else:
            status = 400
    has_active = any(v.status == "active" for v in vouchers)
    # Said before the form is filled in: the order could only be refused.
    refusal = relation_refusal(user.enterprise, provider)
    return render(
        request,
        "providers/order_form.html",
        {
            "form": form,
            "provider": provider,
            "refusal": refusal.message if refusal is not None else "",
            "has_active_voucher": has_active,
            "voucher_terms": selectors.voucher_terms(v for v in vouchers if v.status == "active"),
            # What choosing a service fills in (static/js/portal.js, `data-fills-from`).
            "offering_details": {
                str(o.pk): {
                    "title": o.title,
                    "price": "" if o.indicative_price is None else str(o.indicative_price),
                }
                for o in offerings
            },
        },
        status=status,
    )


# Risk flags are the officials' (providers.services.risk.risk_flags_visible_to): the parties'
# history of the order leaves them out; it told an enterprise "flagged: suspected contract
# splitting" with nothing it could do.
RISK_ACTIONS = (AuditEntry.Action.FLAG, AuditEntry.Action.CLEAR)


def _history_for(user, order):
    entries = audit_trail_for(order)
    if user.is_official or user.is_operator:
        return entries
    return entries.exclude(action__in=RISK_ACTIONS)


def _render_order(
    request, order, *, forms=None, status=200, template="providers/order_detail.html"
):
    user = request.user
    forms = forms or {}
    paperwork = selectors.order_paperwork(order)
    payment = paperwork["own_share"]
    claim_status = selectors.claim_status_of(order)
    claimed = claim_status is not None
    context = {
        "order": order,
        "evidence": selectors.order_evidence(order),
        "paperwork": paperwork,
        "voucher_share": selectors.voucher_share_of(order, claimed=claimed),
        "document_form": forms.get("document")
        or DocumentForm(prefix="document", invoices=permissions.is_order_provider(user, order)),
        "own_share_form": forms.get("own_share")
        or OwnShareForm(
            prefix="own_share",
            initial={
                "amount": payment.amount if payment else selectors.own_share_due(order),
                "payment_reference": payment.payment_reference if payment else "",
            },
        ),
        "audit_entries": _history_for(user, order),
        "next_step": next_step(user, order, claim_status=claim_status),
        "may": {
            "accept": permissions.can_accept_order(user, order),
            "decline": permissions.can_decline_order(user, order),
            "complete": permissions.can_complete_order(user, order),
            "confirm": permissions.can_confirm_order(user, order),
            "dispute": permissions.can_dispute_order(user, order),
            "cancel": permissions.can_cancel_order(user, order),
            "resolve": permissions.can_resolve_dispute(user, order),
            "rate": permissions.can_rate_order(user, order),
            # Not while a claim stands on the papers (the service refuses it, 409).
            "upload": permissions.can_upload_order_documents(user, order) and not claimed,
            # The invoice: its issuer, the provider (the enterprise's form takes the contract).
            "upload_invoice": permissions.is_order_provider(user, order),
            "record_own_share": permissions.can_record_own_share(user, order, payment),
            "confirm_own_share": permissions.can_confirm_own_share(user, order, payment),
        },
        "rating": getattr(order, "rating", None),
        "rating_form": forms.get("rate") or RatingForm(prefix="rate"),
        "resolve_form": forms.get("resolve") or DisputeDecisionForm(prefix="resolve"),
        "decline_form": forms.get("decline") or DeclineForm(prefix="decline"),
        "dispute_form": forms.get("dispute") or DisputeForm(prefix="dispute"),
        "cancel_form": forms.get("cancel")
        or (
            ProviderCancelForm(prefix="cancel")
            if permissions.is_order_provider(user, order)
            else CancelForm(prefix="cancel")
        ),
        "completion_form": forms.get("complete") or CompletionForm(),
    }
    return render(request, template, context, status=status)


def _visible_order(request, pk) -> ServiceOrder:
    return get_object_or_404(selectors.orders_visible_to(request.user), pk=pk)


@login_required
@require_GET
def order_detail(request, pk):
    return _render_order(request, _visible_order(request, pk))


ORDER_ACTIONS = {
    "accept": (services.order_accept, None, gettext_lazy("You accepted the order.")),
    "decline": (services.order_decline, "decline", gettext_lazy("You declined the order.")),
    "confirm": (services.order_confirm, None, gettext_lazy("You confirmed delivery.")),
    "dispute": (services.order_dispute, "dispute", gettext_lazy("The delivery is disputed.")),
    "cancel": (services.order_cancel, "cancel", gettext_lazy("The order is cancelled.")),
}
# Each action with a reason has a form of its own, whose label says what the reason is for.
REASON_FORMS = {"decline": DeclineForm, "dispute": DisputeForm, "cancel": CancelForm}


@login_required
@require_POST
def order_action(request, pk, action):
    if action not in ORDER_ACTIONS:
        raise Http404
    order = _visible_order(request, pk)
    service, prefix, success = ORDER_ACTIONS[action]
    kwargs = {"order": order, "actor": request.user}
    form = None
    inline_row = is_htmx(request) and request.POST.get("row")
    if prefix:
        form = REASON_FORMS[prefix](request.POST, prefix=prefix)
        if not form.is_valid():
            # An invalid reason (too long) refuses the action: it never goes on without it.
            if inline_row:
                return _order_row(request, pk, error=form.errors["reason"][0])
            return _render_order(
                request, order, forms={prefix: form}, status=200 if is_htmx(request) else 400
            )
        kwargs["reason"] = form.cleaned_data["reason"]
    try:
        service(**kwargs)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except ApplicationError as error:
        if inline_row:
            return _order_row(request, pk, error=error.message)
        if form is not None and error.field in form.fields:
            add_service_error(request, error, form)
        else:
            # Not about the reason typed (the order moved on in another tab, say): the form
            # may no longer be shown, so the page says it at the top.
            messages.error(request, error.message)
        order.refresh_from_db()
        # htmx swaps only 2xx answers: the page with the error beside its field is one.
        status = 200 if is_htmx(request) else error.status
        return _render_order(request, order, forms={prefix: form}, status=status)
    if inline_row:
        return _order_row(request, pk, success=success)
    messages.success(request, success)
    return redirect(next_or(request, reverse("order-detail", args=[order.pk])))


def _order_row(request, pk, *, error=None, success=None):
    """A list row's inline accept/decline answered to htmx: the row again, with the outcome.
    Without JavaScript the same forms post normally and come back to `next` with a message."""
    order = _visible_order(request, pk)
    order.next_step = next_step(request.user, order)
    back = request.POST.get("next", "")
    context = {
        "order": order,
        "row_error": error,
        "row_success": None if error else success,
        "next": back,
        "show_next": bool(request.POST.get("show_next")),
    }
    if urlsplit(back).path == reverse("order-list"):
        # The list's tabs count the orders by state: the accepted or declined one moved (or,
        # refused, had moved meanwhile), so they come along out of band and the list never
        # says "Requested (2)" beside one.
        status = QueryDict(urlsplit(back).query).get("status") or ""
        context |= _order_tabs(request.user, status if status in ServiceOrder.Status.values else "")
        context["tabs_out_of_band"] = True
    return render(request, "providers/partials/order_row.html", context)


def _order_form_action(request, pk, *, form_class, prefix: str, service, success: str):
    """Post a form of the order page to `service(order, actor, **cleaned_data)`: back to the
    order on success, else the page again with the form's errors and the refusal's status."""
    order = _visible_order(request, pk)
    form = form_class(request.POST, prefix=prefix)
    if not form.is_valid():
        return _render_order(request, order, forms={prefix: form}, status=400)
    _result, status = run_service_with_status(
        request, service, form=form, success=success, order=order, actor=request.user,
        **form.cleaned_data,
    )  # fmt: skip
    if status is None:
        return redirect("order-detail", pk=order.pk)
    order.refresh_from_db()
    return _render_order(request, order, forms={prefix: form}, status=status)


@login_required
@require_POST
def order_rate(request, pk):
    return _order_form_action(
        request, pk, form_class=RatingForm, prefix="rate", service=services.order_rate,
        success=_("Thank you: your rating is recorded."),
    )  # fmt: skip
