"""The audit trail as the history tables show it."""

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from portal.templatetags.portal import cny
from regions.services import audit_action_label, audit_reason_label

register = template.Library()

# The keys under which the services record an entry's amount (regions.services.audit_record's
# callers), in the order to look for them.
AMOUNT_KEYS = (
    "amount",
    "approved_amount",
    "requested_amount",
    "face_value",
    "contract_amount",
    "own_share",
)


@register.filter
def audit_action(value) -> str:
    """An audit entry's action ("accept", "mark_paid") as words in the current language."""
    return audit_action_label(value)


@register.filter
def audit_reason(value) -> str:
    """An audit entry's reason: a person's words as written, the portal's own in the current
    language."""
    return audit_reason_label(value)


@register.filter
def audit_detail(entry) -> str:
    """What an entry records that its action and states do not say: the amount (with the one
    it replaces: a first approval changed twice read as three identical rows), or the kind of
    document uploaded ("Uploaded — —" said neither contract nor invoice)."""
    from providers.models import OrderDocument  # the history is shown by every app

    data = entry.data if isinstance(entry.data, dict) else {}
    if entry.action == "update" and entry.object_type in LIBRARY_FORMS:
        # A library profile's edit records what changed; its history said only "updated".
        return _("changed: %(fields)s") % {"fields": _changed_fields(entry.object_type, data)}
    if data.get("kind") in OrderDocument.Kind.values:
        return str(OrderDocument.Kind(data["kind"]).label)
    for key in AMOUNT_KEYS:
        amount = cny(data.get(key))
        if not amount:
            continue
        previous = cny(data.get("replaces"))
        if previous:
            return _("%(amount)s (was %(previous)s)") % {"amount": amount, "previous": previous}
        return amount
    return ""


LIBRARY_FORMS = {
    "providers.expert": "ExpertForm",
    "providers.technologymanager": "ManagerForm",
}


def _changed_fields(object_type: str, data: dict) -> str:
    """The changed fields of a library profile, by their labels on its form."""
    from providers.forms import libraries

    labels = getattr(libraries, LIBRARY_FORMS[object_type]).Meta.labels
    names = [str(labels.get(key, key)) for key in data] or ["—"]
    return pgettext("list separator", ", ").join(names)


@register.filter
def person(user) -> str:
    """Who acted, by name where the account has one (张三, Jane Smith), else its user name: the
    histories and comments showed "official-wujin" where the official has a name."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
