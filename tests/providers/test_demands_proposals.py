"""Proposing, withdrawing and accepting: the provider rules, and the order that acceptance
creates through the order service."""

import pytest
from django.core import mail

from portal.errors import InvalidTransition, NotAllowed, ValidationFailed
from providers import services
from providers.models import Proposal, ProposalAttachment, ServiceOrder
from regions.models import AuditEntry
from tests.located import assert_located
from tests.providers.conftest import EXE_BYTES, pdf_upload, upload
from tests.providers.demand_factories import propose, publish
from vouchers.models import RelatedParty

pytestmark = pytest.mark.django_db


@pytest.fixture
def demand(users):
    return publish(users["enterprise-jiangnan"])


def test_a_certified_provider_proposes(api_as, users, demand):
    response = api_as(users["provider-sit"]).post(
        f"/api/demands/{demand.pk}/proposals/",
        {"approach": "Ball milling trials", "price": "90000.00", "duration_days": 60},
        format="json",
    )
    assert_located(api_as(users["provider-sit"]), response, "/api/proposals/{id}/")
    body = response.json()
    assert body["status"] == "submitted"
    assert body["price"] == "90000.00"
    assert AuditEntry.objects.filter(
        object_type="providers.proposal", object_id=str(body["id"]), action="submit"
    ).exists()


def test_a_provider_not_certified_cannot_propose(users, demand, make_provider):
    provider = make_provider(region="WUJIN", status="applied")
    with pytest.raises(NotAllowed):
        propose(provider.users.first(), demand)


def test_an_enterprise_cannot_propose(api_as, users, demand):
    response = api_as(users["enterprise-yangpu"]).post(
        f"/api/demands/{demand.pk}/proposals/",
        {"approach": "x", "price": "1000.00", "duration_days": 5},
        format="json",
    )
    assert response.status_code == 403


def test_one_live_proposal_per_provider(users, demand):
    first = propose(users["provider-sit"], demand)
    with pytest.raises(InvalidTransition) as refused:
        propose(users["provider-sit"], demand)
    assert refused.value.code == "already_proposed"
    services.proposal_withdraw(proposal=first, actor=users["provider-sit"])
    again = propose(users["provider-sit"], demand, price="85000.00")
    assert again.status == "submitted"


def test_attachments_are_checked_like_evidence(users, demand):
    with pytest.raises(ValidationFailed) as refused:
        propose(users["provider-sit"], demand, attachments=[upload("plan.pdf", EXE_BYTES)])
    assert refused.value.code == "file_type"
    assert not Proposal.objects.filter(demand=demand).exists()
    proposal = propose(users["provider-sit"], demand, attachments=[pdf_upload("plan.pdf")])
    assert ProposalAttachment.objects.filter(proposal=proposal).count() == 1


def test_the_api_downloads_a_proposals_attachment_for_those_who_read_it(api_as, users, demand):
    """The API listed a proposal's files by name with no way to read them."""
    proposal = propose(users["provider-sit"], demand, attachments=[pdf_upload("plan.pdf")])
    listed = api_as(users["enterprise-jiangnan"]).get(f"/api/demands/{demand.pk}/proposals/")
    url = listed.json()["results"][0]["attachments"][0]["url"]
    attachment = proposal.attachments.get()
    assert url == f"/api/proposals/{proposal.pk}/attachments/{attachment.pk}/"
    for reader in ("enterprise-jiangnan", "provider-sit", "official-wujin", "operator"):
        response = api_as(users[reader]).get(url)
        assert response.status_code == 200, reader
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        assert "plan.pdf" in response["Content-Disposition"]
    # Another district's official reads no prices proposed on this district's demand.
    for outsider in ("provider-graphene", "enterprise-yangpu", "official-nanhu"):
        assert api_as(users[outsider]).get(url).status_code == 404, outsider
    other = f"/api/proposals/{proposal.pk}/attachments/{attachment.pk + 1000}/"
    assert api_as(users["enterprise-jiangnan"]).get(other).status_code == 404
    assert (
        api_as(users["enterprise-jiangnan"]).get("/api/proposals/99999/attachments/1/").status_code
        == 404
    )
    # A proposal id that is no number (the API fuzz sent "null,null") is not found either.
    not_a_number = api_as(users["operator"]).get("/api/proposals/null,null/attachments/0/")
    assert not_a_number.status_code == 404


def test_no_proposal_on_a_closed_demand(users, demand):
    services.demand_close(demand=demand, actor=users["enterprise-jiangnan"])
    with pytest.raises(InvalidTransition):
        propose(users["provider-sit"], demand)


def test_the_enterprise_sees_all_proposals_a_provider_its_own(api_as, users, demand):
    propose(users["provider-sit"], demand)
    propose(users["provider-graphene"], demand, price="70000.00")
    url = f"/api/demands/{demand.pk}/proposals/"
    assert api_as(users["enterprise-jiangnan"]).get(url).json()["count"] == 2
    own = api_as(users["provider-sit"]).get(url).json()["results"]
    assert [p["provider"] for p in own] == [users["provider-sit"].provider_id]
    first = api_as(users["enterprise-jiangnan"]).get(url + "?page_size=1").json()
    assert len(first["results"]) == 1 and first["next"]


def test_accepting_creates_the_order_and_declines_the_others(
    api_as, users, demand, demo, django_capture_on_commit_callbacks
):
    chosen = propose(users["provider-sit"], demand, price="90000.00")
    other = propose(users["provider-graphene"], demand, price="70000.00")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(users["enterprise-jiangnan"]).post(
            f"/api/proposals/{chosen.pk}/accept/", {}, format="json"
        )
    assert_located(
        api_as(users["enterprise-jiangnan"]),
        response,
        "/api/service-orders/{id}/",
        key="service_order",
    )
    body = response.json()
    order = ServiceOrder.objects.get(pk=body["service_order"])
    assert order.provider_id == chosen.provider_id
    assert order.title == demand.title
    assert str(order.contract_amount) == "90000.00"
    assert order.status == "requested"
    assert order.voucher == demo["voucher"]
    chosen.refresh_from_db()
    other.refresh_from_db()
    demand.refresh_from_db()
    assert chosen.status == "accepted" and chosen.service_order == order
    assert other.status == "declined"
    assert demand.status == "awarded"
    declined_mail = [m for m in mail.outbox if "provider-graphene@example.com" in m.to]
    assert declined_mail, [m.to for m in mail.outbox]
    # The usual flow continues: the provider accepts the order.
    services.order_accept(order=order, actor=users["provider-sit"])


def test_only_the_owner_accepts(api_as, users, demand):
    proposal = propose(users["provider-sit"], demand)
    assert (
        api_as(users["enterprise-yangpu"])
        .post(f"/api/proposals/{proposal.pk}/accept/", {}, format="json")
        .status_code
        == 404
    )
    assert (
        api_as(users["provider-sit"])
        .post(f"/api/proposals/{proposal.pk}/accept/", {}, format="json")
        .status_code
        == 403
    )


def test_a_related_party_refusal_undoes_the_acceptance(api_as, users, demand, sit):
    proposal = propose(users["provider-sit"], demand)
    RelatedParty.objects.create(
        enterprise_id=users["enterprise-jiangnan"].enterprise_id,
        credit_code=sit.credit_code,
        name=sit.name,
    )
    before = ServiceOrder.objects.count()
    response = api_as(users["enterprise-jiangnan"]).post(
        f"/api/proposals/{proposal.pk}/accept/", {}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "related_party"
    assert ServiceOrder.objects.count() == before
    proposal.refresh_from_db()
    demand.refresh_from_db()
    assert proposal.status == "submitted"
    assert demand.status == "open"


def test_accepting_twice_is_refused(api_as, users, demand):
    proposal = propose(users["provider-sit"], demand)
    client = api_as(users["enterprise-jiangnan"])
    assert (
        client.post(f"/api/proposals/{proposal.pk}/accept/", {}, format="json").status_code == 201
    )
    again = client.post(f"/api/proposals/{proposal.pk}/accept/", {}, format="json")
    assert again.status_code == 409


def test_accepting_another_after_one_names_the_accepted(api_as, users, demand):
    chosen = propose(users["provider-sit"], demand)
    other = propose(users["provider-graphene"], demand)
    client = api_as(users["enterprise-jiangnan"])
    client.post(f"/api/proposals/{chosen.pk}/accept/", {}, format="json")

    again = client.post(f"/api/proposals/{other.pk}/accept/", {}, format="json")

    assert again.status_code == 409
    assert again.json()["code"] == "demand_awarded"
    assert chosen.provider.display_name in again.json()["detail"]


def test_without_a_voucher_acceptance_says_so(api_as, users, make_enterprise):
    enterprise = make_enterprise(region="NANHU")
    owner = enterprise.users.first()
    demand = publish(owner)
    proposal = propose(users["provider-sit"], demand)
    response = api_as(owner).post(f"/api/proposals/{proposal.pk}/accept/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "no_voucher"


def test_an_expert_whose_provider_proposes_may_not_advise_on_the_demand(api_as, users, demand):
    from providers.models import Expert
    from providers.services.libraries import expert_assign

    propose(users["provider-sit"], demand)
    zhang_min = Expert.objects.get(provider__users__username="provider-sit")

    with pytest.raises(InvalidTransition) as refused:
        expert_assign(actor=users["official-wujin"], expert=zhang_min, demand=demand)

    assert refused.value.code == "conflict_of_interest"
    assert "Shanghai Institute of Technology" in refused.value.message
    # Through the API too, with its code.
    response = api_as(users["official-wujin"]).post(
        "/api/expert-assignments/", {"expert": zhang_min.pk, "demand": demand.pk}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "conflict_of_interest"


def test_a_provider_whose_expert_advises_on_the_demand_may_not_propose(users, demand):
    from providers.models import Expert
    from providers.services.libraries import expert_assign

    zhang_min = Expert.objects.get(provider__users__username="provider-sit")
    expert_assign(actor=users["official-wujin"], expert=zhang_min, demand=demand)

    with pytest.raises(InvalidTransition) as refused:
        propose(users["provider-sit"], demand)

    assert refused.value.code == "conflict_of_interest"
    assert not Proposal.objects.filter(demand=demand).exists()
    # Nor may another provider name an adviser as its leading expert; without them it may.
    independent = Expert.objects.filter(provider__isnull=True, active=True).first()
    expert_assign(actor=users["official-wujin"], expert=independent, demand=demand)
    with pytest.raises(InvalidTransition):
        propose(users["provider-graphene"], demand, expert=independent)
    assert propose(users["provider-graphene"], demand).pk


def test_a_withdrawn_proposal_leaves_its_expert_free_to_advise(users, demand):
    from providers.models import Expert
    from providers.services.libraries import expert_assign

    proposal = propose(users["provider-sit"], demand)
    services.proposal_withdraw(proposal=proposal, actor=users["provider-sit"])
    zhang_min = Expert.objects.get(provider__users__username="provider-sit")

    assert expert_assign(actor=users["official-wujin"], expert=zhang_min, demand=demand).pk


BOUNDARY = "7c5156fb04a2177cf9e322ad31ebde44"


def test_a_multipart_body_of_nothing_but_unnamed_content_is_refused(api_as, users, demand):
    # What a client sends for a body it had no form for: one part without a name.
    proposal = propose(users["provider-sit"], demand)
    before = ServiceOrder.objects.count()
    response = api_as(users["enterprise-jiangnan"]).post(
        f"/api/proposals/{proposal.pk}/accept/",
        f"--{BOUNDARY}\r\nNone--{BOUNDARY}--\r\n",
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )
    assert response.status_code == 400, response.content
    assert "no named field" in response.json()["detail"]
    assert ServiceOrder.objects.count() == before
    proposal.refresh_from_db()
    assert proposal.status == "submitted"


@pytest.mark.parametrize("body", [f"--{BOUNDARY}--\r\n", f"--{BOUNDARY}--"], ids=["crlf", "bare"])
def test_an_empty_multipart_form_still_accepts(api_as, users, demand, body):
    proposal = propose(users["provider-sit"], demand)
    response = api_as(users["enterprise-jiangnan"]).post(
        f"/api/proposals/{proposal.pk}/accept/",
        body,
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )
    assert response.status_code == 201, response.content


def test_a_named_multipart_field_still_reaches_the_action(api_as, users, demand):
    proposal = propose(users["provider-sit"], demand)
    response = api_as(users["enterprise-jiangnan"]).post(
        f"/api/proposals/{proposal.pk}/accept/", {"voucher": "NO-SUCH-SERIAL"}, format="multipart"
    )
    assert response.status_code == 400, response.content
    assert response.json()["voucher"] == ["You have no voucher with this serial."]


@pytest.mark.parametrize("ending", ["decline", "cancel"])
def test_an_awarded_order_that_ends_undelivered_opens_the_demand_again(
    api_as, client, users, demand, ending, django_capture_on_commit_callbacks
):
    """The demand stood awarded to a declined order for good: the runner-up's proposal was
    declined at the award and the enterprise could only publish the demand again."""
    chosen = propose(users["provider-sit"], demand, price="90000.00")
    runner_up = propose(users["provider-graphene"], demand, price="70000.00")
    enterprise = api_as(users["enterprise-jiangnan"])
    order_id = enterprise.post(f"/api/proposals/{chosen.pk}/accept/", {}, format="json").json()[
        "service_order"
    ]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        if ending == "decline":
            ended = api_as(users["provider-sit"]).post(
                f"/api/service-orders/{order_id}/decline/", {"reason": "No capacity"}, format="json"
            )
        else:
            ended = enterprise.post(
                f"/api/service-orders/{order_id}/cancel/",
                {"reason": "Changed plans"},
                format="json",
            )
    assert ended.status_code == 200, ended.content

    demand.refresh_from_db()
    chosen.refresh_from_db()
    runner_up.refresh_from_db()
    assert demand.status == "open" and demand.closed_at is None
    # Its order kept as history; marked so that its provider may propose again.
    assert chosen.status == "order_ended" and chosen.service_order_id == order_id
    assert AuditEntry.objects.filter(
        object_type="providers.proposal", object_id=str(chosen.pk), to_status="order_ended"
    ).exists()
    assert runner_up.status == "submitted" and runner_up.decided_at is None
    assert AuditEntry.objects.filter(
        object_type="providers.demand", object_id=str(demand.pk), action="reinstate"
    ).exists()
    subjects = {m.subject for m in mail.outbox}
    assert any(f"Demand #{demand.pk} is open again" in s for s in subjects), subjects
    assert any("provider-graphene@example.com" in m.to and "stands again" in m.subject
               for m in mail.outbox)  # fmt: skip

    client.force_login(users["enterprise-jiangnan"])
    page = client.get(f"/demands/{demand.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert f"/proposals/{runner_up.pk}/accept/" in page.content.decode()

    # The enterprise chooses the runner-up: a new order, the demand awarded again.
    again = enterprise.post(f"/api/proposals/{runner_up.pk}/accept/", {}, format="json")
    assert again.status_code == 201, again.content
    demand.refresh_from_db()
    assert demand.status == "awarded"
    assert ServiceOrder.objects.get(pk=again.json()["service_order"]).provider_id == (
        runner_up.provider_id
    )


def test_an_order_not_made_from_a_proposal_leaves_demands_alone(users, demand, order_in):
    order = order_in("requested")
    services.order_decline(order=order, actor=order.provider.users.first(), reason="Busy")
    demand.refresh_from_db()
    assert demand.status == "open"


def test_the_enterprise_edits_and_closes_its_demand_through_the_api(api_as, users, demand):
    """Both were page-only: `POST /api/demands/{id}/close/` answered 404."""
    owner = api_as(users["enterprise-jiangnan"])
    url = f"/api/demands/{demand.pk}/"
    edited = owner.patch(url, {"title": "Graphene dispersion, revised"}, format="json")
    assert edited.status_code == 200, edited.content
    assert edited.json()["title"] == "Graphene dispersion, revised"
    demand.refresh_from_db()
    assert demand.title == "Graphene dispersion, revised"
    bad = owner.patch(url, {"budget_min": "900000.00", "budget_max": "1000.00"}, format="json")
    assert bad.status_code == 400
    other = api_as(users["enterprise-yangpu"])
    assert other.patch(url, {"title": "Mine"}, format="json").status_code in (403, 404)
    assert other.post(url + "close/", {}, format="json").status_code in (403, 404)

    proposal = propose(users["provider-sit"], demand)
    closed = owner.post(url + "close/", {"reason": "Solved in house."}, format="json")
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "closed"
    proposal.refresh_from_db()
    assert proposal.status == "declined"
    again = owner.post(url + "close/", {}, format="json")
    assert again.status_code == 409
    assert owner.patch(url, {"title": "Too late"}, format="json").status_code == 409


def test_the_provider_whose_order_ended_may_propose_again(api_as, client, users, demand):
    """Its accepted proposal's order cancelled, the demand open again: the provider was
    offered no way to propose (409 already_proposed) nor to withdraw (the proposal stood
    accepted), and with no other proposal the enterprise was at a dead end."""
    sit = users["provider-sit"]
    first = propose(sit, demand, price="90000.00")
    enterprise = api_as(users["enterprise-jiangnan"])
    order_id = enterprise.post(f"/api/proposals/{first.pk}/accept/", {}, format="json").json()[
        "service_order"
    ]
    cancelled = enterprise.post(
        f"/api/service-orders/{order_id}/cancel/", {"reason": "Wrong voucher"}, format="json"
    )
    assert cancelled.status_code == 200, cancelled.content

    client.force_login(sit)
    page = client.get(f"/demands/{demand.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.context["may_propose"] and page.context["own_proposal"] is None
    # Its ended proposal stays its to read, with the order it became.
    assert page.context["own_earlier"] == [first]
    assert f"/orders/{order_id}/" in page.content.decode().split("Your earlier proposals")[1]
    second = propose(sit, demand, price="85000.00")
    page = client.get(f"/demands/{demand.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.context["own_proposal"] == second and not page.context["may_propose"]
    with pytest.raises(InvalidTransition):
        propose(sit, demand, price="80000.00")  # one live proposal still

    accepted = enterprise.post(f"/api/proposals/{second.pk}/accept/", {}, format="json")
    assert accepted.status_code == 201, accepted.content
    first.refresh_from_db()
    assert first.status == "order_ended" and first.service_order_id == order_id


def test_the_provider_reads_its_own_proposal_in_full(client, users, demand):
    """Its card showed the status, price and duration only; the approach, the expert and the
    attachments were in the API alone."""
    proposal = propose(users["provider-sit"], demand, attachments=[pdf_upload("plan.pdf")])
    client.force_login(users["provider-sit"])
    page = client.get(f"/demands/{demand.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    card = page.split("Your proposal")[1].split("</section>")[0]
    assert "Laser flash measurement, then annealing trials." in card
    attachment = proposal.attachments.get()
    link = f"/proposals/{proposal.pk}/attachments/{attachment.pk}/"
    assert link in card
    assert client.get(link).status_code == 200


def test_an_order_cancelled_without_a_reason_reopens_the_demand_without_empty_brackets(
    api_as, users, demand, django_capture_on_commit_callbacks
):
    chosen = propose(users["provider-sit"], demand)
    enterprise = api_as(users["enterprise-jiangnan"])
    order_id = enterprise.post(f"/api/proposals/{chosen.pk}/accept/", {}, format="json").json()[
        "service_order"
    ]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        enterprise.post(f"/api/service-orders/{order_id}/cancel/", {}, format="json")
    (reopened,) = [m for m in mail.outbox if "is open again" in m.subject]
    assert "ended without delivery. The demand" in reopened.body and "()" not in reopened.body
