import pytest
from django.utils.html import escape

from providers.models import ServiceOrder
from tests.located import assert_located
from tests.providers.conftest import credit_code
from vouchers.models import RelatedParty

pytestmark = pytest.mark.django_db


def order_body(provider, voucher, **overrides):
    body = {
        "provider": provider.pk,
        "voucher": voucher.serial,
        "title": "Raman characterisation of graphene flakes",
        "contract_amount": "20000.00",
        "description": "Ten samples.",
    }
    body.update(overrides)
    return body


@pytest.fixture
def jiangnan(api_as, users):
    return api_as(users["enterprise-jiangnan"])


def test_it_creates_an_order(jiangnan, demo, sit, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = jiangnan.post(
            "/api/service-orders/", order_body(sit, demo["voucher"]), format="json"
        )
    assert response.status_code == 201
    body = response.json()
    assert body["enterprise"] == demo["voucher"].enterprise_id
    assert body["provider"] == sit.pk
    assert body["status"] == "requested"
    order = ServiceOrder.objects.get(pk=body["id"])
    assert order.voucher == demo["voucher"]
    assert "provider-sit@example.com" in mailoutbox[-1].to
    # The amount as the pages print it, grouped.
    assert f"¥{order.contract_amount:,.2f}" in mailoutbox[-1].body


def test_it_refuses_a_suspended_provider(jiangnan, api_as, users, demo, sit):
    api_as(users["official-yangpu"]).post(
        f"/api/providers/{sit.pk}/suspend/", {"reason": "x"}, format="json"
    )
    before = ServiceOrder.objects.count()
    response = jiangnan.post(
        "/api/service-orders/", order_body(sit, demo["voucher"]), format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "provider_not_certified"
    assert ServiceOrder.objects.count() == before


def test_a_provider_not_certified_yet_is_no_provider_to_the_enterprise(
    jiangnan, demo, make_provider
):
    """Its refusal, "This provider is not certified (applied)", listed applying and
    suspended providers to any enterprise walking through the ids."""
    provider = make_provider(region="WUJIN", name="Secret Stealth Lab")
    response = jiangnan.post(
        "/api/service-orders/", order_body(provider, demo["voucher"]), format="json"
    )
    assert response.status_code == 400
    assert response.json()["provider"] == ["No provider has this id."]
    assert not ServiceOrder.objects.filter(provider=provider).exists()


def test_it_refuses_another_enterprises_voucher_beside_the_field(
    jiangnan, sit, make_enterprise, make_voucher
):
    """A 400 on `voucher`, as for an unknown provider or service (a 404 on the collection's
    POST read as a missing endpoint); the same words for an unknown serial, so nothing is
    told of another enterprise's voucher."""
    other = make_voucher(make_enterprise(region="WUJIN"))
    response = jiangnan.post("/api/service-orders/", order_body(sit, other), format="json")
    assert response.status_code == 400
    assert response.json()["voucher"] == ["You have no voucher with this serial."]
    assert not ServiceOrder.objects.filter(voucher=other).exists()
    unknown = {**order_body(sit, other), "voucher": "WJ-2026-999999-0"}
    answer = jiangnan.post("/api/service-orders/", unknown, format="json")
    assert answer.status_code == 400 and answer.json()["voucher"] == response.json()["voucher"]


def test_the_page_refuses_another_enterprises_voucher_as_the_api_does(
    client, users, sit, make_enterprise, make_voucher
):
    """It answered a whole 404 page; the form says so on the voucher, in the API's words,
    the same for an unknown serial."""
    other = make_voucher(make_enterprise(region="WUJIN"))
    client.force_login(users["enterprise-jiangnan"])
    response = client.post("/orders/new/", order_body(sit, other), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "You have no voucher with this serial." in response.content.decode()
    assert not ServiceOrder.objects.filter(voucher=other).exists()
    unknown = {**order_body(sit, other), "voucher": "WJ-2026-999999-0"}
    answer = client.post("/orders/new/", unknown, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400
    assert "You have no voucher with this serial." in answer.content.decode()


def test_it_refuses_the_enterprise_itself_as_provider(
    api_as, make_provider, make_enterprise, make_voucher
):
    code = credit_code()
    provider = make_provider(region="WUJIN", status="certified", code=code)
    enterprise = make_enterprise(region="WUJIN", code=code)
    voucher = make_voucher(enterprise)
    response = api_as(enterprise.users.get()).post(
        "/api/service-orders/", order_body(provider, voucher), format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "own_provider"
    assert "credit code" in response.json()["provider"][0]
    assert not ServiceOrder.objects.filter(voucher=voucher).exists()


def test_it_refuses_a_declared_related_party(jiangnan, demo, sit):
    RelatedParty.objects.create(
        enterprise=demo["voucher"].enterprise, credit_code=sit.credit_code, name="SIT"
    )
    response = jiangnan.post(
        "/api/service-orders/", order_body(sit, demo["voucher"]), format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "related_party"


def test_it_refuses_a_related_party_in_the_page(client, users, demo, sit):
    RelatedParty.objects.create(enterprise=demo["voucher"].enterprise, credit_code=sit.credit_code)
    client.force_login(users["enterprise-jiangnan"])
    response = client.post("/orders/new/", order_body(sit, demo["voucher"]))
    assert response.status_code == 400
    message = response.context["form"].errors["provider"][0]
    assert "related party" in message
    # The provider is a hidden field: its refusal is shown above the form, not lost.
    assert escape(message) in response.content.decode()


@pytest.mark.parametrize("status", ["revoked", "exhausted", "expired"])
def test_it_refuses_a_voucher_that_is_not_active(
    api_as, sit, make_enterprise, make_voucher, status
):
    enterprise = make_enterprise(region="WUJIN")
    voucher = make_voucher(enterprise, status=status)
    response = api_as(enterprise.users.get()).post(
        "/api/service-orders/", order_body(sit, voucher), format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "voucher_not_active"


def test_it_refuses_another_district_when_the_voucher_is_not_cross_region(
    api_as, sit, make_enterprise, make_voucher, demo
):
    enterprise = make_enterprise(region="WUJIN")
    voucher = make_voucher(enterprise, cross_region=False)
    client = api_as(enterprise.users.get())
    response = client.post("/api/service-orders/", order_body(sit, voucher), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "not_cross_region"
    local = demo["providers"]["provider-graphene"]
    assert (
        client.post("/api/service-orders/", order_body(local, voucher), format="json").status_code
        == 201
    )


@pytest.mark.parametrize("username", ["provider-sit", "official-wujin", "operator"])
def test_it_answers_403_to_other_roles(api_as, users, demo, sit, username):
    response = api_as(users[username]).post(
        "/api/service-orders/", order_body(sit, demo["voucher"]), format="json"
    )
    assert response.status_code == 403


@pytest.mark.parametrize("amount", ["0", "-5", "abc"])
def test_it_answers_400_for_a_bad_amount(jiangnan, demo, sit, amount):
    response = jiangnan.post(
        "/api/service-orders/",
        order_body(sit, demo["voucher"], contract_amount=amount),
        format="json",
    )
    assert response.status_code == 400
    assert "contract_amount" in response.json()


def test_the_page_offers_only_active_vouchers(client, users, demo, sit, make_voucher):
    revoked = make_voucher(demo["voucher"].enterprise, status="revoked")
    client.force_login(users["enterprise-jiangnan"])
    html = client.get(f"/orders/new/?provider={sit.pk}").content.decode()
    assert demo["voucher"].serial in html
    assert revoked.serial not in html
    response = client.post("/orders/new/", order_body(sit, revoked))
    assert response.status_code == 409
    assert "not active" in response.context["form"].errors["voucher"][0]


def test_the_page_is_for_enterprises(client, users, sit):
    client.force_login(users["provider-sit"])
    assert client.get(f"/orders/new/?provider={sit.pk}").status_code == 403


def test_a_retry_with_the_same_idempotency_key_creates_one_order(jiangnan, demo, sit):
    body = order_body(sit, demo["voucher"])
    first = jiangnan.post("/api/service-orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = jiangnan.post("/api/service-orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    # The replay gives the first answer's address too.
    assert_located(jiangnan, first, "/api/service-orders/{id}/")
    assert again["Location"] == first["Location"]
    assert ServiceOrder.objects.filter(title=body["title"]).count() == 1


def test_a_description_beyond_the_limit_is_refused_by_name(jiangnan, demo, sit):
    before = ServiceOrder.objects.count()
    too_long = "x" * (ServiceOrder.TEXT_MAX_LENGTH + 1)
    response = jiangnan.post(
        "/api/service-orders/",
        order_body(sit, demo["voucher"], description=too_long),
        format="json",
    )
    assert response.status_code == 400
    assert "description" in response.json()
    assert ServiceOrder.objects.count() == before
    limit = "x" * ServiceOrder.TEXT_MAX_LENGTH
    response = jiangnan.post(
        "/api/service-orders/", order_body(sit, demo["voucher"], description=limit), format="json"
    )
    assert response.status_code == 201


def test_the_order_form_says_what_each_voucher_pays_and_what_is_already_expected(
    client, users, demo, sit
):
    # The form said "the district's co-funding share": not 50%, and not that the demo's
    # waiting order already expects ¥150,000 of the ¥200,000 balance.
    client.force_login(users["enterprise-jiangnan"])
    body = client.get(f"/orders/new/?provider={sit.pk}").content.decode()
    serial = demo["voucher"].serial
    assert (
        f"<code>{serial}</code>: pays 50% of a contract, up to its balance of ¥200,000.00." in body
    )
    assert "already expect ¥150,000.00 of it, which leaves ¥50,000.00." in body
    zh = client.get(f"/orders/new/?provider={sit.pk}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "50%" in zh.content.decode()


def test_the_order_page_says_at_once_that_a_related_party_cannot_be_paid(client, users, demo, sit):
    RelatedParty.objects.create(enterprise=demo["voucher"].enterprise, credit_code=sit.credit_code)
    client.force_login(users["enterprise-jiangnan"])
    page = client.get(f"/orders/new/?provider={sit.pk}").content.decode()
    assert "declared related party" in page
    assert 'name="contract_amount"' not in page


def test_without_an_active_voucher_the_page_draws_no_form_and_names_the_step_before(
    client, demo, sit, make_enterprise
):
    """An enterprise just signed up was shown the order form with an empty voucher list."""
    from regions.models import User

    newcomer = make_enterprise(region="WUJIN")
    client.force_login(User.objects.get(enterprise=newcomer))
    page = client.get(f"/orders/new/?provider={sit.pk}", HTTP_ACCEPT_LANGUAGE="en").content
    assert b"Apply for a voucher" in page and b'name="voucher"' not in page

    type(newcomer).objects.filter(pk=newcomer.pk).update(verified_at=None)
    page = client.get(f"/orders/new/?provider={sit.pk}", HTTP_ACCEPT_LANGUAGE="en").content
    assert b"has not verified your enterprise yet" in page
    assert b'name="voucher"' not in page and b"/applications/new/" not in page.split(b"<main")[1]
