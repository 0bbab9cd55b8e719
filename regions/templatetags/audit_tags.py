"""The audit trail as the history tables show it."""

from django import template

from regions.services import audit_action_label

register = template.Library()


@register.filter
def audit_action(value) -> str:
    """An audit entry's action ("accept", "mark_paid") as words in the current language."""
    return audit_action_label(value)
