"""Reconciliation re-checks the ledger and the batches against the redemptions."""

from decimal import Decimal

import pytest
from django.core import mail

from regions import ledger
from regions.models import SettlementNetPosition, SettlementObligation
from regions.services import reconciliation_run
from regions.settlement.transfers import settlement_transfer_confirm
from tests.redemptions.factories import approved_redemption
from tests.vouchers.factories import make_voucher
from vouchers.models import Redemption

pytestmark = pytest.mark.django_db


def checks(report):
    return {b["check"] for b in report.breaches}


def test_a_settled_and_closed_batch_reconciles(computed, demo):
    batch, _ = computed
    for transfer in batch.transfers.select_related("from_region", "to_region"):
        settlement_transfer_confirm(
            batch_id=batch.pk,
            from_region=transfer.from_region.code,
            to_region=transfer.to_region.code,
            # One bank transfer each, so one reference each: a district paying two others in
            # one batch makes two transfers (the same reference twice asks for confirmation).
            payment_reference=f"R-{transfer.pk}",
            actor=demo["users"]["operator"],
        )
    report = reconciliation_run()
    assert report.ok, report.breaches


def test_a_posting_without_its_redemption_is_reported(demo, django_capture_on_commit_callbacks):
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"])
    approved_redemption(demo, voucher, demo["providers"]["provider-sit"], "20.00")
    ledger.post_entry(
        reference="stray",
        description="a payment nobody approved",
        lines=[
            (ledger.payable_account(demo["providers"]["provider-sit"]), Decimal("7.00"), 0),
            (ledger.cash_account(demo["regions"]["YANGPU"]), 0, Decimal("7.00")),
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = reconciliation_run()
    assert checks(report) == {"ledger_account_balance"}
    assert sorted(
        (b["kind"], Decimal(b["balance"]) - Decimal(b["expected"])) for b in report.breaches
    ) == [
        ("cash", Decimal("-7.00")),
        ("payable", Decimal("7.00")),
    ]
    assert len(mail.outbox) == 1


def test_a_redemption_amount_changed_behind_the_ledger_is_reported(demo):
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"])
    redemption = approved_redemption(demo, voucher, demo["providers"]["provider-sit"], "20.00")
    Redemption.objects.filter(pk=redemption.pk).update(amount=Decimal("21.00"))
    assert "ledger_account_balance" in checks(reconciliation_run())


def test_an_obligation_that_differs_from_its_redemptions_is_reported(computed):
    batch, _ = computed
    obligation = batch.obligations.first()
    SettlementObligation.objects.filter(pk=obligation.pk).update(amount=obligation.amount + 1)
    assert "obligation_matches_redemptions" in checks(reconciliation_run())


def test_net_positions_that_do_not_sum_to_zero_are_reported(computed):
    batch, _ = computed
    position = batch.net_positions.first()
    SettlementNetPosition.objects.filter(pk=position.pk).update(amount=position.amount + 1)
    assert "net_positions_sum_to_zero" in checks(reconciliation_run())
