"""The seeded graphene demand the matching tests rank."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from providers import services
from providers.models import Demand, ServiceCategory

GRAPHENE_TITLE = "石墨烯粉体分散工艺 · Graphene powder dispersion process"


def graphene_demand_of(demo) -> Demand:
    """The demand seed_demo publishes for the Wujin graphene company (published here the same
    way if the seed has none)."""
    demand = Demand.objects.filter(title__contains="Graphene powder dispersion").first()
    if demand is None:
        demand = services.demand_publish(
            actor=demo["users"]["enterprise-jiangnan"],
            title=GRAPHENE_TITLE,
            description=(
                "Our graphene powder agglomerates when dispersed in water-based and NMP "
                "slurries. We need a dispersion process that keeps few-layer graphene stable."
            ),
            category=ServiceCategory.objects.get(code="rnd"),
            budget_min=Decimal("200000.00"),
            budget_max=Decimal("400000.00"),
            deadline=timezone.localdate() + timedelta(days=60),
            visibility=Demand.Visibility.PUBLIC,
            invited_providers=[],
        )
    return demand
