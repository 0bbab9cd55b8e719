"""Applying for certification, and the officials' decisions on a provider.

These pages answer a refused action with the refusal's own status (400, 403, 409) beside the
form, which `run_service` does not report; so they catch the domain error themselves and show
it with `add_service_error`, the helper `run_service` uses."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.errors import ApplicationError
from portal.submissions import submitted_once
from portal.throttling import signup_refusal
from portal.views import add_service_error, next_or, page_of, query_without_page, render_throttled
from providers import permissions, selectors, services
from providers.forms import AccountForm, DecisionForm, ProviderApplicationForm
from providers.models import ProviderNotice
from providers.views.directory import render_provider


@require_http_methods(["GET", "POST"])
@submitted_once
def provider_apply(request):
    user = request.user
    if user.is_authenticated and user.is_provider and user.provider_id:
        messages.info(request, _("Your provider has already applied."))
        return redirect("provider-dashboard")
    if not permissions.can_apply_as_provider(user):
        raise PermissionDenied
    anonymous = not user.is_authenticated
    refusal = signup_refusal(request) if anonymous and request.method == "POST" else None
    if refusal is not None:
        # Counted with the enterprises' sign-up: it creates an account too, and said to
        # anyone whether an address had one. The entries come back unchecked.
        wait, message = refusal
        typed = {key: value for key, value in request.POST.items() if "password" not in key}
        return render_throttled(
            request,
            "providers/apply.html",
            {
                "form": ProviderApplicationForm(initial=typed),
                "account_form": AccountForm(
                    prefix="account",
                    initial={
                        key.removeprefix("account-"): value
                        for key, value in typed.items()
                        if key.startswith("account-")
                    },
                ),
                "throttled": message,
            },
            wait=wait,
        )
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
                    % {"name": provider.display_name},
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


DECISIONS = {
    # The message of an applied provider put on notice is chosen below.
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
    if not form.is_valid():
        return render_provider(
            request, provider, decision_form=form, decision_action=action, status=400
        )
    service, success = DECISIONS[action]
    kwargs = {"provider": provider, "actor": request.user}
    if action != "certify":
        kwargs["reason"] = form.cleaned_data["reason"]
    try:
        result = service(**kwargs)
    except ApplicationError as error:
        add_service_error(request, error, form)
        provider.refresh_from_db()
        return render_provider(
            request, provider, decision_form=form, decision_action=action, status=error.status
        )
    if isinstance(result, ProviderNotice):
        success = _(
            "The provider is on public notice until %(ends)s; it is certified when the "
            "notice ends with no objection left unanswered."
        ) % {"ends": timezone.localtime(result.ends_at).strftime("%Y-%m-%d %H:%M")}
    messages.success(request, success)
    return redirect(next_or(request, reverse("provider-detail", args=[provider.pk])))


@login_required
@require_GET
def providers_to_certify(request):
    if not request.user.is_official:
        raise PermissionDenied
    page = page_of(request, selectors.providers_to_certify(request.user))
    return render(
        request,
        "providers/to_certify.html",
        {"page": page, "query": query_without_page(request)},
    )
