"""Amounts of money as people type them, parsed the same way by every form and endpoint.

Accepted: digits, optionally one dot followed by one or two digits ("1500", "1500.5",
"1500.50"); surrounding spaces; full-width digits and the full-width dot ("１５００．５０"),
which Chinese input methods produce, are read as their ASCII forms. Refused: exponents
("5e1"), underscores ("1_000"), signs, thousands separators, a bare or trailing dot (".5",
"12."), more than two decimals, and floats (a float has already lost the cents).
"""

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from portal.errors import ValidationFailed

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1000000000000")  # DecimalField(max_digits=14, decimal_places=2)
_AMOUNT = re.compile(r"[0-9]+(\.[0-9]{1,2})?")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")


# A minus sign, ASCII, typographic or full-width, before what would be an amount.
_NEGATIVE = re.compile(r"[-\u2212\uff0d]\s*[0-9][0-9,]*(\.[0-9]*)?")


def _negative_message(allow_zero: bool) -> str:
    if allow_zero:
        return _("The amount cannot be negative.")
    return _("The amount must be more than zero.")


def parse_money(value, *, field: str = "amount", allow_zero: bool = False) -> Decimal:
    """A CNY amount with at most two decimals, more than zero unless `allow_zero`."""
    if isinstance(value, Decimal):
        text = format(value, "f") if value.is_finite() else ""
    elif isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip().translate(_FULL_WIDTH)
    else:
        text = ""
    if not text:
        raise ValidationFailed(_("Enter an amount in yuan, like 1500.00."), field=field)
    if isinstance(value, Decimal):
        amount = value
        if amount != amount.quantize(CENT):
            raise ValidationFailed(_("Amounts have at most two decimal places."), field=field)
    else:
        if not _AMOUNT.fullmatch(text):
            if _NEGATIVE.fullmatch(text):
                # "-100" is no typo of the format: say what is wrong with it.
                raise ValidationFailed(_negative_message(allow_zero), field=field)
            # "50,000.555", grouped as the pages print amounts, has the same one fault.
            if re.fullmatch(r"[0-9][0-9,\uff0c]*\.[0-9]{3,}", text):
                raise ValidationFailed(_("Amounts have at most two decimal places."), field=field)
            raise ValidationFailed(_("Enter an amount in yuan, like 1500.00."), field=field)
        amount = Decimal(text)
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationFailed(_negative_message(allow_zero), field=field)
    if amount >= MAX_AMOUNT:
        raise ValidationFailed(_("The amount is too large."), field=field)
    return amount.quantize(CENT)


# An amount as the pages print it, copied back into a form: "¥250,000.00", "250,000".
# (The yen signs written as their codes: the pages never show the full-width one, so the web
# font's subset, built from the characters of the sources, need not hold it.)
_PRINTED = re.compile(
    "[\u00a5\uffe5]?" + r"\s*([0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]{1,2})?|[0-9]+(?:\.[0-9]{1,2})?)"
)


def as_typed_on_a_page(text: str) -> str:
    """The amount without the yuan sign and the thousands commas the pages print, when it is
    written exactly so (groups of three); anything else is left for `parse_money` to judge.
    Only forms read it: the API's amounts are plain decimal strings, as its schema says."""
    # A Chinese input method types the thousands comma full-width too (U+FF0C).
    printed = _PRINTED.fullmatch(text.strip().translate(_FULL_WIDTH).replace("\uff0c", ","))
    return printed[1].replace(",", "") if printed else text


class MoneyFormField(forms.CharField):
    """A form's amount field: text (so full-width digits reach the parser), read by
    `parse_money`."""

    widget = forms.TextInput(attrs={"inputmode": "decimal"})

    def __init__(self, *, allow_zero: bool = False, **kwargs):
        kwargs.setdefault("max_length", 32)
        self.allow_zero = allow_zero
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        if text in self.empty_values:
            return None
        try:
            return parse_money(as_typed_on_a_page(text), allow_zero=self.allow_zero)
        except ValidationFailed as error:
            raise forms.ValidationError(error.message) from None


class MoneyField(serializers.CharField):
    """An amount in the API: a decimal string (API.md), read by `parse_money`. A JSON number
    is refused: a float has already lost the cents."""

    def __init__(self, *, allow_zero: bool = False, **kwargs):
        kwargs.setdefault("help_text", 'CNY as a decimal string, e.g. "150000.00"')
        self.allow_zero = allow_zero
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError(
                _('Send amounts as a decimal string, like "1500.00".')
            )
        if len(data) > 32:
            raise serializers.ValidationError(_("Enter an amount in yuan, like 1500.00."))
        text = super().to_internal_value(data)
        try:
            return parse_money(text, field=self.field_name, allow_zero=self.allow_zero)
        except ValidationFailed as error:
            raise serializers.ValidationError(str(error.message)) from None

    def to_representation(self, value):
        return f"{Decimal(value):.2f}"
