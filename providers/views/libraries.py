"""The expert library and the technology-manager library: the public pages, contacting an
expert, officials assigning experts, experts' assignments and comments, enterprises asking a
manager to broker a demand, and the manager's own page, where the manager introduces providers
to the demands they broker or steps back from one.

Refused actions come back beside their form with the refusal's status (400, 403, 409)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.views import page_of, query_without_page, run_service_with_status, unread_filters
from providers import selectors
from providers.forms import (
    BrokerRequestForm,
    DirectoryFilterForm,
    ExpertAssignForm,
    ExpertCommentForm,
    ExpertContactForm,
    ExpertDeclineForm,
)
from providers.models import Demand, Expert, Provider, ServiceOrder, TechnologyManager
from providers.models.libraries import LISTED
from providers.selectors.libraries import demands_brokered_by
from providers.services import brokering, libraries
from providers.services.library_keeping import can_keep_libraries
from regions.models import User
from regions.services import audit_trail_for


def _library_page(
    request, template: str, library, *, fields=("q", "region", "category"), withdrawn=None
):
    """A library's page filtered by its form; a filter it cannot read lists nothing (400).
    The operator, who keeps the library, also sees its `withdrawn` profiles to list again."""
    form = DirectoryFilterForm(request.GET or None)
    filter_errors = unread_filters(form, fields)
    cleaned = getattr(form, "cleaned_data", {})
    filters = {"search": cleaned.get("q", ""), "region": cleaned.get("region", "")}
    if "category" in fields:
        filters["category"] = cleaned.get("category", "")
    rows = library(**filters)
    may_keep = can_keep_libraries(request.user)
    return render(
        request,
        template,
        {
            "form": form,
            "filter_errors": filter_errors,
            "page": page_of(request, rows.none() if filter_errors else rows),
            "query": query_without_page(request),
            "may_keep": may_keep,
            "withdrawn": withdrawn.order_by("name") if may_keep else [],
        },
        status=400 if filter_errors else 200,
    )


@require_GET
def expert_library(request):
    return _library_page(
        request,
        "providers/experts.html",
        selectors.expert_library,
        withdrawn=Expert.objects.exclude(LISTED),
    )


def _assign_form(request, data=None):
    return ExpertAssignForm(
        data,
        applications=selectors.applications_to_review(request.user),
        demands=selectors.demands_to_advise(request.user),
    )


def _render_expert(request, expert, *, contact_form=None, assign_form=None, status=200):
    user = request.user
    context = {
        "expert": expert,
        "contact_form": contact_form or ExpertContactForm(),
        "may_assign": user.is_authenticated and user.is_official,
        "may_keep": can_keep_libraries(user),
    }
    if context["may_assign"]:
        context["assign_form"] = assign_form or _assign_form(request)
    return render(request, "providers/expert_detail.html", context, status=status)


def _active_expert(pk) -> Expert:
    return get_object_or_404(
        Expert.objects.filter(LISTED)
        .select_related("region", "provider")
        .prefetch_related("categories"),
        pk=pk,
    )


@require_GET
def expert_detail(request, pk):
    return _render_expert(request, _active_expert(pk))


@login_required
@require_POST
def expert_contact(request, pk):
    expert = _active_expert(pk)
    form = ExpertContactForm(request.POST)
    status = 400
    if form.is_valid():
        _result, status = run_service_with_status(
            request,
            libraries.expert_contact,
            form=form,
            success=_("Your message is on its way to the expert."),
            expert=expert,
            actor=request.user,
            message=form.cleaned_data["message"],
        )
        if status is None:
            return redirect("expert-detail", pk=expert.pk)
    return _render_expert(request, expert, contact_form=form, status=status)


@login_required
@require_POST
def expert_assign(request, pk):
    if not request.user.is_official:
        raise PermissionDenied
    expert = _active_expert(pk)
    # Only the district's own files are choices: another district's id is "not found".
    for field, scope in (
        ("application", selectors.applications_to_review),
        ("demand", selectors.demands_to_advise),
    ):
        value = request.POST.get(field) or ""
        if value and not (value.isdigit() and scope(request.user).filter(pk=value).exists()):
            raise Http404
    form = _assign_form(request, request.POST)
    status = 400
    if form.is_valid():
        assignment, status = run_service_with_status(
            request,
            libraries.expert_assign,
            form=form,
            success=_("The expert is assigned and told by e-mail."),
            actor=request.user,
            expert=expert,
            application=form.cleaned_data["application"],
            demand=form.cleaned_data["demand"],
            note=form.cleaned_data["note"],
        )
        if status is None:
            return redirect("expert-assignment-detail", pk=assignment.pk)
    return _render_expert(request, expert, assign_form=form, status=status)


@login_required
@require_GET
def expert_assignments(request):
    """The expert's assignments (their dashboard), or an official's district's."""
    user = request.user
    if not (user.is_official or user.is_operator or user.role == User.Role.EXPERT):
        raise PermissionDenied
    page = page_of(request, selectors.assignments_visible_to(user))
    expert = Expert.objects.filter(user=user).first() if user.role == User.Role.EXPERT else None
    return render(
        request,
        "providers/expert_assignments.html",
        {"page": page, "expert": expert, "query": query_without_page(request)},
    )


def _assignment_page(request, assignment, *, form=None, decline_form=None, status=200):
    """The assignment's page: what was asked, the comments, and for the expert the comment
    form and (before any comment) the decline form."""
    is_the_expert = assignment.expert.user_id == request.user.pk
    review_closed = selectors.review_closed_reason(
        application=assignment.application, demand=assignment.demand
    )
    may_comment = is_the_expert and not review_closed and assignment.declined_at is None
    comments = list(assignment.comments.select_related("author"))
    return render(
        request,
        "providers/expert_assignment.html",
        {
            "assignment": assignment,
            "comments": comments,
            # The proposals the expert advises on (read only).
            "proposals": list(selectors.proposals_visible_to(request.user, assignment.demand))
            if assignment.demand_id
            else [],
            "may_comment": may_comment,
            # Before any comment only: once given, the advice stands.
            "may_decline": may_comment and not comments,
            "review_closed": review_closed,
            "form": form or ExpertCommentForm(),
            "decline_form": decline_form or ExpertDeclineForm(),
            "audit_entries": audit_trail_for(assignment),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def expert_assignment_detail(request, pk):
    assignment = get_object_or_404(selectors.assignments_visible_to(request.user), pk=pk)
    if request.method == "GET":
        return _assignment_page(request, assignment)
    if assignment.expert.user_id != request.user.pk:
        raise PermissionDenied
    form = ExpertCommentForm(request.POST)
    status = 400
    if form.is_valid():
        _comment, status = run_service_with_status(
            request,
            libraries.expert_comment,
            form=form,
            success=_("Your comment is saved; the official is told."),
            actor=request.user,
            assignment=assignment,
            body=form.cleaned_data["body"],
        )
        if status is None:
            return redirect("expert-assignment-detail", pk=assignment.pk)
    return _assignment_page(request, assignment, form=form, status=status)


@login_required
@require_POST
def expert_assignment_decline(request, pk):
    """The assigned expert declines with a reason; back to the assignment."""
    assignment = get_object_or_404(selectors.assignments_visible_to(request.user), pk=pk)
    if assignment.expert.user_id != request.user.pk:
        raise PermissionDenied
    form = ExpertDeclineForm(request.POST)
    status = 400
    if form.is_valid():
        _result, status = run_service_with_status(
            request,
            libraries.expert_assignment_decline,
            form=form,
            success=_("You declined the assignment; the official is told why."),
            actor=request.user,
            assignment=assignment,
            reason=form.cleaned_data["reason"],
        )
        if status is None:
            return redirect("expert-assignment-detail", pk=assignment.pk)
    return _assignment_page(request, assignment, decline_form=form, status=status)


# --- technology managers -------------------------------------------------------------------


@require_GET
def manager_library(request):
    return _library_page(
        request,
        "providers/managers.html",
        selectors.manager_library,
        fields=("q", "region"),
        withdrawn=TechnologyManager.objects.exclude(LISTED),
    )


def _active_manager(pk) -> TechnologyManager:
    return get_object_or_404(
        TechnologyManager.objects.filter(LISTED).prefetch_related("regions_served"), pk=pk
    )


@require_http_methods(["GET", "POST"])
def manager_detail(request, pk):
    """A manager's profile; an enterprise asks the manager here to broker one of its demands."""
    manager = _active_manager(pk)
    user = request.user
    demands = selectors.demands_to_broker(user)
    # Only demands of a district the manager serves are offered: another would be refused.
    servable = demands.filter(region__in=manager.regions_served.all())
    form = BrokerRequestForm(request.POST or None, demands=servable)
    status = 200
    if request.method == "POST":
        if not user.is_authenticated:
            return redirect(f"{_login_url()}?next={request.path}")
        if not user.is_enterprise:
            raise PermissionDenied
        value = request.POST.get("demand") or ""
        if value and not (value.isdigit() and demands.filter(pk=value).exists()):
            raise Http404
        status = 400
        if form.is_valid():
            _demand, status = run_service_with_status(
                request,
                brokering.demand_broker_request,
                form=form,
                success=_("The manager is asked to broker your demand and told by e-mail."),
                actor=user,
                demand=form.cleaned_data["demand"],
                manager=manager,
            )
            if status is None:
                return redirect("manager-detail", pk=manager.pk)
    return render(
        request,
        "providers/manager_detail.html",
        {
            "manager": manager,
            "form": form,
            "may_ask": user.is_authenticated and user.is_enterprise,
            "may_keep": can_keep_libraries(user),
            "has_demands": servable.exists(),
            "has_other_demands": demands.exists(),
            "deals": ServiceOrder.objects.filter(technology_manager=manager)
            .exclude(status__in=[ServiceOrder.Status.CANCELLED, ServiceOrder.Status.DECLINED])
            .count(),
        },
        status=status,
    )


def _login_url() -> str:
    from django.conf import settings
    from django.shortcuts import resolve_url

    return resolve_url(settings.LOGIN_URL)


def _manager_dashboard_page(request, *, status=200, typed=None):
    """The manager's demands (for each open one: the providers to introduce, the
    introductions made, stepping back) and the orders they brokered. `typed`: what a refused
    form held, shown again beside its demand."""
    manager = selectors.manager_of(request.user)
    demands, orders = [], []
    if manager is not None:
        demands = demands_brokered_by(manager)
        orders = list(
            ServiceOrder.objects.filter(technology_manager=manager)
            .select_related("enterprise", "provider", "proposal")
            .order_by("-requested_at", "-id")[:50]
        )
    return render(
        request,
        "providers/manager_dashboard.html",
        {
            "manager": manager,
            "demands": demands,
            "orders": orders,
            "typed": typed or {},
            "note_max": libraries.NOTE_MAX,
        },
        status=status,
    )


@login_required
@require_GET
def manager_dashboard(request):
    """The manager's demands to broker and the orders they brokered."""
    if request.user.role != User.Role.MANAGER:
        raise PermissionDenied
    return _manager_dashboard_page(request)


def _brokering_demand(request, pk) -> Demand:
    """A demand the manager may see (404 beyond); whether they broker it is the service's
    question (403), as in the API."""
    if request.user.role != User.Role.MANAGER:
        raise PermissionDenied
    return get_object_or_404(selectors.demands_visible_to(request.user), pk=pk)


def _posted_provider(request) -> Provider | None:
    value = (request.POST.get("provider") or "").strip()
    if not (value.isascii() and value.isdigit() and int(value) < 2**31):
        return None
    # Among the providers the manager may see (certified ones): a refusal naming another's
    # state ("not certified (applied)") told a manager of providers hidden from everyone.
    return selectors.providers_visible_to(request.user).filter(pk=int(value)).first()


@login_required
@require_POST
def manager_demand_introduce(request, pk):
    """The brokering manager introduces a provider to an open demand; back to the dashboard."""
    demand = _brokering_demand(request, pk)
    typed = {
        "demand": demand.pk,
        "provider": request.POST.get("provider", ""),
        "note": request.POST.get("note", ""),
    }
    provider = _posted_provider(request)
    if provider is None:
        messages.error(request, _("Choose a provider to introduce."))
        return _manager_dashboard_page(request, status=400, typed=typed)
    _introduction, status = run_service_with_status(
        request,
        brokering.demand_provider_introduce,
        form=None,
        success=_(
            "%(provider)s is introduced to “%(title)s”; the provider and the enterprise are "
            "told by e-mail."
        )
        % {"provider": provider.display_name, "title": demand.title},
        actor=request.user,
        demand=demand,
        provider=provider,
        note=typed["note"],
    )
    if status is None:
        return redirect("manager-dashboard")
    return _manager_dashboard_page(request, status=status, typed=typed)


@login_required
@require_POST
def manager_demand_withdraw(request, pk):
    """The brokering manager steps back from an open demand with a reason; back to the
    dashboard, where the demand is no longer listed."""
    demand = _brokering_demand(request, pk)
    reason = request.POST.get("reason", "")
    _demand, status = run_service_with_status(
        request,
        brokering.demand_broker_withdraw,
        form=None,
        success=_("You no longer broker “%(title)s”; the enterprise is told why.")
        % {"title": demand.title},
        actor=request.user,
        demand=demand,
        reason=reason,
    )
    if status is None:
        return redirect("manager-dashboard")
    return _manager_dashboard_page(
        request, status=status, typed={"demand": demand.pk, "reason": reason}
    )
