"""Technology demands enterprises publish, and the proposals certified providers answer them
with. Accepting a proposal creates the service order (providers/services/demands.py)."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from regions.models import MONEY, Region

from . import Provider, ServiceCategory, ServiceOrder


class Demand(models.Model):
    """A technical problem an enterprise wants solved, public or shown only to the providers
    it invites."""

    DESCRIPTION_MAX_LENGTH = 10000

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public")
        INVITED = "invited", _("Invited providers only")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("demand state", "Open")
        CLOSED = "closed", _("Closed")
        AWARDED = "awarded", _("Awarded")

    TRANSITIONS = {
        Status.OPEN: {Status.CLOSED, Status.AWARDED},
        Status.CLOSED: set(),
        # The order the accepted proposal became ended undelivered (declined, cancelled):
        # the need is still there (providers.services.demands.demand_reopen_for_ended_order).
        Status.AWARDED: {Status.OPEN},
    }

    # What the owner edits while the demand is open: the page's form, the API and the service.
    EDITABLE_FIELDS = (
        "title",
        "description",
        "category",
        "budget_min",
        "budget_max",
        "deadline",
        "visibility",
    )

    enterprise = models.ForeignKey(
        "vouchers.Enterprise", on_delete=models.PROTECT, related_name="demands"
    )
    # The enterprise's district when it published.
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="demands")
    title = models.CharField(max_length=200)
    description = models.TextField()
    category = models.ForeignKey(ServiceCategory, on_delete=models.PROTECT, related_name="demands")
    budget_min = models.DecimalField(**MONEY)
    budget_max = models.DecimalField(**MONEY)
    deadline = models.DateField()
    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    invited_providers = models.ManyToManyField(
        Provider, blank=True, related_name="demand_invitations"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    # The title's and description's search tokens (providers/search.py), kept by the
    # services that publish and edit a demand; the search matches on these.
    search_terms = models.TextField(blank=True, default="", editable=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    technology_manager = models.ForeignKey(
        "providers.TechnologyManager",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="demands",
    )

    class Meta:
        verbose_name = _("demand")
        verbose_name_plural = _("demands")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "deadline"], name="demand_status_deadline_idx"),
            models.Index(fields=["enterprise", "status"], name="demand_enterprise_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="demand_budget_range", condition=Q(budget_min__lte=F("budget_max"))
            ),
            models.CheckConstraint(
                name="demand_budget_nonnegative", condition=Q(budget_min__gte=0)
            ),
        ]

    def __str__(self):
        return self.title


class Proposal(models.Model):
    """A certified provider's answer to a demand: how, for how much, how long, led by whom."""

    # The page's form and the API's serializer both bound the approach by this.
    APPROACH_MAX_LENGTH = 20000

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", pgettext_lazy("proposal state", "Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        # Accepted, and the order it became ended undelivered (declined, cancelled, its
        # voucher or provider revoked): the demand is open again and the provider may
        # propose anew (providers.services.demands.demand_reopen_for_ended_order).
        ORDER_ENDED = "order_ended", _("Order ended")

    # A proposal in one of these is over: the provider may make a new one for the demand.
    ENDED_STATUSES = (Status.WITHDRAWN, Status.ORDER_ENDED)

    TRANSITIONS = {
        Status.SUBMITTED: {Status.ACCEPTED, Status.DECLINED, Status.WITHDRAWN},
        Status.ACCEPTED: {Status.ORDER_ENDED},
        Status.ORDER_ENDED: set(),
        # Declined only because another was accepted, whose order then ended undelivered.
        Status.DECLINED: {Status.SUBMITTED},
        Status.WITHDRAWN: set(),
    }

    demand = models.ForeignKey(Demand, on_delete=models.PROTECT, related_name="proposals")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="proposals")
    approach = models.TextField()
    price = models.DecimalField(**MONEY)
    duration_days = models.PositiveIntegerField()
    expert = models.ForeignKey(
        "providers.Expert",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposals",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    service_order = models.OneToOneField(
        ServiceOrder,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proposal",
    )

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["created_at", "id"]
        constraints = [
            # One live proposal per provider and demand; a withdrawn one, or one whose order
            # ended undelivered, may be replaced.
            models.UniqueConstraint(
                fields=["demand", "provider"],
                condition=~Q(status__in=["withdrawn", "order_ended"]),
                name="proposal_one_live_per_provider",
            ),
            models.CheckConstraint(name="proposal_price_positive", condition=Q(price__gt=0)),
            models.CheckConstraint(
                name="proposal_duration_positive", condition=Q(duration_days__gt=0)
            ),
        ]

    def __str__(self):
        return f"{self.provider} → {self.demand}"


def proposal_attachment_path(instance, filename):
    return f"private/proposals/{instance.proposal_id}/{filename}"


class ProposalAttachment(models.Model):
    """A file a provider adds to its proposal, checked like order evidence (portal/files.py)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=proposal_attachment_path)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("proposal attachment")
        verbose_name_plural = _("proposal attachments")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(name="proposal_attachment_not_empty", condition=Q(size__gt=0))
        ]

    def __str__(self):
        return self.original_name
