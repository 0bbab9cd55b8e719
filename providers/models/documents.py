"""What a claim stands on besides the evidence: the signed contract and the provider's
invoice (files, hashed at upload), the enterprise's payment of its own share, and the nightly
re-hashing of every stored file (tamper evidence)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from providers.models import ServiceOrder
from regions.models import MONEY


def document_path(instance, filename):
    return f"private/documents/{instance.service_order_id}/{filename}"


class OrderDocument(models.Model):
    class Kind(models.TextChoices):
        CONTRACT = "contract", _("Signed contract")
        INVOICE = "invoice", _("Invoice")

    service_order = models.ForeignKey(
        ServiceOrder, on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    file = models.FileField(upload_to=document_path)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    # 发票代码 (absent on fully digital invoices) and 发票号码, as the tax system writes them
    # (providers.services.documents.clean_invoice).
    invoice_code = models.CharField(max_length=32, blank=True)
    invoice_number = models.CharField(max_length=32, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("order document")
        verbose_name_plural = _("order documents")
        ordering = ["id"]
        constraints = [
            # One invoice backs one order, across all four districts.
            models.UniqueConstraint(
                fields=["invoice_code", "invoice_number"],
                condition=Q(kind="invoice"),
                name="orderdocument_invoice_backs_one_order",
            ),
            models.CheckConstraint(
                name="orderdocument_invoice_has_number",
                condition=Q(kind="contract") | ~Q(invoice_number=""),
            ),
            models.CheckConstraint(name="orderdocument_not_empty", condition=Q(size__gt=0)),
        ]
        indexes = [
            # An invoice's file uploaded again is the same invoice (documents._same_file).
            models.Index(
                fields=["sha256"], condition=Q(kind="invoice"), name="orderdocument_invoice_file"
            ),
        ]

    def __str__(self):
        return self.original_name

    @property
    def invoice_label(self) -> str:
        return " ".join(part for part in (self.invoice_code, self.invoice_number) if part)


class OwnSharePayment(models.Model):
    """The enterprise's payment of the part of the contract the voucher does not cover:
    recorded by the enterprise with its bank reference, confirmed by the provider."""

    service_order = models.OneToOneField(
        ServiceOrder, on_delete=models.PROTECT, related_name="own_share"
    )
    amount = models.DecimalField(**MONEY)
    payment_reference = models.CharField(max_length=100)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("own-share payment")
        verbose_name_plural = _("own-share payments")
        constraints = [
            models.CheckConstraint(name="ownshare_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="ownshare_has_reference", condition=~Q(payment_reference="")
            ),
            models.CheckConstraint(
                name="ownshare_confirmed_by_someone",
                condition=Q(confirmed_at__isnull=True) | Q(confirmed_by__isnull=False),
            ),
        ]

    def __str__(self):
        return f"order #{self.service_order_id}: {self.amount}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class FileIntegrityCheck(models.Model):
    """One run of the nightly re-hashing: how many files were read and what was wrong.
    `findings` lists {"kind", "id", "order", "name", "problem" (changed|missing),
    "expected", "found"}."""

    checked_at = models.DateTimeField(default=timezone.now)
    files_checked = models.PositiveIntegerField(default=0)
    findings = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("file integrity check")
        verbose_name_plural = _("file integrity checks")
        ordering = ["-checked_at", "-id"]

    def __str__(self):
        return f"{self.checked_at:%Y-%m-%d %H:%M}: {len(self.findings)}"

    @property
    def ok(self) -> bool:
        return not self.findings
