"""Risk flags: orders an official must clear, with a reason, before a redemption on them can
be approved (related parties, split contracts, an invoice offered twice, an evidence file
already logged on another order)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from providers.models import ServiceOrder


class RiskFlag(models.Model):
    class Kind(models.TextChoices):
        RELATED_PARTY = "related_party", _("Related parties suspected")
        SPLIT_CONTRACT = "split_contract", _("Split contract suspected")
        INVOICE_REUSED = "invoice_reused", _("Invoice offered twice")
        EVIDENCE_REUSED = "evidence_reused", _("Evidence file used on another order")

    kind = models.CharField(max_length=32, choices=Kind.choices)
    service_order = models.ForeignKey(
        ServiceOrder, on_delete=models.PROTECT, related_name="risk_flags"
    )
    # What raised the flag, for the official: shared fields, the orders summed, the invoice.
    evidence = models.JSONField(default=dict, blank=True)
    raised_at = models.DateTimeField(default=timezone.now)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cleared_at = models.DateTimeField(null=True, blank=True)
    clear_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("risk flag")
        verbose_name_plural = _("risk flags")
        ordering = ["-raised_at", "-id"]
        constraints = [
            # One open flag of a kind per order: raising it again is a no-op.
            models.UniqueConstraint(
                fields=["service_order", "kind"],
                condition=Q(cleared_at__isnull=True),
                name="riskflag_one_open_per_order_kind",
            ),
            # Cleared always with a reason; by an official, or by no one when the nightly
            # expiry closed the order (cleared_by empty: the portal itself).
            models.CheckConstraint(
                name="riskflag_cleared_with_reason",
                condition=Q(cleared_at__isnull=True) | ~Q(clear_reason=""),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.service_order_id}"

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None
