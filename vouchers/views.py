"""Pages of the voucher story: sign-up, the enterprise's home, applying, the officials'
review queue and decisions, vouchers and their certificates.

Every object is fetched through a scoped selector (outsiders get 404); a role that may never
use a page gets 403. Inline actions answer htmx with a partial and plain POSTs with a redirect.
"""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.errors import ApplicationError
from portal.files import private_file_response
from portal.views import run_service
from regions.selectors import current_year, rules_for
from regions.services import audit_trail_for
from vouchers import permissions, selectors, services
from vouchers.forms import (
    ApplicationForm,
    ApproveForm,
    QueueFilterForm,
    RejectForm,
    RevokeForm,
    SignupForm,
)
from vouchers.models import Voucher, VoucherApplication

PAGE_SIZE = 25


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _next_or(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _require_enterprise(request):
    if not (request.user.is_enterprise and request.user.enterprise_id):
        raise PermissionDenied(_("This page is for enterprise users."))


def _require_official(request, *, operator_too: bool = False):
    if not (request.user.is_official or (operator_too and request.user.is_operator)):
        raise PermissionDenied(_("This page is for district officials."))


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# --- sign-up and the enterprise's home --------------------------------------------------


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
                % {"name": enterprise.name},
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
    _require_enterprise(request)
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


# --- applications -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def application_create(request):
    _require_enterprise(request)
    enterprise = selectors.enterprises_visible_to(request.user).get(pk=request.user.enterprise_id)
    rules = rules_for(region=enterprise.region, year=current_year())
    form = ApplicationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        application, ok = run_service(
            request,
            services.application_submit,
            form=form,
            enterprise=enterprise,
            requested_amount=form.cleaned_data["requested_amount"],
            purpose=form.cleaned_data["purpose"],
            service_category=form.cleaned_data["service_category"],
            attachments=form.cleaned_data["attachments"],
            actor=request.user,
            success=_("Your application was submitted to the district office."),
        )
        if ok:
            return redirect("application-detail", pk=application.pk)
    remaining = (
        selectors.remaining_cap(rules=rules, enterprise_id=enterprise.id, include_pending=True)
        if rules
        else None
    )
    return render(
        request,
        "vouchers/application_form.html",
        {"form": form, "enterprise": enterprise, "rules": rules, "remaining": remaining},
    )


def _application_context(request, application, **extra):
    user = request.user
    context = {
        "application": application,
        "voucher": getattr(application, "voucher", None)
        if application.status == VoucherApplication.Status.APPROVED
        else None,
        "attachments": list(application.attachments.all()),
        "audit_entries": audit_trail_for(application),
        "can_decide": permissions.can_decide_application(user, application)
        and application.status == VoucherApplication.Status.SUBMITTED,
        "can_withdraw": permissions.can_withdraw_application(user, application)
        and application.status == VoucherApplication.Status.SUBMITTED,
        "approve_form": ApproveForm(),
        "reject_form": RejectForm(),
    }
    if user.is_official or user.is_operator:
        context.update(selectors.applicant_history(application))
        rules = rules_for(region=application.region, year=application.year)
        context["rules"] = rules
        if rules:
            context["remaining_cap"] = selectors.remaining_cap(
                rules=rules, enterprise_id=application.enterprise_id
            )
    context.update(extra)
    return context


@login_required
@require_GET
def application_detail(request, pk):
    application = get_object_or_404(selectors.applications_visible_to(request.user), pk=pk)
    return render(
        request, "vouchers/application_detail.html", _application_context(request, application)
    )


@login_required
@require_GET
def application_attachment(request, pk, attachment_id):
    application = get_object_or_404(selectors.applications_visible_to(request.user), pk=pk)
    attachment = get_object_or_404(application.attachments, pk=attachment_id)
    return private_file_response(
        attachment.file, filename=attachment.original_name, content_type=attachment.content_type
    )


@login_required
@require_POST
def application_withdraw(request, pk):
    application = get_object_or_404(selectors.applications_visible_to(request.user), pk=pk)
    if not permissions.can_withdraw_application(request.user, application):
        raise PermissionDenied
    run_service(
        request,
        services.application_withdraw,
        application=application,
        actor=request.user,
        success=_("The application was withdrawn."),
    )
    return redirect("application-detail", pk=pk)


def _decide(request, pk, *, form_class, service, arguments, success):
    """Approve or reject: plain POST redirects back; htmx gets the queue row re-rendered."""
    application = get_object_or_404(selectors.applications_visible_to(request.user), pk=pk)
    if not permissions.can_decide_application(request.user, application):
        raise PermissionDenied
    form = form_class(request.POST)
    error = None
    if form.is_valid():
        try:
            service(application=application, actor=request.user, **arguments(form.cleaned_data))
        except ApplicationError as refused:
            error = refused.message
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    if _is_htmx(request):
        application = selectors.applications_visible_to(request.user).get(pk=pk)
        return render(
            request,
            "vouchers/partials/queue_row.html",
            {
                "application": application,
                "row_error": error,
                "row_success": None if error else success,
                "next": request.POST.get("next", ""),
            },
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, success)
    return redirect(_next_or(request, reverse("application-detail", args=[pk])))


@login_required
@require_POST
def application_approve(request, pk):
    return _decide(
        request,
        pk,
        form_class=ApproveForm,
        service=services.application_approve,
        arguments=lambda data: {
            "approved_amount": data["approved_amount"],
            "note": data["note"],
        },
        success=_("Approved; the voucher was issued."),
    )


@login_required
@require_POST
def application_reject(request, pk):
    return _decide(
        request,
        pk,
        form_class=RejectForm,
        service=services.application_reject,
        arguments=lambda data: {"note": data["note"]},
        success=_("Rejected; the enterprise was told why."),
    )


@login_required
@require_GET
def official_queue(request):
    _require_official(request, operator_too=True)
    query = request.GET.copy()
    query.pop("page", None)
    if not query:
        # The queue opens on what needs deciding; page links keep that filter.
        query["status"] = VoucherApplication.Status.SUBMITTED
    filters = QueueFilterForm(query)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    queryset = selectors.application_queue(
        request.user, **{k: v for k, v in criteria.items() if v not in (None, "")}
    )
    page = _page(request, queryset)
    return render(
        request,
        "vouchers/official_queue.html",
        {
            "filters": filters,
            "page": page,
            "applications": page.object_list,
            "query": query.urlencode(),
            "industries": selectors.industries_of(request.user),
            "approve_form": ApproveForm(),
            "reject_form": RejectForm(),
        },
    )


# --- enterprises to verify --------------------------------------------------------------


@login_required
@require_GET
def enterprises_to_verify(request):
    _require_official(request, operator_too=True)
    page = _page(request, selectors.enterprises_to_verify(request.user))
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
        success=_("%(name)s is verified and may now apply.") % {"name": enterprise.name},
    )
    return redirect(_next_or(request, reverse("enterprises-to-verify")))


# --- vouchers ---------------------------------------------------------------------------


@login_required
@require_GET
def voucher_list(request):
    queryset = selectors.vouchers_visible_to(request.user).order_by("-id")
    status = request.GET.get("status", "")
    if status in Voucher.Status.values:
        queryset = queryset.filter(status=status)
    page = _page(request, queryset)
    return render(
        request,
        "vouchers/voucher_list.html",
        {
            "page": page,
            "vouchers": page.object_list,
            "status": status,
            "statuses": Voucher.Status.choices,
        },
    )


def _voucher_context(request, voucher, **extra):
    return {
        "voucher": voucher,
        "audit_entries": audit_trail_for(voucher),
        "can_revoke": permissions.can_revoke_voucher(request.user, voucher)
        and voucher.status in services.REVOCABLE,
        "can_download": permissions.can_download_certificate(request.user, voucher),
        "revoke_form": RevokeForm(),
        **extra,
    }


@login_required
@require_GET
def voucher_detail(request, serial):
    voucher = get_object_or_404(selectors.vouchers_visible_to(request.user), serial=serial)
    return render(request, "vouchers/voucher_detail.html", _voucher_context(request, voucher))


@login_required
@require_GET
def voucher_certificate(request, serial):
    voucher = get_object_or_404(selectors.vouchers_visible_to(request.user), serial=serial)
    if not permissions.can_download_certificate(request.user, voucher):
        raise PermissionDenied
    if not voucher.certificate_pdf:
        voucher = services.voucher_certificate_generate(voucher_id=voucher.pk)
    return private_file_response(
        voucher.certificate_pdf,
        filename=f"voucher-{voucher.serial}.pdf",
        content_type="application/pdf",
    )


@login_required
@require_POST
def voucher_revoke(request, serial):
    voucher = get_object_or_404(selectors.vouchers_visible_to(request.user), serial=serial)
    if not permissions.can_revoke_voucher(request.user, voucher):
        raise PermissionDenied
    form = RevokeForm(request.POST)
    if form.is_valid():
        _result, ok = run_service(
            request,
            services.voucher_revoke,
            form=form,
            voucher=voucher,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            success=_("The voucher was revoked; its unspent balance went back to the budget."),
        )
        if ok:
            return redirect("voucher-detail", serial=serial)
    return render(
        request,
        "vouchers/voucher_detail.html",
        _voucher_context(request, voucher, revoke_form=form),
        status=400,
    )
