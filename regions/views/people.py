"""People: officials invited and accounts deactivated by those who run the programme."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.errors import ApplicationError
from portal.submissions import submitted_once
from portal.throttling import invitation_refusal
from portal.views import (
    next_or,
    page_of,
    query_without_page,
    run_service_with_status,
    unread_filters,
)
from regions import accounts
from regions.models import Region, User
from regions.selectors import last_account_changes, people_visible_to


class InviteOfficialForm(forms.Form):
    # The service checks the name again; its form said here too, every mistake is named at
    # once (the e-mail's alone came first, the user name's on the next try). A name or an
    # address taken is the service's 409.
    username = forms.CharField(
        label=gettext_lazy("Username"), max_length=150, validators=[accounts.validate_username]
    )
    email = forms.EmailField(label=gettext_lazy("E-mail"))
    # Family name first, as a Chinese name is written (and read on the people list).
    last_name = forms.CharField(label=gettext_lazy("Family name"), max_length=150, required=False)
    first_name = forms.CharField(label=gettext_lazy("Given name"), max_length=150, required=False)
    region = forms.ModelChoiceField(
        label=gettext_lazy("District"), queryset=Region.objects.order_by("id")
    )


class InviteColleagueForm(forms.Form):
    # The service checks the name again; its form said here too, every mistake is named at
    # once (the e-mail's alone came first, the user name's on the next try). A name or an
    # address taken is the service's 409.
    username = forms.CharField(
        label=gettext_lazy("Username"), max_length=150, validators=[accounts.validate_username]
    )
    email = forms.EmailField(label=gettext_lazy("E-mail"))
    last_name = forms.CharField(label=gettext_lazy("Family name"), max_length=150, required=False)
    first_name = forms.CharField(label=gettext_lazy("Given name"), max_length=150, required=False)


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False)
    role = forms.ChoiceField(
        label=gettext_lazy("Role"),
        required=False,
        choices=[("", gettext_lazy("All roles")), *User.Role.choices],
    )


@login_required
@require_GET
def people_list(request):
    if not accounts.can_manage_people(request.user):
        raise PermissionDenied
    return _render_people(request)


def _render_people(request, status=200):
    filters = PeopleFilterForm(request.GET or None)
    # An official lists their district's officials only: no role to choose.
    filter_errors = unread_filters(filters) if request.user.is_operator else []
    role = filters.cleaned_data.get("role") if filters.is_bound and filters.is_valid() else None
    q = (request.GET.get("q") or "").strip()[:100] or None
    people = people_visible_to(request.user, role=role or None, q=q)
    if filter_errors:
        people = people.none()
        status = 400
    page = page_of(request, people)
    last_changes = last_account_changes(page.object_list)
    for person in page.object_list:
        person.manageable = accounts.can_manage_account(request.user, person)
        person.last_change = last_changes.get(str(person.pk))
    return render(
        request,
        "regions/people.html",
        {
            "page": page,
            "roles": User.Role.choices if request.user.is_operator else [],
            "role": role or "",
            "q": q or "",
            "filter_errors": filter_errors,
            "query": query_without_page(request),
        },
        status=status,
    )


@login_required
def people_invite(request):
    if not accounts.can_invite_officials(request.user):
        raise PermissionDenied
    form = InviteOfficialForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            _official, status = run_service_with_status(
                request,
                accounts.official_invite,
                form=form,
                success=_("The invitation is sent."),
                actor=request.user,
                **form.cleaned_data,
            )
            if status is None:
                return redirect("people-list")
        else:
            status = 400
    return render(request, "regions/people_invite.html", {"form": form}, status=status)


@login_required
@require_POST
def people_account(request, pk, action):
    if not accounts.can_manage_people(request.user):
        raise PermissionDenied
    account = get_object_or_404(people_visible_to(request.user), pk=pk)
    try:
        if action == "deactivate":
            accounts.account_deactivate(
                actor=request.user, account=account, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("The account is deactivated."))
        else:
            accounts.account_reactivate(actor=request.user, account=account)
            messages.success(request, _("The account is active again."))
    except ApplicationError as error:
        messages.error(request, f"{account.username}: {error.message}")
        return _render_people(request, status=error.status)
    return redirect(next_or(request, reverse("people-list")))


@login_required
@require_http_methods(["GET", "POST"])
@submitted_once
def colleagues(request):
    """An enterprise's or a provider's accounts, and the form that adds one."""
    if not accounts.can_invite_colleagues(request.user):
        raise PermissionDenied
    form = InviteColleagueForm(request.POST or None)
    status = 200
    if request.method == "POST":
        refused = invitation_refusal(request)
        if refused is not None:
            wait, message = refused
            messages.error(request, message)
            response = _render_colleagues(request, form=form, status=429)
            response["Retry-After"] = str(wait)
            return response
        status = 400
        if form.is_valid():
            _colleague, status = run_service_with_status(
                request,
                accounts.colleague_invite,
                form=form,
                success=_("The invitation is sent: your colleague chooses a password from it."),
                actor=request.user,
                **form.cleaned_data,
            )
            if status is None:
                return redirect("colleagues")
    return _render_colleagues(request, form=form, status=status)


def _render_colleagues(request, *, form=None, status=200):
    user = request.user
    return render(
        request,
        "regions/colleagues.html",
        {
            "form": form or InviteColleagueForm(),
            "colleagues": accounts.colleagues_of(user).order_by("date_joined", "id"),
            "organisation": user.enterprise if user.is_enterprise else user.provider,
        },
        status=status,
    )


@login_required
@require_POST
def colleague_deactivate(request, pk):
    """A colleague who left is switched off, with the reason."""
    if not accounts.can_invite_colleagues(request.user):
        raise PermissionDenied
    account = get_object_or_404(accounts.colleagues_of(request.user), pk=pk)
    try:
        accounts.colleague_deactivate(
            actor=request.user, account=account, reason=request.POST.get("reason", "")
        )
    except ApplicationError as error:
        messages.error(request, f"{account.username}: {error.message}")
        return _render_colleagues(request, status=error.status)
    messages.success(request, _("The account is deactivated."))
    return redirect("colleagues")
