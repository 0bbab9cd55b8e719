"""Enterprises, their voucher applications, vouchers and the redemptions providers claim."""

import unicodedata
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regions.models import MONEY, ZERO, NamedInTwoLanguages, Region


def who_acted():
    """The user who claimed, decided or first approved a row, not indexed: nothing lists
    rows by the official or provider who acted, and every claim and decision wrote each such
    index. Users are deactivated, never deleted: the PROTECT check that would scan does not
    run."""
    return models.ForeignKey(
        "regions.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )


class FirstApproval(models.Model):
    """Four eyes on an application or a redemption: at or above the district's threshold the
    first official's approval is recorded here, and only a second, different official's
    approval decides it (vouchers/services/four_eyes.py; a check constraint on each model)."""

    first_approved_by = who_acted()
    first_approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class Enterprise(NamedInTwoLanguages, models.Model):
    class Size(models.TextChoices):
        MICRO = "micro", _("Micro")
        SMALL = "small", _("Small")
        MEDIUM = "medium", _("Medium")
        LARGE = "large", _("Large")

    name = models.CharField(max_length=200)
    # A default in the database too: the bulk loaders (seed_load, benchmarks) insert with SQL.
    name_zh = models.CharField(
        max_length=200,
        blank=True,
        default="",
        db_default="",
        help_text="The registered Chinese name, where it differs.",
    )
    # Unique among registrations not closed (see Meta): a refused registration the district
    # closes gives its code back, so the real firm can register after an impostor was refused.
    credit_code = models.CharField(max_length=18)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="enterprises")
    industry = models.CharField(max_length=100)
    size = models.CharField(max_length=16, choices=Size.choices)
    contact_name = models.CharField(max_length=100)
    contact_phone = models.CharField(max_length=32, blank=True)
    contact_email = models.EmailField()
    # Who the enterprise is, for the related-party check at ordering (the provider's same
    # fields): the legal representative and the registered address as in the business licence.
    legal_representative = models.CharField(max_length=100, blank=True, default="", db_default="")
    registered_address = models.CharField(max_length=300, blank=True, default="", db_default="")
    registered_at = models.DateTimeField(default=timezone.now)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        "regions.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A registration the district refused (not a real company, not of the district), with
    # the reason the enterprise reads; cleared when the enterprise asks for review again.
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejected_by = models.ForeignKey(
        "regions.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rejection_reason = models.TextField(blank=True, default="", db_default="")
    # A refused registration the district closed for good: its accounts are deactivated and
    # its credit code is free for a new registration; the record stays for the audit trail.
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        "regions.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=models.Q(closed_at__isnull=True),
                name="enterprise_credit_code_once_open",
            ),
        ]

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def is_rejected(self) -> bool:
        return self.verified_at is None and self.rejected_at is not None

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class VoucherApplication(FirstApproval, models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    TRANSITIONS = {
        Status.SUBMITTED: {Status.APPROVED, Status.REJECTED, Status.WITHDRAWN},
        Status.APPROVED: set(),
        Status.REJECTED: set(),
        Status.WITHDRAWN: set(),
    }

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="applications"
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="applications")
    year = models.PositiveIntegerField()
    requested_amount = models.DecimalField(**MONEY)
    approved_amount = models.DecimalField(**MONEY, null=True, blank=True)
    # Several paragraphs; a limit keeps a page and a list response a sensible size.
    PURPOSE_MAX_LENGTH = 4000
    purpose = models.TextField()
    service_category = models.ForeignKey(
        "providers.ServiceCategory",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    submitted_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(
        "regions.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = who_acted()
    decision_note = models.TextField(blank=True)
    # Four eyes: the amount the first official approved (a second may approve no more).
    first_approved_amount = models.DecimalField(**MONEY, null=True, blank=True)

    class Meta:
        verbose_name = _("voucher application")
        verbose_name_plural = _("voucher applications")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["region", "status", "submitted_at"], name="application_queue_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="application_requested_positive", condition=Q(requested_amount__gt=0)
            ),
            models.CheckConstraint(
                name="application_approved_within_requested",
                condition=Q(approved_amount__isnull=True)
                | (Q(approved_amount__gt=0) & Q(approved_amount__lte=F("requested_amount"))),
            ),
            models.CheckConstraint(
                name="application_approved_has_amount",
                condition=~Q(status="approved") | Q(approved_amount__isnull=False),
            ),
            models.CheckConstraint(
                name="application_four_eyes_two_officials",
                condition=~Q(status="approved")
                | Q(first_approved_by__isnull=True)
                | Q(decided_by__isnull=True)
                | ~Q(first_approved_by=F("decided_by")),
            ),
        ]

    def __str__(self):
        return f"Application #{self.pk} by {self.enterprise}"


def attachment_path(instance, filename):
    return f"private/applications/{instance.application_id}/{filename}"


class ApplicationAttachment(models.Model):
    application = models.ForeignKey(
        VoucherApplication, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("application attachment")
        verbose_name_plural = _("application attachments")


class Voucher(models.Model):
    """An issued voucher. `balance` is what is still available to claim:
    face_value - redeemed - held - released. Holds are pending redemption claims; `released`
    is what expiry or revocation gave back to the district's budget."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        EXHAUSTED = "exhausted", _("Exhausted")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    TRANSITIONS = {
        Status.ACTIVE: {Status.EXHAUSTED, Status.EXPIRED, Status.REVOKED},
        # A rejected claim gives balance back; an official may revoke what is still held.
        Status.EXHAUSTED: {Status.ACTIVE, Status.REVOKED},
        Status.EXPIRED: set(),
        Status.REVOKED: set(),
    }
    # Revoked or expired: the voucher pays for no more work (orders on it are refused).
    ENDED_STATUSES = (Status.EXPIRED, Status.REVOKED)

    serial = models.CharField(max_length=32, unique=True)
    application = models.OneToOneField(
        VoucherApplication, on_delete=models.PROTECT, related_name="voucher"
    )
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="vouchers")
    issuing_region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="vouchers")
    year = models.PositiveIntegerField()
    face_value = models.DecimalField(**MONEY)
    balance = models.DecimalField(**MONEY)
    held = models.DecimalField(**MONEY, default=ZERO)
    redeemed = models.DecimalField(**MONEY, default=ZERO)
    released = models.DecimalField(
        **MONEY, default=ZERO, help_text="Given back to the budget on expiry or revocation"
    )
    cross_region = models.BooleanField(default=True)
    # The district's rules version in force when the voucher was issued: its snapshot, which
    # claims check (None for vouchers issued before rules had versions).
    rules_version = models.ForeignKey(
        "regions.ProgrammeRulesVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="vouchers",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    status_reason = models.TextField(blank=True)
    certificate_pdf = models.FileField(upload_to="private/vouchers/", blank=True)

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(
                fields=["issuing_region", "status", "id"], name="voucher_region_status_idx"
            ),
            models.Index(fields=["status", "expires_at"], name="voucher_expiry_idx"),
        ]
        constraints = [
            models.CheckConstraint(name="voucher_face_positive", condition=Q(face_value__gt=0)),
            models.CheckConstraint(name="voucher_balance_nonnegative", condition=Q(balance__gte=0)),
            models.CheckConstraint(name="voucher_held_nonnegative", condition=Q(held__gte=0)),
            models.CheckConstraint(
                name="voucher_redeemed_nonnegative", condition=Q(redeemed__gte=0)
            ),
            models.CheckConstraint(
                name="voucher_released_nonnegative", condition=Q(released__gte=0)
            ),
            models.CheckConstraint(
                name="voucher_spent_within_face",
                condition=Q(redeemed__lte=F("face_value") - F("held")),
            ),
        ]

    def __str__(self):
        return self.serial

    @property
    def available(self) -> Decimal:
        return self.balance

    @property
    def ended(self) -> bool:
        """Revoked or expired, or past its expiry before the nightly task marks it so: it
        pays for no more work."""
        return self.status in self.ENDED_STATUSES or self.expires_at <= timezone.now()

    # What `status_label` and the vouchers export say of a voucher `held_to_the_end`.
    FULLY_HELD = _("Fully held by claims awaiting decision")

    @property
    def held_to_the_end(self) -> bool:
        """Exhausted only because pending claims hold what is left: nothing more is spent
        until they are decided, and a rejected one makes the voucher active again. The
        stored status stays `exhausted` (the state machine and the API are unchanged); the
        pages name the state for what it is, since "Exhausted" read as all spent."""
        return self.status == self.Status.EXHAUSTED and self.held > 0

    @property
    def status_label(self) -> str:
        """The status as every page shows it (with `status_badge`)."""
        if self.held_to_the_end:
            return str(self.FULLY_HELD)
        return self.get_status_display()

    @property
    def status_badge(self) -> str:
        """The badge class suffix for `status_label`: `held` is styled as pending."""
        return "held" if self.held_to_the_end else self.status


class Redemption(FirstApproval, models.Model):
    """A provider's claim on a confirmed service order, paid from the order's voucher."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        PAID = "paid", _("Paid")

    TRANSITIONS = {
        Status.PENDING: {Status.APPROVED, Status.REJECTED},
        Status.APPROVED: {Status.PAID},
        Status.REJECTED: set(),
        Status.PAID: set(),
    }

    service_order = models.ForeignKey(
        "providers.ServiceOrder", on_delete=models.PROTECT, related_name="redemptions"
    )
    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="redemptions")
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="redemptions"
    )
    # No index of their own: redemption_issuing_idx and redemption_provider_region_idx lead
    # with them.
    issuing_region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    provider_region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    cross_region = models.BooleanField()
    amount = models.DecimalField(**MONEY)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    claimed_at = models.DateTimeField(default=timezone.now)
    claimed_by = who_acted()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = who_acted()
    decision_note = models.TextField(blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    payment_reference = models.CharField(max_length=100, blank=True)
    # The reference as compared, not as shown (`reference_key`): what the reuse warning
    # (vouchers.selectors.claims_paid_with_reference) looks up. Computed in Python and stored,
    # since neither database can compute it alike (SQLite has no NFKC and lowers ASCII alone);
    # written by the payment service, filled for older rows by migration 0011. A row inserted
    # by raw SQL (seed_load's bulk claims) keeps the database default "" and is never matched.
    payment_reference_key = models.CharField(
        max_length=200, blank=True, default="", db_default="", editable=False
    )

    class Meta:
        verbose_name = _("redemption claim")
        verbose_name_plural = _("redemption claims")
        ordering = ["-claimed_at", "-id"]
        indexes = [
            # The settlement claim step walks these rows by id range, reading what it copies
            # into its items from the index alone (an index-only scan, no wide heap row).
            models.Index(
                fields=["id"],
                include=["decided_at", "issuing_region", "provider_region", "amount"],
                name="redemption_settleable_idx",
                condition=Q(cross_region=True, status__in=["approved", "paid"]),
            ),
            models.Index(fields=["issuing_region", "status"], name="redemption_issuing_idx"),
            models.Index(
                fields=["provider_region", "status"], name="redemption_provider_region_idx"
            ),
            # The reuse warning's lookup: one district's paid claims under one reference key,
            # an index seek however many claims the district paid.
            models.Index(
                fields=["provider_region", "payment_reference_key"],
                name="redemption_reference_key_idx",
                condition=Q(status="paid"),
            ),
        ]
        constraints = [
            models.CheckConstraint(name="redemption_amount_positive", condition=Q(amount__gt=0)),
            models.UniqueConstraint(
                fields=["service_order"],
                condition=~Q(status="rejected"),
                name="redemption_one_live_per_order",
            ),
            models.CheckConstraint(
                name="redemption_cross_region_matches",
                condition=Q(cross_region=True, issuing_region__isnull=False)
                & ~Q(issuing_region=F("provider_region"))
                | Q(cross_region=False, issuing_region=F("provider_region")),
            ),
            models.CheckConstraint(
                name="redemption_four_eyes_two_officials",
                condition=~Q(status__in=["approved", "paid"])
                | Q(first_approved_by__isnull=True)
                | Q(decided_by__isnull=True)
                | ~Q(first_approved_by=F("decided_by")),
            ),
        ]

    def __str__(self):
        return f"Redemption #{self.pk} ({self.amount})"

    # Long enough for any 100-character reference but the absurd (NFKC expands U+FDFA to 18
    # characters); cut there, the key stays small enough for a B-tree entry.
    REFERENCE_KEY_LENGTH = 200

    @staticmethod
    def reference_key(reference: str) -> str:
        """A bank reference as the official means it: "HB 2026-0001", "hb2026-0001" and the
        full-width "ＨＢ２０２６－０００１" are one transfer. NFKC (full-width letters, digits,
        hyphen and space to ASCII), case-folded, without whitespace: banks and officials
        space a reference for reading, never to tell two apart. Hyphens and other
        punctuation stay: they separate a reference's parts, and "HB-2026-01-1" and
        "HB-2026-011" are two transfers."""
        folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", reference).casefold())
        key = "".join(character for character in folded if not character.isspace())
        return key[: Redemption.REFERENCE_KEY_LENGTH]

    @property
    def settlement_batch_id(self) -> int | None:
        """The batch that settled it, from its settlement item (None while unsettled).
        Lists select_related("settlement_item") to read it without a query per row."""
        try:
            return self.settlement_item.batch_id
        except ObjectDoesNotExist:
            return None


class ClaimNotice(models.Model):
    """A pending claim listed in its district officials' claim notice (the e-mail of the
    minute task, vouchers/services/claim_notices.py). The claim itself writes no row and
    queues no e-mail; the task lists each claim once: the redemption is the primary key."""

    redemption = models.OneToOneField(
        Redemption, primary_key=True, on_delete=models.CASCADE, related_name="claim_notice"
    )
    listed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("claim notice")
        verbose_name_plural = _("claim notices")

    def __str__(self):
        return f"claim notice of redemption #{self.redemption_id}"


# A topic with a module of its own; imported here so Django finds its model.
from vouchers.models.related_parties import RelatedParty  # noqa: E402, F401, I001
