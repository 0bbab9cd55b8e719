"""Publishing, editing and closing a demand, through the API and the services."""

from datetime import timedelta

import pytest
from django.utils import timezone

from providers import services
from providers.models import Demand
from regions.models import AuditEntry
from tests.located import assert_located
from tests.providers.demand_factories import demand_body, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def jiangnan(api_as, users):
    return api_as(users["enterprise-jiangnan"])


def test_it_publishes_a_demand(jiangnan, users):
    response = jiangnan.post("/api/demands/", demand_body(), format="json")
    assert_located(jiangnan, response, "/api/demands/{id}/")
    body = response.json()
    assert body["status"] == "open"
    assert body["region"] == "WUJIN"
    assert body["category"] == "rnd"
    assert body["budget_min"] == "50000.00"
    assert body["enterprise"] == users["enterprise-jiangnan"].enterprise_id
    demand = Demand.objects.get(pk=body["id"])
    assert AuditEntry.objects.filter(
        object_type="providers.demand", object_id=str(demand.pk), action="create"
    ).exists()


@pytest.mark.parametrize("rejected", [False, True])
def test_an_enterprise_not_verified_publishes_no_demand(api_as, client, users, rejected):
    """A demand goes out under the programme's name to every provider: an enterprise the
    district has not verified (or has refused) publishes none, as it applies for no voucher."""
    from vouchers.models import Enterprise

    user = users["enterprise-jiangnan"]
    Enterprise.objects.filter(pk=user.enterprise_id).update(
        verified_at=None,
        rejected_at=timezone.now() if rejected else None,
        rejection_reason="Unknown address." if rejected else "",
    )
    before = Demand.objects.count()

    response = api_as(user).post("/api/demands/", demand_body(), format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "enterprise_unverified"
    assert Demand.objects.count() == before
    client.force_login(user)
    page = client.get("/demands/new/").content.decode()
    assert "not been verified" in page
    assert 'name="title"' not in page  # no form to fill in for a refusal


def test_it_refuses_a_budget_range_upside_down(jiangnan):
    before = Demand.objects.count()
    response = jiangnan.post(
        "/api/demands/", demand_body(budget_min="90000.00", budget_max="10000.00"), format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "budget_range"
    assert Demand.objects.count() == before


def test_it_refuses_a_past_deadline(jiangnan):
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = jiangnan.post("/api/demands/", demand_body(deadline=yesterday), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "deadline_past"


def test_it_refuses_a_deadline_more_than_ten_years_ahead(jiangnan):
    response = jiangnan.post("/api/demands/", demand_body(deadline="9999-12-31"), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "deadline_far"
    near = (timezone.localdate() + timedelta(days=365 * 9)).isoformat()
    assert (
        jiangnan.post("/api/demands/", demand_body(deadline=near), format="json").status_code == 201
    )


def test_it_refuses_a_description_beyond_its_limit_and_writes_nothing(jiangnan):
    before = Demand.objects.count()
    body = demand_body(description="x" * (Demand.DESCRIPTION_MAX_LENGTH + 1))
    response = jiangnan.post("/api/demands/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "max_length"
    assert "10,000" in str(response.json()["description"])
    assert Demand.objects.count() == before


@pytest.mark.parametrize(
    "field,value",
    [("budget_min", 5), ("deadline", "soon"), ("category", "nope"), ("visibility", "secret")],
)
def test_it_refuses_junk(jiangnan, field, value):
    response = jiangnan.post("/api/demands/", demand_body(**{field: value}), format="json")
    assert response.status_code == 400


def test_an_invited_only_demand_needs_invitations(jiangnan):
    response = jiangnan.post("/api/demands/", demand_body(visibility="invited"), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "no_invited_providers"


def test_a_provider_cannot_publish(api_as, users):
    response = api_as(users["provider-sit"]).post("/api/demands/", demand_body(), format="json")
    assert response.status_code == 403


def test_the_owner_edits_an_open_demand(users):
    demand = publish(users["enterprise-jiangnan"])
    services.demand_edit(
        demand=demand, actor=users["enterprise-jiangnan"], title="New title", budget_max="200000"
    )
    demand.refresh_from_db()
    assert demand.title == "New title"
    assert str(demand.budget_max) == "200000.00"


def test_another_enterprise_cannot_edit(users):
    from portal.errors import NotAllowed

    demand = publish(users["enterprise-jiangnan"])
    with pytest.raises(NotAllowed):
        services.demand_edit(demand=demand, actor=users["enterprise-yangpu"], title="Mine now")


def test_the_owner_closes_a_demand(users):
    demand = publish(users["enterprise-jiangnan"])
    services.demand_close(demand=demand, actor=users["enterprise-jiangnan"])
    demand.refresh_from_db()
    assert demand.status == "closed"
    assert demand.closed_at is not None


def test_the_database_refuses_an_upside_down_budget(users):
    from django.db import IntegrityError, transaction

    demand = publish(users["enterprise-jiangnan"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Demand.objects.filter(pk=demand.pk).update(budget_min=demand.budget_max + 1)


@pytest.mark.parametrize(
    "title",
    [
        "\u200b\u0007",
        "\ufeff \u2060",
        "Graphene\u202e\u200bdilution",
        "\u3164",  # Hangul filler: a letter that prints blank
        "\u2800",  # braille blank
        "\u00ad\u180e",  # soft hyphen, Mongolian vowel separator
        "\u0301",  # a combining accent on nothing
        "\U000e0041",  # a tag character
        "\u061cA",  # the Arabic letter mark turns text around too
    ],
)
def test_a_title_that_shows_nothing_or_reads_backwards_is_refused(jiangnan, title):
    response = jiangnan.post("/api/demands/", demand_body(title=title), format="json")

    assert response.status_code == 400
    assert "title" in response.json()
    assert not Demand.objects.filter(title=title).exists()


def test_a_save_from_an_edit_page_opened_before_a_colleagues_save_is_refused(client, users):
    import re

    from tests.providers.demand_factories import publish

    demand = publish(users["enterprise-jiangnan"])
    path = f"/demands/{demand.pk}/edit/"
    client.force_login(users["enterprise-jiangnan"])

    def opened() -> str:
        page = client.get(path).content.decode()
        return re.search(r'name="edited_from" value="([0-9a-f]+)"', page).group(1)

    body = {
        "description": demand.description,
        "category": demand.category_id,
        "budget_min": "50000.00",
        "budget_max": "150000.00",
        "deadline": demand.deadline.isoformat(),
        "visibility": "public",
    }
    first, second = opened(), opened()
    assert client.post(path, {**body, "title": "First", "edited_from": first}).status_code == 302
    stale = client.post(path, {**body, "title": "Second", "edited_from": second})
    assert stale.status_code == 409
    assert "Someone changed this since you opened the form" in stale.content.decode()
    demand.refresh_from_db()
    assert demand.title == "First"


def test_an_unknown_and_a_hidden_provider_are_refused_in_the_same_words(jiangnan, demo):
    """Different words told which ids of providers not shown anywhere exist."""
    from providers.models import Provider

    hidden = demo["providers"]["provider-graphene"]
    Provider.objects.filter(pk=hidden.pk).update(status=Provider.Status.REJECTED)
    answers = []
    for ids in ([hidden.pk], [987654]):
        response = jiangnan.post(
            "/api/demands/",
            demand_body(visibility="invited", invited_providers=ids),
            format="json",
        )
        assert response.status_code == 400
        answers.append(response.json()["invited_providers"])
    assert answers[0] == answers[1]
