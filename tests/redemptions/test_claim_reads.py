"""The claim's two locking reads, written as SQL (vouchers/services/claim_reads.py), answer
what the same reads through the ORM answer: every field, the related rows and every
annotation, for every order of the demo and for orders made to differ in each of them."""

from decimal import Decimal

import pytest
from django.db.models import Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce, Trim, Upper

from providers.models import OwnSharePayment, ServiceOrder
from providers.selectors import paperwork_annotations
from regions.models import ProgrammeRules, ProgrammeRulesVersion
from regions.selectors import eligibility_annotations
from tests.paperwork import complete_paperwork
from tests.redemptions.factories import make_order, provider_user
from vouchers.models import Redemption, RelatedParty, Voucher
from vouchers.selectors import LIVE_STATUSES
from vouchers.services import redemption_claim
from vouchers.services.claim_reads import (
    ORDER_ANNOTATIONS,
    lock_order_for_claim,
    lock_voucher_of_order,
)

pytestmark = pytest.mark.django_db


def orm_voucher(order: ServiceOrder) -> Voucher:
    return (
        Voucher.objects.select_related("issuing_region")
        .annotate(
            rules_ratio=Coalesce(
                Subquery(
                    ProgrammeRulesVersion.objects.filter(pk=OuterRef("rules_version_id")).values(
                        "co_funding_ratio"
                    )[:1]
                ),
                Subquery(
                    ProgrammeRules.objects.filter(
                        region_id=OuterRef("issuing_region_id"), year=OuterRef("year")
                    ).values("co_funding_ratio")[:1]
                ),
            )
        )
        .get(pk=order.voucher_id)
    )


def orm_order(order: ServiceOrder) -> ServiceOrder:
    return (
        ServiceOrder.objects.select_related("provider__region")
        .annotate(
            already_claimed=Exists(
                Redemption.objects.filter(service_order_id=OuterRef("pk"), status__in=LIVE_STATUSES)
            ),
            **eligibility_annotations(),
            **paperwork_annotations(),
            related_party=Exists(
                RelatedParty.objects.filter(
                    enterprise_id=OuterRef("enterprise_id"),
                    credit_code=Upper(Trim(OuterRef("provider__credit_code"))),
                )
            ),
            own_share_confirmed_amount=Subquery(
                OwnSharePayment.objects.filter(
                    service_order_id=OuterRef("pk"), confirmed_at__isnull=False
                ).values("amount")[:1]
            ),
        )
        .get(pk=order.pk)
    )


def fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def assert_same_reads(order: ServiceOrder) -> None:
    voucher = lock_voucher_of_order(service_order_id=order.pk, provider_id=order.provider_id)
    expected_voucher = orm_voucher(order)
    assert fields(voucher) == fields(expected_voucher)
    assert voucher.rules_ratio == expected_voucher.rules_ratio
    assert fields(voucher.issuing_region) == fields(expected_voucher.issuing_region)

    read = lock_order_for_claim(service_order_id=order.pk, voucher=voucher)
    expected = orm_order(order)
    assert fields(read) == fields(expected)
    assert fields(read.provider) == fields(expected.provider)
    assert fields(read.provider.region) == fields(expected.provider.region)
    assert read.voucher is voucher
    for name in ORDER_ANNOTATIONS:
        assert getattr(read, name) is bool(getattr(expected, name)), name
    assert read.own_share_confirmed_amount == expected.own_share_confirmed_amount


def test_every_demo_order_reads_as_through_the_orm(demo):
    orders = list(ServiceOrder.objects.exclude(voucher=None))
    assert orders
    for order in orders:
        assert_same_reads(order)


def test_paperwork_claims_and_categories_read_as_through_the_orm(demo):
    voucher = demo["voucher"]
    provider = demo["providers"]["provider-graphene"]
    bare = make_order(voucher, provider, contract="1000.00", paperwork=False)
    complete = make_order(voucher, provider, contract="1000.00")
    claimed = make_order(voucher, provider, contract="1000.00")
    redemption_claim(
        service_order_id=claimed.pk, amount="100.00", actor=provider_user(demo, provider)
    )
    above_due = make_order(voucher, provider, contract="1000.00", paperwork=False)
    complete_paperwork(above_due, amount="900.00")
    for order in (bare, complete, claimed, above_due):
        assert_same_reads(order)
    read = lock_order_for_claim(service_order_id=above_due.pk, voucher=voucher)
    assert read.own_share_confirmed_amount == Decimal("900.00")
    assert (
        lock_order_for_claim(service_order_id=bare.pk, voucher=voucher).own_share_confirmed_amount
        is None
    )
    assert lock_order_for_claim(service_order_id=claimed.pk, voucher=voucher).already_claimed
    assert not lock_order_for_claim(service_order_id=bare.pk, voucher=voucher).has_contract

    # Rules that restrict categories: the voucher's snapshot lists only one.
    version = ProgrammeRulesVersion.objects.filter(
        region_id=voucher.issuing_region_id, year=voucher.year
    ).first()
    if version is not None:
        category = provider.categories.first()
        version.eligible_categories.set([category] if category else [])
        Voucher.objects.filter(pk=voucher.pk).update(rules_version=version)
        for order in (bare, complete):
            assert_same_reads(order)


def test_an_order_of_another_provider_finds_no_voucher(demo):
    voucher = demo["voucher"]
    provider = demo["providers"]["provider-graphene"]
    order = make_order(voucher, provider, contract="1000.00")
    assert lock_voucher_of_order(service_order_id=order.pk, provider_id=-1) is None
    assert lock_voucher_of_order(service_order_id=-1, provider_id=provider.pk) is None
