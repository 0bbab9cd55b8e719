"""The expert library: the public page and API, contact by request, officials assigning
experts within their district, experts commenting on what they are assigned."""

import pytest
from django.core import mail

from providers.models import Demand, Expert, ExpertAssignment, ExpertComment
from providers.services.libraries import expert_assign
from regions.models import AuditEntry
from vouchers.models import VoucherApplication

pytestmark = pytest.mark.postgres


@pytest.fixture
def demo_expert(demo):
    return Expert.objects.get(user__username="expert-demo")


@pytest.fixture
def wujin_application(demo):
    from vouchers.services import application_submit

    return application_submit(
        enterprise=demo["enterprises"]["enterprise-jiangnan"],
        requested_amount="50000.00",
        purpose="Raman mapping of graphene films",
        actor=demo["users"]["enterprise-jiangnan"],
    )


def test_the_library_lists_experts_with_filters(client, demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = client.get("/experts/")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == Expert.objects.filter(active=True).count()
    by_region = client.get("/experts/?region=NANHU").context["page"].object_list
    assert by_region and {e.region.code for e in by_region} == {"NANHU"}
    by_category = client.get("/experts/?category=ip").context["page"].object_list
    assert by_category and all("ip" in {c.code for c in e.categories.all()} for e in by_category)
    found = client.get("/experts/?q=graphene").context["page"].object_list
    assert "Li Wei" in {e.name for e in found}


def test_the_profile_never_shows_the_address(client, demo_expert):
    response = client.get(f"/experts/{demo_expert.pk}/")
    assert response.status_code == 200
    assert demo_expert.contact_email.encode() not in response.content


def test_the_api_lists_experts_for_anyone(api_client, demo, demo_expert):
    body = api_client.get("/api/experts/?region=WUJIN&category=rnd&q=graphene").json()
    assert [e["name"] for e in body["results"]] == ["Li Wei"]
    expert = body["results"][0]
    assert expert["region"] == "WUJIN" and "rnd" in expert["categories"]
    assert "contact_email" not in expert


def test_a_signed_in_user_contacts_an_expert_by_email(
    client, demo, demo_expert, django_capture_on_commit_callbacks
):
    client.force_login(demo["users"]["enterprise-yangpu"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/experts/{demo_expert.pk}/contact/", {"message": "Can you help?"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert demo_expert.contact_email in mail.outbox[0].to
    assert "Can you help?" in mail.outbox[0].body


def test_a_fourth_message_to_one_expert_in_a_day_is_refused(
    client, demo, demo_expert, django_capture_on_commit_callbacks
):
    client.force_login(demo["users"]["enterprise-yangpu"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [
            client.post(
                f"/experts/{demo_expert.pk}/contact/", {"message": f"Question {n}"}
            ).status_code
            for n in range(4)
        ]

    assert statuses == [302, 302, 302, 429]
    assert len(mail.outbox) == 3
    refused = client.post(f"/experts/{demo_expert.pk}/contact/", {"message": "Again"})
    assert "3 times in the last day" in refused.content.decode()
    # Another person may still write.
    client.force_login(demo["users"]["enterprise-jiangnan"])
    assert client.post(f"/experts/{demo_expert.pk}/contact/", {"message": "Hi"}).status_code == 302


def test_contacting_needs_a_login(client, demo_expert):
    response = client.post(f"/experts/{demo_expert.pk}/contact/", {"message": "Hi"})
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_official_assigns_an_expert_to_an_application_of_the_district(
    client, demo, demo_expert, wujin_application
):
    client.force_login(demo["users"]["official-wujin"])
    response = client.post(
        f"/experts/{demo_expert.pk}/assign/", {"application": wujin_application.pk, "note": "Check"}
    )
    assignment = ExpertAssignment.objects.get(application=wujin_application)
    assert response.status_code == 302
    assert assignment.expert == demo_expert and assignment.assigned_by.username == "official-wujin"
    assert AuditEntry.objects.filter(
        object_type="providers.expertassignment", object_id=str(assignment.pk), action="assign"
    ).exists()


def test_an_application_of_another_district_is_not_found(
    client, demo, demo_expert, wujin_application
):
    client.force_login(demo["users"]["official-yangpu"])
    response = client.post(
        f"/experts/{demo_expert.pk}/assign/", {"application": wujin_application.pk}
    )
    assert response.status_code == 404
    assert not ExpertAssignment.objects.filter(application=wujin_application).exists()


def test_an_assignment_of_another_district_is_not_found(client, demo):
    assignment = ExpertAssignment.objects.get(demand__region__code="WUJIN")
    client.force_login(demo["users"]["official-yangpu"])
    assert client.get(f"/expert-assignments/{assignment.pk}/").status_code == 404
    client.force_login(demo["users"]["official-wujin"])
    assert client.get(f"/expert-assignments/{assignment.pk}/").status_code == 200


def test_the_service_refuses_another_districts_demand(demo, demo_expert):
    from portal.errors import NotAllowed

    demand = Demand.objects.filter(region__code="WUJIN").first()
    with pytest.raises(NotAllowed):
        expert_assign(actor=demo["users"]["official-yangpu"], expert=demo_expert, demand=demand)


def test_assigning_twice_is_a_conflict(client, demo, demo_expert):
    demand = ExpertAssignment.objects.get(expert=demo_expert).demand
    client.force_login(demo["users"]["official-wujin"])
    response = client.post(f"/experts/{demo_expert.pk}/assign/", {"demand": demand.pk})
    assert response.status_code == 409


def test_the_expert_sees_the_assignment_and_comments(client, demo, demo_expert):
    client.force_login(demo["users"]["expert-demo"])
    assert client.get("/dashboard/")["Location"] == "/expert-assignments/"
    listing = client.get("/expert-assignments/")
    assignment = ExpertAssignment.objects.get(expert=demo_expert)
    assert list(listing.context["page"].object_list) == [assignment]
    before = ExpertComment.objects.count()
    response = client.post(f"/expert-assignments/{assignment.pk}/", {"body": "Looks sound."})
    assert response.status_code == 302
    assert ExpertComment.objects.count() == before + 1
    assert AuditEntry.objects.filter(
        object_type="providers.expertassignment", object_id=str(assignment.pk), action="comment"
    ).exists()


def test_only_the_assigned_expert_comments(client, demo):
    assignment = ExpertAssignment.objects.first()
    client.force_login(demo["users"]["official-wujin"])
    response = client.post(f"/expert-assignments/{assignment.pk}/", {"body": "Me too"})
    assert response.status_code == 403


def test_another_expert_does_not_see_it(client, demo, demo_expert):
    from regions.models import User

    other = User.objects.create_user("expert-other", role=User.Role.EXPERT, password="x-pass-2026")
    Expert.objects.filter(pk=Expert.objects.exclude(pk=demo_expert.pk).first().pk).update(
        user=other
    )
    client.force_login(other)
    assignment = ExpertAssignment.objects.get(expert=demo_expert)
    assert client.get(f"/expert-assignments/{assignment.pk}/").status_code == 404
    assert VoucherApplication.objects.exists()  # the seed still stands


def test_an_expert_does_not_write_to_their_own_profile(client, demo, demo_expert):
    client.force_login(demo["users"]["expert-demo"])

    response = client.post(f"/experts/{demo_expert.pk}/contact/", {"message": "Me?"})

    assert response.status_code == 409
    assert "This is your own profile." in response.content.decode()
    # Nor is the form offered there.
    page = client.get(f"/experts/{demo_expert.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"/experts/{demo_expert.pk}/contact/" not in page
    assert "This is your own profile: people who are signed in write to you" in page


def test_the_adviser_and_the_broker_read_the_demands_proposals(api_as, client, demo, demo_expert):
    """The expert asked to advise on the graphene demand and the manager asked to broker it
    read its proposals side by side (they were shown none); nobody else of their roles does,
    and neither may accept one."""
    from providers.models import Demand, Proposal
    from regions.models import User

    assignment = ExpertAssignment.objects.get(expert=demo_expert)
    demand = assignment.demand
    assert demand is not None and Proposal.objects.filter(demand=demand).exists()
    count = Proposal.objects.filter(demand=demand).count()
    manager = demo["users"]["manager-demo"]
    assert Demand.objects.get(pk=demand.pk).technology_manager.user_id == manager.pk

    for user in (demo["users"]["expert-demo"], manager):
        listed = api_as(user).get(f"/api/demands/{demand.pk}/proposals/")
        assert listed.status_code == 200 and listed.json()["count"] == count
        client.force_login(user)
        page = client.get(f"/demands/{demand.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Proposals side by side" in page
        assert "/accept/" not in page
    client.force_login(demo["users"]["expert-demo"])
    page = client.get(f"/expert-assignments/{assignment.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert f"/demands/{demand.pk}/#compare-title" in page.content.decode()

    other = User.objects.create_user("expert-other", role=User.Role.EXPERT, password="x-pass-2026")
    assert api_as(other).get(f"/api/demands/{demand.pk}/proposals/").json()["count"] == 0


def test_the_experts_review_is_read_where_the_official_decides(
    client, demo, demo_expert, wujin_application
):
    """The expert's comments were on the assignment's own page only: the application's
    page, where the official approves, showed neither the assignment nor the review."""
    from providers.services.libraries import expert_comment

    official = demo["users"]["official-wujin"]
    assignment = expert_assign(
        actor=official, expert=demo_expert, application=wujin_application, note="Check the plan"
    )
    expert_comment(
        actor=demo["users"]["expert-demo"],
        assignment=assignment,
        body="The calibration plan is sound.",
    )
    for user in (official, demo["users"]["operator"]):
        client.force_login(user)
        page = client.get(f"/applications/{wujin_application.pk}/", HTTP_ACCEPT_LANGUAGE="en")
        body = page.content.decode()
        assert "Expert reviews" in body and "The calibration plan is sound." in body
        assert "Check the plan" in body and f"/expert-assignments/{assignment.pk}/" in body
    # The enterprise reads its application without the officials' reviews.
    client.force_login(demo["users"]["enterprise-jiangnan"])
    body = client.get(f"/applications/{wujin_application.pk}/").content.decode()
    assert "The calibration plan is sound." not in body


def test_the_experts_advice_on_a_demand_is_read_on_the_demands_page(client, demo, demo_expert):
    from providers.services.libraries import expert_comment

    assignment = ExpertAssignment.objects.get(expert=demo_expert, demand__isnull=False)
    expert_comment(
        actor=demo["users"]["expert-demo"], assignment=assignment, body="Prefer the Raman route."
    )
    official = next(
        u
        for u in demo["users"].values()
        if u.is_official and u.region_id == assignment.demand.region_id
    )
    client.force_login(official)
    page = client.get(f"/demands/{assignment.demand_id}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    body = page.content.decode()
    assert "专家意见" in body and "Prefer the Raman route." in body


def test_an_expert_whose_account_is_deactivated_leaves_the_library(
    api_client, client, demo, demo_expert, wujin_application
):
    """Deactivated by the operator, the expert was still listed, contactable and offered
    for assignments."""
    from portal.errors import InvalidTransition
    from providers.services.libraries import expert_contact
    from regions.accounts import account_deactivate

    account_deactivate(
        actor=demo["users"]["operator"], account=demo_expert.user, reason="Left the programme."
    )
    demo_expert.refresh_from_db()
    assert client.get("/experts/").content.decode().count(demo_expert.name) == 0
    assert client.get(f"/experts/{demo_expert.pk}/").status_code == 404
    listed = api_client.get("/api/experts/").json()
    assert demo_expert.pk not in [row["id"] for row in listed["results"]]
    with pytest.raises(InvalidTransition):
        expert_contact(expert=demo_expert, actor=demo["users"]["enterprise-jiangnan"], message="Hi")
    with pytest.raises(InvalidTransition):
        expert_assign(
            actor=demo["users"]["official-wujin"], expert=demo_expert, application=wujin_application
        )


def test_the_assign_form_names_each_application_with_its_amount_grouped(
    client, demo, demo_expert, wujin_application
):
    client.force_login(demo["users"]["official-wujin"])
    page = client.get(f"/experts/{demo_expert.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"#{wujin_application.pk} " in page and "¥50,000.00" in page
    assert "¥50000.00" not in page


def test_the_assigned_expert_reads_the_application_with_its_attachments(
    api_as, client, demo, demo_expert, wujin_application
):
    """The assignment's page showed the purpose alone; the application's page and
    `GET /api/voucher-applications/{id}/` answered the expert 404."""
    expert = demo["users"]["expert-demo"]
    url = f"/api/voucher-applications/{wujin_application.pk}/"
    assert api_as(expert).get(url).status_code == 404
    assignment = expert_assign(
        actor=demo["users"]["official-wujin"], expert=demo_expert, application=wujin_application
    )

    assert api_as(expert).get(url).status_code == 200
    client.force_login(expert)
    page = client.get(f"/expert-assignments/{assignment.pk}/").content.decode()
    assert f"/applications/{wujin_application.pk}/" in page
    detail = client.get(f"/applications/{wujin_application.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert detail.status_code == 200
    body = detail.content.decode()
    assert "Raman mapping of graphene films" in body
    # Reading is all: no decision, no withdrawal, no officials' reviews.
    assert "decide-title" not in body and "/withdraw/" not in body
    # Another application of the district stays out of reach.
    from vouchers.services import application_submit

    unassigned = application_submit(
        enterprise=demo["enterprises"]["enterprise-jiangnan"],
        requested_amount="1000.00",
        purpose="Something else",
        actor=demo["users"]["enterprise-jiangnan"],
    )
    assert client.get(f"/applications/{unassigned.pk}/").status_code == 404


def test_a_deactivated_expert_or_broker_is_named_without_a_dead_link(client, demo, demo_expert):
    """Their profiles answer 404 once deactivated; the reviews card and the demand's
    'Brokered by' still linked to them."""
    from regions.accounts import account_deactivate

    assignment = ExpertAssignment.objects.get(expert=demo_expert, demand__isnull=False)
    demand = assignment.demand
    manager = demand.technology_manager
    operator = demo["users"]["operator"]
    for account in (demo_expert.user, manager.user):
        account_deactivate(actor=operator, account=account, reason="Left the programme.")

    client.force_login(operator)
    page = client.get(f"/demands/{demand.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"/experts/{demo_expert.pk}/" not in page
    assert f"/technology-managers/{manager.pk}/" not in page
    assert page.count("(no longer active)") >= 2
    assert demo_expert.display_name in page and manager.display_name in page
