"""`GET POST /api/expert-assignments/` and `POST /api/expert-assignments/{id}/comments/`:
officials assign experts within their district, the assigned expert reads and comments (the
services of the pages); other roles 403, outside the scope 404, bad input 400, twice 409."""

import pytest

from providers.models import Demand, Expert, ExpertAssignment, ExpertComment

pytestmark = pytest.mark.django_db

URL = "/api/expert-assignments/"


@pytest.fixture
def demo_expert(demo):
    return Expert.objects.get(user__username="expert-demo")


@pytest.fixture
def application(demo):
    from vouchers.services import application_submit

    return application_submit(
        enterprise=demo["enterprises"]["enterprise-jiangnan"],
        requested_amount="50000.00",
        purpose="Raman mapping of graphene films",
        actor=demo["users"]["enterprise-jiangnan"],
    )


def test_an_official_assigns_and_the_expert_sees_and_comments(
    api_as, demo, demo_expert, application
):
    official = api_as(demo["users"]["official-wujin"])
    response = official.post(
        URL,
        {"expert": demo_expert.pk, "application": application.pk, "note": "Check"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assignment = ExpertAssignment.objects.get(pk=body["id"])
    assert assignment.application == application and assignment.expert == demo_expert
    assert body["assigned_by"] == "official-wujin" and body["demand"] is None

    expert = api_as(demo["users"]["expert-demo"])
    listed = expert.get(URL).json()
    assert body["id"] in [row["id"] for row in listed["results"]]
    response = expert.post(f"{URL}{assignment.pk}/comments/", {"body": "Sound."}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["author"] == "expert-demo"
    detail = official.get(f"{URL}{assignment.pk}/").json()
    assert [c["body"] for c in detail["comments"]] == ["Sound."]


def test_other_roles_are_refused_and_other_districts_do_not_see(api_as, demo, demo_expert):
    users = demo["users"]
    assignment = ExpertAssignment.objects.get(demand__region__code="WUJIN")
    demand = Demand.objects.filter(region__code="WUJIN", status="open").first()
    for username in ("enterprise-jiangnan", "provider-sit", "expert-demo"):
        client = api_as(users[username])
        response = client.post(URL, {"expert": demo_expert.pk, "demand": demand.pk}, format="json")
        assert response.status_code == 403, username
    # Another district's official: neither the assignment nor the demand is found.
    yangpu = api_as(users["official-yangpu"])
    assert yangpu.get(f"{URL}{assignment.pk}/").status_code == 404
    assert assignment.pk not in [row["id"] for row in yangpu.get(URL).json()["results"]]
    other = Expert.objects.exclude(pk=demo_expert.pk).first()
    response = yangpu.post(URL, {"expert": other.pk, "demand": demand.pk}, format="json")
    assert response.status_code == 404
    # Only the assigned expert comments: the official who sees it is refused.
    response = api_as(users["official-wujin"]).post(
        f"{URL}{assignment.pk}/comments/", {"body": "Me too"}, format="json"
    )
    assert response.status_code == 403
    assert api_as(users["enterprise-jiangnan"]).get(f"{URL}{assignment.pk}/").status_code == 404


@pytest.mark.parametrize(
    "data, field",
    [
        ({}, "expert"),
        ({"expert": "x"}, "expert"),
        ({"expert": 999999, "demand": None}, "expert"),
        ("both", "application"),
        ("neither", "application"),
    ],
)
def test_bad_input_is_400(api_as, demo, demo_expert, application, data, field):
    demand = Demand.objects.filter(region__code="WUJIN", status="open").first()
    if data == "both":
        data = {"expert": demo_expert.pk, "application": application.pk, "demand": demand.pk}
    elif data == "neither":
        data = {"expert": demo_expert.pk}
    before = ExpertAssignment.objects.count()
    response = api_as(demo["users"]["official-wujin"]).post(URL, data, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert ExpertAssignment.objects.count() == before


def test_an_empty_comment_is_400_and_assigning_twice_409(api_as, demo, demo_expert):
    assignment = ExpertAssignment.objects.get(expert=demo_expert)
    before = ExpertComment.objects.count()
    response = api_as(demo["users"]["expert-demo"]).post(
        f"{URL}{assignment.pk}/comments/", {"body": "  "}, format="json"
    )
    assert response.status_code == 400 and "body" in response.json()
    assert ExpertComment.objects.count() == before
    response = api_as(demo["users"]["official-wujin"]).post(
        URL, {"expert": demo_expert.pk, "demand": assignment.demand_id}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "already_assigned"


def test_both_or_no_target_is_a_400_before_any_lookup(api_as, demo, demo_expert):
    """Not exactly one target is the request's shape: 400, even for ids that do not exist."""
    official = api_as(demo["users"]["official-wujin"])
    before = ExpertAssignment.objects.count()
    for body in (
        {"expert": demo_expert.pk, "application": 999999, "demand": 999999},
        {"expert": demo_expert.pk},
    ):
        response = official.post(URL, body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert response.json()["code"] == "one_target"
    assert ExpertAssignment.objects.count() == before


def test_a_decided_application_takes_no_more_review(api_as, client, demo, demo_expert, application):
    """An expert went on commenting on an application already approved or rejected, and was
    told the official heard of it: the review can no longer inform the decision."""
    from portal.errors import InvalidTransition
    from providers.services.libraries import expert_assign
    from vouchers.services import application_reject

    official = demo["users"]["official-wujin"]
    assignment = expert_assign(actor=official, expert=demo_expert, application=application)
    expert = api_as(demo["users"]["expert-demo"])
    url = f"{URL}{assignment.pk}/comments/"
    assert expert.post(url, {"body": "Before."}, format="json").status_code == 201
    application_reject(application=application, actor=official, note="Out of scope.")

    response = expert.post(url, {"body": "After."}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "review_closed"
    assert f"Application #{application.pk} is rejected" in str(response.json())
    assert list(assignment.comments.values_list("body", flat=True)) == ["Before."]

    # The page says so and offers no form; a POST from an old tab is refused the same way.
    client.force_login(demo["users"]["expert-demo"])
    page = client.get(f"/expert-assignments/{assignment.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    body = page.content.decode()
    assert 'id="review-closed"' in body and 'name="body"' not in body
    posted = client.post(f"/expert-assignments/{assignment.pk}/", {"body": "Late."})
    assert posted.status_code == 409
    assert assignment.comments.count() == 1

    # Nor is another expert assigned to it, through the service the page and API share.
    other = Expert.objects.exclude(pk=demo_expert.pk).first()
    with pytest.raises(InvalidTransition) as refused:
        expert_assign(actor=official, expert=other, application=application)
    assert refused.value.code == "review_closed"
    # ... and the API says so (it answered 404 for an application the official can open).
    api = api_as(official).post(
        URL, {"expert": other.pk, "application": application.pk}, format="json"
    )
    assert api.status_code == 409 and api.json()["code"] == "review_closed"
    yangpu = api_as(demo["users"]["official-yangpu"]).post(
        URL, {"expert": other.pk, "application": application.pk}, format="json"
    )
    assert yangpu.status_code == 404


def test_a_closed_demand_takes_no_more_advice(api_as, demo, demo_expert):
    from providers.services.demands import demand_close

    assignment = ExpertAssignment.objects.get(expert=demo_expert)
    demand = assignment.demand
    before = assignment.comments.count()
    demand_close(demand=demand, actor=demand.enterprise.users.first(), reason="Solved in house.")

    response = api_as(demo["users"]["expert-demo"]).post(
        f"{URL}{assignment.pk}/comments/", {"body": "Late."}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "review_closed"
    assert assignment.comments.count() == before
