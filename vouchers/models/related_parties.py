"""Related parties: a company related to an enterprise, which its vouchers may not pay."""

from django.db import models
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from vouchers.models import Enterprise


class RelatedParty(models.Model):
    """A company related to the enterprise (declared by the enterprise or found by an official
    of its district): the enterprise's vouchers may not pay it."""

    class Relation(models.TextChoices):
        SHAREHOLDING = "shareholding", _("Shareholding")
        COMMON_CONTROL = "common_control", _("Under common control")
        FAMILY = "family", _("Family ties of the owners")
        MANAGEMENT = "management", _("Shared management")
        OTHER = "other", pgettext_lazy("relation", "Other")

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="related_parties"
    )
    # The provider when the relation names one; the credit code (normalised) is what the
    # order check compares, so a relation declared before the provider registered still holds.
    provider = models.ForeignKey(
        "providers.Provider",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="related_enterprises",
    )
    credit_code = models.CharField(max_length=18)
    name = models.CharField(max_length=200, blank=True)
    relation = models.CharField(
        max_length=32, choices=Relation.choices, default=Relation.OTHER, db_default="other"
    )
    declared_by = models.ForeignKey(
        "regions.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    declared_at = models.DateTimeField(default=timezone.now, db_default=Now())

    class Meta:
        verbose_name = _("related party")
        verbose_name_plural = _("related parties")
        ordering = ["-declared_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "credit_code"], name="related_party_once"
            ),
        ]

    def __str__(self):
        return f"{self.enterprise} ~ {self.credit_code}"
