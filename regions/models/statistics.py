"""The open statistics' maintained summary of spent redemptions per enterprise."""

from django.db import models
from django.utils.translation import gettext_lazy as _

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
        verbose_name = _("monthly redemptions of an enterprise")
        verbose_name_plural = _("monthly redemptions by enterprise")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "month", "issuing_region", "enterprise", "category"],
                name="monthly_enterprise_one_per_key",
            ),
        ]

    def __str__(self):
        return f"{self.year}-{self.month:02d} {self.enterprise_id} {self.category}"


class StatisticsMonthlyDistrict(models.Model):
    """Per local month and district: the vouchers the district issued (count, face value and
    the total wait from application to voucher) and the redemptions it paid as the provider's
    home district (count and the total wait from claim to payment).

    The open statistics read their vouchers issued, monthly issue series and both average
    waits from these rows instead of joining every voucher to its application and scanning the
    paid redemptions. `voucher_issue` and `redemption_mark_paid` add to them in their
    transaction (`regions.statistics_summary.district_summary_issued` / `_paid`); the
    migration and `seed_load` rebuild them, reconciliation re-checks them. Waits are whole
    microseconds, so that the averages come out exactly as from the rows."""

    year = models.PositiveIntegerField()
    month = models.PositiveSmallIntegerField()
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    vouchers_issued = models.PositiveBigIntegerField(default=0)
    issued_amount = models.DecimalField(max_digits=18, decimal_places=2, default=ZERO)
    issue_wait_us = models.BigIntegerField(default=0)
    payments = models.PositiveBigIntegerField(default=0)
    payment_wait_us = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("monthly statistics of a district")
        verbose_name_plural = _("monthly statistics by district")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "month", "region"], name="monthly_district_one_per_key"
            ),
        ]

    def __str__(self):
        return f"{self.year}-{self.month:02d} {self.region_id}"
