"""Small factories for the money tests: direct model writes that keep every invariant
reconciliation checks (a voucher commits its face value on the district's rules)."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from portal.codes import voucher_serial
from providers.models import ServiceOrder
from regions.models import ProgrammeRules
from regions.selectors import current_year
from vouchers import services as redemptions
from vouchers.models import Voucher, VoucherApplication


def confirm(order: ServiceOrder) -> ServiceOrder:
    """Skip the order's story (requested -> accepted -> completed -> confirmed)."""
    ServiceOrder.objects.filter(pk=order.pk).update(
        status=ServiceOrder.Status.CONFIRMED, confirmed_at=timezone.now()
    )
    order.refresh_from_db()
    return order


def make_voucher(enterprise, face="100000.00", *, cross_region=True) -> Voucher:
    face = Decimal(face)
    year = current_year()
    region = enterprise.region
    rules = ProgrammeRules.objects.get(region=region, year=year)
    ProgrammeRules.objects.filter(pk=rules.pk).update(
        committed=F("committed") + face, last_voucher_number=F("last_voucher_number") + 1
    )
    rules.refresh_from_db()
    application = VoucherApplication.objects.create(
        enterprise=enterprise,
        region=region,
        year=year,
        requested_amount=face,
        approved_amount=face,
        purpose="Test voucher",
        status=VoucherApplication.Status.APPROVED,
        decided_at=timezone.now(),
    )
    now = timezone.now()
    return Voucher.objects.create(
        serial=voucher_serial(
            short_code=region.short_code, year=year, number=rules.last_voucher_number
        ),
        application=application,
        enterprise=enterprise,
        issuing_region=region,
        year=year,
        face_value=face,
        balance=face,
        cross_region=cross_region,
        issued_at=now,
        expires_at=now + timedelta(days=365),
    )


def make_order(voucher, provider, contract="300000.00", *, confirmed=True) -> ServiceOrder:
    order = ServiceOrder.objects.create(
        enterprise=voucher.enterprise,
        provider=provider,
        voucher=voucher,
        title=f"Test service by {provider.name}",
        contract_amount=Decimal(contract),
    )
    return confirm(order) if confirmed else order


def provider_user(demo, provider):
    return next(u for u in demo["users"].values() if u.provider_id == provider.pk)


def official_of(demo, region_code):
    return next(u for u in demo["users"].values() if u.is_official and u.region.code == region_code)


def approved_redemption(demo, voucher, provider, amount="1000.00", *, paid=False):
    """A claim made, approved (and paid) through the services."""
    order = make_order(voucher, provider, contract=str(Decimal(amount) * 2))
    redemption = redemptions.redemption_claim(
        service_order_id=order.pk, amount=amount, actor=provider_user(demo, provider)
    )
    redemptions.redemption_approve(
        redemption_id=redemption.pk, actor=official_of(demo, voucher.issuing_region.code)
    )
    if paid:
        redemptions.redemption_mark_paid(
            redemption_id=redemption.pk,
            payment_reference=f"PAY-{redemption.pk}",
            actor=official_of(demo, provider.region.code),
        )
    redemption.refresh_from_db()
    return redemption
