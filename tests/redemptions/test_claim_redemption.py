from decimal import Decimal

import pytest
from django.http import Http404

from portal.errors import (
    AlreadyRedeemed,
    InsufficientBalance,
    InvalidTransition,
    NotAllowed,
    ValidationFailed,
)
from providers.models import ServiceOrder
from regions.models import AuditEntry
from regions.services import reconciliation_run
from tests.paperwork import complete_paperwork
from tests.redemptions.factories import confirm, make_order
from tests.vouchers.factories import make_voucher
from vouchers.models import Redemption, Voucher
from vouchers.selectors import max_claim_for
from vouchers.services import redemption_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def seed(demo):
    confirm(demo["order"])
    return demo


def claim(demo, amount, user="provider-sit", order=None):
    return redemption_claim(
        service_order_id=(order or demo["order"]).pk, amount=amount, actor=demo["users"][user]
    )


def test_it_holds_the_amount_on_the_voucher(seed):
    redemption = claim(seed, "150000.00")
    voucher = Voucher.objects.get(pk=seed["voucher"].pk)
    assert redemption.status == "pending"
    assert redemption.cross_region is True
    assert redemption.issuing_region.code == "WUJIN"
    assert redemption.provider_region.code == "YANGPU"
    assert voucher.balance == Decimal("50000.00")
    assert voucher.held == Decimal("150000.00")
    assert voucher.status == "active"
    assert AuditEntry.objects.filter(object_type="vouchers.redemption", action="claim").exists()
    assert reconciliation_run().ok


def test_it_marks_the_voucher_exhausted_when_the_balance_hits_zero(seed):
    voucher = make_voucher(seed["enterprises"]["enterprise-jiangnan"], "1000.00")
    order = make_order(voucher, seed["providers"]["provider-sit"], "2000.00")
    claim(seed, "1000.00", order=order)
    voucher.refresh_from_db()
    assert voucher.balance == 0 and voucher.status == "exhausted"


def test_it_refuses_a_second_claim_on_the_same_order(seed):
    claim(seed, "100.00")
    with pytest.raises(AlreadyRedeemed):
        claim(seed, "100.00")
    assert Redemption.objects.count() == 1


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "", "NaN", "Infinity", "1.234", None])
def test_it_refuses_a_bad_amount(seed, amount):
    with pytest.raises(ValidationFailed):
        claim(seed, amount)
    assert not Redemption.objects.exists()


def test_it_refuses_more_than_the_co_funding_ratio(seed):
    with pytest.raises(ValidationFailed) as error:
        claim(seed, "150000.01")
    assert error.value.field == "amount"


def test_it_refuses_more_than_the_contract_less_the_confirmed_own_share(seed):
    """An own share above its due leaves the voucher only the rest of the contract: the
    provider is never paid more than the contract."""
    voucher = make_voucher(seed["enterprises"]["enterprise-jiangnan"], "10000.00")
    order = make_order(voucher, seed["providers"]["provider-sit"], "2000.00", paperwork=False)
    complete_paperwork(order, amount="1600.00")  # due: 1,000.00 (ratio 0.5)
    assert max_claim_for(ServiceOrder.objects.get(pk=order.pk)) == Decimal("400.00")

    with pytest.raises(ValidationFailed) as error:
        claim(seed, "400.01", order=order)
    assert error.value.field == "amount"
    assert "own share 1,600.00 yuan: the voucher pays at most the rest, 400.00 yuan" in str(
        error.value
    )
    assert not Redemption.objects.filter(service_order=order).exists()

    assert claim(seed, "400.00", order=order).amount == Decimal("400.00")


def test_an_own_share_of_the_whole_contract_leaves_nothing_to_claim(seed):
    voucher = make_voucher(seed["enterprises"]["enterprise-jiangnan"], "10000.00")
    order = make_order(voucher, seed["providers"]["provider-sit"], "2000.00", paperwork=False)
    complete_paperwork(order, amount="2000.00")

    with pytest.raises(ValidationFailed):
        claim(seed, "0.01", order=order)
    assert max_claim_for(ServiceOrder.objects.get(pk=order.pk)) == Decimal("0.00")


def test_it_refuses_more_than_the_balance(seed):
    voucher = make_voucher(seed["enterprises"]["enterprise-jiangnan"], "1000.00")
    order = make_order(voucher, seed["providers"]["provider-sit"], "10000.00")
    with pytest.raises(InsufficientBalance):
        claim(seed, "1000.01", order=order)
    voucher.refresh_from_db()
    assert voucher.balance == Decimal("1000.00") and voucher.held == 0


def test_it_refuses_an_order_that_is_not_confirmed(demo):
    with pytest.raises(InvalidTransition):
        claim(demo, "100.00")


def test_it_refuses_a_voucher_that_is_not_active(seed):
    Voucher.objects.filter(pk=seed["voucher"].pk).update(status="revoked")
    with pytest.raises(InvalidTransition):
        claim(seed, "100.00")


def test_it_refuses_a_voucher_restricted_to_its_district(seed):
    voucher = make_voucher(seed["enterprises"]["enterprise-jiangnan"], cross_region=False)
    order = make_order(voucher, seed["providers"]["provider-sit"])
    with pytest.raises(InvalidTransition):
        claim(seed, "100.00", order=order)


def test_another_providers_order_is_404(seed):
    with pytest.raises(Http404):
        claim(seed, "100.00", user="provider-graphene")


def test_only_a_provider_claims(seed):
    with pytest.raises(NotAllowed):
        claim(seed, "100.00", user="enterprise-jiangnan")


def test_a_rejected_claim_can_be_made_again(seed):
    from vouchers.services import redemption_reject

    first = claim(seed, "100.00")
    redemption_reject(redemption_id=first.pk, actor=seed["users"]["official-wujin"], note="No")
    second = claim(seed, "90.00")
    assert second.status == "pending"


@pytest.mark.parametrize("typed", ["¥1,000.00", "1,000", "\uff11\uff0c\uff10\uff10\uff10"])
def test_the_claim_form_reads_an_amount_as_the_pages_print_it(client, seed, typed):
    voucher = make_voucher(seed["enterprises"]["enterprise-jiangnan"], "10000.00")
    order = make_order(voucher, seed["providers"]["provider-sit"], "4000.00")
    client.force_login(seed["users"]["provider-sit"])

    response = client.post(f"/redemptions/claim/{order.pk}/", {"amount": typed})

    assert response.status_code == 302, response.content.decode()[:500]
    assert Redemption.objects.get(service_order=order).amount == Decimal("1000.00")
