"""What every providers service reads from its caller the same way: required text, a reason,
and the server-side name of an uploaded file."""

import uuid

from django.utils.translation import gettext as _

from portal.errors import ValidationFailed
from portal.security import refuse_hidden_controls, shown_text


def required_text(value: str | None, *, field: str, message: str) -> str:
    value = shown_text(value, field=field)
    if not value:
        raise ValidationFailed(message, field=field, code="required")
    return value


def text_within(value: str, *, limit: int, field: str) -> str:
    """A text as given, refused when longer than `limit` characters (a form's maxlength is
    only the browser's: the API and a crafted POST reach the service without it); refused
    too when it holds characters that turn the text around where it is shown."""
    refuse_hidden_controls(value, field=field)
    if len(value) > limit:
        raise ValidationFailed(
            _("Use at most %(limit)s characters (this text has %(length)s).")
            % {"limit": f"{limit:,}", "length": f"{len(value):,}"},
            field=field,
            code="max_length",
        )
    return value


def required_reason(value: str | None) -> str:
    return required_text(value, field="reason", message=_("Please give a reason."))


def stored_name(kind) -> str:
    """A server-side name that is unique and safe whatever the uploader called the file."""
    return f"{uuid.uuid4().hex}{kind.extensions[0]}"
