"""The audit trail as the history tables show it."""

from django import template

from regions.services import audit_action_label, audit_reason_label

register = template.Library()


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
def person(user) -> str:
    """Who acted, by name where the account has one (张三, Jane Smith), else its user name: the
    histories and comments showed "official-wujin" where the official has a name."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
