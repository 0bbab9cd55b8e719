"""Districts and their programme rules, the people who act for them, the double-entry
ledger, settlement batches and the append-only audit trail."""

from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")


class AppendOnlyError(Exception):
    pass


def reads_chinese() -> bool:
    """Whether the current request (or e-mail, PDF, export) is in Chinese."""
    return (get_language() or "").startswith("zh")


def names_for_reader(name: str, name_zh: str) -> tuple[str, str]:
    """(name to show first, other name or "") of something recorded with an English and an
    optional Chinese name: the Chinese one first for a Chinese reader, where there is one."""
    if not name_zh or name_zh == name:
        return name or name_zh, ""
    if not name:  # recorded in Chinese alone
        return name_zh, ""
    return (name_zh, name) if reads_chinese() else (name, name_zh)


class NamedInTwoLanguages:
    """For a model with `name` and an optional `name_zh`: the name a reader sees first (the
    Chinese one for a Chinese reader, where there is one) and the other one after it."""

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return names_for_reader(self.name, self.name_zh)[0]

    @property
    def other_name(self) -> str:
        """The name in the other language, shown after it ("" if none)."""
        return names_for_reader(self.name, self.name_zh)[1]


class Region(models.Model):
    """One of the four pilot districts. Rows come from a data migration."""

    code = models.CharField(max_length=16, unique=True)
    short_code = models.CharField(max_length=4, unique=True, help_text="Prefix of serial numbers")
    name = models.CharField(max_length=100)
    name_zh = models.CharField(max_length=100)
    province = models.CharField(max_length=100)
    province_zh = models.CharField(max_length=100)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["id"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """The district's name in the language of the current request: 杨浦区 / Yangpu District."""
        return self.name_zh if reads_chinese() else self.name

    # The name the dashboards used first; same thing.
    local_name = display_name

    @property
    def display_province(self) -> str:
        return self.province_zh if reads_chinese() else self.province


class User(AbstractUser):
    class Role(models.TextChoices):
        ENTERPRISE = "enterprise", _("Enterprise user")
        PROVIDER = "provider", _("Provider user")
        OFFICIAL = "official", _("District official")
        OPERATOR = "operator", _("Programme operator")
        EXPERT = "expert", _("Expert")
        MANAGER = "manager", _("Technology manager")

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ENTERPRISE)
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officials",
        help_text="The district an official acts for.",
    )
    enterprise = models.ForeignKey(
        "vouchers.Enterprise", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    provider = models.ForeignKey(
        "providers.Provider", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    # The language the person last used the portal in (the switch in the header, or the page
    # they signed in on): the e-mails they receive are written in it (portal/notifications.py).
    # Empty until they sign in: their e-mails then come in the language of whoever acted.
    language = models.CharField(max_length=16, blank=True, default="")
    # Raised when the account is deactivated: it is part of the sessions' check
    # (`_get_session_auth_hash`), so every session signed in before ends for good, and a
    # reactivation does not bring back a session that someone else may hold.
    session_generation = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                name="user_official_has_region",
                condition=~Q(role="official") | Q(region__isnull=False),
            ),
        ]

    def _get_session_auth_hash(self, secret=None):
        if not self.session_generation:
            # As Django's own: the sessions of accounts never deactivated stay valid.
            return super()._get_session_auth_hash(secret=secret)
        return salted_hmac(
            "regions.User.session_auth_hash",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def get_full_name(self) -> str:
        """张三 for a Chinese name (family name first, no space), Jane Smith otherwise."""
        first, last = self.first_name.strip(), self.last_name.strip()
        if any("\u3400" <= character <= "\u9fff" for character in first + last):
            return f"{last}{first}"
        return super().get_full_name()

    @property
    def is_enterprise(self) -> bool:
        return self.role == self.Role.ENTERPRISE

    @property
    def is_provider(self) -> bool:
        return self.role == self.Role.PROVIDER

    @property
    def is_official(self) -> bool:
        return self.role == self.Role.OFFICIAL

    @property
    def is_operator(self) -> bool:
        return self.role == self.Role.OPERATOR


class ProgrammeRules(models.Model):
    """A district's rules and voucher fund for one year, with the running budget figures.

    `committed` is the face value of vouchers issued and not released; `redeemed` is what
    approved redemptions have spent of it. The row is locked whenever either moves.
    """

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="rules")
    year = models.PositiveIntegerField()
    annual_budget = models.DecimalField(**MONEY)
    max_voucher_per_enterprise = models.DecimalField(**MONEY)
    co_funding_ratio = models.DecimalField(max_digits=4, decimal_places=3)
    validity_days = models.PositiveIntegerField(default=365)
    cross_region = models.BooleanField(default=True)
    # Integrity controls the district chooses (defaults are the demo's and most programmes').
    four_eyes_threshold = models.DecimalField(
        **MONEY,
        null=True,
        blank=True,
        help_text="Applications and redemptions at or above this amount need two officials",
    )
    requires_own_share = models.BooleanField(
        default=True,
        help_text="A claim needs the contract, the invoice and the enterprise's own share paid",
    )
    provider_notice_days = models.PositiveIntegerField(
        default=7, help_text="Days a newly approved provider stays on public notice"
    )
    split_window_days = models.PositiveIntegerField(
        default=90, help_text="Orders between one pair within this many days are summed"
    )
    service_level_days = models.PositiveIntegerField(
        default=5, help_text="Days after which waiting work is overdue and reminded"
    )
    committed = models.DecimalField(**MONEY, default=ZERO)
    redeemed = models.DecimalField(**MONEY, default=ZERO)
    last_voucher_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("programme rules")
        verbose_name_plural = _("programme rules")
        ordering = ["-year", "region_id"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="rules_one_per_region_year"),
            models.CheckConstraint(name="rules_budget_positive", condition=Q(annual_budget__gte=0)),
            models.CheckConstraint(
                name="rules_cap_positive", condition=Q(max_voucher_per_enterprise__gt=0)
            ),
            models.CheckConstraint(
                name="rules_ratio_in_range",
                condition=Q(co_funding_ratio__gt=0, co_funding_ratio__lte=1),
            ),
            models.CheckConstraint(
                name="rules_validity_positive", condition=Q(validity_days__gt=0)
            ),
            models.CheckConstraint(
                name="rules_committed_nonnegative", condition=Q(committed__gte=0)
            ),
            models.CheckConstraint(
                name="rules_four_eyes_positive",
                condition=Q(four_eyes_threshold__isnull=True) | Q(four_eyes_threshold__gt=0),
            ),
            models.CheckConstraint(
                name="rules_committed_within_budget", condition=Q(committed__lte=F("annual_budget"))
            ),
            models.CheckConstraint(
                name="rules_redeemed_within_committed",
                condition=Q(redeemed__gte=0) & Q(redeemed__lte=F("committed")),
            ),
        ]

    def __str__(self):
        return f"{self.region.code} {self.year}"

    @property
    def available(self) -> Decimal:
        """What the district may still commit this year: its budget ceiling less what it
        committed. The figure approvals enforce, so the one every page and the API show."""
        return self.budget_ceiling - self.committed

    @property
    def budget_ceiling(self) -> Decimal:
        """The budget, or less when a version waiting for its date has a smaller one:
        approvals keep below it so that it can still apply on its date
        (`regions.rules.rules_budget_ceiling`). Read once per row;
        `regions.selectors.with_budget_ceilings` reads it for several rows in one query."""
        if "_budget_ceiling" not in self.__dict__:
            from regions.selectors import with_budget_ceilings  # selectors import the models

            with_budget_ceilings([self])
        return self._budget_ceiling

    @property
    def smaller_budgets_waiting(self) -> list:
        """The versions waiting for their date (earliest first) whose budget is smaller than
        the one in force: the dashboards note each beside the budget, which alone read as if
        it could all be committed. Read with `budget_ceiling`, in the same query."""
        if "_smaller_budgets_waiting" not in self.__dict__:
            from regions.selectors import with_budget_ceilings  # selectors import the models

            with_budget_ceilings([self])
        return self._smaller_budgets_waiting

    @property
    def committed_unspent(self) -> Decimal:
        """Committed to vouchers and not yet redeemed (their balances and holds)."""
        return self.committed - self.redeemed


class Notice(models.Model):
    """A public notice of the programme or of one district: a policy document, a call for
    applications (with its application window), an FAQ or news; in both languages.

    While a district has published calls, its enterprises may apply only inside an open
    call's window (`regions.selectors.call_window_refusal`)."""

    class Kind(models.TextChoices):
        POLICY = "policy", _("Policy document")
        CALL = "call", _("Call for applications")
        FAQ = "faq", _("Frequently asked question")
        NEWS = "news", _("News")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    # Empty for the programme's own notices, published by the operator.
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="notices"
    )
    title = models.CharField(max_length=200)
    title_zh = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    body_zh = models.TextField(blank=True)
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)
    # A withdrawn notice is off the public site and its call no longer sets a window.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["region", "kind", "closes_at"], name="notice_call_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="call")
                | (
                    Q(opens_at__isnull=False)
                    & Q(closes_at__isnull=False)
                    & Q(opens_at__lt=F("closes_at"))
                ),
                name="notice_call_has_a_window",
            ),
        ]

    def __str__(self):
        return self.title or self.title_zh

    def shown_title(self) -> str:
        return names_for_reader(self.title, self.title_zh)[0]

    def shown_body(self) -> str:
        return names_for_reader(self.body, self.body_zh)[0]


# Later topics, each in a module of its own (they import the models above).
from regions.models.audit import AuditChainLink, AuditEntry  # noqa: E402
from regions.models.ledger import JournalEntry, JournalLine, LedgerAccount  # noqa: E402
from regions.models.rules import (  # noqa: E402
    NotificationPreference,
    ProgrammeRulesVersion,
    ReminderSent,
)
from regions.models.settlement import (  # noqa: E402
    ReconciliationReport,
    RedemptionMonthlyFlow,
    SettlementBatch,
    SettlementItem,
    SettlementNetPosition,
    SettlementObligation,
    SettlementTransfer,
)
from regions.models.statistics import (  # noqa: E402
    RedemptionMonthlyEnterprise,
    StatisticsMonthlyDistrict,
)

__all__ = [
    "NotificationPreference",
    "ProgrammeRulesVersion",
    "ReminderSent",
    "MONEY",
    "ZERO",
    "AppendOnlyError",
    "AuditChainLink",
    "AuditEntry",
    "JournalEntry",
    "JournalLine",
    "LedgerAccount",
    "NamedInTwoLanguages",
    "Notice",
    "ProgrammeRules",
    "ReconciliationReport",
    "RedemptionMonthlyEnterprise",
    "RedemptionMonthlyFlow",
    "StatisticsMonthlyDistrict",
    "Region",
    "SettlementBatch",
    "SettlementItem",
    "SettlementNetPosition",
    "SettlementObligation",
    "SettlementTransfer",
    "User",
    "names_for_reader",
    "reads_chinese",
]
