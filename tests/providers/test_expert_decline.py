"""The assigned expert declines an assignment, before commenting, with a reason the official
who asked reads (page, API, e-mail); then it takes no comment, and a declined demand's
proposals are no longer the expert's to read."""

import pytest

from providers.models import Expert, ExpertAssignment
from regions.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_expert(demo):
    return Expert.objects.get(user__username="expert-demo")


@pytest.fixture
def assignment(demo, demo_expert):
    from providers.services.libraries import expert_assign
    from vouchers.services import application_submit

    application = application_submit(
        enterprise=demo["enterprises"]["enterprise-jiangnan"],
        requested_amount="50000.00",
        purpose="Raman mapping of graphene films",
        actor=demo["users"]["enterprise-jiangnan"],
    )
    return expert_assign(
        actor=demo["users"]["official-wujin"], expert=demo_expert, application=application
    )


def test_the_expert_declines_on_the_page_and_the_official_reads_why(
    client, demo, assignment, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(demo["users"]["expert-demo"])
    path = f"/expert-assignments/{assignment.pk}/"
    page = client.get(path).content.decode()
    assert f"/expert-assignments/{assignment.pk}/decline/" in page

    assert client.post(f"{path}decline/", {"reason": " "}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{path}decline/", {"reason": "I reviewed its rival's bid."})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.declined_at is not None
    assert assignment.decline_reason == "I reviewed its rival's bid."
    assert AuditEntry.objects.filter(object_id=str(assignment.pk), action="decline").exists()
    assert "official-wujin@example.com" in mailoutbox[-1].to
    assert "I reviewed its rival's bid." in mailoutbox[-1].body

    page = client.get(path).content.decode()
    assert "decline/" not in page and 'name="body"' not in page  # no comment, no decline
    refused = client.post(path, {"body": "Second thoughts."})
    assert refused.status_code == 409
    client.force_login(demo["users"]["official-wujin"])
    application_page = client.get(f"/applications/{assignment.application_id}/").content
    assert "I reviewed its rival&#x27;s bid." in application_page.decode()


def test_the_api_declines_once_and_not_after_a_comment(api_as, demo, assignment):
    expert = api_as(demo["users"]["expert-demo"])
    url = f"/api/expert-assignments/{assignment.pk}/decline/"
    assert expert.post(url, {}, format="json").status_code == 400
    assert api_as(demo["users"]["official-wujin"]).post(
        url, {"reason": "x"}, format="json"
    ).status_code in (403, 404)
    response = expert.post(url, {"reason": "Outside my field."}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["decline_reason"] == "Outside my field."
    again = expert.post(url, {"reason": "Outside my field."}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_declined"
    comment = expert.post(
        f"/api/expert-assignments/{assignment.pk}/comments/", {"body": "Hm."}, format="json"
    )
    assert comment.status_code == 409 and comment.json()["code"] == "assignment_declined"


def test_advice_given_cannot_be_declined(api_as, demo, assignment):
    expert = api_as(demo["users"]["expert-demo"])
    expert.post(
        f"/api/expert-assignments/{assignment.pk}/comments/", {"body": "Sound."}, format="json"
    )
    response = expert.post(
        f"/api/expert-assignments/{assignment.pk}/decline/", {"reason": "Busy."}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "already_commented"
    assert ExpertAssignment.objects.get(pk=assignment.pk).declined_at is None


def test_a_declined_demand_assignment_reads_no_more_proposals(api_as, demo, demo_expert):
    from providers.services.libraries import expert_assignment_decline

    advising = ExpertAssignment.objects.filter(expert=demo_expert, demand__isnull=False).first()
    demand = advising.demand
    expert = api_as(demo["users"]["expert-demo"])
    before = expert.get(f"/api/demands/{demand.pk}/proposals/").json()["results"]
    assert before
    if advising.comments.exists():
        advising.comments.all().delete()
    expert_assignment_decline(actor=demo_expert.user, assignment=advising, reason="Busy.")
    assert expert.get(f"/api/demands/{demand.pk}/proposals/").json()["results"] == []
    assert expert.get(f"/api/proposals/{before[0]['id']}/").status_code == 404


def test_a_declined_or_withdrawn_expert_no_longer_reads_the_application(
    client, demo, assignment, demo_expert
):
    """Both kept the application, its attachments and the API's copy readable."""
    from providers.services.libraries import expert_assignment_decline

    expert = demo["users"]["expert-demo"]
    paths = (
        f"/applications/{assignment.application_id}/",
        f"/api/voucher-applications/{assignment.application_id}/",
    )
    client.force_login(expert)
    assert [client.get(path).status_code for path in paths] == [200, 200]
    expert_assignment_decline(assignment=assignment, actor=expert, reason="A conflict.")
    assert [client.get(path).status_code for path in paths] == [404, 404]


def test_a_withdrawn_expert_no_longer_reads_the_application(client, demo, assignment, demo_expert):
    client.force_login(demo["users"]["expert-demo"])
    path = f"/applications/{assignment.application_id}/"
    assert client.get(path).status_code == 200
    Expert.objects.filter(pk=demo_expert.pk).update(active=False)
    assert client.get(path).status_code == 404


def test_a_withdrawn_expert_no_longer_reads_an_invited_only_demand(client, demo, demo_expert):
    from providers.models import Demand
    from providers.services.libraries import expert_assign

    demand = Demand.objects.order_by("pk").first()
    Demand.objects.filter(pk=demand.pk).update(visibility=Demand.Visibility.INVITED)
    if not ExpertAssignment.objects.filter(demand=demand, expert=demo_expert).exists():
        official = next(
            u for u in demo["users"].values() if u.is_official and u.region_id == demand.region_id
        )
        expert_assign(actor=official, expert=demo_expert, demand=demand)
    client.force_login(demo["users"]["expert-demo"])
    assert client.get(f"/api/demands/{demand.pk}/").status_code == 200
    Expert.objects.filter(pk=demo_expert.pk).update(active=False)
    assert client.get(f"/api/demands/{demand.pk}/").status_code == 404
