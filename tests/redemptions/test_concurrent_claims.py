"""Claims racing on PostgreSQL (real row locks, one connection per thread)."""

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection

from regions.services import reconciliation_run
from tests.redemptions.factories import make_order
from tests.vouchers.factories import make_voucher
from vouchers.models import Redemption, Voucher

THREADS = 32
# The flush after a transactional test would drop the districts of the data migration.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def race(api_as, user, payloads):
    barrier = threading.Barrier(min(THREADS, len(payloads)))

    def claim(payload):
        client = api_as(user)
        try:
            try:
                barrier.wait(timeout=10)
            except threading.BrokenBarrierError:
                pass
            response = client.post("/api/redemptions/", payload, format="json")
            return response.status_code, response.json()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(claim, payloads))


@pytest.mark.postgres
def test_200_concurrent_claims_never_exceed_the_balance(demo, api_as):
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"], "5000.00")
    provider = demo["providers"]["provider-sit"]
    orders = [make_order(voucher, provider, "200.00") for _ in range(200)]
    rng = random.Random(7)
    payloads = [
        {"service_order": o.pk, "amount": f"{rng.randint(1, 10000) / 100:.2f}"} for o in orders
    ]
    results = race(api_as, demo["users"]["provider-sit"], payloads)

    codes = [code for code, _ in results]
    assert set(codes) <= {201, 409}, codes
    accepted = [Decimal(body["amount"]) for code, body in results if code == 201]
    assert codes.count(409) > 0
    assert all(body["code"] in {"insufficient_balance"} for code, body in results if code == 409)
    voucher.refresh_from_db()
    assert voucher.held == sum(accepted) <= Decimal("5000.00")
    assert voucher.balance == Decimal("5000.00") - sum(accepted)
    assert Redemption.objects.filter(voucher=voucher).count() == len(accepted)
    report = reconciliation_run()
    assert report.ok, report.breaches


@pytest.mark.postgres
def test_racing_claims_on_one_order_create_one_redemption(demo, api_as):
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"], "5000.00")
    order = make_order(voucher, demo["providers"]["provider-sit"], "200.00")
    results = race(
        api_as, demo["users"]["provider-sit"], [{"service_order": order.pk, "amount": "10.00"}] * 20
    )
    codes = sorted(code for code, _ in results)
    assert codes == [201] + [409] * 19
    assert {body["code"] for code, body in results if code == 409} == {"already_redeemed"}
    assert Voucher.objects.get(pk=voucher.pk).held == Decimal("10.00")
