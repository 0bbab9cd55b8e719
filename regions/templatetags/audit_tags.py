"""The audit trail as the history tables show it."""

from django import template
from django.db.models import prefetch_related_objects
from django.utils.html import format_html
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
def entry_reason(entry) -> str:
    """`audit_reason` of the entry, and a risk flag's kind in the reader's language: the
    flag's entry keeps its kind's name in the language of whoever's upload raised it, and a
    Chinese history read "Evidence file used on another order"."""
    from providers.models import RiskFlag  # the history is shown by every app

    data = entry.data if isinstance(entry.data, dict) else {}
    if entry.action == "flag" and data.get("kind") in RiskFlag.Kind.values:
        return str(RiskFlag.Kind(data["kind"]).label)
    return audit_reason_label(entry.reason)


@register.filter
def entry_actor(entry) -> str:
    """Who acted, as the history shows it. A risk flag is the system's: it is raised by its
    checks on someone's order or upload (`entry.actor`), and the row named the provider as if
    it had flagged its own order."""
    if entry.action == "flag" or entry.actor is None:
        return _("system")
    return who_acted(entry.actor)


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


@register.filter
def who_acted(user, order=None) -> str:
    """Who acted, as a reader knows them: the person's name where the account has one
    (`person`); else the organisation the account acts for (its provider or enterprise, an
    official's district), its user name after it in small print: "上海某大学 (provider-sit)".
    The histories said "provider-sit" of provider and enterprise accounts, which have no
    names, and the reader did not know who that was.

    `order`: the service order the account acted on, where the page has it. Its enterprise
    and provider, read for the page already, name its parties' organisation without a query
    (the approval queue's rows, an order's documents). Elsewhere the organisation is the
    account's own: lists of rows load it once for all with `with_organisations`."""
    if user is None:
        return ""
    if user.get_full_name():
        return person(user)
    organisation = _organisation(user, order)
    if organisation is None:
        return person(user)
    return format_html(
        '{} <small class="muted">{}{}{}</small>',
        organisation.display_name,
        pgettext("opening parenthesis", "("),
        user.get_username(),
        pgettext("closing parenthesis", ")"),
    )


def _organisation(user, order):
    # `order` is "" where the page has none (the template's value of a missing variable).
    if user.is_provider and user.provider_id:
        if order and order.provider_id == user.provider_id:
            return order.provider
        return user.provider
    if user.is_enterprise and user.enterprise_id:
        if order and order.enterprise_id == user.enterprise_id:
            return order.enterprise
        return user.enterprise
    if user.is_official and user.region_id:
        return user.region
    return None


@register.filter
def with_organisations(rows, field: str = "actor") -> list:
    """`rows` (a history's entries) with the organisation of each one's account (`field`)
    read in one query per kind, not one per row, for `who_acted`. The history is shared by
    every page that has one; the selectors that feed it join the account alone."""
    rows = list(rows or [])
    prefetch_related_objects(rows, f"{field}__provider", f"{field}__enterprise", f"{field}__region")
    return rows
