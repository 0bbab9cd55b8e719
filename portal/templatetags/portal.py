"""Template filters every app's pages use: `{% load portal %}` (money, ratios, audit actions).

Amounts are shown the same way in English and Chinese ("¥1,234,567.89"): grouped, two
decimals, never through float. Django's own number localisation is not used for them because
it would need USE_THOUSAND_SEPARATOR, which also puts commas into form inputs.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()

CENT = Decimal("0.01")


def _decimal(value) -> Decimal | None:
    if value is None or value == "" or isinstance(value, float | bool):
        # A float here means money went through float somewhere: show nothing rather than
        # a rounded figure that looks right.
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


@register.filter
def cny(value) -> str:
    """Decimal("1234567.891") -> "¥1,234,567.89"; negative -> "-¥12.00"; bad input -> ""."""
    number = _decimal(value)
    if number is None:
        return ""
    number = number.quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    return f"{sign}¥{abs(number):,.2f}"


@register.filter
def pct(value, places=1) -> str:
    """A ratio as a percentage: Decimal("0.5") -> "50%", Decimal("0.3333") -> "33.3%"."""
    number = _decimal(value)
    if number is None:
        return ""
    try:
        places = max(0, int(places))
    except (TypeError, ValueError):
        places = 1
    percent = (number * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{percent:.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


@register.simple_tag(takes_context=True)
def can_use_admin(context) -> bool:
    """Whether the admin site would let this request in: the header offers the link only
    then. Asked of the site itself, so that the menu cannot drift from its rule (staff alone
    is not enough: officials are staff, and the second factor must be done)."""
    from django.contrib import admin

    request = context.get("request")
    return bool(request and request.user.is_authenticated and admin.site.has_permission(request))


@register.simple_tag
def submission_key():
    """The hidden field that makes a form's POST count once (portal/submissions.py)."""
    from portal.submissions import submission_key_input

    return submission_key_input()


@register.inclusion_tag("partials/error_summary.html")
def error_summary(*forms):
    """The box at the top of a long form sent back with mistakes: it names each field to
    correct, linked to it, so that nobody has to search a long page (or listen through it)
    for the marked ones. A form that is not on the page (None, or a name the page lacks)
    is left out."""
    fields = [field for form in forms if form for field in form.visible_fields() if field.errors]
    return {"fields": [(field, _anchor(field)) for field in fields]}


def _anchor(field) -> str:
    """The id a summary's link moves the focus to: the field's, or for a group of boxes (whose
    own id is on a box-less wrapper) its first box's."""
    if field.id_for_label:
        return field.id_for_label
    if getattr(field.field.widget, "input_type", "") in ("checkbox", "radio"):
        return f"{field.auto_id}_0"
    return field.auto_id
