"""Two people editing one record in two tabs: the second save silently undid the first.

An edit form carries `edited_from`, a fingerprint of the record's editable values as the
form showed them; the service, holding the row locked, compares it with the values now and
refuses the save (409 `edited_meanwhile`) when someone changed them in between. A client
that sends no fingerprint (the API's PATCH, which names only the fields it changes) is not
checked.
"""

import hashlib
import json

from django import forms
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from portal.errors import InvalidTransition


def fingerprint(instance, fields) -> str:
    values = model_to_dict(instance, fields=list(fields))
    text = json.dumps(values, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class EditedFrom(forms.CharField):
    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, max_length=64, **kwargs)


def check_not_edited_meanwhile(instance, fields, edited_from: str | None) -> None:
    """`instance` is the row read under its lock."""
    if edited_from and edited_from != fingerprint(instance, fields):
        raise InvalidTransition(
            _(
                "Someone changed this since you opened the form, and saving would undo their "
                "change. Your entries are below: open the page again to see theirs, then "
                "make yours."
            ),
            code="edited_meanwhile",
        )
