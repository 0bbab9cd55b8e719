"""`{% open_risk_flag_count as n %}`: the official's risk queue length, for the menu."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def open_risk_flag_count(context) -> int:
    from regions.sources import open_risk_flag_count as count

    request = context.get("request")
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated and user.is_official and user.region_id):
        return 0
    # The official dashboard counts its queues, this one among them, in one query.
    known = context.get("known_risk_flag_count")
    if known is not None:
        return known
    return count(region_id=user.region_id)
