"""Pages of payments: the paying district's queue of approved claims (each recorded on its
row: vouchers/views/redemptions.py), and one bank transfer recorded as the payment of several
claims of one provider."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from portal.errors import ApplicationError
from portal.templatetags.portal import cny
from portal.views import add_service_error, form_status, page_of
from providers.models import Provider
from vouchers import selectors, services
from vouchers.models import Redemption
from vouchers.services.payments import CLAIMS_PER_TRANSFER_MAX
from vouchers.views import PAGE_SIZE, require_official


class ClaimIdsField(forms.TypedMultipleChoiceField):
    """The ticked claims' ids. Which of them may be paid is the service's to say, in its own
    words (a colleague may have recorded one meanwhile), so any whole number passes here."""

    def valid_value(self, value):
        return True


class TransferForm(forms.Form):
    # Checked by the service, as on the queue's rows: required, one line, 100 characters.
    payment_reference = forms.CharField(
        label=gettext_lazy("Bank reference of the transfer"), required=False, max_length=100
    )
    redemptions = ClaimIdsField(
        coerce=int, required=False, error_messages={"invalid_choice": gettext_lazy("Not a claim.")}
    )
    # Ticked after the page asked about a reference recorded before: the box carries the
    # reference it confirms (reference_recorded_before).
    confirm_reused_reference = forms.CharField(required=False, max_length=100)


def reference_recorded_before(user, reference: str, *, paying, confirmed: str) -> str | None:
    """The question asked before recording, when the reference was recorded before for other
    claims of the district, as typed or spaced, cased or in full-width characters otherwise
    (`Redemption.reference_key`): perhaps the same bank transfer recorded twice. Recording
    cannot be undone, so it was pointed out too late once recorded. None when there is nothing
    to ask, or when the official ticked "Record it anyway" for this very reference
    (`confirmed`: the reference the box carried; a reference changed since is asked anew)."""
    key = Redemption.reference_key(reference)
    if key and key == Redemption.reference_key(confirmed or ""):
        return None
    earlier = selectors.claims_paid_with_reference(user, reference, besides=paying)
    if not earlier:
        return None
    return _(
        "Reference %(reference)s was already recorded for %(ids)s: perhaps the same transfer. "
        "Record it again only if the bank really gave this reference to another transfer."
    ) % {"reference": reference.strip(), "ids": ", ".join(f"#{pk}" for pk in earlier)}


@login_required
@require_GET
def payments_to_record(request):
    require_official(request)
    return render(
        request,
        "redemptions/to_pay.html",
        {
            "by_provider": selectors.payments_due_by_provider(request.user),
            "page": page_of(
                request,
                selectors.redemptions_to_pay(request.user).order_by("decided_at", "id"),
                default=PAGE_SIZE,
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def provider_transfer(request, provider_pk):
    """Several approved claims of one provider paid by one bank transfer: ticked (all, at
    first), recorded together under the transfer's reference, or none of them."""
    require_official(request)
    # A district pays its own providers only: another district's provider (one not listed
    # anywhere, say, rejected) is not named to this one.
    provider = get_object_or_404(Provider, pk=provider_pk, region_id=request.user.region_id)
    due = selectors.provider_claims_to_pay(request.user, provider.pk)
    form = TransferForm(request.POST if request.method == "POST" else None)
    ask_reuse = False
    # Claims ticked but paid meanwhile (another tab, a colleague) are refused by the service
    # naming them; asked about the reference first, the page answered with the reuse
    # question and "Nothing is ticked", the paid claims having left the list.
    if form.is_valid() and set(form.cleaned_data["redemptions"]) <= set(
        due.filter(pk__in=form.cleaned_data["redemptions"]).values_list("pk", flat=True)
    ):
        question = reference_recorded_before(
            request.user,
            form.cleaned_data["payment_reference"],
            paying=form.cleaned_data["redemptions"],
            confirmed=form.cleaned_data["confirm_reused_reference"],
        )
        if question is not None:
            form.add_error("payment_reference", question)
            ask_reuse = True
            status = 409
    if form.is_valid():
        try:
            paid = services.redemptions_mark_paid(
                redemption_ids=form.cleaned_data["redemptions"],
                payment_reference=form.cleaned_data["payment_reference"],
                actor=request.user,
                provider_id=provider.pk,
            )
        except ApplicationError as error:
            add_service_error(request, error, form)
            status = error.status
        else:
            total = sum((claim.amount for claim in paid), Decimal("0"))
            messages.success(
                request,
                ngettext(
                    "Transfer %(reference)s recorded: %(count)d claim of %(provider)s, %(total)s.",
                    "Transfer %(reference)s recorded: %(count)d claims of %(provider)s, "
                    "%(total)s in all.",
                    len(paid),
                )
                % {
                    "reference": paid[0].payment_reference,
                    "count": len(paid),
                    "provider": provider.display_name,
                    "total": cny(total),
                },
            )
            return redirect("payments-to-record")
    elif not ask_reuse:
        status = form_status(form)
    claims = list(due[:CLAIMS_PER_TRANSFER_MAX])
    ticked = set(form.cleaned_data.get("redemptions", [])) if form.is_bound else None
    rows = [(claim, ticked is None or claim.pk in ticked) for claim in claims]
    return render(
        request,
        "redemptions/provider_transfer.html",
        {
            "provider": provider,
            "form": form,
            "claims": rows,
            "ticked_count": sum(1 for _claim, on in rows if on),
            "ticked_total": sum((claim.amount for claim, on in rows if on), Decimal("0")),
            "shown_total": sum((claim.amount for claim in claims), Decimal("0")),
            "due_count": len(claims) if len(claims) < CLAIMS_PER_TRANSFER_MAX else due.count(),
            "most": CLAIMS_PER_TRANSFER_MAX,
            "ask_reuse": ask_reuse,
        },
        status=status,
    )
