"""Pages for providers: the public directory and profiles, applying and certification,
the provider's catalogue and dashboard, and service orders on both sides.

Views are thin: a scoped selector finds the object (404 for outsiders), a form parses the
input, one service decides, and a refusal comes back next to its field."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.errors import ApplicationError, NotAllowed
from portal.files import private_file_response
from portal.views import add_service_error
from providers import permissions, selectors, services
from providers.forms import (
    AccountForm,
    CompletionForm,
    DecisionForm,
    DirectoryFilterForm,
    OfferingForm,
    OrderForm,
    ProviderApplicationForm,
)
from providers.models import Provider, ServiceOffering, ServiceOrder
from regions.services import audit_trail_for

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def _page(request, queryset, *, default=DEFAULT_PAGE_SIZE):
    try:
        size = int(request.GET.get("page_size") or default)
    except ValueError:
        size = default
    size = max(1, min(size, MAX_PAGE_SIZE))
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


# --- directory and profiles --------------------------------------------------------------------


@require_GET
def provider_directory(request):
    form = DirectoryFilterForm(request.GET or None)
    form.is_valid()  # an unknown district or category is dropped; the other filters still apply
    cleaned = getattr(form, "cleaned_data", {})
    filters = {
        "search": cleaned.get("q", ""),
        "region": cleaned.get("region", ""),
        "category": cleaned.get("category", ""),
    }
    page = _page(request, selectors.provider_directory(**filters))
    return render(
        request,
        "providers/directory.html",
        {"form": form, "page": page, "query": _query_without_page(request)},
    )


def _render_provider(request, provider, *, decision_form=None, decision_action="", status=200):
    user = request.user
    may_decide = permissions.can_decide_provider(user, provider)
    may_read_files = permissions.can_read_provider_files(user, provider)
    context = {
        "provider": provider,
        "certificate": selectors.latest_certificate(provider),
        "may_decide": may_decide,
        "may_read_files": may_read_files,
        "may_order": permissions.can_order_from(user, provider),
        "own": permissions.is_provider_member(user, provider),
        "decision_form": decision_form or DecisionForm(),
        "decision_action": decision_action,
        "edges": {edge: edge in Provider.TRANSITIONS[provider.status] for edge in Provider.Status},
        **selectors.provider_profile(provider=provider, user=user),
    }
    if may_read_files:
        context["audit_entries"] = audit_trail_for(provider)
    return render(request, "providers/detail.html", context, status=status)


@require_GET
def provider_detail(request, pk):
    provider = get_object_or_404(selectors.providers_visible_to(request.user), pk=pk)
    return _render_provider(request, provider)


DECISIONS = {
    "certify": (services.provider_certify, gettext_lazy("The provider is certified.")),
    "reject": (services.provider_reject, gettext_lazy("The application is rejected.")),
    "suspend": (services.provider_suspend, gettext_lazy("The provider is suspended.")),
    "revoke": (services.provider_revoke, gettext_lazy("The certification is revoked.")),
}


@login_required
@require_POST
def provider_decide(request, pk, action):
    if action not in DECISIONS:
        raise Http404
    if not request.user.is_official:
        raise PermissionDenied
    provider = get_object_or_404(selectors.providers_decidable_by(request.user), pk=pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    service, success = DECISIONS[action]
    kwargs = {"provider": provider, "actor": request.user}
    if action != "certify":
        kwargs["reason"] = form.cleaned_data.get("reason", "")
    try:
        service(**kwargs)
    except ApplicationError as error:
        add_service_error(request, error, form)
        provider.refresh_from_db()
        return _render_provider(
            request, provider, decision_form=form, decision_action=action, status=error.status
        )
    messages.success(request, success)
    return redirect(_safe_next(request, reverse("provider-detail", args=[provider.pk])))


@login_required
@require_GET
def providers_to_certify(request):
    if not request.user.is_official:
        raise PermissionDenied
    page = _page(request, selectors.providers_to_certify(request.user))
    return render(
        request,
        "providers/to_certify.html",
        {"page": page, "query": _query_without_page(request)},
    )


def _provider_for_files(request, pk) -> Provider:
    provider = get_object_or_404(selectors.providers_visible_to(request.user), pk=pk)
    if not permissions.can_read_provider_files(request.user, provider):
        raise Http404
    return provider


@login_required
@require_GET
def provider_qualification(request, pk, qualification_id):
    provider = _provider_for_files(request, pk)
    qualification = get_object_or_404(provider.qualifications, pk=qualification_id)
    return private_file_response(
        qualification.file,
        filename=qualification.original_name,
        content_type=qualification.content_type,
    )


@login_required
@require_GET
def provider_certificate_pdf(request, pk, certificate_id):
    provider = _provider_for_files(request, pk)
    certificate = get_object_or_404(provider.certificates, pk=certificate_id)
    if not certificate.pdf:
        # The Celery task has not run yet: drawing it now is the same idempotent service.
        certificate = services.certificate_render_pdf(certificate_id=certificate.pk)
    return private_file_response(
        certificate.pdf, filename=f"{certificate.serial}.pdf", content_type="application/pdf"
    )


# --- applying ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def provider_apply(request):
    user = request.user
    if user.is_authenticated and user.is_provider and user.provider_id:
        messages.info(request, _("Your provider has already applied."))
        return redirect("provider-dashboard")
    if not permissions.can_apply_as_provider(user):
        raise PermissionDenied
    anonymous = not user.is_authenticated
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form = ProviderApplicationForm(data, files)
    account_form = AccountForm(data, prefix="account") if anonymous else None
    status = 200
    if request.method == "POST":
        valid = form.is_valid()
        valid = (account_form.is_valid() if account_form else True) and valid
        if valid:
            application = {
                key: form.cleaned_data[key]
                for key in (
                    "name",
                    "name_zh",
                    "credit_code",
                    "region",
                    "kind",
                    "categories",
                    "description",
                    "contact_email",
                    "contact_phone",
                    "qualifications",
                )
            }
            try:
                if anonymous:
                    user, provider = services.provider_register(
                        username=account_form.cleaned_data["username"],
                        email=account_form.cleaned_data["email"],
                        password=account_form.cleaned_data["password"],
                        **application,
                    )
                    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                else:
                    provider = services.provider_apply(actor=user, **application)
            except ApplicationError as error:
                target = (
                    account_form
                    if account_form is not None and error.field in account_form.fields
                    else form
                )
                add_service_error(request, error, target)
                status = error.status
            else:
                messages.success(
                    request,
                    _("Thank you: %(name)s has applied; the district's officials will decide.")
                    % {"name": provider.name},
                )
                return redirect("provider-dashboard")
        else:
            status = 400
    return render(
        request,
        "providers/apply.html",
        {"form": form, "account_form": account_form},
        status=status,
    )


# --- the provider's own pages -------------------------------------------------------------------


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
        {"provider": provider, "offerings": selectors.offerings_of(provider.pk)},
    )


def _offering_kwargs(form) -> dict:
    return {key: form.cleaned_data[key] for key in OfferingForm.Meta.fields}


@login_required
@require_http_methods(["GET", "POST"])
def offering_create(request):
    provider = _own_provider(request)
    form = OfferingForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.offering_create(actor=request.user, **_offering_kwargs(form))
            except ApplicationError as error:
                add_service_error(request, error, form)
                status = error.status
            else:
                messages.success(request, _("The service is listed on your profile."))
                return redirect("offering-list")
        else:
            status = 400
    return render(
        request,
        "providers/offering_form.html",
        {"form": form, "provider": provider, "offering": None},
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
            try:
                services.offering_update(
                    offering=offering, actor=request.user, **_offering_kwargs(form)
                )
            except ApplicationError as error:
                add_service_error(request, error, form)
                status = error.status
            else:
                messages.success(request, _("The service is updated."))
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
    services.offering_update(offering=offering, actor=request.user, active=active)
    if active:
        messages.success(request, _("The service is listed again."))
    else:
        messages.success(request, _("The service is withdrawn from your profile."))
    return redirect("offering-list")


# --- service orders ----------------------------------------------------------------------------

NEXT_STEPS = {
    "enterprise": {
        "requested": gettext_lazy("Waiting for the provider to accept"),
        "accepted": gettext_lazy("The provider is delivering"),
        "completed": gettext_lazy("Confirm delivery or dispute it"),
        "disputed": gettext_lazy("Waiting for the provider to answer the dispute"),
        "confirmed": gettext_lazy("Done; the provider claims the voucher"),
        "declined": gettext_lazy("Closed"),
        "cancelled": gettext_lazy("Closed"),
    },
    "provider": {
        "requested": gettext_lazy("Accept or decline"),
        "accepted": gettext_lazy("Log the completed service"),
        "completed": gettext_lazy("Waiting for the enterprise to confirm"),
        "disputed": gettext_lazy("Disputed: log completion again"),
        "confirmed": gettext_lazy("Claim the voucher"),
        "declined": gettext_lazy("Closed"),
        "cancelled": gettext_lazy("Closed"),
    },
}


def next_step(user, order: ServiceOrder) -> str:
    steps = NEXT_STEPS.get(user.role)
    if steps is None:
        return order.get_status_display()
    return steps.get(order.status, "")


@login_required
@require_GET
def order_list(request):
    user = request.user
    orders = selectors.orders_visible_to(user)
    counts = dict(orders.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    status = request.GET.get("status") or ""
    if status in ServiceOrder.Status.values:
        orders = orders.filter(status=status)
    else:
        status = ""
    page = _page(request, orders.order_by("-requested_at", "-id"))
    for order in page.object_list:
        order.next_step = next_step(user, order)
    tabs = [
        {"value": value, "label": label, "count": counts.get(value, 0)}
        for value, label in ServiceOrder.Status.choices
    ]
    return render(
        request,
        "providers/orders.html",
        {
            "page": page,
            "tabs": tabs,
            "status": status,
            "total": sum(counts.values()),
            "query": _query_without_page(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def order_create(request):
    user = request.user
    if not (user.is_enterprise and user.enterprise_id):
        raise PermissionDenied
    provider_id = request.POST.get("provider") or request.GET.get("provider")
    if not (provider_id and str(provider_id).isdigit()):
        messages.info(request, _("Choose a provider in the directory first."))
        return redirect("provider-directory")
    provider = get_object_or_404(Provider.objects.select_related("region"), pk=provider_id)
    if request.method == "GET" and not provider.takes_orders:
        raise Http404
    vouchers = selectors.enterprise_vouchers(user)
    if request.method == "POST":
        serial = (request.POST.get("voucher") or "").strip().upper()
        if serial and not any(v.serial == serial for v in vouchers):
            raise Http404  # another enterprise's voucher: its existence is not ours to confirm
    form = OrderForm(
        request.POST or None,
        providers=Provider.objects.filter(pk=provider.pk),
        vouchers=vouchers,
        offerings=provider.offerings.filter(active=True).select_related("category"),
        initial={"provider": provider.pk, "offering": request.GET.get("offering")},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                order = services.order_create(
                    actor=user,
                    provider=provider,
                    voucher=form.cleaned_data["voucher"],
                    offering=form.cleaned_data["offering"],
                    title=form.cleaned_data["title"],
                    description=form.cleaned_data["description"],
                    contract_amount=form.cleaned_data["contract_amount"],
                )
            except ApplicationError as error:
                add_service_error(request, error, form)
                status = error.status
            else:
                messages.success(request, _("Your order is sent to the provider."))
                return redirect("order-detail", pk=order.pk)
        else:
            status = 400
    has_active = any(v.status == "active" for v in vouchers)
    return render(
        request,
        "providers/order_form.html",
        {"form": form, "provider": provider, "has_active_voucher": has_active},
        status=status,
    )


def _render_order(
    request, order, *, forms=None, status=200, template="providers/order_detail.html"
):
    user = request.user
    forms = forms or {}
    context = {
        "order": order,
        "evidence": selectors.order_evidence(order),
        "audit_entries": audit_trail_for(order),
        "next_step": next_step(user, order),
        "may": {
            "accept": permissions.can_accept_order(user, order),
            "decline": permissions.can_decline_order(user, order),
            "complete": permissions.can_complete_order(user, order),
            "confirm": permissions.can_confirm_order(user, order),
            "dispute": permissions.can_dispute_order(user, order),
            "cancel": permissions.can_cancel_order(user, order),
        },
        "decline_form": forms.get("decline") or DecisionForm(prefix="decline"),
        "dispute_form": forms.get("dispute") or DecisionForm(prefix="dispute"),
        "cancel_form": forms.get("cancel") or DecisionForm(prefix="cancel"),
        "completion_form": forms.get("complete") or CompletionForm(),
    }
    return render(request, template, context, status=status)


def _visible_order(request, pk) -> ServiceOrder:
    return get_object_or_404(selectors.orders_visible_to(request.user), pk=pk)


@login_required
@require_GET
def order_detail(request, pk):
    return _render_order(request, _visible_order(request, pk))


ORDER_ACTIONS = {
    "accept": (services.order_accept, None, gettext_lazy("You accepted the order.")),
    "decline": (services.order_decline, "decline", gettext_lazy("You declined the order.")),
    "confirm": (services.order_confirm, None, gettext_lazy("You confirmed delivery.")),
    "dispute": (services.order_dispute, "dispute", gettext_lazy("The delivery is disputed.")),
    "cancel": (services.order_cancel, "cancel", gettext_lazy("The order is cancelled.")),
}


@login_required
@require_POST
def order_action(request, pk, action):
    if action not in ORDER_ACTIONS:
        raise Http404
    order = _visible_order(request, pk)
    service, prefix, success = ORDER_ACTIONS[action]
    kwargs = {"order": order, "actor": request.user}
    form = None
    if prefix:
        form = DecisionForm(request.POST, prefix=prefix)
        form.is_valid()
        kwargs["reason"] = form.cleaned_data.get("reason", "")
    inline_row = _is_htmx(request) and request.POST.get("row")
    try:
        service(**kwargs)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except ApplicationError as error:
        if inline_row:
            return _order_row(request, pk, error=error.message)
        add_service_error(request, error, form)
        order.refresh_from_db()
        # htmx swaps only 2xx answers: the page with the error beside its field is one.
        status = 200 if _is_htmx(request) else error.status
        return _render_order(request, order, forms={prefix: form}, status=status)
    if inline_row:
        return _order_row(request, pk, success=success)
    messages.success(request, success)
    return redirect(_safe_next(request, reverse("order-detail", args=[order.pk])))


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _order_row(request, pk, *, error=None, success=None):
    """A list row's inline accept/decline answered to htmx: the row again, with the outcome.
    Without JavaScript the same forms post normally and come back to `next` with a message."""
    order = _visible_order(request, pk)
    order.next_step = next_step(request.user, order)
    return render(
        request,
        "providers/partials/order_row.html",
        {
            "order": order,
            "row_error": error,
            "row_success": None if error else success,
            "next": request.POST.get("next", ""),
            "show_next": bool(request.POST.get("show_next")),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def order_complete(request, pk):
    order = _visible_order(request, pk)
    if not permissions.is_order_provider(request.user, order):
        raise PermissionDenied
    form = CompletionForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.order_complete(
                    order=order,
                    actor=request.user,
                    summary=form.cleaned_data["summary"],
                    deliverables=form.cleaned_data["deliverables"],
                    evidence=form.cleaned_data["evidence"],
                )
            except ApplicationError as error:
                add_service_error(request, error, form)
                status = error.status
            else:
                messages.success(request, _("The completed service is logged."))
                return redirect("order-detail", pk=order.pk)
        else:
            status = 400
    return render(
        request,
        "providers/order_complete.html",
        {
            "order": order,
            "form": form,
            "may_complete": permissions.can_complete_order(request.user, order),
        },
        status=status,
    )


@login_required
@require_GET
def order_evidence(request, pk, file_id):
    order = _visible_order(request, pk)
    if not permissions.can_read_order(request.user, order):
        raise Http404
    evidence = get_object_or_404(order.evidence, pk=file_id)
    return private_file_response(
        evidence.file, filename=evidence.original_name, content_type=evidence.content_type
    )


@login_required
@require_GET
def disputed_orders(request):
    if not request.user.is_official:
        raise PermissionDenied
    page = _page(request, selectors.disputed_orders_for(request.user).order_by("-completed_at"))
    return render(
        request,
        "providers/disputed.html",
        {"page": page, "query": _query_without_page(request)},
    )
