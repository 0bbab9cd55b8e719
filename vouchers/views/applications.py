"""Pages of voucher applications: applying, withdrawing, the officials' review queue and
their decisions (inline with htmx, or plain POSTs)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.files import private_file_response
from portal.submissions import submitted_once
from portal.templatetags.portal import cny
from portal.views import answer_decision, form_status, page_of, run_service
from providers.selectors import expert_reviews
from regions.selectors import call_window_refusal, current_year, rules_for
from regions.services import audit_trail_for
from vouchers import permissions, selectors, services
from vouchers.forms import (
    ApplicationForm,
    ApproveForm,
    QueueFilterForm,
    RejectForm,
)
from vouchers.models import VoucherApplication
from vouchers.views import PAGE_SIZE, require_enterprise, require_official


@login_required
@require_http_methods(["GET", "POST"])
@submitted_once
def application_create(request):
    require_enterprise(request)
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
    window_refusal = call_window_refusal(enterprise.region_id)
    cap_used = remaining is not None and remaining <= 0
    return render(
        request,
        "vouchers/application_form.html",
        {
            "form": form,
            "enterprise": enterprise,
            "rules": rules,
            "remaining": remaining,
            # Said before the enterprise fills the form in, not after it sends it; and no
            # form to fill in when sending it could only be refused.
            "call_window_refusal": window_refusal,
            "cap_used": cap_used,
            "may_apply": enterprise.is_verified and not window_refusal and not cap_used,
        },
        status=form_status(form),
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
    }
    if user.is_official or user.is_operator:
        context.update(selectors.applicant_history(application))
        context["reviews"] = expert_reviews(user, application=application)
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


AWAITING_SECOND = gettext_lazy(
    "First approval recorded: another official of the district must approve too."
)
FIRST_AMOUNT_CHANGED = gettext_lazy(
    "Your first approval is now for %(amount)s: another official of the district must "
    "approve that amount."
)


def _decide(request, pk, *, form_class, service, arguments, success):
    """Approve or reject: plain POST redirects back; htmx gets the queue row re-rendered."""
    application = get_object_or_404(selectors.applications_visible_to(request.user), pk=pk)
    if not permissions.can_decide_application(request.user, application):
        raise PermissionDenied
    form = form_class(request.POST)
    if form.is_valid():
        result, ok = run_service(
            request,
            service,
            form=form,
            application=application,
            actor=request.user,
            **arguments(form.cleaned_data),
        )
        if ok and callable(success):
            success = success(result, application=application, actor=request.user, form=form)
    return answer_decision(
        request,
        form,
        success=str(success) if not callable(success) else "",
        row_template="vouchers/partials/queue_row.html",
        row=lambda: {
            "application": selectors.applications_visible_to(request.user).get(pk=pk),
            "next": request.POST.get("next", ""),
        },
        fallback=reverse("application-detail", args=[pk]),
        subject=_("Application #%(id)s") % {"id": pk},
    )


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
        success=_approved,
    )


def _approved(voucher, *, application, actor, form) -> str:
    """What the official is told: the voucher issued, or (four eyes, no voucher yet) a first
    approval recorded, or the official's own first approval changed to another amount."""
    if voucher is not None:
        return _("Approved; the voucher was issued.")
    # `application` is the row as it was before this approval.
    if application.first_approved_by_id == actor.pk:
        return FIRST_AMOUNT_CHANGED % {"amount": cny(form.cleaned_data["approved_amount"])}
    return AWAITING_SECOND


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
    require_official(request, operator_too=True)
    query = request.GET.copy()
    query.pop("page", None)
    if not query:
        # The queue opens on what needs deciding; page links keep that filter.
        query["status"] = VoucherApplication.Status.SUBMITTED
    filters = QueueFilterForm(query)
    # A filter the form cannot read shows its error and no rows: the whole queue under an
    # error read as if the filter had applied.
    valid = filters.is_valid()
    queryset = selectors.application_queue(
        request.user,
        **{k: v for k, v in filters.cleaned_data.items() if valid and v not in (None, "")},
    )
    if not valid:
        queryset = queryset.none()
    page = page_of(request, queryset, default=PAGE_SIZE)
    return render(
        request,
        "vouchers/official_queue.html",
        {
            "filters": filters,
            "page": page,
            "applications": page.object_list,
            "query": query.urlencode(),
            "industries": selectors.industries_of(request.user),
        },
        status=200 if valid else 400,
    )
