from decimal import Decimal

import pytest
from django.http import Http404

from portal.errors import InvalidTransition, ValidationFailed
from regions.models import ProgrammeRules
from regions.services import reconciliation_run
from tests.redemptions.factories import make_order
from tests.vouchers.factories import make_voucher
from vouchers.models import Voucher
from vouchers.services import redemption_claim, redemption_reject

pytestmark = pytest.mark.django_db


@pytest.fixture
def exhausted(demo):
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"], "1000.00")
    order = make_order(voucher, demo["providers"]["provider-sit"], "2000.00")
    redemption = redemption_claim(
        service_order_id=order.pk, amount="1000.00", actor=demo["users"]["provider-sit"]
    )
    return voucher, redemption


def test_it_releases_the_hold_back_to_the_voucher(demo, exhausted):
    voucher, redemption = exhausted
    redemption_reject(
        redemption_id=redemption.pk, actor=demo["users"]["official-wujin"], note="No evidence"
    )
    voucher.refresh_from_db()
    redemption.refresh_from_db()
    assert redemption.status == "rejected" and redemption.decision_note == "No evidence"
    assert voucher.balance == Decimal("1000.00") and voucher.held == 0
    assert voucher.status == "active"
    assert reconciliation_run().ok


def test_on_an_expired_voucher_the_hold_goes_back_to_the_budget(demo, exhausted):
    voucher, redemption = exhausted
    Voucher.objects.filter(pk=voucher.pk).update(status="expired")
    committed = ProgrammeRules.objects.get(region__code="WUJIN").committed
    redemption_reject(redemption_id=redemption.pk, actor=demo["users"]["official-wujin"], note="x")
    voucher.refresh_from_db()
    assert voucher.status == "expired"
    assert voucher.balance == 0 and voucher.held == 0 and voucher.released == Decimal("1000.00")
    rules = ProgrammeRules.objects.get(region__code="WUJIN")
    assert committed - rules.committed == Decimal("1000.00")
    assert reconciliation_run().ok


def test_it_needs_a_reason(demo, exhausted):
    with pytest.raises(ValidationFailed):
        redemption_reject(
            redemption_id=exhausted[1].pk, actor=demo["users"]["official-wujin"], note="  "
        )


def test_it_cannot_reject_a_decided_redemption(demo, exhausted):
    redemption_reject(
        redemption_id=exhausted[1].pk, actor=demo["users"]["official-wujin"], note="x"
    )
    with pytest.raises(InvalidTransition):
        redemption_reject(
            redemption_id=exhausted[1].pk, actor=demo["users"]["official-wujin"], note="x"
        )


def test_the_providers_district_cannot_reject(demo, exhausted):
    with pytest.raises(Http404):
        redemption_reject(
            redemption_id=exhausted[1].pk, actor=demo["users"]["official-yangpu"], note="x"
        )
