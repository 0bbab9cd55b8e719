"""The one place where page views turn a domain error into a form or page message."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import pgettext

from portal.errors import ApplicationError


def add_service_error(request, error: ApplicationError, form=None) -> None:
    """Show a refused action next to its field when the form has one, else as a message."""
    if form is not None:
        field = error.field if error.field in getattr(form, "fields", {}) else None
        form.add_error(field, error.message)
    else:
        messages.error(request, error.message)


def form_status(form) -> int:
    """The status of a page showing `form`: 400 when a posted form comes back with errors (its
    own or a refused service's), so bad input is never answered as a success."""
    return 400 if form.is_bound and form.errors else 200


def run_service(request, service, *, form=None, success: str | None = None, **kwargs):
    """Call `service(**kwargs)`; on a domain error show it and return None.

    Returns `(result, ok)` so a view can redirect on success or re-render the form.
    """
    try:
        result = service(**kwargs)
    except ApplicationError as error:
        add_service_error(request, error, form)
        return None, False
    if success:
        messages.success(request, success)
    return result, True


def run_service_with_status(request, service, *, form, success: str, **kwargs):
    """`run_service` for the pages that answer a refused action with the refusal's own status
    (400, 403, 409) beside the form.

    Returns `(result, status)`: status is None when the service did it (the success message is
    flashed), else the status to render the form with.
    """
    try:
        result = service(**kwargs)
    except ApplicationError as error:
        if error.status == 409 and error.field not in getattr(form, "fields", {}):
            # A conflict with the object's state (rated already, one's own notice): the page
            # drawn again shows the new state, where this form may no longer be, so the
            # refusal goes at the top of the page instead of inside the form.
            messages.error(request, error.message)
        else:
            add_service_error(request, error, form)
        return None, error.status
    messages.success(request, success)
    return result, None


def answer_decision(
    request, form, *, success: str, row_template: str, row, fallback: str, subject: str = ""
):
    """Answer an inline decision posted with `form`, after `run_service` ran it (a refusal is
    on the form by then): htmx gets the table row again with the outcome inside it; a plain
    POST, with JavaScript off, flashes the outcome and goes back to `next` or `fallback`.

    `row()` returns the row's context as it is after the decision; only htmx needs it, so a
    plain POST does not read it. `subject` ("Application #111") heads the flashed message:
    back on a queue of many rows, it says which one the outcome is about.
    """
    error = " ".join(str(e) for errors in form.errors.values() for e in errors) or None
    if is_htmx(request):
        # The row's forms keep the queue as their way back: rendered for this answer, the
        # request's own path is the action's, and a refused payment sent again without
        # JavaScript went to the claim's page instead of the list.
        outcome = {
            "row_error": error,
            "row_success": None if error else success,
            "next_url": next_or(request, fallback),
        }
        if error:
            # The refused row's forms show what was typed (an amount over the cap came back
            # as the requested amount, the official's figure lost).
            outcome["typed"] = request.POST
        return render(request, row_template, {**row(), **outcome})
    outcome = error or success
    if subject and outcome:
        outcome = f"{subject}: {outcome}"
    if error:
        messages.error(request, outcome)
    else:
        messages.success(request, outcome)
    return redirect(next_or(request, fallback))


def render_throttled(request, template: str, context: dict, *, wait: int):
    """A page refused by a throttle: 429, with the seconds to wait in Retry-After."""
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(wait)
    return response


# --- small request helpers every app's views use -------------------------------------------

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def is_htmx(request) -> bool:
    """htmx asked for a fragment; the same view answers a whole page without JavaScript."""
    return request.headers.get("HX-Request") == "true"


def next_or(request, fallback: str) -> str:
    """Where to go after a POST: the form's `next` when it stays on this site, else `fallback`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A path of this site only: `redirect("x")` reads a bare word as a view's name, and a
    # word no view has answered 500 after the action was saved.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def unread_filters(form, fields=None) -> list[str]:
    """What a list's filter form could not read, one sentence per filter ("District: Select
    a valid choice. XX is not one of the available choices."): a district, category or
    state that is none of the list's, typed or from an old link. The page then lists nothing,
    answers 400 and says so, as the voucher list and the exports do: dropped unsaid, the
    whole list read as filtered."""
    if not form.is_bound or form.is_valid():
        return []
    errors = {
        name: errors for name, errors in form.errors.items() if fields is None or name in fields
    }
    return [_unread(form, name, errors) for name, errors in errors.items()]


def _unread(form, name: str, errors: list) -> str:
    field = form.fields.get(name)
    if field is None:
        return " ".join(errors)
    if isinstance(field, forms.ChoiceField) and name in form.data:
        # The value named, in words of our own: Django's "Select a valid choice" spoke of a
        # list the reader never saw, and some forms' messages left the value out.
        return pgettext(
            "a filter and the value it does not know",
            "%(filter)s: “%(value)s” is none of its choices.",
        ) % {"filter": field.label, "value": str(form.data.get(name))[:40]}
    return pgettext("a filter and what was wrong with it", "%(filter)s: %(error)s") % {
        "filter": field.label,
        "error": " ".join(errors),
    }


def page_of(request, queryset, *, default: int = PAGE_SIZE, capped: bool = False):
    """The requested page (`?page=`, `?page_size=` up to MAX_PAGE_SIZE) of `queryset`.

    `capped`: count at most 10,000 rows beyond the page, as the API's lists do (a page over a
    large table would spend longer counting than reading); the paginator's `count_exact`
    then says whether `count` is the whole number or a lower bound."""
    try:
        size = int(request.GET.get("page_size") or default)
    except ValueError:
        size = default
    size = max(1, min(size, MAX_PAGE_SIZE))
    if not capped:
        return Paginator(queryset, size).get_page(request.GET.get("page"))
    from portal.api import COUNT_CAP, CappedPaginator

    paginator = CappedPaginator(queryset, size)
    raw = request.GET.get("page") or "1"
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 9 else 1
    paginator.count_limit = max(COUNT_CAP, number * size)
    return paginator.get_page(number)


def query_without_page(request, *also: str) -> str:
    """The current query string without `page`, for page links that keep the filters; and
    without the parameters named in `also`, for links that set those (the demand list's
    state tabs keep the words, the district and the category, and set the state)."""
    params = request.GET.copy()
    for name in ("page", *also):
        params.pop(name, None)
    return params.urlencode()


class InvalidFormIsBadRequest:
    """For Django's generic form views (login, password pages): a form with errors is
    answered 400, like every other form of the portal, instead of 200."""

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)
