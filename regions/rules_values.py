"""What a programme rules version's values may be: amounts not negative, the co-funding ratio a
plain decimal in (0, 1], whole days within bounds. Checked here for the operator's page and the
API alike, before `regions.rules.rules_version_publish` checks them against what is committed.
"""

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from portal.errors import ValidationFailed
from portal.money import parse_money

# Small whole numbers of days the rules carry, and their bounds.
DAY_FIELDS = {
    "validity_days": (1, 3660),
    "provider_notice_days": (1, 365),  # the notice runs at least a day
    "split_window_days": (1, 3660),
    "service_level_days": (1, 365),
}


PLAIN_DECIMAL = re.compile(r"\d+(\.\d+)?")


def clean_ratio(value) -> Decimal:
    # A string in plain decimals (as money: a JSON number has already been through a float,
    # "1e-1" is not how people write a ratio), or a form's Decimal.
    if not isinstance(value, Decimal | str) or (
        isinstance(value, str) and not PLAIN_DECIMAL.fullmatch(value.strip())
    ):
        raise ValidationFailed(
            _("Enter the co-funding ratio as a decimal, like 0.5."), field="co_funding_ratio"
        )
    try:
        ratio = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed(
            _("Enter the co-funding ratio as a decimal, like 0.5."), field="co_funding_ratio"
        ) from None
    if not ratio.is_finite() or not (0 < ratio <= 1) or ratio != ratio.quantize(Decimal("0.001")):
        raise ValidationFailed(
            _("The co-funding ratio must be more than 0 and at most 1 (three decimals at most)."),
            field="co_funding_ratio",
            code="ratio_out_of_range",
        )
    return ratio


def _days(name: str, value) -> int:
    low, high = DAY_FIELDS[name]
    try:
        days = int(value)
    except (TypeError, ValueError):
        days = None
    if days is None or isinstance(value, bool) or not (low <= days <= high):
        raise ValidationFailed(
            _("Enter a whole number of days from %(low)s to %(high)s.")
            % {"low": low, "high": high},
            field=name,
        )
    return days


def rules_values(values: dict) -> dict:
    """The published values, checked: amounts not negative (a cap and a four-eyes threshold
    above zero), the ratio in (0, 1] as a plain decimal, days within sensible bounds. The
    cap against the budget is checked by `rules_version_publish`, after what is committed
    (`_check_cap_within_budget`). The defaults here are for a district with no rules to keep
    values from (`rules_values_in_force`)."""
    clean = {
        "annual_budget": parse_money(
            values.get("annual_budget"), field="annual_budget", allow_zero=True
        ),
        "max_voucher_per_enterprise": parse_money(
            values.get("max_voucher_per_enterprise"), field="max_voucher_per_enterprise"
        ),
        "co_funding_ratio": clean_ratio(values.get("co_funding_ratio")),
        "cross_region": bool(values.get("cross_region", True)),
        "requires_own_share": bool(values.get("requires_own_share", True)),
    }
    threshold = values.get("four_eyes_threshold")
    clean["four_eyes_threshold"] = (
        None if threshold in (None, "") else parse_money(threshold, field="four_eyes_threshold")
    )
    defaults = {
        "validity_days": 365,
        "provider_notice_days": 7,
        "split_window_days": 90,
        "service_level_days": 5,
    }
    for name, default in defaults.items():
        value = values.get(name)
        clean[name] = _days(name, default if value in (None, "") else value)
    return clean
