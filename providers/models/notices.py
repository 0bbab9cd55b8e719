"""Public notice of new providers: an official's approval first publishes the provider for the
district's `provider_notice_days`; anyone signed in (except the provider's own users) may object
with a reason, and the district's official answers each objection. The provider is certified
when the period has ended with no objection left unanswered."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from providers.models import Provider


class ProviderNotice(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("public notice", "Open")
        PASSED = "passed", pgettext_lazy("public notice", "Passed")
        WITHDRAWN = "withdrawn", pgettext_lazy("public notice", "Withdrawn")

    # Passed by the beat task when the period ended with no open objection; withdrawn when the
    # official rejects the provider during its notice.
    TRANSITIONS = {
        Status.OPEN: {Status.PASSED, Status.WITHDRAWN},
        Status.PASSED: set(),
        Status.WITHDRAWN: set(),
    }

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="notices")
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    put_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    concluded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("public notice of a provider")
        verbose_name_plural = _("public notices of providers")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["status", "ends_at"], name="notice_due_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["provider"],
                condition=Q(status="open"),
                name="notice_one_open_per_provider",
            ),
            models.CheckConstraint(
                name="notice_ends_after_start", condition=Q(ends_at__gt=F("starts_at"))
            ),
        ]

    def __str__(self):
        return f"{self.provider} ({self.starts_at:%Y-%m-%d} - {self.ends_at:%Y-%m-%d})"

    @property
    def has_ended(self) -> bool:
        return self.ends_at <= timezone.now()


class ProviderObjection(models.Model):
    notice = models.ForeignKey(ProviderNotice, on_delete=models.PROTECT, related_name="objections")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    raised_at = models.DateTimeField(default=timezone.now)
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("objection to a public notice")
        verbose_name_plural = _("objections to public notices")
        ordering = ["raised_at", "id"]
        constraints = [
            models.CheckConstraint(name="objection_has_reason", condition=~Q(reason="")),
            models.CheckConstraint(
                name="objection_answered_with_text",
                condition=Q(answered_at__isnull=True)
                | (Q(answered_by__isnull=False) & ~Q(answer="")),
            ),
        ]

    def __str__(self):
        return f"objection #{self.pk} to {self.notice_id}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None
