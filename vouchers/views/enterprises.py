"""Pages of enterprises: sign-up, the enterprise's home, correcting its registration, and
verification by the district."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.throttling import signup_refusal
from portal.views import (
    form_status,
    next_or,
    page_of,
    render_throttled,
    run_service,
    run_service_with_status,
)
from providers import selectors as order_selectors
from providers.models import ServiceOrder
from regions.selectors import call_window_refusal, current_year, rules_for
from vouchers import permissions, selectors, services
from vouchers.forms import (
    EnterpriseRegistrationForm,
    RejectionForm,
    SignupForm,
)
from vouchers.models import Voucher, VoucherApplication
from vouchers.services.registration import (
    enterprise_registration_correct,
    registration_corrections,
)
from vouchers.views import PAGE_SIZE, require_enterprise, require_official


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignupForm(request.POST or None)
    refusal = signup_refusal(request) if request.method == "POST" else None
    if refusal is not None:
        wait, message = refusal
        # The entries come back as typed, unchecked (a check would still say whether the
        # address has an account), the passwords left out.
        typed = {
            name: request.POST.get(name, "")
            for name in form.fields
            if name not in ("password1", "password2")
        }
        context = {"form": SignupForm(initial=typed), "throttled": message}
        return render_throttled(request, "vouchers/signup.html", context, wait=wait)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        password = data.pop("password1")
        data.pop("password2")
        result, ok = run_service(
            request, services.enterprise_register, form=form, password=password, **data
        )
        if ok:
            user, enterprise = result
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _(
                    "Welcome! %(name)s is registered. The district office will verify it; "
                    "you may apply for a voucher once it has."
                )
                % {"name": enterprise.display_name},
            )
            return redirect("enterprise-dashboard")
    return render(request, "vouchers/signup.html", {"form": form}, status=form_status(form))


# The order states in which the enterprise has something to do or to wait for, most urgent
# first: an order to confirm is the enterprise's own move; the others wait for the provider.
OPEN_ORDER_STEPS = [
    (ServiceOrder.Status.COMPLETED, "confirm"),
    (ServiceOrder.Status.REQUESTED, "waiting_provider"),
    (ServiceOrder.Status.DISPUTED, "disputed"),
    (ServiceOrder.Status.ACCEPTED, "delivering"),
]


def _next_steps(
    enterprise, *, open_orders, active_vouchers, pending_applications, remaining, closed=None
):
    """What the enterprise should do or expect next, as {"kind": ..., ...} dicts the page words.

    Its orders come first (one step per open order, the ones it must act on before the ones
    waiting for the provider); ordering is offered for an active voucher that no open order
    uses (its confirmed or ended orders do not count: the page says "no open order", not "no
    order"); applying only when nothing else is under way and the yearly cap allows it, or,
    while the district takes no applications (`closed`: why), when they open."""
    if enterprise.is_rejected:
        return []  # the page shows the refusal and the way back instead
    if not enterprise.is_verified:
        return [{"kind": "verify"}]
    steps = []
    for status, kind in OPEN_ORDER_STEPS:
        steps += [{"kind": kind, "order": o} for o in open_orders if o.status == status]
    busy_vouchers = {o.voucher_id for o in open_orders}
    free = [v for v in active_vouchers if v.pk not in busy_vouchers]
    if free:
        steps.append({"kind": "order", "count": len(free)})
    if pending_applications:
        steps.append({"kind": "reviewing", "count": pending_applications})
    if not active_vouchers and not pending_applications and remaining and remaining > 0:
        steps.append({"kind": "apply_closed", "reason": closed} if closed else {"kind": "apply"})
    return steps


@login_required
@require_GET
def enterprise_dashboard(request):
    require_enterprise(request)
    enterprise = selectors.enterprises_visible_to(request.user).get(pk=request.user.enterprise_id)
    applications = list(selectors.applications_visible_to(request.user)[:20])
    all_vouchers = selectors.vouchers_visible_to(request.user)
    vouchers = list(all_vouchers[:20])
    # Counted in the database, not from the 20 rows shown.
    active_vouchers = list(all_vouchers.filter(status=Voucher.Status.ACTIVE))
    open_orders = list(
        order_selectors.orders_visible_to(request.user)
        .filter(status__in=[status for status, _kind in OPEN_ORDER_STEPS])
        .order_by("requested_at", "id")
    )
    pending_applications = (
        selectors.applications_visible_to(request.user)
        .filter(status=VoucherApplication.Status.SUBMITTED)
        .count()
    )
    rules = rules_for(region=enterprise.region, year=current_year())
    remaining = (
        selectors.remaining_cap(rules=rules, enterprise_id=enterprise.id, include_pending=True)
        if rules
        else None
    )
    # Outside its district's calls an application is refused: the dashboard says so and
    # when they open, rather than offer a form that the next page refuses.
    closed = call_window_refusal(enterprise.region_id) if enterprise.is_verified else None
    next_steps = _next_steps(
        enterprise,
        open_orders=open_orders,
        active_vouchers=active_vouchers,
        pending_applications=pending_applications,
        remaining=remaining,
        closed=closed,
    )
    return render(
        request,
        "vouchers/enterprise_dashboard.html",
        {
            "enterprise": enterprise,
            "applications": applications,
            "vouchers": vouchers,
            "voucher_count": all_vouchers.count(),
            "active_voucher_count": len(active_vouchers),
            "rules": rules,
            "remaining": remaining,
            "next_steps": next_steps,
            # Said once: under "Your applications" unless the next steps say it already.
            "applications_closed": closed
            if not any(step["kind"] == "apply_closed" for step in next_steps)
            else None,
            "applications_open": closed is None,
        },
    )


REFUSED_SHOWN = 50


@login_required
@require_GET
def enterprises_to_verify(request):
    require_official(request, operator_too=True)
    page = page_of(request, selectors.enterprises_to_verify(request.user), default=PAGE_SIZE)
    waiting = list(page.object_list)
    # Refused registrations stay findable: the official verifies one after all, or closes it
    # so that its credit code may be registered again.
    refused = list(selectors.enterprises_refused(request.user)[:REFUSED_SHOWN])
    # What each one corrected since its refusal (or its registration): what the official
    # checks first. One query for the page.
    corrections = registration_corrections([*waiting, *refused])
    for enterprise in [*waiting, *refused]:
        enterprise.corrections = corrections[enterprise.pk]
    return render(
        request,
        "vouchers/enterprises_to_verify.html",
        {"page": page, "enterprises": waiting, "refused": refused},
    )


@login_required
@require_POST
def enterprise_verify(request, pk):
    enterprise = get_object_or_404(selectors.enterprises_visible_to(request.user), pk=pk)
    if not permissions.can_verify_enterprise(request.user, enterprise):
        raise PermissionDenied
    run_service(
        request,
        services.enterprise_verify,
        enterprise=enterprise,
        actor=request.user,
        success=_("%(name)s is verified and may now apply.") % {"name": enterprise.display_name},
    )
    return redirect(next_or(request, reverse("enterprises-to-verify")))


@login_required
@require_POST
def enterprise_reject(request, pk):
    enterprise = get_object_or_404(selectors.enterprises_visible_to(request.user), pk=pk)
    if not permissions.can_verify_enterprise(request.user, enterprise):
        raise PermissionDenied
    form = RejectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["reason"]))
        return redirect(next_or(request, reverse("enterprises-to-verify")))
    run_service(
        request,
        services.enterprise_reject,
        enterprise=enterprise,
        actor=request.user,
        reason=form.cleaned_data["reason"],
        success=_("The registration of %(name)s is refused; the enterprise is told why.")
        % {"name": enterprise.display_name},
    )
    return redirect(next_or(request, reverse("enterprises-to-verify")))


@login_required
@require_POST
def enterprise_close(request, pk):
    enterprise = get_object_or_404(selectors.enterprises_visible_to(request.user), pk=pk)
    if not permissions.can_verify_enterprise(request.user, enterprise):
        raise PermissionDenied
    run_service(
        request,
        services.enterprise_close,
        enterprise=enterprise,
        actor=request.user,
        success=_(
            "The registration of %(name)s is closed: its accounts are deactivated and its "
            "credit code may be registered again."
        )
        % {"name": enterprise.display_name},
    )
    return redirect(next_or(request, reverse("enterprise-detail", args=[enterprise.pk])))


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_registration(request):
    """The enterprise corrects what it registered: everything while the district has not
    verified it (refused or waiting), only its contact, industry and size after that."""
    require_enterprise(request)
    enterprise = get_object_or_404(
        selectors.enterprises_visible_to(request.user), pk=request.user.enterprise_id
    )
    form = EnterpriseRegistrationForm(request.POST or None, enterprise=enterprise)
    status = form_status(form)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        edited_from = values.pop("edited_from")
        # A refusal keeps its own status: a colleague's save since is 409.
        _result, status = run_service_with_status(
            request,
            enterprise_registration_correct,
            form=form,
            success=_("The registration details are saved.")
            if not enterprise.is_rejected
            else _(
                "The registration details are saved. When everything the reason names is "
                "corrected, ask for the review again."
            ),
            enterprise=enterprise,
            actor=request.user,
            edited_from=edited_from,
            **values,
        )
        if status is None:
            return redirect("enterprise-registration")
    return render(
        request,
        "vouchers/enterprise_registration.html",
        {"enterprise": enterprise, "form": form},
        status=status,
    )


@login_required
@require_POST
def enterprise_review_again(request):
    if not (request.user.is_enterprise and request.user.enterprise_id):
        raise PermissionDenied
    run_service(
        request,
        services.enterprise_review_again,
        enterprise=request.user.enterprise,
        actor=request.user,
        success=_("Your district is asked to review the registration again."),
    )
    return redirect("dashboard")
