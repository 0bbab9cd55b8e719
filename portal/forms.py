"""Form fields every app's pages share."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One or more files from one `<input type=file multiple>`; cleans to a list."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = [d for d in data if d] if isinstance(data, list | tuple) else [data] if data else []
        if not files:
            # No file at all: FileField's own check says "This field is required." when it is.
            super().clean(None, initial)
            return []
        return [self._clean_one(upload, initial) for upload in files]

    def _clean_one(self, upload, initial):
        try:
            return super().clean(upload, initial)
        except ValidationError as error:
            if error.code != "empty":
                raise
            # "The submitted file is empty." did not say which of the files chosen it was.
            raise ValidationError(
                _("“%(name)s” is empty.") % {"name": upload.name}, code="empty"
            ) from None
