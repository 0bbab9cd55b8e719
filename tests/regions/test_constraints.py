"""The database itself refuses what would break the money invariants."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from providers.models import ServiceOrder
from regions.models import AppendOnlyError, AuditEntry, ProgrammeRules
from vouchers.models import Redemption, Voucher

pytestmark = pytest.mark.django_db


def test_it_refuses_a_voucher_balance_below_zero(demo):
    with pytest.raises(IntegrityError), transaction.atomic():
        Voucher.objects.filter(pk=demo["voucher"].pk).update(balance=Decimal("-0.01"))


def test_it_refuses_more_redeemed_and_held_than_face_value(demo):
    voucher = demo["voucher"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Voucher.objects.filter(pk=voucher.pk).update(
            redeemed=voucher.face_value, held=Decimal("1.00")
        )


def test_it_refuses_a_duplicate_voucher_serial(demo):
    voucher = demo["voucher"]
    other = voucher.application
    with pytest.raises(IntegrityError), transaction.atomic():
        Voucher.objects.create(
            serial=voucher.serial,
            application=other,
            enterprise=voucher.enterprise,
            issuing_region=voucher.issuing_region,
            year=voucher.year,
            face_value=Decimal("10.00"),
            balance=Decimal("10.00"),
            expires_at=voucher.expires_at,
        )


def _redemption(order: ServiceOrder, **overrides) -> Redemption:
    fields = {
        "service_order": order,
        "voucher": order.voucher,
        "provider": order.provider,
        "issuing_region": order.voucher.issuing_region,
        "provider_region": order.provider.region,
        "cross_region": order.voucher.issuing_region_id != order.provider.region_id,
        "amount": Decimal("1000.00"),
    }
    fields.update(overrides)
    return Redemption.objects.create(**fields)


def test_it_refuses_a_second_live_redemption_of_the_same_order(demo):
    order = demo["order"]
    _redemption(order)
    with pytest.raises(IntegrityError), transaction.atomic():
        _redemption(order)


def test_it_allows_a_new_claim_after_a_rejected_one(demo):
    order = demo["order"]
    _redemption(order, status=Redemption.Status.REJECTED)
    assert _redemption(order).pk


def test_it_refuses_a_cross_region_flag_that_contradicts_the_regions(demo):
    with pytest.raises(IntegrityError), transaction.atomic():
        _redemption(demo["order"], cross_region=False)


def test_it_refuses_committed_above_the_budget(demo):
    rules = ProgrammeRules.objects.get(region=demo["regions"]["WUJIN"])
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgrammeRules.objects.filter(pk=rules.pk).update(committed=rules.annual_budget + 1)


def test_it_refuses_a_second_rules_row_for_the_same_year(demo):
    rules = ProgrammeRules.objects.get(region=demo["regions"]["WUJIN"])
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgrammeRules.objects.create(
            region=rules.region,
            year=rules.year,
            annual_budget=1,
            max_voucher_per_enterprise=1,
            co_funding_ratio="0.5",
        )


def test_audit_entries_are_append_only(demo):
    entry = AuditEntry.objects.first()
    entry.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


@pytest.mark.postgres
def test_postgres_refuses_raw_updates_of_the_audit_trail(demo):
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry.objects.all().update(reason="rewritten")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry.objects.all().delete()
