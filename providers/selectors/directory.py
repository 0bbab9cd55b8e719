"""Reads of providers, their certificates and offerings, scoped to the reader: the public
directory and a provider's profile and track record, the official's certification queue, the
categories and districts the filters offer, who hears about a provider.
"""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from providers.models import (
    Provider,
    ProviderCertificate,
    ProviderQualification,
    ServiceCategory,
    ServiceOffering,
    ServiceOrder,
)
from providers.search import any_field_contains, filter_every_word
from regions.models import Region


def _providers_base() -> QuerySet[Provider]:
    return Provider.objects.select_related("region").prefetch_related(
        "categories",
        Prefetch(
            "certificates",
            queryset=ProviderCertificate.objects.order_by("-issued_at", "-id"),
            to_attr="certificate_list",
        ),
    )


def latest_certificate(provider: Provider) -> ProviderCertificate | None:
    """The provider's newest certificate; uses the prefetched list when there is one."""
    certificates = getattr(provider, "certificate_list", None)
    if certificates is None:
        return provider.certificates.order_by("-issued_at", "-id").first()
    return certificates[0] if certificates else None


def providers_visible_to(user) -> QuerySet[Provider]:
    """Anyone sees certified providers; a provider its own, the operator all of them,
    whatever their state. Those who dealt with a provider keep seeing it, with its state and
    the reason, once it is suspended or revoked: an enterprise the providers it ordered from,
    an official its district's and those its district's vouchers paid or were ordered with
    (whose claims the official still decides)."""
    providers = _providers_base()
    certified = Q(status=Provider.Status.CERTIFIED)
    if user is None or not user.is_authenticated:
        return providers.filter(certified)
    if user.is_operator:
        return providers
    if user.is_official:
        dealt_with = Exists(
            ServiceOrder.objects.filter(
                provider_id=OuterRef("pk"), voucher__issuing_region_id=user.region_id
            )
        )
        return providers.filter(certified | Q(region_id=user.region_id) | dealt_with)
    if user.is_provider and user.provider_id:
        return providers.filter(certified | Q(pk=user.provider_id))
    if user.is_enterprise and user.enterprise_id:
        ordered_from = Exists(
            ServiceOrder.objects.filter(
                provider_id=OuterRef("pk"), enterprise_id=user.enterprise_id
            )
        )
        return providers.filter(certified | ordered_from)
    return providers.filter(certified)


def providers_decidable_by(user) -> QuerySet[Provider]:
    """Providers an official may certify, reject, suspend or revoke: those of their district."""
    if user is None or not user.is_authenticated or not user.is_official:
        return Provider.objects.none()
    return _providers_base().filter(region_id=user.region_id)


def _offers_with_word(word: str) -> Exists:
    """An active service of the provider with `word` in its title or description: the
    directory's box promises services and keywords, and "球磨" (ball milling) is in what a
    service does, rarely in its title."""
    return Exists(
        ServiceOffering.objects.filter(
            any_field_contains(word, ("title", "description")),
            provider=OuterRef("pk"),
            active=True,
        )
    )


def filter_providers(
    providers: QuerySet[Provider],
    *,
    search: str = "",
    region: str = "",
    category: str = "",
    status: str = "",
) -> QuerySet[Provider]:
    """Search words (each in the names, the description or an active service's title or
    description), district code, category code, status.

    Offerings and categories are matched with EXISTS rather than joins so that a provider is
    listed once and the page count stays a plain COUNT(*)."""
    providers = filter_every_word(
        providers, search, ("name", "name_zh", "description"), also=_offers_with_word
    )
    if region:
        providers = providers.filter(region__code=region)
    if category:
        providers = providers.filter(
            Exists(
                Provider.categories.through.objects.filter(
                    provider_id=OuterRef("pk"), servicecategory__code=category
                )
            )
        )
    if status:
        providers = providers.filter(status=status)
    return providers


def provider_directory(*, search: str = "", region: str = "", category: str = "") -> QuerySet:
    """The public directory: certified providers only."""
    providers = _providers_base().filter(status=Provider.Status.CERTIFIED)
    return filter_providers(providers, search=search, region=region, category=category).order_by(
        "name", "id"
    )


def provider_profile(*, provider: Provider, user) -> dict:
    """What the profile page shows besides the provider: offerings, files the reader may see."""
    from providers.permissions import can_read_provider_files

    own = user.is_authenticated and user.is_provider and user.provider_id == provider.pk
    offerings = provider.offerings.select_related("category").order_by("-active", "title")
    if not own:
        offerings = offerings.filter(active=True)
    may_read_files = can_read_provider_files(user, provider)
    return {
        "offerings": list(offerings),
        "qualifications": list(provider.qualifications.order_by("id")) if may_read_files else [],
        "certificates": list(provider.certificates.order_by("-issued_at", "-id"))
        if may_read_files
        else [],
    }


def providers_to_certify(user) -> QuerySet[Provider]:
    """The applied providers of an official's district, oldest application first."""
    return (
        providers_decidable_by(user)
        .filter(status=Provider.Status.APPLIED)
        .prefetch_related(
            Prefetch("qualifications", queryset=ProviderQualification.objects.order_by("id"))
        )
        .order_by("applied_at", "id")
    )


def categories() -> QuerySet[ServiceCategory]:
    return ServiceCategory.objects.order_by("id")


def regions() -> QuerySet[Region]:
    return Region.objects.order_by("id")


def offerings_visible_to(user) -> QuerySet[ServiceOffering]:
    """Active offerings of certified providers; a provider also sees all of its own."""
    offerings = ServiceOffering.objects.select_related("provider", "category").order_by(
        "provider__name", "title", "id"
    )
    public = Q(active=True, provider__status=Provider.Status.CERTIFIED)
    if user is not None and user.is_authenticated:
        if user.is_operator:
            return offerings
        if user.is_provider and user.provider_id:
            return offerings.filter(public | Q(provider_id=user.provider_id))
    return offerings.filter(public)


def offerings_of(provider_id: int) -> QuerySet[ServiceOffering]:
    return (
        ServiceOffering.objects.filter(provider_id=provider_id)
        .select_related("category")
        .order_by("-active", "title", "id")
    )


def provider_emails(provider_id: int) -> list[str]:
    """Who hears about a provider's certification, orders and redemptions: its contact address
    and its active users."""
    provider = Provider.objects.only("contact_email").get(pk=provider_id)
    users = provider.users.filter(is_active=True).exclude(email="")
    return [provider.contact_email, *users.values_list("email", flat=True)]


def track_records(provider_ids) -> dict[int, dict]:
    """Per provider: average rating and how many, completed (confirmed) orders and the
    average days from acceptance to completion. Two grouped queries, whatever the page."""
    from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F

    from providers.models import OrderRating

    records = {
        pk: {"rating": None, "ratings": 0, "completed": 0, "days": None} for pk in provider_ids
    }
    ratings = (
        OrderRating.objects.filter(order__provider_id__in=provider_ids)
        .values("order__provider_id")
        .annotate(avg=Avg("score"), n=Count("id"))
    )
    for row in ratings:
        records[row["order__provider_id"]].update(rating=row["avg"], ratings=row["n"])
    delivery = ExpressionWrapper(F("completed_at") - F("accepted_at"), output_field=DurationField())
    completed = (
        ServiceOrder.objects.filter(
            provider_id__in=provider_ids, status=ServiceOrder.Status.CONFIRMED
        )
        .values("provider_id")
        .annotate(n=Count("id"), duration=Avg(delivery))
    )
    for row in completed:
        days = row["duration"].total_seconds() / 86400 if row["duration"] else None
        records[row["provider_id"]].update(completed=row["n"], days=days)
    return records
