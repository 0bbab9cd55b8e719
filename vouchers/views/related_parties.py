"""The enterprise's profile (its details and the related parties it declares) and the
enterprise's page in an official's view (the same, with the relations officials record)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal.submissions import submitted_once
from portal.views import form_status, next_or, run_service_with_status
from regions.services import audit_trail_for
from vouchers import selectors
from vouchers.forms import PartyDetailsForm, RelatedPartyForm
from vouchers.permissions import can_verify_enterprise
from vouchers.services.related_parties import enterprise_details_update, related_party_declare
from vouchers.views import require_enterprise, require_official

DETAIL_FIELDS = tuple(PartyDetailsForm.base_fields)


def _page_context(request, enterprise, **extra) -> dict:
    return {
        "enterprise": enterprise,
        "related_parties": list(
            selectors.related_parties_visible_to(request.user).filter(enterprise=enterprise)
        ),
        "relation_form": extra.pop("relation_form", None)
        or RelatedPartyForm(enterprise=enterprise),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_profile(request):
    """The enterprise's own details, and the related parties it declares."""
    require_enterprise(request)
    enterprise = get_object_or_404(
        selectors.enterprises_visible_to(request.user), pk=request.user.enterprise_id
    )
    initial = {field: getattr(enterprise, field) for field in DETAIL_FIELDS}
    form = PartyDetailsForm(request.POST or None, initial=initial, party=enterprise)
    status = form_status(form)
    if request.method == "POST" and form.is_valid():
        # A refusal keeps its own status: a colleague's save since is 409.
        _result, status = run_service_with_status(
            request,
            enterprise_details_update,
            form=form,
            success=_("The enterprise's details are saved."),
            enterprise=enterprise,
            actor=request.user,
            **form.cleaned_data,
        )
        if status is None:
            return redirect("enterprise-profile")
    return render(
        request,
        "vouchers/enterprise_profile.html",
        _page_context(request, enterprise, form=form),
        status=status,
    )


@login_required
@require_http_methods(["GET"])
def enterprise_detail(request, pk):
    """An enterprise as the officials of its district see it (the operator: any)."""
    require_official(request, operator_too=True)
    enterprise = get_object_or_404(selectors.enterprises_visible_to(request.user), pk=pk)
    return render(
        request,
        "vouchers/enterprise_detail.html",
        _page_context(
            request,
            enterprise,
            may_record=request.user.is_official,
            may_verify=can_verify_enterprise(request.user, enterprise),
            audit_entries=audit_trail_for(enterprise),
        ),
    )


@login_required
@require_POST
@submitted_once
def related_party_create(request, pk):
    """Declare (the enterprise, pk = its own) or record (an official of its district) a
    related party; back to the page it was posted from."""
    enterprise = selectors.enterprises_visible_to(request.user).filter(pk=pk).first()
    if enterprise is None:
        raise Http404
    own = request.user.is_enterprise
    fallback = reverse("enterprise-profile") if own else reverse("enterprise-detail", args=[pk])
    form = RelatedPartyForm(request.POST)
    status = 400
    if form.is_valid():
        # A refusal keeps its own status: a relation recorded already is 409, as in the API.
        _result, status = run_service_with_status(
            request,
            related_party_declare,
            form=form,
            success=_("%(provider)s is recorded as a related party.")
            % {"provider": form.cleaned_data["provider"].display_name},
            actor=request.user,
            provider=form.cleaned_data["provider"],
            relation=form.cleaned_data["relation"],
            enterprise_id=enterprise.pk,
        )
        if status is None:
            return redirect(next_or(request, fallback))
    if own:
        form_details = PartyDetailsForm(
            initial={field: getattr(enterprise, field) for field in DETAIL_FIELDS},
            party=enterprise,
        )
        context = _page_context(request, enterprise, form=form_details, relation_form=form)
        return render(request, "vouchers/enterprise_profile.html", context, status=status)
    require_official(request, operator_too=True)
    context = _page_context(
        request,
        enterprise,
        relation_form=form,
        may_record=request.user.is_official,
        may_verify=can_verify_enterprise(request.user, enterprise),
        audit_entries=audit_trail_for(enterprise),
    )
    return render(request, "vouchers/enterprise_detail.html", context, status=status)
