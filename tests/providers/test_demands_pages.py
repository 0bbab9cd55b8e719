"""The demand pages: publish through the form, the list, the comparison table and accepting
from it, the provider's proposal form, in both languages."""

from datetime import timedelta

import pytest
from django.utils import timezone

from providers.models import Demand, Proposal, ServiceOrder
from tests.providers.demand_factories import propose, publish

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "title": "Coating adhesion on aluminium",
        "description": "Our graphene coating peels after salt spray.",
        "category": "",
        "budget_min": "10000",
        "budget_max": "８００００",
        "deadline": (timezone.localdate() + timedelta(days=20)).isoformat(),
        "visibility": "public",
    }
    data.update(overrides)
    return data


def test_an_enterprise_publishes_through_the_form(client, users):
    from providers.models import ServiceCategory

    client.force_login(users["enterprise-jiangnan"])
    assert client.get("/demands/new/").status_code == 200
    category = ServiceCategory.objects.get(code="testing").pk
    response = client.post("/demands/new/", form_data(category=category))
    demand = Demand.objects.get(title="Coating adhesion on aluminium")
    assert response.status_code == 302
    assert response["Location"] == f"/demands/{demand.pk}/"
    assert str(demand.budget_max) == "80000.00"
    assert "Coating adhesion" in client.get("/demands/mine/").content.decode()


def test_the_form_shows_an_upside_down_budget(client, users):
    from providers.models import ServiceCategory

    client.force_login(users["enterprise-jiangnan"])
    category = ServiceCategory.objects.get(code="testing").pk
    response = client.post(
        "/demands/new/", form_data(category=category, budget_min="90000", budget_max="100")
    )
    assert response.status_code == 400
    assert "lowest budget" in response.content.decode()


def test_a_provider_cannot_publish(client, users):
    client.force_login(users["provider-sit"])
    assert client.get("/demands/new/").status_code == 403


def test_the_owner_compares_and_accepts(client, users):
    demand = publish(users["enterprise-jiangnan"])
    chosen = propose(users["provider-sit"], demand, price="90000.00")
    propose(users["provider-graphene"], demand, price="70000.00")
    client.force_login(users["enterprise-jiangnan"])
    page = client.get(f"/demands/{demand.pk}/").content.decode()
    assert "Proposals side by side" in page
    assert page.count(">Accept this proposal<") == 2
    response = client.post(f"/proposals/{chosen.pk}/accept/", {"voucher": ""})
    order = ServiceOrder.objects.get(proposal=chosen)
    assert response["Location"] == f"/orders/{order.pk}/"
    assert Proposal.objects.get(pk=chosen.pk).status == "accepted"


def test_a_provider_proposes_through_the_form(client, users):
    demand = publish(users["enterprise-jiangnan"])
    client.force_login(users["provider-sit"])
    page = client.get(f"/demands/{demand.pk}/").content.decode()
    assert f"/demands/{demand.pk}/propose/" in page
    response = client.post(
        f"/demands/{demand.pk}/propose/",
        {"approach": "Salt spray tests", "price": "50000", "duration_days": "30"},
    )
    assert response.status_code == 302
    page = client.get(f"/demands/{demand.pk}/").content.decode()
    assert "Withdraw the proposal" in page
    assert "Proposals side by side" not in page


def test_the_pages_read_in_chinese(client, users):
    demand = publish(users["enterprise-jiangnan"])
    client.force_login(users["enterprise-jiangnan"])
    page = client.get(f"/demands/{demand.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "征集中" in page
    listing = client.get("/demands/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "技术需求" in listing
