"""`{% demand_ranking demand as ranking %}`: the demand's ranked providers and experts for a
reader allowed to see them (providers.permissions.can_see_demand_matches) while the demand is
open, else None; so that the demand page includes the matching panel with one line and its
view needs no change. An awarded or closed demand suggests no one: its provider is chosen or
its need is gone."""

from django import template

from providers.matching import demand_experts, demand_matches
from providers.models import Demand
from providers.permissions import can_see_demand_matches

register = template.Library()


@register.simple_tag(takes_context=True)
def demand_ranking(context, demand):
    request = context.get("request")
    user = getattr(request, "user", None)
    if demand is None or demand.status != Demand.Status.OPEN:
        return None
    if not can_see_demand_matches(user, demand):
        return None
    return {"providers": demand_matches(demand), "experts": demand_experts(demand)}
