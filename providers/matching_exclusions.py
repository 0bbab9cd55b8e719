"""Who a demand's matches leave out, read for many demands at once: the providers its
enterprise may not pay (its related parties, itself), those whose expert advises on it, and
the stakes of its live proposals (their experts may not advise). Each rule is the one the
services refuse by; matching leaves such candidates out rather than suggest them and refuse
them after."""

from portal.codes import normalise_credit_code
from providers.models import Demand, Expert, Proposal


def unpayable_codes_of(demands) -> dict[int, set[str]]:
    """For each demand's id, the credit codes its enterprise may not pay: its related
    parties' and its own. One query for all of them; each demand's enterprise is read with
    it (`select_related("enterprise")` where there are many)."""
    from vouchers.models import RelatedParty

    related: dict[int, set[str]] = {}
    rows = RelatedParty.objects.filter(
        enterprise_id__in={demand.enterprise_id for demand in demands}
    ).values_list("enterprise_id", "credit_code")
    for enterprise_id, code in rows:
        related.setdefault(enterprise_id, set()).add(code)
    return {
        demand.pk: related.get(demand.enterprise_id, set())
        | {normalise_credit_code(demand.enterprise.credit_code)}
        for demand in demands
    }


def advising_providers_of(demands) -> dict[int, set[int]]:
    """For each demand's id, the providers whose expert the district assigned to advise on
    it: they may not propose for it (`proposals.advising_expert_with_stake`). One query."""
    advised: dict[int, set[int]] = {demand.pk: set() for demand in demands}
    rows = Expert.objects.filter(
        assignments__demand__in=[demand.pk for demand in demands], provider__isnull=False
    ).values_list("assignments__demand_id", "provider_id")
    for demand_id, provider_id in rows:
        advised[demand_id].add(provider_id)
    return advised


def stakes_in(demand: Demand) -> set[tuple[str, int]]:
    """("expert", id) and ("provider", id) of every live proposal for the demand: one query.
    The rule is libraries.proposal_of_advisers_side's."""
    live = Proposal.objects.filter(demand=demand).exclude(
        status__in=[*Proposal.ENDED_STATUSES, Proposal.Status.DECLINED]
    )
    stakes = set()
    for expert_id, provider_id in live.values_list("expert_id", "provider_id"):
        if expert_id:
            stakes.add(("expert", expert_id))
        stakes.add(("provider", provider_id))
    return stakes
