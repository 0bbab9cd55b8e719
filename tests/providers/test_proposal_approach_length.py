"""A proposal's approach is bounded alike on the page and in the API."""

import pytest

from providers.models import Proposal
from tests.providers.demand_factories import publish

pytestmark = pytest.mark.django_db

LIMIT = Proposal.APPROACH_MAX_LENGTH


@pytest.fixture
def demand(users):
    return publish(users["enterprise-jiangnan"])


def propose_on_the_page(client, demand, approach):
    return client.post(
        f"/demands/{demand.pk}/propose/",
        {"approach": approach, "price": "50000", "duration_days": "30"},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_the_page_refuses_an_approach_beyond_the_limit(client, users, demand):
    client.force_login(users["provider-sit"])

    response = propose_on_the_page(client, demand, "x" * 300_000)

    assert response.status_code == 400
    errors = response.context["form"].errors["approach"]
    assert f"at most {LIMIT} characters" in errors[0]
    assert not Proposal.objects.filter(demand=demand).exists()


def test_the_page_takes_an_approach_at_the_limit(client, users, demand):
    client.force_login(users["provider-sit"])

    response = propose_on_the_page(client, demand, "x" * LIMIT)

    assert response.status_code == 302
    assert len(Proposal.objects.get(demand=demand).approach) == LIMIT


def test_the_api_refuses_an_approach_beyond_the_same_limit(api_as, users, demand):
    response = api_as(users["provider-sit"]).post(
        f"/api/demands/{demand.pk}/proposals/",
        {"approach": "x" * (LIMIT + 1), "price": "50000.00", "duration_days": 30},
        format="json",
    )

    assert response.status_code == 400
    assert "approach" in response.json()
    assert not Proposal.objects.filter(demand=demand).exists()
