"""Pages of redemptions: the provider's claims, the issuing officials' approvals and the
paying officials' payments.

Inline actions answer htmx with the table row and plain POSTs with a redirect, so they work
with JavaScript off.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.money import MoneyFormField
from portal.views import answer_decision, page_of, run_service, unread_filters
from providers.models import ServiceOrder
from providers.selectors import order_paperwork, paperwork_annotations, paperwork_section
from regions.models import ProgrammeRules
from regions.services import audit_trail_for
from vouchers import permissions, selectors, services
from vouchers.forms import NOTE_MAX_LENGTH
from vouchers.models import Redemption, Voucher
from vouchers.selectors import LIVE_STATUSES
from vouchers.services.four_eyes import needs_two_officials
from vouchers.services.related_parties import is_related_party
from vouchers.views import PAGE_SIZE, payments, require_official
from vouchers.views.applications import AWAITING_SECOND


class ClaimForm(forms.Form):
    # As every amount of the forms: "¥1,000.00" as the pages print it, full-width digits.
    amount = MoneyFormField(label=gettext_lazy("Amount to claim (CNY)"))


class DecisionForm(forms.Form):
    note = forms.CharField(required=False, max_length=NOTE_MAX_LENGTH)


class PaymentForm(forms.Form):
    payment_reference = forms.CharField(required=False)
    # Ticked after the row asked about a reference recorded before (payments.TransferForm).
    confirm_reused_reference = forms.CharField(required=False, max_length=100)


class StatusFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("All"))] + list(Redemption.Status.choices),
    )


@login_required
@require_GET
def redemption_list(request):
    """A provider's claims (and the confirmed orders it may claim); for other roles the
    redemptions in their scope."""
    user = request.user
    filters = StatusFilterForm(request.GET or None)
    filter_errors = unread_filters(filters)
    queryset = selectors.redemptions_visible_to(user).order_by("-claimed_at", "-id")
    if filter_errors:
        queryset = queryset.none()
    elif filters.is_valid() and filters.cleaned_data["status"]:
        queryset = queryset.filter(status=filters.cleaned_data["status"])
    # What each order still needs is said before the provider opens its claim.
    claimable = selectors.claimable_orders_with_needs(user) if user.is_provider else []
    return render(
        request,
        "redemptions/list.html",
        {
            "page": page_of(request, queryset, default=PAGE_SIZE),
            "filters": filters,
            "filter_errors": filter_errors,
            "claimable": claimable,
            "query": f"status={filters.cleaned_data['status']}"
            if filters.is_valid() and filters.cleaned_data["status"]
            else "",
        },
        status=400 if filter_errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def redemption_claim(request, order_id):
    user = request.user
    if not (user.is_provider and user.provider_id):
        raise PermissionDenied(_("Only a service provider claims a redemption."))
    order = get_object_or_404(
        ServiceOrder.objects.select_related(
            "voucher", "enterprise", "voucher__issuing_region"
        ).annotate(**paperwork_annotations()),  # read by the needs and their section
        pk=order_id,
        provider_id=user.provider_id,
    )
    existing = order.redemptions.filter(status__in=LIVE_STATUSES).first()
    # No claim possible whatever is added: the page says why and asks for no paperwork.
    related_party = existing is None and is_related_party(
        enterprise_id=order.enterprise_id, provider_id=order.provider_id
    )
    no_claim = selectors.no_claim_reason(order) if existing is None else ""
    needs = (
        selectors.paperwork_before_claim(order)
        if existing is None and not (related_party or no_claim)
        else []
    )
    maximum = selectors.max_claim_for(order)
    form = ClaimForm(request.POST or None, initial={"amount": f"{maximum:.2f}"})
    if request.method == "POST" and form.is_valid():
        redemption, ok = run_service(
            request,
            services.redemption_claim,
            form=form,
            success=_("Your claim is submitted; the amount is held on the voucher."),
            service_order_id=order.pk,
            amount=form.cleaned_data["amount"],
            actor=user,
        )
        if ok:
            return redirect("redemption-detail", pk=redemption.pk)
    return render(
        request,
        "redemptions/claim.html",
        {
            "order": order,
            "form": form,
            "maximum": maximum,
            "existing": existing,
            "needs": needs,
            "needs_section": paperwork_section(order) if needs else "",
            "related_party": related_party,
            "no_claim": no_claim,
            "claimable": order.status == ServiceOrder.Status.CONFIRMED and existing is None,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def redemption_detail(request, pk):
    redemption = get_object_or_404(selectors.redemptions_visible_to(request.user), pk=pk)
    (redemption,) = _with_four_eyes(selectors.with_order_facts([redemption]))
    paperwork = order_paperwork(redemption.service_order)
    return render(
        request,
        "redemptions/detail.html",
        {
            "redemption": redemption,
            "order": redemption.service_order,
            "paperwork": paperwork,
            "same_files": redemption.same_files,  # with_order_facts, as the queue row
            "audit_entries": audit_trail_for(redemption),
            "may_decide": permissions.can_decide_redemption(request.user, redemption),
            "may_pay": permissions.can_mark_paid_redemption(request.user, redemption),
        },
    )


@login_required
@require_GET
def redemptions_to_approve(request):
    require_official(request)
    page = page_of(
        request,
        selectors.redemptions_to_approve(request.user).order_by("claimed_at", "id"),
        default=PAGE_SIZE,
    )
    page.object_list = _with_four_eyes(selectors.with_order_facts(page.object_list))
    return render(request, "redemptions/to_approve.html", {"page": page})


def _with_four_eyes(rows: list[Redemption]) -> list[Redemption]:
    """`rows` with each one's `needs_second_approval`: an approval now would only be the first
    of two (no first approval yet, the amount at or above the four-eyes threshold of the rules
    that govern the voucher, as `redemption_approve` decides), so the approve question says
    nothing is spent yet. One query, two when a voucher predates rules versions."""
    pending = [
        r for r in rows if r.status == Redemption.Status.PENDING and not r.first_approved_by_id
    ]
    waiting = {r.pk for r in pending}
    thresholds, older = {}, {}
    for voucher in Voucher.objects.filter(pk__in={r.voucher_id for r in pending}).values(
        "pk", "rules_version_id", "rules_version__four_eyes_threshold", "issuing_region_id", "year"
    ):
        if voucher["rules_version_id"]:  # as `rules_of_voucher`: the version it was issued under
            thresholds[voucher["pk"]] = voucher["rules_version__four_eyes_threshold"]
        else:
            older[voucher["pk"]] = (voucher["issuing_region_id"], voucher["year"])
    if older:
        rules = {
            (row.region_id, row.year): row.four_eyes_threshold
            for row in ProgrammeRules.objects.filter(
                region_id__in={region for region, _year in older.values()},
                year__in={year for _region, year in older.values()},
            )
        }
        thresholds.update({pk: rules.get(key) for pk, key in older.items()})
    for row in rows:
        row.needs_second_approval = row.pk in waiting and needs_two_officials(
            row.amount, thresholds.get(row.voucher_id)
        )
    return rows


def _act(request, pk, service, *, form_class, success: str, row_template: str, ask=None):
    """Run one decision; htmx gets the refreshed row, a plain POST a redirect. `ask(form)`:
    a question to answer before the decision is made (None: nothing to ask); asked, the
    decision waits and the form says why."""
    require_official(request)
    visible = selectors.redemptions_visible_to(request.user)
    if not visible.filter(pk=pk).exists():
        raise Http404
    form = form_class(request.POST)
    paid = False
    question = ask(form) if ask is not None and form.is_valid() else None
    if question is not None:
        form.add_error(None, question)
        # The row's form (on the queue or the claim's page, after a redirect without
        # JavaScript) offers "Record it anyway" with the reference it asked about.
        request.session[REUSE_ASKED] = {str(pk): request.POST.get("payment_reference", "")}
    elif form.is_valid():
        kwargs = {k: v for k, v in form.cleaned_data.items() if k != "confirm_reused_reference"}
        result, ok = run_service(
            request, service, form=form, redemption_id=pk, actor=request.user, **kwargs
        )
        if ok and result.status == Redemption.Status.PENDING:  # four eyes: the first of two
            success = AWAITING_SECOND
        elif ok and result.status == Redemption.Status.PAID:
            paid = True
            request.session.pop(REUSE_ASKED, None)
    response = answer_decision(
        request,
        form,
        success=success,
        row_template=row_template,
        row=lambda: {
            "redemption": _with_four_eyes(selectors.with_order_facts([visible.get(pk=pk)]))[0]
        },
        fallback=reverse("redemption-detail", args=[pk]),
        subject=_("Redemption #%(id)s") % {"id": pk},
    )
    if paid:
        # The queue's "One transfer per provider" counts what is still owed: it reloads.
        response["HX-Trigger"] = "payment-recorded"
    return response


@login_required
@require_POST
def redemption_approve(request, pk):
    return _act(
        request,
        pk,
        services.redemption_approve,
        success=_("Approved: the held amount is spent."),
        form_class=DecisionForm,
        row_template="redemptions/partials/approve_row.html",
    )


@login_required
@require_POST
def redemption_reject(request, pk):
    return _act(
        request,
        pk,
        services.redemption_reject,
        success=_("Rejected: the held amount is released."),
        form_class=DecisionForm,
        row_template="redemptions/partials/approve_row.html",
    )


# The session key of the claim whose payment reference the row asked about, and that
# reference: {"<claim id>": "<reference as typed>"}.
REUSE_ASKED = "payment_reference_reuse_asked"


@login_required
@require_POST
def redemption_mark_paid(request, pk):
    def ask(form):
        return payments.reference_recorded_before(
            request.user,
            form.cleaned_data["payment_reference"],
            paying=[pk],
            confirmed=form.cleaned_data["confirm_reused_reference"],
        )

    return _act(
        request,
        pk,
        services.redemption_mark_paid,
        success=_("The payment is recorded."),
        form_class=PaymentForm,
        row_template="redemptions/partials/pay_row.html",
        ask=ask,
    )
