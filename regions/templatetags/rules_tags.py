from django import template

from regions.reminders import reminders_for

register = template.Library()


@register.simple_tag
def reminders_of(user):
    """The reminders a dashboard shows its user (regions.reminders)."""
    return reminders_for(user)
