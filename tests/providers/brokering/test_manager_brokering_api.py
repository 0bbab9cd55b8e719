"""The technology manager brokering a demand, through the API (introducing a provider,
stepping back), and a provider whose expert advises on the demand: never suggested nor
introduced, and told before it writes a proposal."""

import pytest
from django.test import Client

from portal.codes import normalise_credit_code
from portal.errors import InvalidTransition
from providers.models.libraries import DemandIntroduction
from tests.providers.brokering.test_manager_brokering import introduce

pytestmark = pytest.mark.django_db


# --- the API -------------------------------------------------------------------------------


def test_the_api_introduces_a_provider(api_as, demo, broker, owner, demand, lab):
    url = f"/api/demands/{demand.pk}/introductions/"
    manager = api_as(broker)
    response = manager.post(url, {"provider": lab.pk, "note": "Fits."}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["demand"], body["provider"], body["note"]) == (demand.pk, lab.pk, "Fits.")
    assert body["manager"] == demand.technology_manager_id

    again = manager.post(url, {"provider": lab.pk}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_introduced"
    assert manager.post(url, {"provider": 2**31 - 1}, format="json").status_code == 400
    assert manager.post(url, {}, format="json").status_code == 400
    assert api_as(owner).post(url, {"provider": lab.pk}, format="json").status_code == 403

    listed = api_as(owner).get(url).json()["results"]
    assert [row["provider"] for row in listed] == [lab.pk]
    assert api_as(demo["users"]["provider-sit"]).get(url).json()["results"] == []


def test_the_api_refuses_a_related_party_and_an_uncertified_provider(
    api_as, broker, demand, make_provider
):
    from vouchers.models import RelatedParty

    url = f"/api/demands/{demand.pk}/introductions/"
    related = make_provider(status="certified")
    RelatedParty.objects.create(
        enterprise=demand.enterprise,
        provider=related,
        credit_code=normalise_credit_code(related.credit_code),
    )
    response = api_as(broker).post(url, {"provider": related.pk}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "related_party"
    # A provider the manager may not see is no provider to them: its name and state were
    # told ("... is not certified (applied)"), listing applicants and suspended providers.
    applied = make_provider(status="applied", name="Secret Stealth Lab")
    response = api_as(broker).post(url, {"provider": applied.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["provider"] == ["No provider has this id."]
    assert "Secret Stealth Lab" not in response.content.decode()


def test_only_the_brokering_manager_learns_anything_from_the_body(api_as, users, demand):
    """ "No provider has this id." answered every signed-in role, before the 403: it told
    anyone which ids exist."""
    url = f"/api/demands/{demand.pk}/introductions/"
    for name in ("enterprise-yangpu", "provider-sit", "official-wujin"):
        for provider in (999999, 1):
            response = api_as(users[name]).post(url, {"provider": provider}, format="json")
            assert response.status_code in (403, 404), (name, provider, response.content)


def test_the_api_steps_back(api_as, broker, owner, demand):
    url = f"/api/demands/{demand.pk}/broker-withdraw/"
    manager = api_as(broker)
    assert manager.post(url, {"reason": ""}, format="json").status_code == 400
    assert api_as(owner).post(url, {"reason": "Mine."}, format="json").status_code == 403
    response = manager.post(url, {"reason": "Conflict of interest."}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["technology_manager"] is None
    again = manager.post(url, {"reason": "Again."}, format="json")
    assert again.status_code == 403


def test_a_note_with_control_characters_is_refused(api_as, broker, demand, users):
    """An escape sequence in a note reached the provider's and the enterprise's e-mails."""
    url = f"/api/demands/{demand.pk}/introductions/"
    sit = users["provider-sit"].provider
    response = api_as(broker).post(
        url, {"provider": sit.pk, "note": "Hello \x07\x1b[31mRED\x1b[0m"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "control_characters"
    # Line breaks and tabs are what people type.
    fine = api_as(broker).post(url, {"provider": sit.pk, "note": "Line one\n\tLine two"},
                               format="json")  # fmt: skip
    assert fine.status_code == 201, fine.content


# --- a provider whose expert advises on the demand ------------------------------------------


@pytest.fixture
def weikai(demo, demand):
    """Weikai, whose SEM specialist Zhao Ming (expert-demo) the Wujin official assigned to
    advise on the brokered demand: it may not propose for it."""
    weikai = demo["providers"]["provider-weikai"]
    assert demand.expert_assignments.filter(expert__provider=weikai).exists()
    return weikai


def test_a_provider_whose_expert_advises_is_neither_suggested_nor_introduced(
    broker, demand, weikai, zhao
):
    from providers.matching import demand_matches
    from providers.selectors.libraries import demands_brokered_by

    brokered = {d.pk: d for d in demands_brokered_by(zhao)}[demand.pk]
    assert weikai not in brokered.suggested_providers
    assert weikai.pk not in {m["provider"].pk for m in demand_matches(demand, limit=50)}

    with pytest.raises(InvalidTransition) as refused:
        introduce(broker, demand, weikai)

    assert refused.value.code == "conflict_of_interest"
    assert "advises the district" in refused.value.message
    assert not DemandIntroduction.objects.filter(demand=demand, provider=weikai).exists()


def test_a_provider_whose_expert_advises_is_told_before_it_writes_a_proposal(demo, demand, weikai):
    client = Client()
    client.force_login(demo["users"]["provider-weikai"])
    page = client.get(f"/demands/{demand.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Propose a solution" not in page
    assert "advises the officials of the demand" in page
    response = client.get(f"/demands/{demand.pk}/propose/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert response["Location"] == f"/demands/{demand.pk}/"
