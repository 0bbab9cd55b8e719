"""Settlement between the districts: batches, the redemptions each claims, what each pair
of districts owes, the net positions, the transfers; reconciliation reports and the monthly
flow table the dashboards read."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regions.models import MONEY, ZERO, Region, User


class SettlementBatch(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        COMPUTED = "computed", _("Computed")
        CONFIRMED = "confirmed", _("Confirmed")
        CLOSED = "closed", _("Closed")

    TRANSITIONS = {
        Status.OPEN: {Status.COMPUTED},
        Status.COMPUTED: {Status.CONFIRMED},
        Status.CONFIRMED: {Status.CLOSED},
        Status.CLOSED: set(),
    }

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    cutoff = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    computed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    redemption_count = models.PositiveIntegerField(default=0)
    gross_total = models.DecimalField(**MONEY, default=ZERO)
    claimed_count = models.PositiveIntegerField(default=0, help_text="Progress of the claim step")
    progressed_at = models.DateTimeField(
        default=timezone.now,
        help_text="When the batch last moved forward (opened, claimed a chunk, resumed); an open "
        "batch that has not moved for SETTLEMENT_STALL_SECONDS is stalled and gets resumed",
    )

    class Meta:
        verbose_name = _("settlement batch")
        verbose_name_plural = _("settlement batches")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(name="batch_gross_nonnegative", condition=Q(gross_total__gte=0)),
        ]

    def __str__(self):
        return f"Settlement batch #{self.pk}"


class SettlementItem(models.Model):
    """One redemption settled in one batch: the claim step's only write.

    The redemption is the primary key, so the database itself refuses to put a redemption
    in two batches (or twice in one), whatever a retried task, a second worker or a second
    batch does. Claiming inserts these narrow rows instead of rewriting each wide redemption
    row and every index on it; a redemption is "settled" exactly when it has an item (its
    status stays approved or paid: it is derived, never written twice). Amount and the two
    districts are copied from the redemption in the claim's one statement (they never
    change once a redemption is approved), so totals and statements read this table alone.
    """

    # No database foreign keys on this table (db_constraint=False): their per-row triggers
    # cost more than the insert itself (1.0 s of 1.9 s per 75,000 items, measured). The
    # claim's one INSERT ... SELECT takes each row from an existing redemption, under a KEY
    # SHARE lock on the open batch row; neither is ever deleted (PROTECT here and on every
    # other reference), and reconciliation checks every item against both
    # (`sources.settlement_items_unlike_their_redemption`).
    redemption = models.OneToOneField(
        "vouchers.Redemption",
        primary_key=True,
        on_delete=models.PROTECT,
        related_name="settlement_item",
        db_constraint=False,
    )
    batch = models.ForeignKey(
        SettlementBatch,
        on_delete=models.PROTECT,
        related_name="items",
        db_index=False,
        db_constraint=False,
    )
    # Copies of the redemption's own (foreign-keyed) districts.
    issuing_region = models.ForeignKey(
        Region, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    provider_region = models.ForeignKey(
        Region, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    amount = models.DecimalField(**MONEY)

    class Meta:
        verbose_name = _("settlement item")
        verbose_name_plural = _("settlement items")
        indexes = [
            # "The redemptions of batch X" (totals per pair, statements, reconciliation).
            # The batch alone: every item of a batch has the same key, which PostgreSQL
            # stores once per leaf page with a list of rows (B-tree deduplication), so each
            # insert appends to one place. With the districts in the key and the amount
            # INCLUDEd (no deduplication with INCLUDE), the index covered the totals but
            # took 12 insertion points and a full entry per item: the claim of 750,000
            # items took 24.5 s with it, 12.8 s with this one; the totals' one GROUP BY
            # reads the heap and went from 1.7 to 1.1 s (measured, README).
            models.Index(fields=["batch"], name="settlement_item_batch_only_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="settlement_item_amount_positive", condition=Q(amount__gt=0)
            ),
            models.CheckConstraint(
                name="settlement_item_cross_region",
                condition=~Q(issuing_region=F("provider_region")),
            ),
        ]

    def __str__(self):
        return f"Redemption #{self.redemption_id} in batch #{self.batch_id}"


class SettlementObligation(models.Model):
    """The gross total that `from_region` owes `to_region` in one batch (one directed pair)."""

    batch = models.ForeignKey(SettlementBatch, on_delete=models.CASCADE, related_name="obligations")
    from_region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    to_region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(**MONEY)
    redemption_count = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("settlement obligation")
        verbose_name_plural = _("settlement obligations")
        ordering = ["from_region_id", "to_region_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "from_region", "to_region"], name="obligation_one_per_pair"
            ),
            models.CheckConstraint(
                name="obligation_between_two_regions", condition=~Q(from_region=F("to_region"))
            ),
            models.CheckConstraint(name="obligation_positive", condition=Q(amount__gt=0)),
        ]


class SettlementNetPosition(models.Model):
    """A district's net position in a batch: positive means it is owed, negative it owes."""

    batch = models.ForeignKey(
        SettlementBatch, on_delete=models.CASCADE, related_name="net_positions"
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(**MONEY)

    class Meta:
        verbose_name = _("net position")
        verbose_name_plural = _("net positions")
        ordering = ["region_id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "region"], name="net_position_one_per_region"),
        ]


class SettlementTransfer(models.Model):
    batch = models.ForeignKey(SettlementBatch, on_delete=models.CASCADE, related_name="transfers")
    from_region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    to_region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(**MONEY)
    payment_reference = models.CharField(max_length=100, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("settlement transfer")
        verbose_name_plural = _("settlement transfers")
        ordering = ["from_region_id", "to_region_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "from_region", "to_region"], name="transfer_one_per_pair"
            ),
            models.CheckConstraint(
                name="transfer_between_two_regions", condition=~Q(from_region=F("to_region"))
            ),
            models.CheckConstraint(name="transfer_positive", condition=Q(amount__gt=0)),
        ]


class ReconciliationReport(models.Model):
    """The result of one reconciliation run; breaches are listed, never silently fixed."""

    ran_at = models.DateTimeField(default=timezone.now)
    ok = models.BooleanField()
    breaches = models.JSONField(default=list, blank=True)
    checked = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("reconciliation report")
        verbose_name_plural = _("reconciliation reports")
        ordering = ["-ran_at"]

    def __str__(self):
        return f"Reconciliation {self.ran_at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'BREACH'}"


# --- maintained summaries ------------------------------------------------------------------


class RedemptionMonthlyFlow(models.Model):
    """Approved (later perhaps paid) redemptions per local month and district pair.

    The dashboards read these at most 16 x 12 rows a year instead of aggregating every
    redemption. `redemption_approve` adds each approval in its own transaction
    (`regions.dashboards.flow_summary_record`); the migration and `seed_load` rebuild it from
    the redemptions, and `regions.dashboards.flow_summary_breaches` re-checks it.
    """

    year = models.PositiveIntegerField()
    month = models.PositiveSmallIntegerField()
    issuing_region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    provider_region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    redemption_count = models.PositiveBigIntegerField(default=0)
    amount = models.DecimalField(max_digits=18, decimal_places=2, default=ZERO)

    class Meta:
        verbose_name = _("monthly redemption flow")
        verbose_name_plural = _("monthly redemption flows")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "month", "issuing_region", "provider_region"],
                name="monthly_flow_one_per_pair",
            ),
        ]

    def __str__(self):
        return f"{self.year}-{self.month:02d} {self.issuing_region_id}->{self.provider_region_id}"
