"""Reads of demands and the proposals made on them, scoped to the reader, and the demand
search.
"""

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from providers.search import any_field_contains, filter_every_word, search_tsquery

DEMAND_SEARCH_FIELDS = ("title", "description")


def demands_visible_to(user) -> QuerySet:
    """Public demands for everyone; invited-only ones for their enterprise, the providers they
    invite, the officials of the demand's district and the operator (others get 404)."""
    from providers.models import Demand

    demands = Demand.objects.select_related("enterprise", "region", "category")
    public = Q(visibility=Demand.Visibility.PUBLIC)
    if user is None or not user.is_authenticated:
        return demands.filter(public)
    if user.is_operator:
        return demands
    if user.is_official:
        # An invited-only demand (and the prices proposed on it) is its district's business.
        return demands.filter(public | Q(region_id=user.region_id))
    if user.is_enterprise and user.enterprise_id:
        return demands.filter(public | Q(enterprise_id=user.enterprise_id))
    if user.is_provider and user.provider_id:
        invited = Demand.invited_providers.through.objects.filter(
            demand_id=OuterRef("pk"), provider_id=user.provider_id
        )
        return demands.filter(public | Q(Exists(invited)))
    if user.role == user.Role.EXPERT:
        from providers.models import ExpertAssignment

        # As advises_or_brokers: a declined assignment or a withdrawn expert opens nothing.
        live = ExpertAssignment.objects.filter(
            demand_id=OuterRef("pk"),
            expert__user=user,
            expert__active=True,
            declined_at__isnull=True,
        )
        return demands.filter(public | Q(Exists(live)))
    if user.role == user.Role.MANAGER:
        return demands.filter(public | Q(technology_manager__user=user))
    return demands.filter(public)


def demand_search(demands: QuerySet, *, q: str = "", category: str = "", region: str = ""):
    """Filter demands by words, category code and district code.

    On PostgreSQL the words match the demand's search tokens (providers/search.py) through
    the GIN index on to_tsvector('simple', search_terms): Latin words as prefixes, Chinese
    words by all their two-character runs, so that 检测 finds a demand as fast as a longer
    word does; a lone Chinese character is matched as a substring. SQLite, which holds demo
    data only, keeps the portal's plain filter (providers/search.py): every word in the
    title or the description."""
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        tsquery, singles = search_tsquery(q or "")
        if tsquery:
            demands = demands.alias(
                terms_vector=SearchVector("search_terms", config="simple")
            ).filter(terms_vector=SearchQuery(tsquery, search_type="raw", config="simple"))
        for char in singles:
            demands = demands.filter(any_field_contains(char, DEMAND_SEARCH_FIELDS))
    else:
        demands = filter_every_word(demands, q, DEMAND_SEARCH_FIELDS)
    if category:
        demands = demands.filter(category__code=category)
    if region:
        demands = demands.filter(region__code=region)
    return demands


def demand_list(user, *, q: str = "", category: str = "", region: str = "", status: str = ""):
    """The demand list page and API: what the reader may see, open ones first by deadline."""
    from django.db.models import Case, IntegerField, Value, When

    from providers.models import Demand

    demands = demand_search(demands_visible_to(user), q=q, category=category, region=region)
    if status in Demand.Status.values:
        demands = demands.filter(status=status)
    return demands.annotate(
        open_first=Case(
            When(status=Demand.Status.OPEN, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("open_first", "deadline", "-id")


def demands_of(user) -> QuerySet:
    """The enterprise's own demands with their proposal counts (My demands)."""
    from django.db.models import Count

    from providers.models import Demand, Proposal

    if user is None or not user.is_authenticated or not user.enterprise_id:
        return Demand.objects.none()
    return (
        Demand.objects.filter(enterprise_id=user.enterprise_id)
        .select_related("category", "region")
        .annotate(
            live_proposals=Count(
                "proposals",
                filter=Q(
                    proposals__status__in=[Proposal.Status.SUBMITTED, Proposal.Status.ACCEPTED]
                ),
            )
        )
        .order_by("-created_at", "-id")
    )


def proposals_visible_to(user, demand) -> QuerySet:
    """The owner (and the officials of the demand's district, the operator) see every
    proposal of a demand; a provider its own; anyone else none."""
    from providers.models import Proposal

    proposals = (
        Proposal.objects.filter(demand=demand)
        .select_related("provider", "provider__region", "expert", "service_order")
        .prefetch_related("attachments")
        .order_by("price", "id")
    )
    if user is None or not user.is_authenticated:
        return proposals.none()
    if (
        user.is_operator
        or (user.is_official and user.region_id == demand.region_id)
        or (user.is_enterprise and user.enterprise_id == demand.enterprise_id)
    ):
        return proposals
    if user.is_provider and user.provider_id:
        return proposals.filter(provider_id=user.provider_id)
    if advises_or_brokers(user, demand):
        return proposals  # to read: an adviser judges them, a broker follows the deal
    return proposals.none()


def advises_or_brokers(user, demand) -> bool:
    """An expert the district asked to advise on the demand, or the technology manager the
    enterprise asked to broker it: they read its proposals (they were shown none, and the
    expert's own comment in the demo asked for them)."""
    from providers.models import ExpertAssignment

    # A withdrawn expert or manager has left the library: what they were shown before is no
    # longer theirs to read (proposals carry prices).
    if user.role == user.Role.EXPERT:
        return ExpertAssignment.objects.filter(
            demand=demand, expert__user=user, expert__active=True, declined_at__isnull=True
        ).exists()
    if user.role == user.Role.MANAGER:
        manager = demand.technology_manager if demand.technology_manager_id else None
        return bool(manager and manager.user_id == user.pk and manager.active)
    return False


def proposals_acceptable_by(user) -> QuerySet:
    """Proposals on the user's enterprise's demands (the accept endpoint's 404 scope)."""
    from providers.models import Proposal

    if user is None or not user.is_authenticated or not user.enterprise_id:
        return Proposal.objects.none()
    return Proposal.objects.filter(demand__enterprise_id=user.enterprise_id).select_related(
        "demand", "provider"
    )
