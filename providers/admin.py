from django.contrib import admin

from portal.admin import ReadOnlyAdmin
from providers.models import (
    EvidenceFile,
    Provider,
    ProviderCertificate,
    ProviderQualification,
    RiskFlag,
    ServiceCategory,
    ServiceOffering,
    ServiceOrder,
)


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_zh"]


class QualificationInline(admin.TabularInline):
    model = ProviderQualification
    extra = 0


class OfferingInline(admin.TabularInline):
    model = ServiceOffering
    extra = 0


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "name_zh", "credit_code", "region", "kind", "status", "applied_at"]
    list_filter = ["status", "region", "kind", "categories"]
    search_fields = ["name", "name_zh", "credit_code"]
    # Its district decides which claims cross districts; its code is its identity.
    readonly_fields = ["status", "decided_at", "region", "credit_code"]
    inlines = [QualificationInline, OfferingInline]


@admin.register(ProviderCertificate)
class ProviderCertificateAdmin(admin.ModelAdmin):
    list_display = ["serial", "provider", "status", "issued_at", "valid_until"]
    list_filter = ["status"]
    search_fields = ["serial", "provider__name"]
    readonly_fields = ["serial", "status"]


@admin.register(ServiceOffering)
class ServiceOfferingAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "provider",
        "category",
        "indicative_price",
        "lead_time_days",
        "is_instrument",
        "active",
    ]
    list_filter = ["category", "is_instrument", "active"]
    search_fields = ["title", "provider__name"]


class EvidenceInline(admin.TabularInline):
    model = EvidenceFile
    extra = 0
    readonly_fields = ["original_name", "content_type", "size", "uploaded_at", "uploaded_by"]


@admin.register(ServiceOrder)
class ServiceOrderAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "title",
        "enterprise",
        "provider",
        "voucher",
        "contract_amount",
        "status",
        "requested_at",
    ]
    list_filter = ["status", "provider__region"]
    search_fields = ["title", "enterprise__name", "provider__name", "voucher__serial"]
    inlines = [EvidenceInline]


@admin.register(RiskFlag)
class RiskFlagAdmin(ReadOnlyAdmin):
    """An official clears a flag on the risk queue, with a reason in the audit trail."""

    list_display = ["id", "kind", "service_order", "raised_at", "cleared_at", "cleared_by"]
    list_filter = ["kind"]
