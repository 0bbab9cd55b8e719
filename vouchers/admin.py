from django.contrib import admin

from vouchers.models import (
    ApplicationAttachment,
    Enterprise,
    Redemption,
    RelatedParty,
    Voucher,
    VoucherApplication,
)


class RelatedPartyInline(admin.TabularInline):
    model = RelatedParty
    extra = 0


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "region", "industry", "size", "verified_at"]
    list_filter = ["region", "size", "industry"]
    search_fields = ["name", "credit_code", "contact_name", "contact_email"]
    inlines = [RelatedPartyInline]


class AttachmentInline(admin.TabularInline):
    model = ApplicationAttachment
    extra = 0


@admin.register(VoucherApplication)
class VoucherApplicationAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "enterprise",
        "region",
        "year",
        "requested_amount",
        "approved_amount",
        "status",
        "submitted_at",
    ]
    list_filter = ["status", "region", "year"]
    search_fields = ["enterprise__name", "purpose"]
    readonly_fields = ["status", "approved_amount", "decided_at", "decided_by"]
    raw_id_fields = ["enterprise"]
    inlines = [AttachmentInline]


@admin.register(Voucher)
class VoucherAdmin(admin.ModelAdmin):
    list_display = [
        "serial",
        "enterprise",
        "issuing_region",
        "face_value",
        "balance",
        "held",
        "redeemed",
        "status",
        "expires_at",
    ]
    list_filter = ["status", "issuing_region", "year"]
    search_fields = ["serial", "enterprise__name"]
    readonly_fields = ["serial", "face_value", "balance", "held", "redeemed", "released", "status"]
    raw_id_fields = ["application", "enterprise"]


@admin.register(Redemption)
class RedemptionAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "voucher",
        "provider",
        "amount",
        "issuing_region",
        "provider_region",
        "cross_region",
        "status",
        "settlement_batch_id",
    ]
    list_filter = ["status", "cross_region", "issuing_region", "provider_region"]
    search_fields = ["voucher__serial", "provider__name", "payment_reference"]
    readonly_fields = ["amount", "status", "settlement_batch_id", "payment_reference"]
    raw_id_fields = ["service_order", "voucher", "provider"]
