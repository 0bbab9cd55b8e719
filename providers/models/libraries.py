"""The expert library and the technology-manager (技术经纪人) library."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regions.models import NamedInTwoLanguages, Region

from . import Provider, ServiceCategory

# An expert or manager is listed, contacted and given work while active and, if they have an
# account, while it is: a person whose account the operator deactivated has left the
# programme, and was still listed, contactable and offered for assignments.
LISTED = Q(active=True) & (Q(user__isnull=True) | Q(user__is_active=True))


class ListedWhileActive:
    @property
    def takes_requests(self) -> bool:
        """`LISTED` for one row in hand (its user read)."""
        return self.active and (self.user_id is None or self.user.is_active)


class Expert(ListedWhileActive, NamedInTwoLanguages, models.Model):
    """A specialist who may lead a proposal, review an application or advise on a demand."""

    name = models.CharField(max_length=200)
    name_zh = models.CharField(max_length=200, blank=True)
    field = models.CharField(max_length=200, help_text="Field of expertise")
    organisation = models.CharField(max_length=200, blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="experts")
    titles = models.CharField(max_length=200, blank=True, help_text="Professional titles")
    categories = models.ManyToManyField(ServiceCategory, blank=True, related_name="experts")
    provider = models.ForeignKey(
        Provider, null=True, blank=True, on_delete=models.SET_NULL, related_name="experts"
    )
    # An expert may sign in to see and comment on what they are assigned.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="expert_profile",
    )
    contact_email = models.EmailField(blank=True)
    bio = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("expert")
        verbose_name_plural = _("experts")
        ordering = ["name"]
        indexes = [models.Index(fields=["active", "region"], name="expert_active_region_idx")]


class TechnologyManager(ListedWhileActive, NamedInTwoLanguages, models.Model):
    """A certified technology-transfer manager who may broker a demand; recorded on the
    order that results."""

    class Level(models.TextChoices):
        JUNIOR = "junior", _("Junior")
        INTERMEDIATE = "intermediate", _("Intermediate")
        SENIOR = "senior", _("Senior")

    name = models.CharField(max_length=200)
    name_zh = models.CharField(max_length=200, blank=True)
    certification_level = models.CharField(max_length=16, choices=Level.choices)
    regions_served = models.ManyToManyField(Region, blank=True, related_name="technology_managers")
    organisation = models.CharField(max_length=200, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="technology_manager_profile",
    )
    contact_email = models.EmailField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("technology manager")
        verbose_name_plural = _("technology managers")
        ordering = ["name"]


class ExpertAssignment(models.Model):
    """An official asks an expert to review an application of their district, or to advise
    on a demand of it: exactly one of the two."""

    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="assignments")
    application = models.ForeignKey(
        "vouchers.VoucherApplication",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="expert_assignments",
    )
    demand = models.ForeignKey(
        "providers.Demand",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="expert_assignments",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The expert may decline (busy, a stake in it, outside their field), with the reason the
    # official reads; the official then asks another expert.
    declined_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("expert assignment")
        verbose_name_plural = _("expert assignments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="assignment_exactly_one_target",
                condition=(Q(application__isnull=False) & Q(demand__isnull=True))
                | (Q(application__isnull=True) & Q(demand__isnull=False)),
            ),
            models.UniqueConstraint(
                fields=["expert", "application"],
                condition=Q(application__isnull=False),
                name="assignment_once_per_application",
            ),
            models.UniqueConstraint(
                fields=["expert", "demand"],
                condition=Q(demand__isnull=False),
                name="assignment_once_per_demand",
            ),
        ]

    def __str__(self):
        target = (
            f"application #{self.application_id}"
            if self.application_id
            else (f"demand #{self.demand_id}")
        )
        return f"{self.expert} → {target}"

    @property
    def region_id(self) -> int:
        """The district whose official assigned it (the target's district)."""
        if self.application_id:
            return self.application.region_id
        return self.demand.region_id


class ExpertComment(models.Model):
    """What an assigned expert writes about the application or demand."""

    assignment = models.ForeignKey(
        ExpertAssignment, on_delete=models.PROTECT, related_name="comments"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("expert comment")
        verbose_name_plural = _("expert comments")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(name="expert_comment_not_empty", condition=~Q(body=""))
        ]

    def __str__(self):
        return f"comment #{self.pk} on {self.assignment_id}"


class DemandIntroductionManager(models.Manager):
    """The demand's page lists its introductions from the template (`demand.introductions`),
    naming each provider and manager: read with them, so that the page's queries stay few."""

    def get_queryset(self):
        return super().get_queryset().select_related("provider", "manager")


class DemandIntroduction(models.Model):
    """A technology manager brokering a demand introduces a certified provider to it: the
    provider is told (and, on an invited-only demand, invited), the enterprise too."""

    demand = models.ForeignKey(
        "providers.Demand", on_delete=models.PROTECT, related_name="introductions"
    )
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="demand_introductions"
    )
    manager = models.ForeignKey(
        TechnologyManager, on_delete=models.PROTECT, related_name="introductions"
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = DemandIntroductionManager()

    class Meta:
        verbose_name = _("introduction to a demand")
        verbose_name_plural = _("introductions to demands")
        ordering = ["created_at", "id"]
        constraints = [
            # Two requests at once, or a second manager after the first stepped back, must not
            # e-mail the same provider about the same demand twice.
            models.UniqueConstraint(
                fields=["demand", "provider"], name="introduction_once_per_provider"
            ),
        ]

    def __str__(self):
        return f"{self.provider} → demand #{self.demand_id}"
