"""Related parties: the parties' details, relations declared by the enterprise or recorded by
an official of its district (pages and API), and the refusal of orders between them."""

import pytest
from django.http import Http404

from portal.errors import InvalidTransition, NotAllowed, ValidationFailed
from providers import services as orders
from regions.models import AuditEntry
from tests.located import assert_located
from vouchers.models import RelatedParty
from vouchers.services.related_parties import (
    enterprise_details_update,
    normalise_phone,
    related_party_declare,
    shared_details,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ent(demo):
    return demo["enterprises"]["enterprise-jiangnan"]


@pytest.fixture
def ent_user(demo):
    return demo["users"]["enterprise-jiangnan"]


@pytest.fixture
def graphene(demo):
    return demo["providers"]["provider-graphene"]


@pytest.fixture
def browser(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


# --- details ----------------------------------------------------------------------------


def test_the_demo_parties_share_no_detail(demo):
    for enterprise in demo["enterprises"].values():
        assert enterprise.legal_representative and enterprise.registered_address
        for provider in demo["providers"].values():
            assert provider.legal_representative and provider.contact_phone
            assert shared_details(enterprise, provider) == []


def test_phones_compare_without_country_code_trunk_zero_or_punctuation():
    assert normalise_phone("+86 21 6512-3456") == normalise_phone("(021) 6512 3456")
    assert normalise_phone("0086-13812345678") == normalise_phone("138 1234 5678")
    assert normalise_phone("") == ""


def test_the_enterprise_edits_its_details_on_its_profile(ent, ent_user, browser):
    client = browser(ent_user)
    page = client.get("/enterprise/profile/")
    assert page.status_code == 200 and ent.legal_representative in page.content.decode()
    response = client.post(
        "/enterprise/profile/",
        {
            "legal_representative": "Xu  Lei ",
            "registered_address": "1 New Road",
            "contact_phone": "0519-1",
        },
    )
    assert response.status_code == 302
    ent.refresh_from_db()
    assert (ent.legal_representative, ent.registered_address, ent.contact_phone) == (
        "Xu Lei",
        "1 New Road",
        "0519-1",
    )
    assert AuditEntry.objects.filter(
        object_type="vouchers.enterprise", object_id=str(ent.pk), action="record"
    ).exists()


def test_only_the_enterprises_own_users_edit_its_details(demo, ent):
    with pytest.raises(NotAllowed):
        enterprise_details_update(
            enterprise=ent, actor=demo["users"]["official-wujin"], legal_representative="X"
        )


def test_a_too_long_detail_is_refused_and_nothing_changes(ent, ent_user):
    before = ent.registered_address
    with pytest.raises(ValidationFailed) as refused:
        enterprise_details_update(
            enterprise=ent, actor=ent_user, legal_representative="A", registered_address="x" * 301
        )
    assert refused.value.field == "registered_address"
    ent.refresh_from_db()
    assert ent.registered_address == before


def test_the_provider_edits_its_details_on_its_profile(demo, browser, graphene):
    client = browser(demo["users"]["provider-graphene"])
    assert client.get("/provider/profile/").status_code == 200
    response = client.post(
        "/provider/profile/",
        {"legal_representative": "Li Ming", "registered_address": "6 Road", "contact_phone": "1"},
    )
    assert response.status_code == 302
    graphene.refresh_from_db()
    assert graphene.legal_representative == "Li Ming"


def test_officials_see_the_providers_details(demo, browser, graphene):
    page = browser(demo["users"]["official-wujin"]).get(f"/providers/{graphene.pk}/")
    assert graphene.legal_representative in page.content.decode()


def test_officials_see_the_enterprises_details_and_others_get_404(demo, browser, ent):
    page = browser(demo["users"]["official-wujin"]).get(f"/enterprises/{ent.pk}/")
    assert page.status_code == 200 and ent.registered_address in page.content.decode()
    assert (
        browser(demo["users"]["official-yangpu"]).get(f"/enterprises/{ent.pk}/").status_code == 404
    )


# --- declaring and recording -----------------------------------------------------------


def test_the_enterprise_declares_and_orders_are_then_refused(demo, ent, ent_user, graphene):
    party = related_party_declare(actor=ent_user, provider=graphene, relation="shareholding")
    assert party.enterprise == ent and party.provider == graphene
    assert party.relation == "shareholding" and party.declared_by == ent_user
    assert party.credit_code == graphene.credit_code
    assert AuditEntry.objects.filter(
        object_type="vouchers.enterprise", object_id=str(ent.pk), action="declare"
    ).exists()
    with pytest.raises(ValidationFailed) as refused:
        orders.order_create(
            actor=ent_user,
            provider=graphene,
            voucher=demo["voucher"],
            title="Raman",
            contract_amount="1000.00",
        )
    assert refused.value.code == "related_party"


def test_declaring_twice_is_a_conflict(ent_user, graphene):
    related_party_declare(actor=ent_user, provider=graphene, relation="family")
    with pytest.raises(InvalidTransition) as refused:
        related_party_declare(actor=ent_user, provider=graphene, relation="other")
    assert refused.value.code == "already_related"
    assert RelatedParty.objects.count() == 1
    # The enterprise's name ends in a full stop ("Co., Ltd."): the sentence has one.
    assert refused.value.message.endswith(".") and not refused.value.message.endswith("..")


def test_a_bad_relation_is_refused(ent_user, graphene):
    with pytest.raises(ValidationFailed):
        related_party_declare(actor=ent_user, provider=graphene, relation="cousin")
    assert not RelatedParty.objects.exists()


def test_an_official_of_the_district_records_a_relation(demo, ent, graphene):
    official = demo["users"]["official-wujin"]
    party = related_party_declare(
        actor=official, provider=graphene, relation="common_control", enterprise_id=ent.pk
    )
    assert party.declared_by == official and party.enterprise == ent


def test_another_districts_official_gets_404(demo, ent, graphene):
    with pytest.raises(Http404):
        related_party_declare(
            actor=demo["users"]["official-yangpu"],
            provider=graphene,
            relation="other",
            enterprise_id=ent.pk,
        )


def test_a_provider_may_not_declare(demo, ent, graphene):
    with pytest.raises(NotAllowed):
        related_party_declare(
            actor=demo["users"]["provider-sit"],
            provider=graphene,
            relation="other",
            enterprise_id=ent.pk,
        )


def test_the_enterprise_declares_on_its_page(ent, ent_user, browser, graphene):
    client = browser(ent_user)
    response = client.post(
        f"/enterprises/{ent.pk}/related-parties/",
        {"provider": graphene.pk, "relation": "management"},
    )
    assert response.status_code == 302
    assert RelatedParty.objects.get(enterprise=ent).relation == "management"
    assert graphene.name in client.get("/enterprise/profile/").content.decode() or (
        graphene.name_zh in client.get("/enterprise/profile/").content.decode()
    )


def test_a_provider_recorded_already_is_no_longer_offered(ent, ent_user, browser, graphene):
    client = browser(ent_user)
    option = f'<option value="{graphene.pk}"'
    assert option in client.get("/enterprise/profile/").content.decode()
    client.post(
        f"/enterprises/{ent.pk}/related-parties/",
        {"provider": graphene.pk, "relation": "management"},
    )
    page = client.get("/enterprise/profile/").content.decode()
    assert option not in page
    # The other providers are still offered.
    assert page.count("<option value=") > 2


def test_the_official_records_on_the_enterprises_page(demo, ent, browser, graphene):
    client = browser(demo["users"]["official-wujin"])
    response = client.post(
        f"/enterprises/{ent.pk}/related-parties/", {"provider": graphene.pk, "relation": "other"}
    )
    assert response.status_code == 302
    assert RelatedParty.objects.get(enterprise=ent).declared_by.username == "official-wujin"
    other = browser(demo["users"]["official-yangpu"]).post(
        f"/enterprises/{ent.pk}/related-parties/", {"provider": graphene.pk, "relation": "other"}
    )
    assert other.status_code == 404


# --- the API ----------------------------------------------------------------------------


def test_the_api_creates_and_lists_the_enterprises_own(api_as, ent, ent_user, graphene, demo):
    client = api_as(ent_user)
    response = client.post(
        "/api/related-parties/", {"provider": graphene.pk, "relation": "family"}, format="json"
    )
    assert_located(client, response, "/api/related-parties/{id}/")
    body = response.json()
    assert body["enterprise"] == ent.pk and body["provider"] == graphene.pk
    assert body["relation"] == "family" and body["declared_by"] == "enterprise-jiangnan"
    listed = client.get("/api/related-parties/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [row["id"] for row in rows] == [body["id"]]
    again = client.post(
        "/api/related-parties/", {"provider": graphene.pk, "relation": "family"}, format="json"
    )
    assert again.status_code == 409 and again.json()["code"] == "already_related"


def test_the_api_scopes_officials_to_their_district(api_as, ent, ent_user, graphene, demo):
    related_party_declare(actor=ent_user, provider=graphene, relation="family")
    wujin = api_as(demo["users"]["official-wujin"]).get("/api/related-parties/").json()
    yangpu = api_as(demo["users"]["official-yangpu"]).get("/api/related-parties/").json()
    assert len(wujin.get("results", wujin)) == 1
    assert yangpu.get("results", yangpu) == []
    refused = api_as(demo["users"]["official-yangpu"]).post(
        "/api/related-parties/",
        {
            "enterprise": ent.pk,
            "provider": demo["providers"]["provider-sit"].pk,
            "relation": "other",
        },
        format="json",
    )
    assert refused.status_code == 404


def test_the_api_answers_400_to_bad_input(api_as, ent_user, graphene):
    client = api_as(ent_user)
    assert (
        client.post(
            "/api/related-parties/", {"provider": 0, "relation": "family"}, format="json"
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/api/related-parties/", {"provider": graphene.pk, "relation": "x"}, format="json"
        ).status_code
        == 400
    )
    assert not RelatedParty.objects.exists()


# --- orders made before the declaration ---------------------------------------------------


def test_declaring_cancels_the_orders_not_yet_delivered_and_tells_both_parties(
    demo, ent, ent_user, graphene, mailoutbox, django_capture_on_commit_callbacks
):
    from providers.models import ServiceOrder
    from tests.redemptions.factories import make_order

    requested = make_order(demo["voucher"], graphene, contract="1000.00", confirmed=False)
    accepted = make_order(demo["voucher"], graphene, contract="1000.00", confirmed=False)
    ServiceOrder.objects.filter(pk=accepted.pk).update(status=ServiceOrder.Status.ACCEPTED)
    delivered = make_order(demo["voucher"], graphene, contract="1000.00")
    other_provider = demo["order"]  # with the Shanghai Institute of Technology: untouched
    with django_capture_on_commit_callbacks(execute=True):
        related_party_declare(actor=ent_user, provider=graphene, relation="shareholding")

    statuses = dict(
        ServiceOrder.objects.filter(
            pk__in=[requested.pk, accepted.pk, delivered.pk, other_provider.pk]
        ).values_list("pk", "status")
    )
    assert statuses == {
        requested.pk: "cancelled",
        accepted.pk: "cancelled",
        delivered.pk: "confirmed",
        other_provider.pk: other_provider.status,
    }
    subjects = [m.subject for m in mailoutbox if "the parties are related" in m.subject]
    assert len(subjects) == 4  # two orders, both parties each
    entry = AuditEntry.objects.get(object_id=str(ent.pk), action="declare")
    assert entry.data["orders_cancelled"] == 2


def test_a_delivered_order_of_related_parties_offers_no_claim(client, demo, ent_user, graphene):
    from tests.redemptions.factories import make_order, provider_user

    order = make_order(demo["voucher"], graphene, contract="1000.00")
    related_party_declare(actor=ent_user, provider=graphene, relation="shareholding")
    client.force_login(provider_user(demo, graphene))
    listing = client.get("/redemptions/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Your organisation is recorded as a related party of the enterprise" in listing
    assert f'href="/redemptions/claim/{order.pk}/"' not in listing
    expected = "No claim: the enterprise and the provider are recorded as related parties"
    assert (
        expected in client.get(f"/orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    orders_page = client.get("/orders/", {"status": "confirmed"}, HTTP_ACCEPT_LANGUAGE="en")
    assert expected in orders_page.content.decode()


@pytest.mark.parametrize(
    ("username", "path"),
    [("enterprise-jiangnan", "/enterprise/profile/"), ("provider-graphene", "/provider/profile/")],
)
def test_a_save_from_a_page_opened_before_a_colleagues_save_is_refused(
    demo, browser, username, path
):
    """Two colleagues editing the details: the later save undid the earlier's legal
    representative, which the related-party check compares."""
    import re

    client = browser(demo["users"][username])

    def opened() -> str:
        page = client.get(path).content.decode()
        return re.search(r'name="edited_from" value="([0-9a-f]+)"', page).group(1)

    first, second = opened(), opened()
    body = {"registered_address": "1 Lab Road", "contact_phone": "0519-1234567"}
    saved = client.post(path, {**body, "legal_representative": "Wang Li", "edited_from": first})
    assert saved.status_code == 302, saved.context["form"].errors
    stale = client.post(path, {**body, "legal_representative": "Old", "edited_from": second})
    assert stale.status_code == 409
    assert "Someone changed this since you opened the form" in stale.content.decode()
    assert client.get(path).content.decode().count('value="Wang Li"') == 1
