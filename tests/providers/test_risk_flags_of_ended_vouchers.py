"""A risk flag that can no longer block anything leaves the officials' to-do list: its
voucher revoked (or expired) and no claim on its order waiting, it is cleared with the reason,
in the reader's language. It stayed open, counted on the dashboard, and the rejected claim's
page still asked to clear it before approving."""

import pytest

from providers.models import RiskFlag
from providers.services.risk import risk_flag_raise
from tests.redemptions.factories import make_order, official_of, provider_user
from tests.vouchers.factories import make_voucher
from vouchers import services
from vouchers.models import Redemption

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged_claim(demo, sit):
    """A pending claim on a Wujin voucher whose order carries an open evidence flag."""
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"], "50000.00")
    order = make_order(voucher, sit, "20000.00")
    claim = services.redemption_claim(
        service_order_id=order.pk, amount="1000.00", actor=provider_user(demo, sit)
    )
    risk_flag_raise(order=order, kind=RiskFlag.Kind.EVIDENCE_REUSED, evidence={"file": "x.pdf"})
    return claim


def open_flags(claim) -> int:
    return RiskFlag.objects.filter(
        service_order=claim.service_order, cleared_at__isnull=True
    ).count()


def test_rejecting_the_last_claim_of_a_revoked_voucher_clears_its_flag(demo, flagged_claim):
    wujin = official_of(demo, "WUJIN")
    services.voucher_revoke(voucher=flagged_claim.voucher, actor=wujin, reason="Fraud suspected.")
    assert open_flags(flagged_claim) == 1  # the pending claim is still decided

    services.redemption_reject(redemption_id=flagged_claim.pk, actor=wujin, note="Fraud.")

    flag = RiskFlag.objects.get(service_order=flagged_claim.service_order)
    assert flag.cleared_at is not None and flag.cleared_by == wujin
    assert flag.clear_reason == "The voucher is revoked: nothing more can be claimed on it."


def test_revoking_a_voucher_whose_claim_was_rejected_clears_its_flag(demo, flagged_claim, client):
    wujin = official_of(demo, "WUJIN")
    services.redemption_reject(redemption_id=flagged_claim.pk, actor=wujin, note="Not proven.")
    assert open_flags(flagged_claim) == 1  # the voucher may still pay another claim

    services.voucher_revoke(voucher=flagged_claim.voucher, actor=wujin, reason="Fraud suspected.")

    assert open_flags(flagged_claim) == 0
    client.force_login(wujin)
    queue = client.get("/official/risk-queue/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "The voucher is revoked" not in queue
    assert "创新券已撤销" in queue


def test_a_flag_of_another_voucher_stays(demo, flagged_claim, sit):
    other = make_voucher(demo["enterprises"]["enterprise-jiangnan"], "50000.00")
    order = make_order(other, sit, "20000.00")
    risk_flag_raise(order=order, kind=RiskFlag.Kind.EVIDENCE_REUSED, evidence={"file": "y.pdf"})
    wujin = official_of(demo, "WUJIN")
    services.redemption_reject(redemption_id=flagged_claim.pk, actor=wujin, note="Not proven.")

    services.voucher_revoke(voucher=flagged_claim.voucher, actor=wujin, reason="Fraud suspected.")

    assert RiskFlag.objects.filter(service_order=order, cleared_at__isnull=True).count() == 1
    assert Redemption.objects.get(pk=flagged_claim.pk).status == Redemption.Status.REJECTED
