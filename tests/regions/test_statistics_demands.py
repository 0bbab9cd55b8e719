"""Technology demands published and resolved on the statistics page and in the API, against
the demand rows."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from providers.models import ServiceCategory
from regions.selectors import current_year

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def demand_model():
    return apps.get_model("providers", "Demand")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def demands(demand_model, demo):
    now = timezone.now()
    category = ServiceCategory.objects.first()

    def make(username, status, closed_at=None):
        enterprise = demo["enterprises"][username]
        return demand_model.objects.create(
            enterprise=enterprise,
            region=enterprise.region,
            title=f"Statistics test demand {status}",
            description="A problem to solve.",
            category=category,
            budget_min="1000.00",
            budget_max="5000.00",
            deadline=timezone.localdate() + timedelta(days=30),
            status=status,
            closed_at=closed_at,
        )

    make("enterprise-jiangnan", "open")
    make("enterprise-jiangnan", "awarded", now)
    make("enterprise-jiangnan", "closed", now)
    make("enterprise-yangpu", "awarded", now)
    return demand_model


def test_the_page_counts_demands_published_and_resolved(client, demands):
    year = current_year()
    figures = client.get(reverse("statistics")).context["figures"]
    assert figures["demands"] == {
        "published": demands.objects.filter(created_at__year=year).count(),
        "resolved": demands.objects.filter(status="awarded", closed_at__year=year).count(),
    }
    wujin = client.get(reverse("statistics"), {"region": "WUJIN"}).context["figures"]
    assert wujin["demands"] == {
        "published": demands.objects.filter(created_at__year=year, region__code="WUJIN").count(),
        "resolved": demands.objects.filter(
            status="awarded", closed_at__year=year, region__code="WUJIN"
        ).count(),
    }
    assert wujin["demands"]["resolved"] >= 1


def test_the_api_gives_them_too(api_client, demands):
    body = api_client.get("/api/statistics/", {"region": "YANGPU"}).json()
    year = current_year()
    assert body["demands"]["resolved"] == (
        demands.objects.filter(
            status="awarded", closed_at__year=year, region__code="YANGPU"
        ).count()
    )
