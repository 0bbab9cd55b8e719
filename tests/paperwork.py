"""What every claim needs since the own-share rule: the signed contract and the invoice on the
order, and the enterprise's own share recorded and confirmed by the provider, done through
the real services (providers.services.documents), as the parties would."""

import itertools

from django.core.files.uploadedfile import SimpleUploadedFile

from providers.models import OwnSharePayment, ServiceOrder
from providers.selectors import own_share_due
from providers.services import documents
from regions.models import User

PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)
_numbers = itertools.count(1)


def pdf(name: str = "document.pdf", extra: bytes = b"") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF + extra, content_type="application/pdf")


def parties(order: ServiceOrder) -> tuple[User, User]:
    """A user of the order's enterprise and one of its provider."""
    enterprise_user = User.objects.filter(enterprise_id=order.enterprise_id).order_by("id").first()
    provider_user = User.objects.filter(provider_id=order.provider_id).order_by("id").first()
    return enterprise_user, provider_user


def fresh_invoice_number(order: ServiceOrder) -> str:
    """An 8-digit invoice number (under a 12-digit code) no other invoice of the run has."""
    return f"{next(_numbers):08d}"


def complete_paperwork(order: ServiceOrder, *, amount=None) -> ServiceOrder:
    """Contract and invoice uploaded, own share recorded (by default the least due) and
    confirmed: the order may now be claimed."""
    order = ServiceOrder.objects.select_related("voucher").get(pk=order.pk)
    enterprise_user, provider_user = parties(order)
    kinds = set(order.documents.values_list("kind", flat=True))
    if "contract" not in kinds:
        documents.order_document_upload(
            order=order,
            kind="contract",
            file=pdf("contract.pdf", b"%contract"),
            actor=enterprise_user,
        )
    if "invoice" not in kinds:
        documents.order_document_upload(
            order=order,
            kind="invoice",
            # Its own bytes: one invoice's file on two orders is refused as the same invoice.
            file=pdf("invoice.pdf", f"%invoice of order {order.pk}".encode()),
            invoice_code="031001900111",
            invoice_number=fresh_invoice_number(order),
            actor=provider_user,
        )
    own_share = OwnSharePayment.objects.filter(service_order=order).first()
    if own_share is None:
        documents.own_share_record(
            order=order,
            amount=amount if amount is not None else own_share_due(order),
            payment_reference=f"OWN-{order.pk}",
            actor=enterprise_user,
        )
    if own_share is None or not own_share.is_confirmed:
        documents.own_share_confirm(order=order, actor=provider_user)
    return order
