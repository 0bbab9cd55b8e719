"""Reads of the public notice of providers: the notices and their objections."""

from django.db.models import Case, Count, Q, QuerySet, Value, When

from providers.models import ProviderNotice, ProviderObjection


def provider_notices(*, status: str = "", region: str = "") -> QuerySet[ProviderNotice]:
    """Public notices of providers, open ones first (newest first within each group), each
    with its number of objections and of those still unanswered."""
    notices = ProviderNotice.objects.select_related("provider", "provider__region").annotate(
        objection_count=Count("objections"),
        open_objection_count=Count("objections", filter=Q(objections__answered_at__isnull=True)),
    )
    if status in ProviderNotice.Status.values:
        notices = notices.filter(status=status)
    if region:
        notices = notices.filter(provider__region__code=region)
    open_first = Case(When(status=ProviderNotice.Status.OPEN, then=Value(0)), default=Value(1))
    return notices.order_by(open_first, "-starts_at", "-id")


def provider_notice_objections(notice: ProviderNotice) -> QuerySet[ProviderObjection]:
    return notice.objections.select_related("answered_by").order_by("raised_at", "id")
