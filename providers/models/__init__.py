"""Service providers, their certification and certificates, their catalogue, and the
service orders enterprises place with them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regions.models import MONEY, NamedInTwoLanguages, Region, reads_chinese


class ServiceCategory(models.Model):
    """The seven service categories of the programme (rows from a data migration)."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=100)
    name_zh = models.CharField(max_length=100)

    class Meta:
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")
        ordering = ["id"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """The category in the reader's language: 检验检测 / Testing and inspection."""
        return (self.name_zh or self.name) if reads_chinese() else self.name


class Provider(NamedInTwoLanguages, models.Model):
    DESCRIPTION_MAX_LENGTH = 5000

    class Kind(models.TextChoices):
        UNIVERSITY = "university", _("University")
        INSTITUTE = "institute", _("Research institute")
        TESTING_LAB = "testing_lab", _("Testing lab")
        COMPANY = "company", _("Company")

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        ON_NOTICE = "on_notice", _("On public notice")
        CERTIFIED = "certified", _("Certified")
        REJECTED = "rejected", _("Rejected")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Revoked")

    TRANSITIONS = {
        # An official's approval puts a new provider on public notice (ProviderNotice); it is
        # certified when the notice passes with no open objection, or rejected meanwhile.
        # Reinstating a suspended provider needs no new notice.
        Status.APPLIED: {Status.ON_NOTICE, Status.REJECTED},
        Status.ON_NOTICE: {Status.CERTIFIED, Status.REJECTED},
        Status.CERTIFIED: {Status.SUSPENDED, Status.REVOKED},
        Status.SUSPENDED: {Status.CERTIFIED, Status.REVOKED},
        Status.REJECTED: set(),
        Status.REVOKED: set(),
    }

    name = models.CharField(max_length=200)
    name_zh = models.CharField(max_length=200, blank=True)
    # Unique among providers not rejected (the constraint below): a rejected application
    # held its code for good, and anyone could apply with a real institute's code to be
    # rejected and lock the institute out of the programme.
    credit_code = models.CharField(max_length=18)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="providers")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    categories = models.ManyToManyField(ServiceCategory, related_name="providers")
    description = models.TextField(blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=32, blank=True)
    # Compared with the ordering enterprise's same fields (the related-party check).
    legal_representative = models.CharField(max_length=100, blank=True, default="", db_default="")
    registered_address = models.CharField(max_length=300, blank=True, default="", db_default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.APPLIED)
    applied_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("provider")
        verbose_name_plural = _("providers")
        ordering = ["name"]
        indexes = [models.Index(fields=["status", "region", "name"], name="provider_directory_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~models.Q(status="rejected"),
                name="provider_credit_code_unless_rejected",
            )
        ]

    @property
    def takes_orders(self) -> bool:
        return self.status == self.Status.CERTIFIED


def qualification_path(instance, filename):
    return f"private/qualifications/{instance.provider_id}/{filename}"


class ProviderQualification(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="qualifications")
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to=qualification_path)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("qualification file")
        verbose_name_plural = _("qualification files")


class ProviderCertificate(models.Model):
    """Awarded by certification; publicly verifiable at /verify/<serial>."""

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Revoked")

    # A certificate follows its provider's decisions (suspend, reinstate, revoke).
    TRANSITIONS = {
        Status.VALID: {Status.SUSPENDED, Status.REVOKED},
        Status.SUSPENDED: {Status.VALID, Status.REVOKED},
        Status.REVOKED: set(),
    }

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="certificates")
    serial = models.CharField(max_length=32, unique=True)
    issued_at = models.DateTimeField(default=timezone.now)
    valid_until = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.VALID)
    pdf = models.FileField(upload_to="private/certificates/", blank=True)
    # The public notice the provider passed before this certificate (empty for certificates
    # issued before notices existed).
    notice_starts_at = models.DateTimeField(null=True, blank=True)
    notice_ends_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("provider certificate")
        verbose_name_plural = _("provider certificates")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider"],
                condition=Q(status="valid"),
                name="certificate_one_valid_per_provider",
            ),
        ]

    def __str__(self):
        return self.serial


class ServiceOffering(models.Model):
    # What a provider edits on its offering: the page's form, the API and the service alike.
    EDITABLE_FIELDS = (
        "category",
        "title",
        "description",
        "indicative_price",
        "lead_time_days",
        "is_instrument",
        "instrument_hours",
        "hourly_rate",
        "active",
    )

    # Ten years: a longer "lead time" is a typing slip, shown publicly on the provider's page.
    # Checked by the catalogue service (for the page and the API alike) and by the page's
    # form, not by a validator on the field, which would take a migration for no change in
    # the table.
    LEAD_TIME_MAX_DAYS = 3650
    # A month has at most 31 x 24 hours (a page showed "1000000000000 hours a month").
    INSTRUMENT_HOURS_MAX = 744

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="offerings")
    category = models.ForeignKey(
        ServiceCategory, on_delete=models.PROTECT, related_name="offerings"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    indicative_price = models.DecimalField(**MONEY, null=True, blank=True)
    lead_time_days = models.PositiveIntegerField(null=True, blank=True)
    is_instrument = models.BooleanField(default=False, help_text="A shared large instrument")
    instrument_hours = models.PositiveIntegerField(
        null=True, blank=True, help_text="Hours a month offered"
    )
    # What an hour of a shared instrument costs; a booking's contract amount is hours x rate.
    hourly_rate = models.DecimalField(**MONEY, null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("service offering")
        verbose_name_plural = _("service offerings")
        ordering = ["provider_id", "title"]
        constraints = [
            models.CheckConstraint(
                name="offering_price_nonnegative",
                condition=Q(indicative_price__isnull=True) | Q(indicative_price__gte=0),
            ),
            models.CheckConstraint(
                name="offering_hourly_rate_positive",
                condition=Q(hourly_rate__isnull=True) | Q(hourly_rate__gt=0),
            ),
        ]

    def __str__(self):
        return self.title


class ServiceOrder(models.Model):
    # What the enterprise and the provider write in their own words: long enough for a
    # technical brief, bounded so that a page, an export and the audit stay readable.
    TEXT_MAX_LENGTH = 10000

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        COMPLETED = "completed", _("Completed")
        CONFIRMED = "confirmed", _("Confirmed")
        DISPUTED = "disputed", _("Disputed")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        Status.REQUESTED: {Status.ACCEPTED, Status.DECLINED, Status.CANCELLED},
        Status.ACCEPTED: {Status.COMPLETED, Status.CANCELLED},
        Status.COMPLETED: {Status.CONFIRMED, Status.DISPUTED},
        # The provider completes again, or the issuing district's official decides the
        # dispute: upheld, back to the provider (accepted); or the order is cancelled.
        Status.DISPUTED: {Status.COMPLETED, Status.ACCEPTED, Status.CANCELLED},
        Status.CONFIRMED: set(),
        Status.DECLINED: set(),
        Status.CANCELLED: set(),
    }

    enterprise = models.ForeignKey(
        "vouchers.Enterprise", on_delete=models.PROTECT, related_name="orders"
    )
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="orders")
    voucher = models.ForeignKey("vouchers.Voucher", on_delete=models.PROTECT, related_name="orders")
    offering = models.ForeignKey(
        ServiceOffering, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    contract_amount = models.DecimalField(**MONEY)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    requested_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    completion_summary = models.TextField(blank=True)
    deliverables = models.TextField(blank=True)
    dispute_reason = models.TextField(blank=True)
    status_reason = models.TextField(blank=True)
    # The technology manager who brokered the demand this order came from, if any.
    technology_manager = models.ForeignKey(
        "providers.TechnologyManager",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )

    class Meta:
        verbose_name = _("service order")
        verbose_name_plural = _("service orders")
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["provider", "status"], name="order_provider_status_idx"),
            models.Index(fields=["enterprise", "status"], name="order_enterprise_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="order_amount_positive", condition=Q(contract_amount__gt=0)
            ),
        ]

    def __str__(self):
        return self.title


def evidence_path(instance, filename):
    return f"private/evidence/{instance.order_id}/{filename}"


class OrderRating(models.Model):
    """The enterprise's rating of a delivered service (1-5), given once after it confirmed
    delivery; the directory shows each provider's average."""

    order = models.OneToOneField(ServiceOrder, on_delete=models.PROTECT, related_name="rating")
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    rated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("order rating")
        verbose_name_plural = _("order ratings")
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1) & Q(score__lte=5), name="rating_score_1_to_5"
            )
        ]

    def __str__(self):
        return f"order #{self.order_id}: {self.score}/5"


class EvidenceFile(models.Model):
    order = models.ForeignKey(ServiceOrder, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(upload_to=evidence_path)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey("regions.User", on_delete=models.PROTECT, related_name="+")
    # Recorded at upload; the nightly integrity check re-hashes the stored file against it.
    sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["id"]
        constraints = [models.CheckConstraint(name="evidence_not_empty", condition=Q(size__gt=0))]
        # The same file logged on another order is looked up by its digest at every completion.
        indexes = [models.Index(fields=["sha256"], name="evidence_sha256")]

    def __str__(self):
        return self.original_name


# Topics with modules of their own; imported here so Django finds their models.
from providers.models.risk import RiskFlag  # noqa: E402, F401, I001
from .libraries import (  # noqa: E402, F401, I001
    Expert,
    ExpertAssignment,
    ExpertComment,
    TechnologyManager,
)
from .demands import Demand, Proposal, ProposalAttachment  # noqa: E402, F401, I001
from .instruments import InstrumentBooking, InstrumentSlot  # noqa: E402, F401, I001
from .matching import DigestSent  # noqa: E402, F401, I001
from providers.models.documents import (  # noqa: E402,F401
    FileIntegrityCheck,
    OrderDocument,
    OwnSharePayment,
)
from providers.models.notices import ProviderNotice, ProviderObjection  # noqa: E402,F401
