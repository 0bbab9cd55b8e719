"""The technology-manager library: the public page and API, an enterprise asking a manager to
broker a demand, the manager recorded on the order, and the dashboards counting the deals."""

import pytest
from django.core import mail

from providers.models import Demand, Proposal, ServiceOrder, TechnologyManager
from providers.services import proposal_accept

pytestmark = pytest.mark.postgres


@pytest.fixture
def zhao(demo):
    return TechnologyManager.objects.get(user__username="manager-demo")


@pytest.fixture
def demand(demo):
    return Demand.objects.get(technology_manager__user__username="manager-demo")


def test_the_library_lists_managers(client, zhao):
    response = client.get("/technology-managers/")
    assert response.status_code == 200
    assert zhao in response.context["page"].object_list
    only_yangpu = client.get("/technology-managers/?region=YANGPU").context["page"].object_list
    assert all("YANGPU" in {r.code for r in m.regions_served.all()} for m in only_yangpu)


def test_the_api_lists_managers(api_client, zhao):
    body = api_client.get("/api/technology-managers/?region=NANHU&q=Zhao").json()
    assert [m["name"] for m in body["results"]] == ["Zhao Lei"]
    assert body["results"][0]["certification_level"] == "senior"
    assert set(body["results"][0]["regions_served"]) == {"YANGPU", "WUJIN", "NANHU", "HEFEI_HT"}


def test_the_seed_demand_is_brokered_by_the_demo_manager(demand, zhao):
    assert demand.technology_manager == zhao


def test_an_enterprise_asks_a_manager_to_broker_its_demand(
    client, demo, zhao, demand, django_capture_on_commit_callbacks
):
    Demand.objects.filter(pk=demand.pk).update(technology_manager=None)
    client.force_login(demo["users"]["enterprise-jiangnan"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/technology-managers/{zhao.pk}/", {"demand": demand.pk})
    assert response.status_code == 302
    demand.refresh_from_db()
    assert demand.technology_manager == zhao
    assert any(zhao.contact_email in m.to for m in mail.outbox)


def test_a_manager_not_serving_the_district_is_refused(client, demo, demand):
    Demand.objects.filter(pk=demand.pk).update(technology_manager=None)
    gao = TechnologyManager.objects.get(name="Gao Fang")  # Yangpu only
    client.force_login(demo["users"]["enterprise-jiangnan"])
    response = client.post(f"/technology-managers/{gao.pk}/", {"demand": demand.pk})
    assert response.status_code == 400
    demand.refresh_from_db()
    assert demand.technology_manager is None
    # The form does not offer it in the first place, and says why.
    page = client.get(f"/technology-managers/{gao.pk}/").content.decode()
    assert "None of your open demands without a manager is in a district" in page


def test_the_demand_and_its_order_name_their_broker(client, demo, zhao, demand):
    proposal = Proposal.objects.filter(demand=demand).order_by("id").first()
    result = proposal_accept(proposal=proposal, actor=demo["users"]["enterprise-jiangnan"])
    order = getattr(result, "service_order", result)
    client.force_login(demo["users"]["enterprise-jiangnan"])

    for url in (f"/demands/{demand.pk}/", f"/orders/{order.pk}/"):
        page = client.get(url).content.decode()
        assert "Brokered by" in page and f"/technology-managers/{zhao.pk}/" in page, url


def test_another_enterprises_demand_is_not_found(client, demo, zhao, demand):
    Demand.objects.filter(pk=demand.pk).update(technology_manager=None)
    client.force_login(demo["users"]["enterprise-yangpu"])
    response = client.post(f"/technology-managers/{zhao.pk}/", {"demand": demand.pk})
    assert response.status_code == 404


def test_the_order_records_the_manager_and_the_dashboards_count_it(client, demo, zhao, demand):
    proposal = Proposal.objects.filter(demand=demand).order_by("id").first()
    result = proposal_accept(proposal=proposal, actor=demo["users"]["enterprise-jiangnan"])
    order = getattr(result, "service_order", result)
    order = ServiceOrder.objects.get(pk=order.pk)
    assert order.technology_manager == zhao

    client.force_login(demo["users"]["official-wujin"])
    deals = client.get("/official/").context["brokered_deals"]
    assert [(d["manager_id"], d["deals"]) for d in deals] == [(zhao.pk, 1)]
    client.force_login(demo["users"]["official-hefei"])
    assert client.get("/official/").context["brokered_deals"] == []
    client.force_login(demo["users"]["manager-demo"])
    assert client.get("/dashboard/")["Location"] == "/manager/"
    page = client.get("/manager/")
    assert [o.pk for o in page.context["orders"]] == [order.pk]
    # The deal's steps and the demand it came from (the order's own page is the parties').
    body = page.content.decode()
    from django.utils import timezone

    assert timezone.localtime(order.requested_at).strftime("%Y-%m-%d") in body
    assert f'href="/demands/{demand.pk}/"' in body
