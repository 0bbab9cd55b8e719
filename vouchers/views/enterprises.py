"""Pages of enterprises: sign-up, the enterprise's home, and verification by the district."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.views import next_or, page_of, run_service
from regions.selectors import current_year, rules_for
from vouchers import permissions, selectors, services
from vouchers.forms import (
    SignupForm,
)
from vouchers.models import Voucher, VoucherApplication
from vouchers.views import PAGE_SIZE, require_enterprise, require_official


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignupForm(request.POST or None)
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
    return render(request, "vouchers/signup.html", {"form": form})


def _next_steps(enterprise, applications, vouchers, remaining):
    steps = []
    if not enterprise.is_verified:
        steps.append(
            _("Wait for the district office to verify your enterprise; you may apply after that.")
        )
        return steps
    active = [v for v in vouchers if v.status == Voucher.Status.ACTIVE]
    pending = [a for a in applications if a.status == VoucherApplication.Status.SUBMITTED]
    if active:
        steps.append("order")
    if pending:
        steps.append(_("Your application is being reviewed by the district office."))
    if not active and not pending and remaining and remaining > 0:
        steps.append("apply")
    return steps


@login_required
@require_GET
def enterprise_dashboard(request):
    require_enterprise(request)
    enterprise = selectors.enterprises_visible_to(request.user).get(pk=request.user.enterprise_id)
    applications = list(selectors.applications_visible_to(request.user)[:20])
    vouchers = list(selectors.vouchers_visible_to(request.user)[:20])
    rules = rules_for(region=enterprise.region, year=current_year())
    remaining = (
        selectors.remaining_cap(rules=rules, enterprise_id=enterprise.id, include_pending=True)
        if rules
        else None
    )
    return render(
        request,
        "vouchers/enterprise_dashboard.html",
        {
            "enterprise": enterprise,
            "applications": applications,
            "vouchers": vouchers,
            "rules": rules,
            "remaining": remaining,
            "next_steps": _next_steps(enterprise, applications, vouchers, remaining),
        },
    )


@login_required
@require_GET
def enterprises_to_verify(request):
    require_official(request, operator_too=True)
    page = page_of(request, selectors.enterprises_to_verify(request.user), default=PAGE_SIZE)
    return render(
        request,
        "vouchers/enterprises_to_verify.html",
        {"page": page, "enterprises": page.object_list},
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
