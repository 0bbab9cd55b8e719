"""Programme rules as published versions, and what the reminders and e-mail settings keep.

A district's `ProgrammeRules` row of a year holds the budget counters (locked on every money
move) and the values in force; each `ProgrammeRulesVersion` is one publication of those values
with the date from which they apply. A version effective today or earlier is applied to the
row when it is published; one effective later is applied on its date (the daily beat task,
and any locked read of the row before it: `regions.rules.rules_apply_due`). A voucher keeps
the version in force when it was issued (`Voucher.rules_version`): a later version never
changes it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regions.models import MONEY, Region

# The values a version carries, copied onto the district-year row when it applies.
RULE_FIELDS = (
    "annual_budget",
    "max_voucher_per_enterprise",
    "co_funding_ratio",
    "validity_days",
    "cross_region",
    "four_eyes_threshold",
    "requires_own_share",
    "provider_notice_days",
    "split_window_days",
    "service_level_days",
)


class ProgrammeRulesVersion(models.Model):
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="rules_versions")
    year = models.PositiveIntegerField()
    annual_budget = models.DecimalField(**MONEY)
    max_voucher_per_enterprise = models.DecimalField(**MONEY)
    co_funding_ratio = models.DecimalField(max_digits=4, decimal_places=3)
    validity_days = models.PositiveIntegerField(default=365)
    cross_region = models.BooleanField(default=True)
    four_eyes_threshold = models.DecimalField(**MONEY, null=True, blank=True)
    requires_own_share = models.BooleanField(default=True)
    provider_notice_days = models.PositiveIntegerField(default=7)
    split_window_days = models.PositiveIntegerField(default=90)
    service_level_days = models.PositiveIntegerField(default=5)
    # Empty: every category is eligible.
    eligible_categories = models.ManyToManyField(
        "providers.ServiceCategory", blank=True, related_name="+"
    )
    effective_from = models.DateField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now)
    # When its values were copied onto the district-year row (None: not yet, a future date).
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("programme rules version")
        verbose_name_plural = _("programme rules versions")
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["region", "year", "effective_from"], name="rules_version_idx"),
            models.Index(
                fields=["effective_from"],
                condition=Q(applied_at__isnull=True),
                name="rules_version_pending_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="rules_version_budget_positive", condition=Q(annual_budget__gte=0)
            ),
            models.CheckConstraint(
                name="rules_version_cap_positive", condition=Q(max_voucher_per_enterprise__gt=0)
            ),
            models.CheckConstraint(
                name="rules_version_ratio_in_range",
                condition=Q(co_funding_ratio__gt=0, co_funding_ratio__lte=1),
            ),
            models.CheckConstraint(
                name="rules_version_validity_positive", condition=Q(validity_days__gt=0)
            ),
            models.CheckConstraint(
                name="rules_version_four_eyes_positive",
                condition=Q(four_eyes_threshold__isnull=True) | Q(four_eyes_threshold__gt=0),
            ),
        ]

    def __str__(self):
        return f"{self.region.code} {self.year} from {self.effective_from}"

    def category_is_eligible(self, category_id: int | None) -> bool:
        ids = [c.pk for c in self.eligible_categories.all()]
        return not ids or category_id in ids


class NotificationPreference(models.Model):
    """Whether one kind of notification reaches a user by e-mail (no row: it does)."""

    class Kind(models.TextChoices):
        REMINDERS = "reminders", _("Reminders")
        ORDER_UPDATES = "order_updates", _("Service order updates")
        APPLICATION_DECISIONS = "application_decisions", _("Application decisions")
        REDEMPTION_DECISIONS = "redemption_decisions", _("Redemption decisions")
        SETTLEMENT = "settlement", _("Settlement")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    email = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("notification setting")
        verbose_name_plural = _("notification settings")
        ordering = ["user_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_pref_one_per_kind"),
        ]

    def __str__(self):
        return f"{self.user_id} {self.kind} {'on' if self.email else 'off'}"


class ReminderSent(models.Model):
    """One reminder sent to one address on one day: the unique constraint makes the daily
    task idempotent (a re-delivered run inserts nothing and so sends nothing twice)."""

    class Kind(models.TextChoices):
        VOUCHER_EXPIRING = "voucher_expiring", _("Voucher expiring soon")
        APPLICATIONS_WAITING = "applications_waiting", _("Applications waiting")
        REDEMPTIONS_WAITING = "redemptions_waiting", _("Redemptions waiting")
        OBJECTIONS_WAITING = "objections_waiting", _("Objections waiting")

    kind = models.CharField(max_length=32, choices=Kind.choices)
    recipient = models.CharField(max_length=254)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        ordering = ["-day", "kind", "recipient"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "recipient", "day"], name="reminder_once_per_recipient_day"
            ),
        ]

    def __str__(self):
        return f"{self.kind} to {self.recipient} on {self.day}"
