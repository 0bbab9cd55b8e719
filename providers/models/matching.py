"""The record of each daily matching digest a provider was sent (providers/services/digest.py).

One row per provider and day, enforced by the database: a digest task that runs twice the
same day (a retry, a second beat) finds the row and sends nothing more. The newest row's
`sent_at` is where the provider's next digest starts looking for new demands."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from providers.models import Provider
from providers.models.demands import Demand


class DigestSent(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="digests")
    day = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)
    # The demands the digest listed: those the provider ranked among the top for.
    demands = models.ManyToManyField(Demand, blank=True, related_name="+")

    class Meta:
        verbose_name = _("demand digest sent")
        verbose_name_plural = _("demand digests sent")
        ordering = ["-day", "provider_id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "day"], name="digest_once_per_provider_day")
        ]

    def __str__(self):
        return f"digest to provider #{self.provider_id} on {self.day}"
