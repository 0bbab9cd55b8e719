"""The portal's form widgets, and Django's own form messages worded for people."""

from django import forms
from django.utils.translation import ngettext_lazy


class Textarea(forms.Textarea):
    """A browser counts a line break as one character against the box's maxlength and sends
    it as two ("\\r\\n"): 4,000 characters typed in 12 lines came back refused as 4,012. The
    text is read with "\\n" line breaks, as the browser counted it (and as it is shown)."""

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        return value.replace("\r\n", "\n") if isinstance(value, str) else value


# Django's Chinese for these calls a form's field a 变量 ("variable"): the portal's catalogue
# words them for people. Marked here so that makemessages keeps them in it.
LENGTH_MESSAGES = (
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
)
