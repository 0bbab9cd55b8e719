"""The one place where page views turn a domain error into a form or page message."""

from django.contrib import messages

from portal.errors import ApplicationError


def add_service_error(request, error: ApplicationError, form=None) -> None:
    """Show a refused action next to its field when the form has one, else as a message."""
    if form is not None:
        field = error.field if error.field in getattr(form, "fields", {}) else None
        form.add_error(field, error.message)
    else:
        messages.error(request, error.message)


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
