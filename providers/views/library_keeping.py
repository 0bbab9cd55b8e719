"""The operator's pages for keeping the expert and technology-manager libraries: add a
profile, edit it, withdraw it (or list it again) and invite its person to sign in.

One set of views serves both libraries; `kind` ("expert" or "manager", fixed by the URL)
picks the model, its form, its service and its pages."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from portal.submissions import submitted_once
from portal.views import run_service_with_status
from providers.forms.libraries import ExpertForm, LibraryAccountForm, ListingForm, ManagerForm
from providers.models import Expert, TechnologyManager
from providers.services import library_keeping
from regions.services import audit_trail_for


@dataclass(frozen=True)
class Library:
    model: type[models.Model]
    form: type
    save: object
    profile_argument: str
    library_url: str
    detail_url: str
    edit_url: str
    listing_url: str
    account_url: str
    add_title: str
    edit_title: str


LIBRARIES = {
    "expert": Library(
        model=Expert,
        form=ExpertForm,
        save=library_keeping.expert_save,
        profile_argument="expert",
        library_url="expert-library",
        detail_url="expert-detail",
        edit_url="expert-edit",
        listing_url="expert-listing",
        account_url="expert-account",
        add_title=gettext_lazy("Add an expert"),
        edit_title=gettext_lazy("Edit an expert"),
    ),
    "manager": Library(
        model=TechnologyManager,
        form=ManagerForm,
        save=library_keeping.manager_save,
        profile_argument="manager",
        library_url="manager-library",
        detail_url="manager-detail",
        edit_url="manager-edit",
        listing_url="manager-listing",
        account_url="manager-account",
        add_title=gettext_lazy("Add a technology manager"),
        edit_title=gettext_lazy("Edit a technology manager"),
    ),
}


def _keeper(request) -> None:
    if not library_keeping.can_keep_libraries(request.user):
        raise PermissionDenied


def _profile(library: Library, pk: int):
    """Any profile, listed or withdrawn: the operator lists a withdrawn one again here."""
    return get_object_or_404(library.model.objects.select_related("user"), pk=pk)


def _render(request, library, *, form, profile=None, listing_form=None, account_form=None,
            status=200):  # fmt: skip
    context = {
        "library": library,
        "title": library.edit_title if profile else library.add_title,
        "form": form,
        "profile": profile,
    }
    if profile is not None:
        context |= {
            "listing_form": listing_form or ListingForm(),
            "account_form": account_form or LibraryAccountForm(),
            "audit_entries": audit_trail_for(profile),
        }
    return render(request, "providers/library_profile_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@submitted_once
def profile_add(request, kind):
    _keeper(request)
    library = LIBRARIES[kind]
    form = library.form(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            profile, status = run_service_with_status(
                request,
                library.save,
                form=form,
                success=_("The profile is in the library."),
                actor=request.user,
                **form.cleaned_data,
            )
            if status is None:
                return redirect(library.edit_url, pk=profile.pk)
    return _render(request, library, form=form, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request, kind, pk):
    _keeper(request)
    library = LIBRARIES[kind]
    profile = _profile(library, pk)
    form = library.form(request.POST or None, instance=profile)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            _saved, status = run_service_with_status(
                request,
                library.save,
                form=form,
                success=_("The profile is saved."),
                actor=request.user,
                **{library.profile_argument: profile},
                **form.cleaned_data,
            )
            if status is None:
                return redirect(library.edit_url, pk=profile.pk)
        # The form's own instance took the posted values: the page shows the stored ones.
        profile.refresh_from_db()
    return _render(request, library, form=form, profile=profile, status=status)


def _side_form(request, kind, pk, *, form_class, form_key, service, success):
    """Post one of the edit page's side forms (listing, account) to `service(actor,
    profile, **cleaned_data)`: back to the edit page with `success(cleaned_data)`, or the
    page again with the form's errors and the refusal's status."""
    _keeper(request)
    library = LIBRARIES[kind]
    profile = _profile(library, pk)
    form = form_class(request.POST)
    status = 400
    if form.is_valid():
        _result, status = run_service_with_status(
            request,
            service,
            form=form,
            success=success(form.cleaned_data),
            actor=request.user,
            profile=profile,
            **form.cleaned_data,
        )
        if status is None:
            return redirect(library.edit_url, pk=profile.pk)
    return _render(
        request, library, form=library.form(instance=profile), profile=profile,
        status=status, **{form_key: form},
    )  # fmt: skip


@login_required
@require_POST
def profile_listing(request, kind, pk):
    return _side_form(
        request, kind, pk, form_class=ListingForm, form_key="listing_form",
        service=library_keeping.library_listing_set,
        success=lambda data: _("The profile is listed again.")
        if data["listed"]
        else _("The profile is withdrawn from the library."),
    )  # fmt: skip


@login_required
@require_POST
@submitted_once
def profile_account(request, kind, pk):
    return _side_form(
        request, kind, pk, form_class=LibraryAccountForm, form_key="account_form",
        service=library_keeping.library_account_invite,
        success=lambda data: _(
            "The account is made: its person is e-mailed a link to choose a password."
        ),
    )  # fmt: skip
