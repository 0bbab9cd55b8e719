"""The provider's "log completion" page says what state an order past delivery is in, and
shows no form for it; the advice to accept first is for an order still waiting for that."""

import pytest

from tests.paperwork import complete_paperwork
from tests.providers.conftest import pdf_upload
from vouchers.services import redemption_claim

pytestmark = pytest.mark.django_db

ACCEPT_FIRST = "it must be accepted (or disputed) before its completion can be logged"


@pytest.fixture
def provider_client(client, users):
    client.force_login(users["provider-sit"])
    return client


def url(order):
    return f"/orders/{order.pk}/complete/"


def test_it_says_a_confirmed_order_has_nothing_to_log(provider_client, order_in):
    order = order_in("confirmed")

    response = provider_client.get(url(order))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Delivery of this order is already confirmed: there is nothing to log." in body
    assert ACCEPT_FIRST not in body
    assert 'name="evidence"' not in body


def test_it_says_a_claimed_order_is_claimed(provider_client, users, order_in):
    order = complete_paperwork(order_in("confirmed"))
    redemption_claim(service_order_id=order.pk, amount="1000.00", actor=users["provider-sit"])

    body = provider_client.get(url(order)).content.decode()

    assert "its voucher is claimed: there is nothing to log." in body
    assert 'name="evidence"' not in body


@pytest.mark.parametrize(
    "status, says",
    [
        ("completed", "The completion of this order is already logged"),
        ("declined", "This order was declined: there is nothing to log."),
        ("cancelled", "This order was cancelled: there is nothing to log."),
    ],
)
def test_it_says_the_state_of_an_order_past_delivery(provider_client, order_in, status, says):
    body = provider_client.get(url(order_in(status))).content.decode()

    assert says in body
    assert ACCEPT_FIRST not in body
    assert 'name="evidence"' not in body


def test_it_tells_to_accept_a_requested_order_first(provider_client, order_in):
    body = provider_client.get(url(order_in("requested"))).content.decode()

    assert ACCEPT_FIRST in body
    assert 'name="evidence"' not in body


@pytest.mark.parametrize("status", ["accepted", "disputed"])
def test_it_shows_the_form_for_an_order_to_complete(provider_client, order_in, status):
    body = provider_client.get(url(order_in(status))).content.decode()

    assert 'name="evidence"' in body
    assert "nothing to log" not in body and ACCEPT_FIRST not in body


def test_it_refuses_a_post_on_a_confirmed_order_with_409(provider_client, order_in):
    order = order_in("confirmed")
    evidence_before = order.evidence.count()

    response = provider_client.post(
        url(order), {"summary": "Again.", "evidence": [pdf_upload("again.pdf")]}
    )

    assert response.status_code == 409
    assert "there is nothing to log" in response.content.decode()
    order.refresh_from_db()
    assert order.status == "confirmed"
    assert order.evidence.count() == evidence_before
