"""The provider's own pages: its dashboard and its catalogue of services.

Creating and editing a service answer a refused change with the refusal's own status beside
the form (`run_service_with_status`)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.submissions import submitted_once
from portal.views import form_status, run_service, run_service_with_status
from providers import selectors, services
from providers.forms import OfferingForm
from providers.models import Provider, ServiceOffering, ServiceOrder
from providers.services.catalogue import publishing_refusal
from vouchers.selectors import claimable_orders_with_needs


def _own_provider(request) -> Provider:
    user = request.user
    if not user.is_provider:
        raise PermissionDenied
    if not user.provider_id:
        raise Http404
    return get_object_or_404(selectors.providers_visible_to(user), pk=user.provider_id)


@login_required
@require_GET
def provider_dashboard(request):
    user = request.user
    if not user.is_provider:
        raise PermissionDenied
    if not user.provider_id:
        return redirect("provider-apply")
    provider = _own_provider(request)
    orders = selectors.orders_visible_to(user)
    S = ServiceOrder.Status
    counts = dict(orders.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return render(
        request,
        "providers/dashboard.html",
        {
            "provider": provider,
            "certificate": selectors.latest_certificate(provider),
            "incoming": list(orders.filter(status=S.REQUESTED).order_by("requested_at")[:20]),
            "to_complete": list(
                orders.filter(status__in=[S.ACCEPTED, S.DISPUTED]).order_by("accepted_at")[:20]
            ),
            "awaiting": list(orders.filter(status=S.COMPLETED).order_by("completed_at")[:20]),
            # Confirmed and not yet claimed: the provider's money waits on its own claim.
            "to_claim": claimable_orders_with_needs(user, limit=20),
            "counts": counts,
            "offering_count": provider.offerings.filter(active=True).count(),
        },
    )


@login_required
@require_GET
def offering_list(request):
    provider = _own_provider(request)
    return render(
        request,
        "providers/offerings.html",
        {
            "provider": provider,
            "offerings": selectors.offerings_of(provider.pk),
            "refusal": publishing_refusal(provider),
        },
    )


def _offering_kwargs(form) -> dict:
    return {key: form.cleaned_data[key] for key in OfferingForm.Meta.fields}


@login_required
@require_http_methods(["GET", "POST"])
@submitted_once
def offering_create(request):
    provider = _own_provider(request)
    form = OfferingForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            _offering, status = run_service_with_status(
                request,
                services.offering_create,
                form=form,
                success=_("The service is listed on your profile."),
                actor=request.user,
                **_offering_kwargs(form),
            )
            if status is None:
                return redirect("offering-list")
        else:
            status = 400
    return render(
        request,
        "providers/offering_form.html",
        {
            "form": form,
            "provider": provider,
            "offering": None,
            "refusal": publishing_refusal(provider),
        },
        status=status,
    )


def _own_offering(request, pk) -> ServiceOffering:
    provider = _own_provider(request)
    return get_object_or_404(selectors.offerings_of(provider.pk), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def offering_edit(request, pk):
    offering = _own_offering(request, pk)
    form = OfferingForm(request.POST or None, instance=offering)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            _offering, status = run_service_with_status(
                request,
                services.offering_update,
                form=form,
                success=_("The service is updated."),
                offering=offering,
                actor=request.user,
                edited_from=form.cleaned_data["edited_from"],
                **_offering_kwargs(form),
            )
            if status is None:
                return redirect("offering-list")
        else:
            status = 400
    return render(
        request,
        "providers/offering_form.html",
        {"form": form, "provider": offering.provider, "offering": offering},
        status=status,
    )


@login_required
@require_POST
def offering_set_active(request, pk, active):
    offering = _own_offering(request, pk)
    if active:
        success = _("The service is listed again.")
    else:
        success = _("The service is withdrawn from your profile.")
    run_service(
        request,
        services.offering_update,
        offering=offering,
        actor=request.user,
        active=active,
        success=success,
    )
    return redirect("offering-list")


@login_required
@require_http_methods(["GET", "POST"])
def provider_profile(request):
    """The provider's legal representative, registered address and contact phone."""
    from providers.services.profile import provider_details_update
    from vouchers.forms import PartyDetailsForm

    provider = _own_provider(request)
    initial = {field: getattr(provider, field) for field in PartyDetailsForm.base_fields}
    form = PartyDetailsForm(request.POST or None, initial=initial, party=provider)
    status = form_status(form)
    if request.method == "POST" and form.is_valid():
        # A refusal keeps its own status: a colleague's save since is 409.
        _result, status = run_service_with_status(
            request,
            provider_details_update,
            form=form,
            success=_("The provider's details are saved."),
            provider=provider,
            actor=request.user,
            **form.cleaned_data,
        )
        if status is None:
            return redirect("provider-profile")
    return render(
        request,
        "providers/profile.html",
        {"provider": provider, "form": form},
        status=status,
    )
