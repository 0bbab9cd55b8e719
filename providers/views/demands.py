"""Technology demands: the public list and search, an enterprise's own demands (publish, edit,
close), the demand page with the owner's side-by-side comparison of proposals (accept one),
and the provider's proposal form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.files import private_file_response
from portal.submissions import submitted_once
from portal.views import (
    page_of,
    query_without_page,
    run_service,
    run_service_with_status,
    unread_filters,
)
from providers import permissions, selectors, services
from providers.forms.demands import DemandForm, DemandSearchForm, ProposalAcceptForm, ProposalForm
from providers.models import Demand, Expert, Proposal, ProposalAttachment
from providers.models.libraries import LISTED
from providers.selectors import expert_reviews
from providers.services.proposals import advising_expert_with_stake


@require_GET
def demand_list(request):
    """Demands the reader may see, searchable by words, category and district."""
    form = DemandSearchForm(request.GET or None)
    filter_errors = unread_filters(form)
    values = form.cleaned_data if form.is_valid() else {}
    status = request.GET.get("status") or ""
    if status and status not in Demand.Status.values:
        filter_errors.append(
            _("No demand is ever in a state called “%(status)s”.") % {"status": status[:40]}
        )
    demands = selectors.demand_list(
        request.user,
        q=values.get("q", ""),
        category=values.get("category", ""),
        region=values.get("region", ""),
        status=status,
    )
    return render(
        request,
        "providers/demands/list.html",
        {
            "form": form,
            "page": page_of(request, demands.none() if filter_errors else demands, capped=True),
            "query": query_without_page(request),
            "status": status,
            "status_query": query_without_page(request, "status"),
            "filter_errors": filter_errors,
        },
        status=400 if filter_errors else 200,
    )


@login_required
@require_GET
def my_demands(request):
    if not permissions.can_publish_demand(request.user):
        raise PermissionDenied
    return render(
        request,
        "providers/demands/mine.html",
        {"page": page_of(request, selectors.demands_of(request.user))},
    )


def _form_values(form) -> dict:
    data = form.cleaned_data
    return {name: data[name] for name in Demand.EDITABLE_FIELDS}


@login_required
@require_http_methods(["GET", "POST"])
@submitted_once
def demand_create(request):
    user = request.user
    if not permissions.can_publish_demand(user):
        raise PermissionDenied
    form = DemandForm(request.POST or None, initial={"visibility": "public"})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            demand, status = run_service_with_status(
                request,
                services.demand_publish,
                form=form,
                success=_("Your demand is published."),
                actor=user,
                invited_providers=form.cleaned_data["invited_providers"],
                **_form_values(form),
            )
            if status is None:
                return redirect("demand-detail", pk=demand.pk)
        else:
            status = 400
    return render(
        request, "providers/demands/form.html", {"form": form, "demand": None}, status=status
    )


def _visible_demand(request, pk) -> Demand:
    return get_object_or_404(selectors.demands_visible_to(request.user), pk=pk)


def _owned_demand(request, pk) -> Demand:
    demand = _visible_demand(request, pk)
    if not permissions.is_demand_owner(request.user, demand):
        raise PermissionDenied
    return demand


@login_required
@require_http_methods(["GET", "POST"])
def demand_edit(request, pk):
    demand = _owned_demand(request, pk)
    if demand.status != Demand.Status.OPEN:
        messages.info(request, _("Only an open demand can be changed."))
        return redirect("demand-detail", pk=demand.pk)
    initial = {name: getattr(demand, name) for name in Demand.EDITABLE_FIELDS}
    initial["invited_providers"] = list(demand.invited_providers.all())
    form = DemandForm(request.POST or None, initial=initial, editing=demand)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            _result, status = run_service_with_status(
                request,
                services.demand_edit,
                form=form,
                success=_("Your demand is updated."),
                demand=demand,
                actor=request.user,
                edited_from=form.cleaned_data["edited_from"],
                invited_providers=form.cleaned_data["invited_providers"],
                **_form_values(form),
            )
            if status is None:
                return redirect("demand-detail", pk=demand.pk)
        else:
            status = 400
    return render(
        request, "providers/demands/form.html", {"form": form, "demand": demand}, status=status
    )


@login_required
@require_POST
def demand_close(request, pk):
    demand = _owned_demand(request, pk)
    run_service(
        request,
        services.demand_close,
        success=_("The demand is closed."),
        demand=demand,
        actor=request.user,
    )
    return redirect("demand-detail", pk=demand.pk)


def _render_demand(request, demand, *, accept_form=None, status=200):
    user = request.user
    proposals = list(selectors.proposals_visible_to(user, demand))
    owner = permissions.is_demand_owner(user, demand)
    # The provider's live proposal; one withdrawn, or whose order ended, leaves it free to
    # propose again.
    own = next(
        (
            p
            for p in reversed(proposals)
            if permissions.is_proposal_provider(user, p) and p.status not in Proposal.ENDED_STATUSES
        ),
        None,
    )
    may_propose = permissions.can_propose(user, demand) and own is None
    adviser = advising_expert_with_stake(demand, provider=user.provider) if may_propose else None
    context = {
        "demand": demand,
        "proposals": proposals,
        "owner": owner,
        "own_proposal": own,
        # Its proposals withdrawn or whose order ended stay its to read (price, state, order).
        "own_earlier": [
            p
            for p in proposals
            if p is not own
            and p.status in Proposal.ENDED_STATUSES
            and permissions.is_proposal_provider(user, p)
        ],
        "may_propose": may_propose and adviser is None,
        # Why a provider that may see the demand cannot propose for it.
        "conflict": _proposal_conflict(adviser) if may_propose and adviser else "",
        "accept_form": accept_form
        or (
            ProposalAcceptForm(vouchers=selectors.enterprise_vouchers(user).filter(status="active"))
            if owner
            else None
        ),
        "invited": list(demand.invited_providers.all()) if owner else [],
        # An adviser or the broker reads the proposals side by side (no accepting).
        "reads_proposals": user.is_authenticated and selectors.advises_or_brokers(user, demand),
        "reviews": expert_reviews(user, demand=demand) if user.is_authenticated else [],
    }
    return render(request, "providers/demands/detail.html", context, status=status)


def _proposal_conflict(adviser) -> str:
    """The refusal `proposal_submit` gives, told before the provider writes a proposal."""
    return _(
        "%(expert)s, your expert, advises the officials of the demand's district on it: a "
        "provider whose expert advises on a demand cannot propose for it."
    ) % {"expert": adviser.display_name}


@require_GET
def demand_detail(request, pk):
    return _render_demand(request, _visible_demand(request, pk))


@login_required
@require_http_methods(["GET", "POST"])
@submitted_once
def proposal_create(request, pk):
    demand = _visible_demand(request, pk)
    user = request.user
    if not (user.is_provider and user.provider_id):
        raise PermissionDenied
    experts = Expert.objects.filter(LISTED, provider_id=user.provider_id).order_by("name")
    form = ProposalForm(request.POST or None, request.FILES or None, experts=experts)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            _proposal, status = run_service_with_status(
                request,
                services.proposal_submit,
                form=form,
                success=_("Your proposal is sent to the enterprise."),
                demand=demand,
                actor=user,
                approach=form.cleaned_data["approach"],
                price=form.cleaned_data["price"],
                duration_days=form.cleaned_data["duration_days"],
                expert=form.cleaned_data["expert"],
                attachments=form.cleaned_data["attachments"],
            )
            if status is None:
                return redirect("demand-detail", pk=demand.pk)
        else:
            status = 400
    elif not permissions.can_propose(user, demand):
        messages.info(request, _("You cannot propose for this demand."))
        return redirect("demand-detail", pk=demand.pk)
    elif adviser := advising_expert_with_stake(demand, provider=user.provider):
        messages.info(request, _proposal_conflict(adviser))
        return redirect("demand-detail", pk=demand.pk)
    return render(
        request,
        "providers/demands/proposal_form.html",
        {"form": form, "demand": demand},
        status=status,
    )


@login_required
@require_POST
def proposal_withdraw(request, pk):
    proposal = get_object_or_404(
        Proposal.objects.select_related("demand"), pk=pk, provider_id=request.user.provider_id
    )
    run_service(
        request,
        services.proposal_withdraw,
        success=_("Your proposal is withdrawn."),
        proposal=proposal,
        actor=request.user,
    )
    return redirect("demand-detail", pk=proposal.demand_id)


@login_required
@require_POST
def proposal_accept(request, pk):
    proposal = get_object_or_404(selectors.proposals_acceptable_by(request.user), pk=pk)
    vouchers = selectors.enterprise_vouchers(request.user)
    form = ProposalAcceptForm(request.POST, vouchers=vouchers)
    if not form.is_valid():
        return _render_demand(request, proposal.demand, accept_form=form, status=400)
    order, ok = run_service(
        request,
        services.proposal_accept,
        success=_("You accepted the proposal; the service order is sent to the provider."),
        proposal=proposal,
        actor=request.user,
        voucher=form.cleaned_data["voucher"],
    )
    if ok:
        return redirect("order-detail", pk=order.pk)
    return redirect("demand-detail", pk=proposal.demand_id)


@login_required
@require_GET
def proposal_attachment(request, pk, file_id):
    proposal = get_object_or_404(Proposal.objects.select_related("demand"), pk=pk)
    visible = selectors.proposals_visible_to(request.user, proposal.demand)
    if not visible.filter(pk=proposal.pk).exists():
        raise Http404
    attachment = get_object_or_404(ProposalAttachment, pk=file_id, proposal=proposal)
    return private_file_response(
        attachment.file, filename=attachment.original_name, content_type=attachment.content_type
    )
