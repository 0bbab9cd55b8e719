"""Amounts of money as people type them, parsed the same way by every form and endpoint.

Accepted: digits, optionally one dot followed by one or two digits ("1500", "1500.5",
"1500.50"); surrounding spaces; full-width digits and the full-width dot ("１５００．５０"),
which Chinese input methods produce, are read as their ASCII forms. Refused: exponents
("5e1"), underscores ("1_000"), signs, thousands separators, a bare or trailing dot (".5",
"12."), more than two decimals, and floats (a float has already lost the cents).
"""

import re
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from portal.errors import ValidationFailed

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1000000000000")  # DecimalField(max_digits=14, decimal_places=2)
_AMOUNT = re.compile(r"[0-9]+(\.[0-9]{1,2})?")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")


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
            if re.fullmatch(r"[0-9]+\.[0-9]{3,}", text):
                raise ValidationFailed(_("Amounts have at most two decimal places."), field=field)
            raise ValidationFailed(_("Enter an amount in yuan, like 1500.00."), field=field)
        amount = Decimal(text)
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationFailed(_("The amount must be more than zero."), field=field)
    if amount >= MAX_AMOUNT:
        raise ValidationFailed(_("The amount is too large."), field=field)
    return amount.quantize(CENT)
