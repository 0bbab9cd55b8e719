"""Small factories for the money tests: orders and redemptions (vouchers come from
tests.vouchers.factories.make_voucher)."""

from decimal import Decimal

from django.utils import timezone

from providers.models import ServiceOrder
from tests.paperwork import complete_paperwork
from vouchers import services as redemptions


def confirm(order: ServiceOrder, *, paperwork: bool = True) -> ServiceOrder:
    """Skip the order's story (requested -> accepted -> completed -> confirmed); with
    `paperwork`, its contract, invoice and confirmed own share follow by the real services
    (tests.paperwork), so that it may be claimed."""
    ServiceOrder.objects.filter(pk=order.pk).update(
        status=ServiceOrder.Status.CONFIRMED, confirmed_at=timezone.now()
    )
    if paperwork:
        complete_paperwork(order)
    order.refresh_from_db()
    return order


def make_order(
    voucher, provider, contract="300000.00", *, confirmed=True, paperwork=True
) -> ServiceOrder:
    """An order; confirmed, it also carries its contract, invoice and confirmed own share
    (tests.paperwork), so that it may be claimed."""
    order = ServiceOrder.objects.create(
        enterprise=voucher.enterprise,
        provider=provider,
        voucher=voucher,
        title=f"Test service by {provider.name}",
        contract_amount=Decimal(contract),
    )
    return confirm(order, paperwork=paperwork) if confirmed else order


def provider_user(demo, provider):
    """The provider's demo user, or the first user of a provider a test made."""
    demo_user = next((u for u in demo["users"].values() if u.provider_id == provider.pk), None)
    return demo_user or provider.users.order_by("pk").first()


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


def delivered_claim(demo, amount="1000.00", *, evidence=None, summary=None):
    """The seed's order through its whole story by the real services: SIT accepts it, logs
    the completed service with an evidence PDF, the enterprise confirms delivery, SIT claims.
    Returns the pending redemption."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from providers import services as orders

    order = demo["order"]
    provider_user = demo["users"]["provider-sit"]
    orders.order_accept(order=order, actor=provider_user)
    if evidence is None:
        evidence = [
            SimpleUploadedFile(
                "process-report.pdf",
                b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
                b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
                b"trailer << /Root 1 0 R >>\n%%EOF\n",
                content_type="application/pdf",
            )
        ]
    orders.order_complete(
        order=ServiceOrder.objects.get(pk=order.pk),
        summary=summary or "Ball-milling parameters optimised; few-layer yield up from 41% to 63%.",
        deliverables="Final process report",
        evidence=evidence,
        actor=provider_user,
    )
    orders.order_confirm(
        order=ServiceOrder.objects.get(pk=order.pk), actor=demo["users"]["enterprise-jiangnan"]
    )
    complete_paperwork(order)
    return redemptions.redemption_claim(
        service_order_id=order.pk, amount=amount, actor=provider_user
    )
