"""A voucher whose balance is all held by pending claims is stored as exhausted, but nothing
is spent yet: the pages say it is held by claims awaiting decision, not "Exhausted"."""

import pytest

from tests.vouchers.factories import make_voucher
from vouchers.models import Redemption
from vouchers.services import redemption_approve

pytestmark = pytest.mark.django_db

HELD_BADGE = '<span class="badge badge-held">Fully held by claims awaiting decision</span>'
EXHAUSTED_BADGE = '<span class="badge badge-exhausted">Exhausted</span>'

PAGES = {
    "detail": "/vouchers/{serial}/",
    "dashboard": "/enterprise/",
    "list": "/vouchers/",
    "verify": "/verify/{serial}/",
}


@pytest.fixture
def held(demo):
    """A voucher of Jiangnan's whose whole balance one pending claim holds."""
    voucher = make_voucher(
        demo["enterprises"]["enterprise-jiangnan"], "2500.00", status="exhausted"
    )
    assert voucher.status == "exhausted" and voucher.balance == 0 and voucher.held > 0
    return voucher


def _page(client, demo, voucher, page):
    client.force_login(demo["users"]["enterprise-jiangnan"])
    response = client.get(PAGES[page].format(serial=voucher.serial))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_it_shows_a_fully_held_voucher_as_held_by_claims(client, demo, held, page):
    body = _page(client, demo, held, page)
    assert HELD_BADGE in body
    assert "badge-exhausted" not in body


@pytest.mark.parametrize("page", PAGES)
def test_it_shows_exhausted_once_the_claim_is_approved(client, demo, held, page):
    claim = Redemption.objects.get(voucher=held, status=Redemption.Status.PENDING)
    redemption_approve(redemption_id=claim.pk, actor=demo["users"]["official-wujin"])
    held.refresh_from_db()
    assert held.status == "exhausted" and held.balance == 0 and held.held == 0
    body = _page(client, demo, held, page)
    assert EXHAUSTED_BADGE in body
    assert "badge-held" not in body


def test_the_stored_status_and_the_api_stay_exhausted(api_client, demo, held):
    api_client.force_authenticate(demo["users"]["enterprise-jiangnan"])
    body = api_client.get(f"/api/vouchers/{held.serial}/").json()
    assert body["status"] == "exhausted"
