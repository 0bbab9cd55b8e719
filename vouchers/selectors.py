"""Reads of enterprises, applications and vouchers, scoped to the user's role.

One scoped queryset per kind: anything outside it answers 404, so ids leak nothing.
Each carries the `select_related` its list pages and endpoints need, so their query
count does not grow with the number of rows.
"""

from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from regions.models import ZERO, ProgrammeRules
from vouchers.models import Enterprise, Voucher, VoucherApplication


def _scope(user, queryset: QuerySet, *, enterprise: str, region: str) -> QuerySet:
    if not user.is_authenticated:
        return queryset.none()
    if user.is_operator:
        return queryset
    if user.is_enterprise and user.enterprise_id:
        return queryset.filter(**{enterprise: user.enterprise_id})
    if user.is_official and user.region_id:
        return queryset.filter(**{region: user.region_id})
    return queryset.none()


def enterprises_visible_to(user) -> QuerySet[Enterprise]:
    return _scope(
        user,
        Enterprise.objects.select_related("region", "verified_by"),
        enterprise="id",
        region="region_id",
    )


def applications_visible_to(user) -> QuerySet[VoucherApplication]:
    return _scope(
        user,
        VoucherApplication.objects.select_related(
            "enterprise", "region", "service_category", "voucher", "decided_by"
        ),
        enterprise="enterprise_id",
        region="region_id",
    )


def vouchers_visible_to(user) -> QuerySet[Voucher]:
    return _scope(
        user,
        Voucher.objects.select_related("enterprise", "issuing_region"),
        enterprise="enterprise_id",
        region="issuing_region_id",
    )


def enterprises_to_verify(user) -> QuerySet[Enterprise]:
    return enterprises_visible_to(user).filter(verified_at__isnull=True).order_by("registered_at")


def issued_to_enterprise(*, enterprise_id: int, year: int) -> Decimal:
    """Face value issued to the enterprise in the year (its approved applications)."""
    return VoucherApplication.objects.filter(
        enterprise_id=enterprise_id, year=year, status=VoucherApplication.Status.APPROVED
    ).aggregate(total=Coalesce(Sum("approved_amount"), ZERO))["total"]


def pending_for_enterprise(
    *, enterprise_id: int, year: int, exclude_id: int | None = None
) -> Decimal:
    """Requested amounts of the enterprise's still undecided applications of the year."""
    pending = VoucherApplication.objects.filter(
        enterprise_id=enterprise_id, year=year, status=VoucherApplication.Status.SUBMITTED
    )
    if exclude_id:
        pending = pending.exclude(pk=exclude_id)
    return pending.aggregate(total=Coalesce(Sum("requested_amount"), ZERO))["total"]


def remaining_cap(
    *, rules: ProgrammeRules, enterprise_id: int, include_pending: bool = False
) -> Decimal:
    """What the enterprise may still be issued this year under its district's cap.

    Applying also counts its other undecided applications, so an enterprise cannot queue
    requests that could never all be approved; approving counts only what was issued.
    """
    remaining = rules.max_voucher_per_enterprise - issued_to_enterprise(
        enterprise_id=enterprise_id, year=rules.year
    )
    if include_pending:
        remaining -= pending_for_enterprise(enterprise_id=enterprise_id, year=rules.year)
    return max(remaining, ZERO)


QUEUE_ORDERINGS = {
    "newest": ("-submitted_at", "-id"),
    "oldest": ("submitted_at", "id"),
    "amount_desc": ("-requested_amount", "-id"),
    "amount_asc": ("requested_amount", "id"),
    "enterprise": ("enterprise__name", "id"),
}


def application_queue(
    user,
    *,
    status: str = "",
    submitted_from: date | None = None,
    submitted_to: date | None = None,
    amount_min: Decimal | None = None,
    amount_max: Decimal | None = None,
    industry: str = "",
    ordering: str = "",
) -> QuerySet[VoucherApplication]:
    """The review queue of an official's district (the operator sees every district's)."""
    queryset = applications_visible_to(user)
    if status:
        queryset = queryset.filter(status=status)
    if submitted_from:
        queryset = queryset.filter(submitted_at__date__gte=submitted_from)
    if submitted_to:
        queryset = queryset.filter(submitted_at__date__lte=submitted_to)
    if amount_min is not None:
        queryset = queryset.filter(requested_amount__gte=amount_min)
    if amount_max is not None:
        queryset = queryset.filter(requested_amount__lte=amount_max)
    if industry:
        queryset = queryset.filter(enterprise__industry__icontains=industry)
    return queryset.order_by(*QUEUE_ORDERINGS.get(ordering, QUEUE_ORDERINGS["newest"]))


def applicant_history(application: VoucherApplication):
    """The enterprise's other applications and its vouchers, for the reviewer."""
    earlier = (
        VoucherApplication.objects.filter(enterprise_id=application.enterprise_id)
        .exclude(pk=application.pk)
        .select_related("voucher", "region")
        .order_by("-submitted_at", "-id")[:50]
    )
    vouchers = (
        Voucher.objects.filter(enterprise_id=application.enterprise_id)
        .select_related("issuing_region")
        .order_by("-issued_at", "-id")[:50]
    )
    return {"earlier_applications": list(earlier), "vouchers": list(vouchers)}


def industries_of(user) -> list[str]:
    return list(
        enterprises_visible_to(user)
        .order_by("industry")
        .values_list("industry", flat=True)
        .distinct()
    )


def active_vouchers_of(enterprise_id: int) -> QuerySet[Voucher]:
    return Voucher.objects.filter(
        Q(status=Voucher.Status.ACTIVE), enterprise_id=enterprise_id
    ).select_related("issuing_region")


def enterprise_emails(enterprise_id: int) -> list[str]:
    """Who hears about an enterprise's applications, vouchers and orders: its contact address
    and its active users."""
    enterprise = Enterprise.objects.only("contact_email").get(pk=enterprise_id)
    users = enterprise.users.filter(is_active=True).exclude(email="")
    return [enterprise.contact_email, *users.values_list("email", flat=True)]
