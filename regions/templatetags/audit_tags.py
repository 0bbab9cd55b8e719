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
