"""Reads of the expert library and the technology-manager (技术经纪人) library.

Anyone browses the two libraries (search, district, category); an expert reads what they are
assigned, an official the reviews of their district's applications and demands, a manager the
demands they may broker, the dashboards each manager's deals. The writes are in
`providers.services.libraries`.
"""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from providers.models import (
    Demand,
    Expert,
    ExpertAssignment,
    ExpertComment,
    Proposal,
    ServiceOrder,
    TechnologyManager,
)
from providers.models.libraries import LISTED
from providers.search import filter_every_word
from regions.models import User, names_for_reader


def expert_library(*, search: str = "", region: str = "", category: str = "") -> QuerySet:
    """Active experts; every word of the search in their names, field, organisation, titles
    or profile; district and category codes. Categories are prefetched once per page."""
    experts = (
        Expert.objects.filter(LISTED)
        .select_related("region", "provider")
        .prefetch_related("categories")
    )
    experts = filter_every_word(
        experts, search, ("name", "name_zh", "field", "organisation", "titles", "bio")
    )
    if region:
        experts = experts.filter(region__code=region)
    if category:
        experts = experts.filter(
            Exists(
                Expert.categories.through.objects.filter(
                    expert_id=OuterRef("pk"), servicecategory__code=category
                )
            )
        )
    return experts.order_by("name", "id")


def manager_library(*, search: str = "", region: str = "") -> QuerySet:
    """Active technology managers; every word of the search in their names or organisation;
    a district they serve."""
    managers = TechnologyManager.objects.filter(LISTED).prefetch_related("regions_served")
    managers = filter_every_word(managers, search, ("name", "name_zh", "organisation"))
    if region:
        managers = managers.filter(
            Exists(
                TechnologyManager.regions_served.through.objects.filter(
                    technologymanager_id=OuterRef("pk"), region__code=region
                )
            )
        )
    return managers.order_by("name", "id")


def assignments_visible_to(user) -> QuerySet[ExpertAssignment]:
    """The expert's own assignments; an official's district's (the application's or the
    demand's district); all for the operator; nothing for anyone else."""
    assignments = (
        ExpertAssignment.objects.select_related(
            "expert",
            "expert__region",
            "application",
            "application__enterprise",
            "application__region",
            "demand",
            "demand__enterprise",
            "demand__region",
            "assigned_by",
        )
        .annotate(comment_count=Count("comments"))
        .order_by("-created_at", "-id")
    )
    if user is None or not user.is_authenticated:
        return assignments.none()
    if user.is_operator:
        return assignments
    if user.is_official:
        return assignments.filter(
            Q(application__region_id=user.region_id) | Q(demand__region_id=user.region_id)
        )
    if user.role == User.Role.EXPERT:
        return assignments.filter(expert__user=user)
    return assignments.none()


def expert_reviews(user, *, application=None, demand=None) -> list[ExpertAssignment]:
    """The experts assigned to `application` or `demand`, with their comments, for the
    officials of its district and the operator, where they decide: the experts' reviews
    were read on each assignment's own page only. Nothing for anyone else."""
    if user is None or not (user.is_official or user.is_operator):
        return []
    target = {"application": application} if application is not None else {"demand": demand}
    return list(
        assignments_visible_to(user)
        .filter(**target)
        .select_related("expert__user")
        .prefetch_related(
            Prefetch(
                "comments",
                queryset=ExpertComment.objects.select_related("author").order_by(
                    "created_at", "id"
                ),
            )
        )
        .order_by("created_at", "id")
    )


def applications_to_review(user):
    """Applications an official may give an expert to review: its district's undecided ones."""
    from vouchers.models import VoucherApplication

    if user is None or not user.is_authenticated or not user.is_official:
        return VoucherApplication.objects.none()
    return (
        VoucherApplication.objects.filter(
            region_id=user.region_id, status=VoucherApplication.Status.SUBMITTED
        )
        .select_related("enterprise")
        .order_by("-submitted_at", "-id")
    )


def demands_to_advise(user) -> QuerySet[Demand]:
    """Demands an official may give an expert to advise on: its district's open ones."""
    if user is None or not user.is_authenticated or not user.is_official:
        return Demand.objects.none()
    return (
        Demand.objects.filter(region_id=user.region_id, status=Demand.Status.OPEN)
        .select_related("enterprise")
        .order_by("-created_at", "-id")
    )


def demands_to_broker(user) -> QuerySet[Demand]:
    """An enterprise's open demands no manager brokers yet."""
    if user is None or not user.is_authenticated or not user.is_enterprise:
        return Demand.objects.none()
    return Demand.objects.filter(
        enterprise_id=user.enterprise_id,
        status=Demand.Status.OPEN,
        technology_manager__isnull=True,
    ).order_by("-created_at", "-id")


def manager_of(user) -> TechnologyManager | None:
    if user is None or not user.is_authenticated or user.role != User.Role.MANAGER:
        return None
    return TechnologyManager.objects.filter(user=user).first()


def brokered_deals(*, region_id: int | None = None) -> list[dict]:
    """Orders brokered by a technology manager, counted per manager (an official's district:
    orders of its enterprises). One grouped query."""
    orders = ServiceOrder.objects.filter(technology_manager__isnull=False).exclude(
        status__in=[ServiceOrder.Status.CANCELLED, ServiceOrder.Status.DECLINED]
    )
    if region_id is not None:
        orders = orders.filter(enterprise__region_id=region_id)
    rows = (
        orders.values(
            "technology_manager_id", "technology_manager__name", "technology_manager__name_zh"
        )
        .annotate(deals=Count("id"), amount=Sum("contract_amount"))
        .order_by("-deals", "technology_manager__name")
    )
    return [
        {
            "manager_id": row["technology_manager_id"],
            "name": names_for_reader(
                row["technology_manager__name"], row["technology_manager__name_zh"]
            )[0],
            "deals": row["deals"],
            "amount": row["amount"],
        }
        for row in rows
    ]


def proposal_of_advisers_side(expert: Expert, demand) -> Proposal | None:
    """A live proposal for `demand` led by `expert` or made by the provider the expert works
    with: the expert has a stake in the demand and cannot advise the district on it."""
    stake = Q(expert=expert)
    if expert.provider_id:
        stake |= Q(provider_id=expert.provider_id)
    return (
        Proposal.objects.filter(demand=demand)
        .filter(stake)
        .exclude(status__in=[*Proposal.ENDED_STATUSES, Proposal.Status.DECLINED])
        .select_related("provider")
        .first()
    )


def review_closed_reason(*, application=None, demand=None) -> str:
    """Why an expert's review can no longer inform the decision ("" while it can): the
    application is decided or withdrawn, or the demand closed or awarded. Neither is
    assigned nor commented on then."""
    if application is not None and application.status != application.Status.SUBMITTED:
        return _(
            "Application #%(id)s is %(status)s: an expert's review can no longer inform it."
        ) % {"id": application.pk, "status": application.get_status_display().lower()}
    if demand is not None and demand.status != demand.Status.OPEN:
        return _("This demand is %(status)s: an expert's advice can no longer inform it.") % {
            "status": demand.get_status_display().lower()
        }
    return ""


def introductions_visible_to(user, demand) -> QuerySet:
    """The providers introduced to `demand`, with who introduced them: for its enterprise, the
    manager brokering it, the officials of its district and the operator; none for others
    (a provider is not told whom else a manager brought in)."""
    from providers.models.libraries import DemandIntroduction
    from providers.selectors.demands import advises_or_brokers

    introductions = DemandIntroduction.objects.filter(demand=demand).order_by("created_at", "id")
    if user is None or not user.is_authenticated:
        return introductions.none()
    if (
        user.is_operator
        or (user.is_official and user.region_id == demand.region_id)
        or (user.is_enterprise and user.enterprise_id == demand.enterprise_id)
        or (user.role == User.Role.MANAGER and advises_or_brokers(user, demand))
    ):
        return introductions
    return introductions.none()


def demands_brokered_by(manager: TechnologyManager) -> list[Demand]:
    """The manager's demands for the dashboard, newest first, each open one with
    `suggested_providers` (the best-fitting ones the enterprise may pay, those introduced
    already left out) and every one with its `introductions`. The candidates are loaded once
    for all the demands, so the page's queries do not grow with them."""
    from providers.matching import demand_matches, provider_pool
    from providers.matching_exclusions import advising_providers_of, unpayable_codes_of
    from providers.models.libraries import DemandIntroduction

    demands = list(
        manager.demands.select_related("enterprise", "category")
        .prefetch_related(
            Prefetch(
                "introductions",
                queryset=DemandIntroduction.objects.order_by("created_at", "id"),
                to_attr="introductions_made",
            )
        )
        .order_by("-created_at", "-id")[:50]
    )
    open_demands = [d for d in demands if d.status == Demand.Status.OPEN]
    pool = provider_pool() if open_demands else []
    unpayable = unpayable_codes_of(open_demands) if open_demands else {}
    advised = advising_providers_of(open_demands) if open_demands else {}
    for demand in demands:
        demand.suggested_providers = []
        if demand.status != Demand.Status.OPEN:
            continue
        introduced = {i.provider_id for i in demand.introductions_made}
        demand.suggested_providers = [
            match["provider"]
            for match in demand_matches(
                demand,
                limit=10,
                pool=pool,
                unpayable=unpayable[demand.pk],
                advised=advised[demand.pk],
            )
            if match["provider"].pk not in introduced
        ]
    return demands
