"""The statistics page rounds each percentage once, from the exact amounts: 24,000 of 44,000
is 54.5% (54.545...%), not 54.6% from the API's 4-decimal share 0.5455 rounded again. The
API keeps its share of 4 decimals."""

import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.redemptions.factories import approved_redemption
from tests.vouchers.factories import make_voucher

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Services called inside a test's transaction never commit, so the statistics'
    generation is not bumped: start from an empty cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def spending(demo):
    """A Yangpu voucher spent 15,000 in Wujin, 24,000 in Yangpu and 5,000 in Nanhu: of the
    44,000 redeemed, 34.09%, 54.55% and 11.36%."""
    providers = demo["providers"]
    voucher = make_voucher(demo["enterprises"]["enterprise-yangpu"], "50000.00")
    approved_redemption(demo, voucher, providers["provider-graphene"], "15000.00")
    approved_redemption(demo, voucher, providers["provider-sit"], "24000.00")
    approved_redemption(demo, voucher, providers["provider-weikai"], "5000.00")
    return demo


def _shares_on_the_page(client) -> dict[str, str]:
    page = client.get(reverse("statistics")).content.decode()
    table = page.split('id="spent-by-district"', 1)[1].split("</table>", 1)[0]
    return dict(re.findall(r'data-region="(\w+)">.*?<td class="num">([\d.]+%)</td></tr>', table))


def test_the_page_rounds_each_share_once_from_the_amounts(client, spending):
    shares = _shares_on_the_page(client)

    assert shares == {"HEFEI_HT": "0%", "NANHU": "11.4%", "WUJIN": "34.1%", "YANGPU": "54.5%"}
    assert sum(Decimal(share.rstrip("%")) for share in shares.values()) == 100


def test_the_api_keeps_its_share_of_4_decimals(api_client, spending):
    body = api_client.get("/api/statistics/").json()

    shares = {row["region"]: row["share"] for row in body["spent_by_district"]}
    assert shares["YANGPU"] == "0.5455" and shares["WUJIN"] == "0.3409"
