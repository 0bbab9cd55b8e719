"""The double-entry ledger: each district's accounts, and journal entries whose lines
balance. Rows are append-only (PostgreSQL triggers refuse UPDATE and DELETE)."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regions.models import MONEY, ZERO, AppendOnlyError, Region


class LedgerAccount(models.Model):
    """An account of the double-entry ledger.

    fund: a district's voucher fund (debited when its vouchers are spent);
    cash: the district's bank account (credited when it pays providers or transfers);
    clearing: what a district owes to (credit) or is owed by (debit) one other district;
    payable: what a district owes one provider.
    """

    class Kind(models.TextChoices):
        FUND = "fund", _("District voucher fund")
        CASH = "cash", _("District bank account")
        CLEARING = "clearing", _("Inter-district clearing")
        PAYABLE = "payable", _("Provider payable")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="accounts")
    counterparty = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    provider = models.ForeignKey(
        "providers.Provider",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
    )

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        ordering = ["region_id", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "region"],
                condition=Q(counterparty__isnull=True, provider__isnull=True),
                name="ledger_one_plain_account_per_kind",
            ),
            models.UniqueConstraint(
                fields=["region", "counterparty"],
                condition=Q(kind="clearing"),
                name="ledger_one_clearing_per_pair",
            ),
            models.UniqueConstraint(
                fields=["provider"],
                condition=Q(kind="payable"),
                name="ledger_one_payable_per_provider",
            ),
            models.CheckConstraint(
                name="ledger_clearing_has_counterparty",
                condition=~Q(kind="clearing")
                | (Q(counterparty__isnull=False) & ~Q(counterparty=F("region"))),
            ),
            models.CheckConstraint(
                name="ledger_payable_has_provider",
                condition=~Q(kind="payable") | Q(provider__isnull=False),
            ),
        ]

    def __str__(self):
        if self.kind == self.Kind.CLEARING:
            return f"{self.region.code} clearing with {self.counterparty.code}"
        if self.kind == self.Kind.PAYABLE:
            return f"{self.region.code} payable to provider #{self.provider_id}"
        return f"{self.region.code} {self.kind}"


class JournalEntry(models.Model):
    """One balanced money movement. `reference` makes posting idempotent: a second post of
    the same event is refused by the unique constraint."""

    reference = models.CharField(max_length=100, unique=True)
    posted_at = models.DateTimeField(default=timezone.now, db_index=True)
    description = models.CharField(max_length=255)
    redemption = models.ForeignKey(
        "vouchers.Redemption",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="journal_entries",
    )
    settlement_batch = models.ForeignKey(
        "regions.SettlementBatch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="journal_entries",
    )

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        ordering = ["id"]

    def __str__(self):
        return self.reference

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Journal entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Journal entries are append-only.")


class JournalLine(models.Model):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="lines")
    debit = models.DecimalField(**MONEY, default=ZERO)
    credit = models.DecimalField(**MONEY, default=ZERO)

    class Meta:
        verbose_name = _("journal line")
        verbose_name_plural = _("journal lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                name="journal_line_one_side",
                condition=(Q(debit__gt=0) & Q(credit=0)) | (Q(credit__gt=0) & Q(debit=0)),
            ),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Journal lines are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Journal lines are append-only.")
