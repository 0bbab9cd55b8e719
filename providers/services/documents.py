"""What a claim stands on besides the evidence: the signed contract and the provider's invoice
(either party uploads them; each file is checked like evidence and hashed), and the
enterprise's payment of its own share (the enterprise records it, the provider confirms it).

An invoice (its code and number) backs one order only, across all four districts: the
database says so (`orderdocument_invoice_backs_one_order`), and an invoice offered again, by
its number or as the same file, is refused (409 `invoice_reused`) and flags the order it was offered on, in a transaction of its
own so that the flag stays although the upload is refused.

Lock order (CONVENTIONS.md): service order, and nothing after it.
"""

import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import InvalidTransition, NotAllowed, ValidationFailed
from portal.files import DOCUMENT_KINDS, check_upload, original_name, sha256_of
from portal.money import parse_money
from portal.templatetags.portal import cny
from providers import permissions
from providers.models import OrderDocument, OwnSharePayment, RiskFlag, ServiceOrder
from providers.selectors import own_share_due
from providers.services.inputs import stored_name
from providers.services.risk import risk_flag_raise
from regions.ledger import clean_payment_reference
from regions.models import AuditEntry, User
from regions.services import audit_record
from vouchers.models import Redemption

# Orders past these states take no more paperwork.
CLOSED = permissions.PAPERWORK_CLOSED
# Claim states whose official decision read the order's paperwork as it was.
DECIDED_CLAIMS = (Redemption.Status.APPROVED, Redemption.Status.PAID)
# The shapes of a Chinese invoice's identity (see clean_invoice).
DIGITAL_INVOICE_DIGITS = 20
INVOICE_NUMBER_DIGITS = 8
INVOICE_CODE_DIGITS = (10, 12)


class InvoiceReused(InvalidTransition):
    code = "invoice_reused"

    def __init__(
        self, message: str, *, other: OrderDocument | None = None, field: str = "invoice_number"
    ):
        super().__init__(message, field=field)
        self.other = other


@dataclass(frozen=True)
class InvoiceId:
    code: str
    number: str


def clean_invoice(code: str | None, number: str | None) -> InvoiceId:
    """The invoice's code and number as the tax system writes them, so that one invoice is
    always written one way and is found again however it was typed: spaces out, full-width
    digits (a Chinese keyboard's "９９７８") read as ASCII, and one of the two shapes of a
    Chinese invoice: a fully digital invoice (数电发票) has a 20-digit number and no code; the
    others an 8-digit number under a 10- or 12-digit code. A number written with extra
    leading zeros, or a digital invoice's number under some code, was another invoice to
    the one-order check, and the same invoice backed two orders."""
    code = "".join(unicodedata.normalize("NFKC", code or "").split())
    number = "".join(unicodedata.normalize("NFKC", number or "").split())
    if not number:
        raise ValidationFailed(
            _("Enter the invoice number."), field="invoice_number", code="required"
        )
    if not (number.isascii() and number.isdigit()):
        raise ValidationFailed(
            _("An invoice number is digits only."), field="invoice_number", code="invalid"
        )
    if len(number) == DIGITAL_INVOICE_DIGITS:
        if code:
            raise ValidationFailed(
                _(
                    "A fully digital invoice (a 20-digit number) has no invoice code: leave "
                    "the code empty."
                ),
                field="invoice_code",
                code="invalid",
            )
        return InvoiceId(code="", number=number)
    if len(number) != INVOICE_NUMBER_DIGITS:
        raise ValidationFailed(
            _(
                "An invoice number has 8 digits (under a 10- or 12-digit invoice code) or, on a "
                "fully digital invoice, 20 digits."
            ),
            field="invoice_number",
            code="invalid",
        )
    if not (code.isascii() and code.isdigit() and len(code) in INVOICE_CODE_DIGITS):
        raise ValidationFailed(
            _("Enter the invoice code printed above the number: 10 or 12 digits."),
            field="invoice_code",
            code="invalid" if code else "required",
        )
    return InvoiceId(code=code, number=number)


def _no_invoice_on_contract(code: str | None, number: str | None) -> None:
    """A contract uploaded with an invoice code or number: the provider meant an invoice, or
    chose the wrong type. Stored as a contract, the numbers were dropped without a word and
    the invoice the provider thought uploaded was missing at the claim."""
    for field, value in (("invoice_code", code), ("invoice_number", number)):
        if "".join(unicodedata.normalize("NFKC", value or "").split()):
            raise ValidationFailed(
                _(
                    "Invoice code and number belong to an invoice: choose the invoice type or "
                    "leave them empty."
                ),
                field=field,
                code="invoice_fields_on_contract",
            )


def _lock_order(order_id: int) -> ServiceOrder:
    return (
        ServiceOrder.objects.select_for_update(of=("self",))
        .select_related("enterprise", "provider", "voucher")
        .get(pk=order_id)
    )


# A contract may be invoiced in parts; more than this on one order is not an order's
# paperwork but numbers being spent.
MAX_INVOICES_PER_ORDER = 10


def _either_party(order: ServiceOrder, actor: User) -> None:
    if not (
        permissions.is_order_enterprise(actor, order) or permissions.is_order_provider(actor, order)
    ):
        raise NotAllowed(_("Only the two parties of an order upload its contract and invoice."))


def _open(order: ServiceOrder) -> None:
    if order.status in CLOSED:
        raise InvalidTransition(
            _("This order is %(status)s and takes no more paperwork: documents or own share.")
            % {"status": order.get_status_display().lower()},
            code="order_closed",
        )


def order_document_upload(
    *,
    order: ServiceOrder,
    kind: str,
    file,
    actor: User,
    invoice_code: str = "",
    invoice_number: str = "",
) -> OrderDocument:
    """Either party uploads the signed contract; the provider, which issues it, the invoice
    (at most MAX_INVOICES_PER_ORDER on one order). An invoice already used on any order is
    refused, nothing is stored, and a risk flag on this order records it."""
    _either_party(order, actor)
    if kind not in OrderDocument.Kind.values:
        raise ValidationFailed(
            _("Choose “contract” or “invoice”."), field="kind", code="invalid_choice"
        )
    if kind == OrderDocument.Kind.INVOICE and not permissions.is_order_provider(actor, order):
        # An invoice number counts programme-wide: an enterprise uploading "invoices" could
        # spend the provider's next numbers and block its claims in every district.
        raise NotAllowed(_("The provider issues the invoice, and uploads it."))
    if file is None:
        raise ValidationFailed(_("Choose a file."), field="file", code="required")
    if kind == OrderDocument.Kind.CONTRACT:
        _no_invoice_on_contract(invoice_code, invoice_number)
    invoice = clean_invoice(invoice_code, invoice_number) if kind == "invoice" else None
    file_kind = check_upload(file, allowed=DOCUMENT_KINDS, field="file")
    try:
        return _document_store(
            order_id=order.pk, kind=kind, file=file, file_kind=file_kind, invoice=invoice,
            actor=actor,
        )  # fmt: skip
    except InvoiceReused as refusal:
        if refusal.other is not None and refusal.other.service_order_id != order.pk:
            _invoice_reuse_flag(
                order_id=order.pk, other=refusal.other, same_file=refusal.field == "file",
                actor=actor,
            )  # fmt: skip
        raise


def _reused(invoice: InvoiceId) -> OrderDocument | None:
    return (
        OrderDocument.objects.filter(
            kind=OrderDocument.Kind.INVOICE,
            invoice_code=invoice.code,
            invoice_number=invoice.number,
        )
        .select_related("service_order__voucher__issuing_region")
        .first()
    )


def _same_file(digest: str) -> OrderDocument | None:
    """An invoice whose file is byte for byte one already uploaded as an invoice: the same
    invoice, whatever number was typed beside it."""
    return (
        OrderDocument.objects.filter(kind=OrderDocument.Kind.INVOICE, sha256=digest)
        .select_related("service_order__voucher__issuing_region")
        .first()
    )


def _file_refusal(other: OrderDocument, order_id: int) -> InvoiceReused:
    if other.service_order_id == order_id:
        message = _("This file is already on this order as invoice %(invoice)s.") % {
            "invoice": other.invoice_label
        }
    else:
        # Not the other order's number: that is what its provider typed, not the uploader's
        # to learn; the officials read it on the risk flag.
        message = _(
            "This file is already uploaded as the invoice of another order; an invoice backs "
            "one order only."
        )
    return InvoiceReused(message, other=other, field="file")


def _refusal(invoice: InvoiceId, other: OrderDocument, order_id: int) -> InvoiceReused:
    label = " ".join(p for p in (invoice.code, invoice.number) if p)
    if other.service_order_id == order_id:
        message = _("Invoice %(invoice)s is already on this order.") % {"invoice": label}
    else:
        message = _(
            "Invoice %(invoice)s already backs another order; an invoice backs one order only."
        ) % {"invoice": label}
    return InvoiceReused(message, other=other)


@transaction.atomic(durable=True)
def _document_store(*, order_id, kind, file, file_kind, invoice, actor) -> OrderDocument:
    order = _lock_order(order_id)
    _open(order)
    if order.redemptions.filter(status__in=DECIDED_CLAIMS).exists():
        # The official approved the claim on these papers: a paper added now was not seen,
        # and an invoice number would be spent programme-wide on an order already paid.
        raise InvalidTransition(
            _(
                "The claim on this order is approved: its contract and invoice can no longer change."
            ),
            code="claim_approved",
        )
    if order.redemptions.filter(status=Redemption.Status.PENDING).exists():
        # The claim waits for the official, who decides on these papers: a new invoice now
        # would be judged unseen beside the one the claim was made on.
        raise InvalidTransition(
            _(
                "A claim on this order waits for the official's decision: its contract and "
                "invoice stay as the claim was made on them. If they must change, the official "
                "rejects the claim first."
            ),
            code="claim_pending",
        )
    digest = sha256_of(file)
    if invoice is not None:
        other = _reused(invoice)
        if other is not None:
            raise _refusal(invoice, other, order_id)
        other = _same_file(digest)
        if other is not None:
            raise _file_refusal(other, order_id)
        invoices = order.documents.filter(kind=OrderDocument.Kind.INVOICE).count()
        if invoices >= MAX_INVOICES_PER_ORDER:
            raise InvalidTransition(
                _("This order has %(count)s invoices, as many as one order takes.")
                % {"count": invoices},
                code="too_many_invoices",
            )
    document = OrderDocument(
        service_order=order,
        kind=kind,
        original_name=original_name(file),
        content_type=file_kind.content_type,
        size=file.size,
        sha256=digest,
        invoice_code=invoice.code if invoice else "",
        invoice_number=invoice.number if invoice else "",
        uploaded_by=actor,
    )
    document.file.save(stored_name(file_kind), file, save=False)
    try:
        with transaction.atomic():  # a savepoint: the race's loser is told, not a 500
            document.save()
    except IntegrityError:
        other = _reused(invoice) if invoice is not None else None
        document.file.delete(save=False)
        if other is None:
            raise
        raise _refusal(invoice, other, order_id) from None
    audit_record(
        actor=actor,
        obj=order,
        action=AuditEntry.Action.UPLOAD,
        data={
            "document": document.pk,
            "kind": kind,
            "sha256": document.sha256,
            "invoice": document.invoice_label,
        },
    )
    return document


@transaction.atomic(durable=True)
def _invoice_reuse_flag(
    *, order_id: int, other: OrderDocument, same_file: bool, actor: User
) -> RiskFlag:
    """Its own transaction: the upload is refused, the flag must stay. `matched_on` says
    whether the number typed or the file itself was the one already used."""
    order = _lock_order(order_id)
    other_order = other.service_order
    return risk_flag_raise(
        order=order,
        kind=RiskFlag.Kind.INVOICE_REUSED,
        evidence={
            "invoice_code": other.invoice_code,
            "invoice_number": other.invoice_number,
            "other_order": other_order.pk,
            "other_district": other_order.voucher.issuing_region.code,
            "matched_on": "file" if same_file else "number",
        },
        actor=actor,
    )


@transaction.atomic(durable=True)
def own_share_record(
    *, order: ServiceOrder, amount, payment_reference: str, actor: User
) -> OwnSharePayment:
    """The enterprise records its payment of the part the voucher does not cover. It may
    correct the record until the provider has confirmed it."""
    if not permissions.is_order_enterprise(actor, order):
        raise NotAllowed(_("Only the enterprise that placed this order records its own share."))
    amount = parse_money(amount, field="amount")
    reference = clean_payment_reference(payment_reference)
    order = _lock_order(order.pk)
    _open(order)
    due = own_share_due(order)
    if amount < due or amount > order.contract_amount or amount <= Decimal("0"):
        raise ValidationFailed(
            _(
                "The enterprise's own share of this order is at least %(due)s yuan and at "
                "most the contract amount, %(contract)s yuan."
            )
            % {"due": f"{due:,.2f}", "contract": f"{order.contract_amount:,.2f}"},
            field="amount",
            code="invalid_amount",
        )
    payment = OwnSharePayment.objects.filter(service_order=order).first()
    if payment is not None and payment.is_confirmed:
        raise InvalidTransition(
            _("The provider has already confirmed the own share; it cannot change."),
            code="own_share_confirmed",
        )
    if payment is None:
        payment = OwnSharePayment(service_order=order)
    payment.amount = amount
    payment.payment_reference = reference
    payment.recorded_by = actor
    payment.recorded_at = timezone.now()
    payment.save()
    # Audited on the payment, not the order: the order's "confirm" is its delivery's.
    audit_record(
        actor=actor,
        obj=payment,
        action=AuditEntry.Action.RECORD,
        data={"own_share": str(amount), "payment_reference": reference},
    )
    return payment


@transaction.atomic(durable=True)
def own_share_confirm(
    *, order: ServiceOrder, actor: User, amount=None, payment_reference: str | None = None
) -> OwnSharePayment:
    """The provider confirms that the enterprise's own share reached it.

    `amount` and `payment_reference` are the record as the provider saw it (the page always
    sends them): the enterprise may correct its record until it is confirmed, and a page
    opened before a correction must not confirm an amount its reader never saw."""
    if not permissions.is_order_provider(actor, order):
        raise NotAllowed(_("Only the provider of this order confirms the own share."))
    seen_amount = parse_money(amount, field="amount") if amount not in (None, "") else None
    order = _lock_order(order.pk)
    _open(order)
    payment = OwnSharePayment.objects.select_for_update().filter(service_order=order).first()
    if payment is None:
        raise InvalidTransition(
            _("The enterprise has not recorded its own share yet."), code="own_share_not_recorded"
        )
    if payment.is_confirmed:
        raise InvalidTransition(
            _("The own share is already confirmed."), code="own_share_confirmed"
        )
    changed_amount = seen_amount is not None and seen_amount != payment.amount
    changed_reference = (
        payment_reference is not None and payment_reference.strip() != payment.payment_reference
    )
    if changed_amount or changed_reference:
        raise InvalidTransition(
            _(
                "The enterprise changed its record since you saw it: it now reads %(amount)s, "
                "reference %(reference)s. Check that this reached your account, then confirm again."
            )
            % {"amount": cny(payment.amount), "reference": payment.payment_reference},
            code="own_share_changed",
        )
    payment.confirmed_by = actor
    payment.confirmed_at = timezone.now()
    payment.save(update_fields=["confirmed_by", "confirmed_at"])
    audit_record(
        actor=actor,
        obj=payment,
        action=AuditEntry.Action.CONFIRM,
        data={"own_share": str(payment.amount), "payment_reference": payment.payment_reference},
    )
    return payment
