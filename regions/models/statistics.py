"""The open statistics' maintained summary of spent redemptions per enterprise."""

from django.db import models

from regions.models import ZERO, Region


class RedemptionMonthlyEnterprise(models.Model):
    """Approved (later perhaps paid) redemptions per local month, issuing district,
    enterprise and service category.

    The open statistics read their top categories and enterprises served (by industry and
    size) from these rows instead of joining every redemption to its voucher, order, offering
    and application (seconds at a million redemptions). `redemption_approve` adds each
    approval in its transaction (`regions.statistics_summary.enterprise_summary_record`);
    the migration and `seed_load` rebuild it, reconciliation re-checks it. `category` is the
    service category's id as the approval found it (the order's offering's, else the one the
    application named), 0 when neither names one: a plain number so that the key has no NULL
    and one upsert keeps it."""

    year = models.PositiveIntegerField()
    month = models.PositiveSmallIntegerField()
    issuing_region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    enterprise = models.ForeignKey(
        "vouchers.Enterprise", on_delete=models.PROTECT, related_name="+"
    )
    category = models.PositiveIntegerField(default=0)
    redemption_count = models.PositiveBigIntegerField(default=0)
    amount = models.DecimalField(max_digits=18, decimal_places=2, default=ZERO)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["year", "month", "issuing_region", "enterprise", "category"],
                name="monthly_enterprise_one_per_key",
            ),
        ]

    def __str__(self):
        return f"{self.year}-{self.month:02d} {self.enterprise_id} {self.category}"
