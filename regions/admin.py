from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from portal.admin import ReadOnlyAdmin
from regions.models import (
    AuditEntry,
    JournalEntry,
    JournalLine,
    LedgerAccount,
    ProgrammeRules,
    ReconciliationReport,
    Region,
    SettlementBatch,
    SettlementNetPosition,
    SettlementObligation,
    SettlementTransfer,
    User,
)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "short_code", "name", "name_zh", "province"]
    search_fields = ["code", "name", "name_zh"]
    # The four districts come from a data migration; their codes are in every serial number
    # and cached by code (regions.selectors.region_id_for_code): names may be corrected, the
    # codes and the rows themselves stay.
    readonly_fields = ["code", "short_code"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "role", "region", "enterprise", "provider", "is_active"]
    list_filter = ["role", "region", "is_active", "is_staff"]
    search_fields = ["username", "email", "first_name", "last_name"]
    fieldsets = DjangoUserAdmin.fieldsets + (
        ("Programme role", {"fields": ["role", "region", "enterprise", "provider"]}),
    )
    # Who a person is in the programme decides what they see and approve: set where the
    # account is made (sign-up, provider application, invitation), never edited here.
    readonly_fields = ["role", "region", "enterprise", "provider"]


@admin.register(ProgrammeRules)
class ProgrammeRulesAdmin(ReadOnlyAdmin):
    """Rules change by publishing a version (`/rules/publish/`)."""

    list_display = [
        "region",
        "year",
        "annual_budget",
        "committed",
        "redeemed",
        "max_voucher_per_enterprise",
        "co_funding_ratio",
        "validity_days",
        "cross_region",
    ]
    list_filter = ["year", "region", "cross_region"]
    readonly_fields = ["committed", "redeemed", "last_voucher_number"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "object_type", "object_id", "action", "from_status", "to_status"]
    list_filter = ["object_type", "action"]
    search_fields = ["object_id", "reason", "actor__username"]
    date_hierarchy = "at"


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "region", "counterparty", "provider"]
    list_filter = ["kind", "region"]


class JournalLineInline(admin.TabularInline):
    model = JournalLine
    extra = 0
    can_delete = False
    readonly_fields = ["account", "debit", "credit"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "reference", "posted_at", "description", "redemption", "settlement_batch"]
    search_fields = ["reference", "description"]
    date_hierarchy = "posted_at"
    inlines = [JournalLineInline]


class ObligationInline(admin.TabularInline):
    model = SettlementObligation
    extra = 0
    can_delete = False
    readonly_fields = ["from_region", "to_region", "amount", "redemption_count"]


class NetPositionInline(admin.TabularInline):
    model = SettlementNetPosition
    extra = 0
    can_delete = False
    readonly_fields = ["region", "amount"]


class TransferInline(admin.TabularInline):
    model = SettlementTransfer
    extra = 0
    can_delete = False
    readonly_fields = [
        "from_region",
        "to_region",
        "amount",
        "payment_reference",
        "confirmed_at",
        "confirmed_by",
    ]


@admin.register(SettlementBatch)
class SettlementBatchAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "status",
        "cutoff",
        "redemption_count",
        "gross_total",
        "created_at",
        "closed_at",
    ]
    list_filter = ["status"]
    inlines = [ObligationInline, NetPositionInline, TransferInline]


@admin.register(ReconciliationReport)
class ReconciliationReportAdmin(ReadOnlyAdmin):
    list_display = ["ran_at", "ok"]
    list_filter = ["ok"]
    readonly_fields = ["ran_at", "ok", "breaches", "checked"]
