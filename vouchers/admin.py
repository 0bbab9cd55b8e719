from django.contrib import admin

from portal.admin import ReadOnlyAdmin
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
    # Its district decides who verifies it and where its vouchers come from; its code is
    # its identity; verification is an official's audited act.
    readonly_fields = ["credit_code", "region", "verified_at"]
    inlines = [RelatedPartyInline]


class AttachmentInline(admin.TabularInline):
    model = ApplicationAttachment
    extra = 0


@admin.register(VoucherApplication)
class VoucherApplicationAdmin(ReadOnlyAdmin):
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
    inlines = [AttachmentInline]


@admin.register(Voucher)
class VoucherAdmin(ReadOnlyAdmin):
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


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
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
