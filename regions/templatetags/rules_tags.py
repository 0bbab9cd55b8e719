from django import template

from regions.reminders import reminders_for

register = template.Library()


@register.simple_tag(takes_context=True)
def reminders_of(context, user):
    """The reminders a dashboard shows its user (regions.reminders); a view that counted them
    already (the official dashboard, with its queues) passes them as `known_reminders`."""
    known = context.get("known_reminders")
    if known is not None:
        return known
    return reminders_for(user)
