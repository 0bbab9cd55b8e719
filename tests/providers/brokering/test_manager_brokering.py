"""The technology manager brokering a demand acts on it: introduces certified providers the
enterprise may pay (each once; invited if the demand is invited-only; the provider and the
enterprise told), or steps back with a reason the enterprise reads. Service, pages and API."""

import pytest
from django.core import mail
from django.test import Client

from portal.codes import normalise_credit_code
from portal.errors import InvalidTransition, NotAllowed, ValidationFailed
from providers.models import Demand, Proposal, ServiceOrder, TechnologyManager
from providers.models.libraries import DemandIntroduction
from providers.services.brokering import demand_broker_withdraw, demand_provider_introduce
from regions.models import AuditEntry
from vouchers.selectors import enterprise_emails

pytestmark = pytest.mark.django_db


def introduce(broker, demand, provider, note=""):
    return demand_provider_introduce(actor=broker, demand=demand, provider=provider, note=note)


def _audit(demand, action):
    return AuditEntry.objects.filter(
        object_type="providers.demand", object_id=str(demand.pk), action=action
    )


# --- introducing a provider --------------------------------------------------------------


def test_it_introduces_a_provider_and_tells_it_and_the_enterprise(
    broker, demand, lab, zhao, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        introduction = introduce(broker, demand, lab, note="Their Raman lab fits your tests.")

    assert (introduction.demand, introduction.provider, introduction.manager) == (
        demand,
        lab,
        zhao,
    )
    assert introduction.note == "Their Raman lab fits your tests."
    to_provider = [m for m in mail.outbox if lab.contact_email in m.to]
    to_enterprise = [
        m for m in mail.outbox if set(enterprise_emails(demand.enterprise_id)) & set(m.to)
    ]
    assert len(to_provider) == 1 and len(to_enterprise) == 1
    for message in (to_provider[0], to_enterprise[0]):
        assert "Their Raman lab fits your tests." in message.body
        assert f"/demands/{demand.pk}/" in message.body
        assert demand.title in message.body
    assert zhao.name in to_provider[0].body
    assert lab.name in to_enterprise[0].body


def test_it_records_the_introduction_on_the_demand(broker, demand, lab):
    introduction = introduce(broker, demand, lab)
    entry = _audit(demand, AuditEntry.Action.RECORD).get()
    assert entry.actor == broker
    assert entry.data["provider"] == lab.pk
    assert entry.data["introduction"] == introduction.pk


def test_an_invited_only_demand_gains_the_provider(broker, demand, lab):
    from providers.permissions import can_propose
    from providers.selectors import demands_visible_to

    Demand.objects.filter(pk=demand.pk).update(visibility=Demand.Visibility.INVITED)
    provider_user = lab.users.get()
    assert not demands_visible_to(provider_user).filter(pk=demand.pk).exists()

    introduce(broker, demand, lab)

    assert demand.invited_providers.filter(pk=lab.pk).exists()
    demand.refresh_from_db()
    assert can_propose(provider_user, demand)
    assert _audit(demand, AuditEntry.Action.RECORD).get().data["invited"] is True


def test_a_public_demand_invites_nobody(broker, demand, lab):
    introduce(broker, demand, lab)
    assert not demand.invited_providers.filter(pk=lab.pk).exists()


def test_it_refuses_a_manager_who_does_not_broker_the_demand(demand, lab, other_manager):
    with pytest.raises(NotAllowed):
        introduce(other_manager, demand, lab)
    assert not DemandIntroduction.objects.exists()


@pytest.mark.parametrize("username", ["enterprise-jiangnan", "official-wujin", "operator"])
def test_it_refuses_other_roles(demo, demand, lab, username):
    with pytest.raises(NotAllowed):
        introduce(demo["users"][username], demand, lab)
    assert not DemandIntroduction.objects.exists()


def test_it_refuses_a_manager_withdrawn_from_the_library(broker, demand, lab, zhao):
    TechnologyManager.objects.filter(pk=zhao.pk).update(active=False)
    with pytest.raises(NotAllowed):
        introduce(broker, demand, lab)


@pytest.mark.parametrize("status", ["closed", "awarded"])
def test_it_refuses_a_demand_no_longer_open(broker, demand, lab, status):
    Demand.objects.filter(pk=demand.pk).update(status=status)
    with pytest.raises(InvalidTransition) as refused:
        introduce(broker, demand, lab)
    assert refused.value.code == "demand_not_open"
    assert not DemandIntroduction.objects.exists()


@pytest.mark.parametrize("status", ["applied", "on_notice", "suspended", "revoked"])
def test_it_refuses_a_provider_not_certified(broker, demand, make_provider, status):
    provider = make_provider(status=status, region="WUJIN")
    with pytest.raises(InvalidTransition) as refused:
        introduce(broker, demand, provider)
    assert refused.value.code == "provider_not_certified"
    assert provider.name in refused.value.message


def test_it_refuses_a_related_party_of_the_enterprise(broker, demand, lab):
    from vouchers.models import RelatedParty

    RelatedParty.objects.create(
        enterprise=demand.enterprise,
        provider=lab,
        credit_code=normalise_credit_code(lab.credit_code),
        relation=RelatedParty.Relation.SHAREHOLDING,
    )
    with pytest.raises(ValidationFailed) as refused:
        introduce(broker, demand, lab)
    assert (refused.value.code, refused.value.field) == ("related_party", "provider")
    assert "related party" in refused.value.message


def test_it_refuses_the_enterprise_itself(broker, demand, make_provider):
    itself = make_provider(status="certified", code=demand.enterprise.credit_code)
    with pytest.raises(ValidationFailed) as refused:
        introduce(broker, demand, itself)
    assert refused.value.code == "own_provider"


def test_it_introduces_a_provider_once(broker, demand, lab):
    introduce(broker, demand, lab)
    with pytest.raises(InvalidTransition) as refused:
        introduce(broker, demand, lab, note="Again")
    assert refused.value.code == "already_introduced"
    assert DemandIntroduction.objects.filter(demand=demand, provider=lab).count() == 1


def test_the_database_keeps_one_introduction_per_provider(demand, lab, zhao):
    from django.db import IntegrityError, transaction

    DemandIntroduction.objects.create(demand=demand, provider=lab, manager=zhao)
    with pytest.raises(IntegrityError), transaction.atomic():
        DemandIntroduction.objects.create(demand=demand, provider=lab, manager=zhao)


def test_a_note_is_at_most_2000_characters(broker, demand, lab):
    with pytest.raises(ValidationFailed) as refused:
        introduce(broker, demand, lab, note="x" * 2001)
    assert refused.value.field == "note"
    assert introduce(broker, demand, lab, note="x" * 2000).note == "x" * 2000


# --- stepping back -----------------------------------------------------------------------


def test_the_manager_steps_back_and_the_enterprise_reads_why(
    broker, demand, zhao, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        demand_broker_withdraw(actor=broker, demand=demand, reason="I now advise a rival.")

    demand.refresh_from_db()
    assert demand.technology_manager is None
    entry = _audit(demand, AuditEntry.Action.WITHDRAW).get()
    assert entry.reason == "I now advise a rival."
    assert entry.data == {"technology_manager": zhao.pk}
    [message] = [m for m in mail.outbox if set(enterprise_emails(demand.enterprise_id)) & set(m.to)]
    assert "I now advise a rival." in message.body
    assert zhao.name in message.subject
    assert "/technology-managers/" in message.body


@pytest.mark.parametrize("reason", ["", "   "])
def test_stepping_back_needs_a_reason(broker, demand, zhao, reason):
    with pytest.raises(ValidationFailed) as refused:
        demand_broker_withdraw(actor=broker, demand=demand, reason=reason)
    assert refused.value.field == "reason"
    demand.refresh_from_db()
    assert demand.technology_manager == zhao


def test_a_reason_is_at_most_2000_characters(broker, demand):
    with pytest.raises(ValidationFailed):
        demand_broker_withdraw(actor=broker, demand=demand, reason="x" * 2001)


@pytest.mark.parametrize("username", ["enterprise-jiangnan", "official-wujin", "manager-gao"])
def test_only_the_brokering_manager_steps_back(demo, demand, zhao, other_manager, username):
    actor = other_manager if username == "manager-gao" else demo["users"][username]
    with pytest.raises(NotAllowed):
        demand_broker_withdraw(actor=actor, demand=demand, reason="Not mine.")
    demand.refresh_from_db()
    assert demand.technology_manager == zhao


def test_a_demand_no_longer_open_is_not_stepped_back_from(broker, demand, zhao):
    Demand.objects.filter(pk=demand.pk).update(status=Demand.Status.CLOSED)
    with pytest.raises(InvalidTransition) as refused:
        demand_broker_withdraw(actor=broker, demand=demand, reason="Too late.")
    assert refused.value.code == "demand_not_open"
    demand.refresh_from_db()
    assert demand.technology_manager == zhao


def test_an_order_already_made_keeps_its_manager(broker, owner, demand, zhao):
    """The order ended undelivered, so the demand is open again: the manager may step back,
    and the deal they brokered stays theirs."""
    from providers.services import order_cancel, proposal_accept

    proposal = Proposal.objects.filter(demand=demand).order_by("id").first()
    order = proposal_accept(proposal=proposal, actor=owner)
    order = ServiceOrder.objects.get(pk=getattr(order, "service_order_id", order.pk))
    order_cancel(order=order, actor=owner)
    demand.refresh_from_db()
    assert demand.status == Demand.Status.OPEN

    demand_broker_withdraw(actor=broker, demand=demand, reason="Done my part.")

    order.refresh_from_db()
    assert order.technology_manager == zhao


# --- the pages -----------------------------------------------------------------------------


def test_the_dashboard_offers_each_open_demand_its_actions(client, broker, demand):
    client.force_login(broker)
    response = client.get("/manager/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="/demands/{demand.pk}/"' in page
    assert f'action="/manager/demands/{demand.pk}/introduce/"' in page
    assert f'action="/manager/demands/{demand.pk}/withdraw/"' in page
    [row] = [d for d in response.context["demands"] if d.pk == demand.pk]
    assert row.suggested_providers
    assert f'<option value="{row.suggested_providers[0].pk}"' in page


def test_the_dashboard_suggests_no_provider_twice(client, broker, demand):
    client.force_login(broker)
    first = client.get("/manager/").context["demands"][0].suggested_providers[0]
    introduce(broker, demand, first)
    [row] = [d for d in client.get("/manager/").context["demands"] if d.pk == demand.pk]
    assert first not in row.suggested_providers
    assert [i.provider for i in row.introductions_made] == [first]


def test_the_dashboard_offers_nothing_on_a_closed_demand(client, broker, demand):
    Demand.objects.filter(pk=demand.pk).update(status=Demand.Status.CLOSED)
    client.force_login(broker)
    page = client.get("/manager/").content.decode()
    assert f"/manager/demands/{demand.pk}/introduce/" not in page
    assert f"/manager/demands/{demand.pk}/withdraw/" not in page


def test_the_page_introduces_a_provider(client, broker, demand, lab):
    client.force_login(broker)
    response = client.post(
        f"/manager/demands/{demand.pk}/introduce/", {"provider": lab.pk, "note": "Fits."}
    )
    assert response.status_code == 302 and response["Location"] == "/manager/"
    assert DemandIntroduction.objects.filter(demand=demand, provider=lab, note="Fits.").exists()
    page = client.get("/manager/").content.decode()
    assert "is introduced to" in page


def test_the_page_shows_a_refusal(client, broker, demand, lab):
    client.force_login(broker)
    url = f"/manager/demands/{demand.pk}/introduce/"
    client.post(url, {"provider": lab.pk})
    again = client.post(url, {"provider": lab.pk, "note": "Once more"})
    assert again.status_code == 409
    page = again.content.decode()
    assert "has been introduced to this demand already" in page
    assert "Once more" in page  # what was typed comes back
    for value in ("", "abc", "99999999999999999999", "999999"):
        response = client.post(url, {"provider": value})
        assert response.status_code == 400, value
        assert "Choose a provider to introduce." in response.content.decode()


def test_the_page_refuses_other_roles_and_hides_unseen_demands(
    client, demo, demand, lab, other_manager
):
    client.force_login(demo["users"]["enterprise-jiangnan"])
    url = f"/manager/demands/{demand.pk}/introduce/"
    assert client.post(url, {"provider": lab.pk}).status_code == 403
    assert (
        client.post(f"/manager/demands/{demand.pk}/withdraw/", {"reason": "x"}).status_code == 403
    )
    client.force_login(other_manager)
    assert client.post(url, {"provider": lab.pk}).status_code == 403
    Demand.objects.filter(pk=demand.pk).update(visibility=Demand.Visibility.INVITED)
    assert client.post(url, {"provider": lab.pk}).status_code == 404
    assert not DemandIntroduction.objects.exists()


def test_the_page_needs_the_csrf_token(broker, demand, lab):
    client = Client(enforce_csrf_checks=True)
    client.force_login(broker)
    response = client.post(f"/manager/demands/{demand.pk}/introduce/", {"provider": lab.pk})
    assert response.status_code == 403
    assert not DemandIntroduction.objects.exists()


def test_the_page_steps_back(client, broker, demand):
    client.force_login(broker)
    url = f"/manager/demands/{demand.pk}/withdraw/"
    refused = client.post(url, {"reason": "  "})
    assert refused.status_code == 400
    assert "Say why you step back" in refused.content.decode()
    demand.refresh_from_db()
    assert demand.technology_manager_id is not None

    response = client.post(url, {"reason": "Conflict of interest."})
    assert response.status_code == 302 and response["Location"] == "/manager/"
    demand.refresh_from_db()
    assert demand.technology_manager is None
    page = client.get("/manager/")
    assert "the enterprise is told why" in page.content.decode()
    assert demand not in page.context["demands"]


def test_the_demand_page_shows_the_introductions_to_the_enterprise_and_the_manager(
    client, demo, broker, owner, demand, lab
):
    introduce(broker, demand, lab, note="Ask for their Raman data.")
    for user in (owner, broker, demo["users"]["official-wujin"]):
        client.force_login(user)
        page = client.get(f"/demands/{demand.pk}/").content.decode()
        assert "Providers introduced by the technology manager" in page, user
        assert "Ask for their Raman data." in page
    for user in (demo["users"]["provider-sit"], lab.users.get()):
        client.force_login(user)
        page = client.get(f"/demands/{demand.pk}/").content.decode()
        assert "Providers introduced by the technology manager" not in page, user
    client.logout()
    assert "Ask for their Raman data." not in client.get(f"/demands/{demand.pk}/").content.decode()
