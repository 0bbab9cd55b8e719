"""Small helpers for the demand tests: a valid demand body and a published demand."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from providers import services
from providers.models import ServiceCategory


def demand_body(**overrides) -> dict:
    body = {
        "title": "Thermal conductivity of graphene films",
        "description": "Measure and improve the in-plane thermal conductivity of our films.",
        "category": "rnd",
        "budget_min": "50000.00",
        "budget_max": "120000.00",
        "deadline": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "visibility": "public",
    }
    body.update(overrides)
    return body


def publish(user, *, invited=(), **overrides):
    values = {
        "title": "Graphene film thermal management",
        "description": "Improve heat spreading of graphene films in phones.",
        "category": ServiceCategory.objects.get(code="rnd"),
        "budget_min": Decimal("50000.00"),
        "budget_max": Decimal("150000.00"),
        "deadline": timezone.localdate() + timedelta(days=30),
        "visibility": "invited" if invited else "public",
    }
    values.update(overrides)
    return services.demand_publish(actor=user, invited_providers=list(invited), **values)


def propose(user, demand, *, price="90000.00", days=60, **extra):
    return services.proposal_submit(
        demand=demand,
        actor=user,
        approach="Laser flash measurement, then annealing trials.",
        price=price,
        duration_days=days,
        **extra,
    )
