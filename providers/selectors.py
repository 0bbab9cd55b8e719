"""Reads of providers, certificates, offerings and service orders, scoped to the reader.

Every list here runs a constant number of queries whatever its length: foreign keys are
joined (`select_related`), many-to-many and reverse relations are prefetched once per page.
"""

from decimal import ROUND_DOWN, Decimal

from django.db import connection
from django.db.models import Case, Count, Exists, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from portal.money import CENT
from providers.models import (
    EvidenceFile,
    FileIntegrityCheck,
    OrderDocument,
    OwnSharePayment,
    Provider,
    ProviderCertificate,
    ProviderNotice,
    ProviderObjection,
    ProviderQualification,
    ServiceCategory,
    ServiceOffering,
    ServiceOrder,
)
from providers.search import search_tsquery
from regions.models import Region
from regions.selectors import rules_of_voucher


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
    """Anyone sees certified providers; a provider its own, an official its district's,
    the operator all of them, whatever their state."""
    providers = _providers_base()
    certified = Q(status=Provider.Status.CERTIFIED)
    if user is None or not user.is_authenticated:
        return providers.filter(certified)
    if user.is_operator:
        return providers
    if user.is_official:
        return providers.filter(certified | Q(region_id=user.region_id))
    if user.is_provider and user.provider_id:
        return providers.filter(certified | Q(pk=user.provider_id))
    return providers.filter(certified)


def providers_decidable_by(user) -> QuerySet[Provider]:
    """Providers an official may certify, reject, suspend or revoke: those of their district."""
    if user is None or not user.is_authenticated or not user.is_official:
        return Provider.objects.none()
    return _providers_base().filter(region_id=user.region_id)


def filter_providers(
    providers: QuerySet[Provider],
    *,
    search: str = "",
    region: str = "",
    category: str = "",
    status: str = "",
) -> QuerySet[Provider]:
    """Keyword (names, description, offering titles), district code, category code, status.

    Offerings and categories are matched with EXISTS rather than joins so that a provider is
    listed once and the page count stays a plain COUNT(*)."""
    search = (search or "").strip()
    if search:
        offering_match = ServiceOffering.objects.filter(
            provider=OuterRef("pk"), active=True, title__icontains=search
        )
        providers = providers.filter(
            Q(name__icontains=search)
            | Q(name_zh__icontains=search)
            | Q(description__icontains=search)
            | Exists(offering_match)
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


def orders_visible_to(user) -> QuerySet[ServiceOrder]:
    """The enterprise's own orders, the provider's own, an official's district's (either
    side), every order for the operator; nothing for anyone else."""
    orders = ServiceOrder.objects.select_related(
        "enterprise", "enterprise__region", "provider", "provider__region", "voucher"
    )
    if user is None or not user.is_authenticated:
        return orders.none()
    if user.is_operator:
        return orders
    if user.is_enterprise and user.enterprise_id:
        return orders.filter(enterprise_id=user.enterprise_id)
    if user.is_provider and user.provider_id:
        return orders.filter(provider_id=user.provider_id)
    if user.is_official:
        return orders.filter(
            Q(enterprise__region_id=user.region_id) | Q(provider__region_id=user.region_id)
        )
    return orders.none()


def disputed_orders_for(user) -> QuerySet[ServiceOrder]:
    """Disputed orders an official watches: its providers', and those paid with its vouchers
    (which it decides)."""
    if user is None or not user.is_authenticated or not user.is_official:
        return ServiceOrder.objects.none()
    return orders_visible_to(user).filter(
        Q(provider__region_id=user.region_id) | Q(voucher__issuing_region_id=user.region_id),
        status=ServiceOrder.Status.DISPUTED,
    )


def order_evidence(order: ServiceOrder) -> QuerySet[EvidenceFile]:
    return order.evidence.select_related("uploaded_by").order_by("id")


def enterprise_voucher(user, serial: str):
    """One voucher of the user's enterprise by serial, any state; None when it is not theirs."""
    from vouchers.models import Voucher

    if user is None or not user.is_authenticated or not user.enterprise_id:
        return None
    return (
        Voucher.objects.select_related("issuing_region", "enterprise")
        .filter(enterprise_id=user.enterprise_id, serial=(serial or "").strip().upper())
        .first()
    )


def enterprise_vouchers(user):
    """Every voucher of the user's enterprise, whatever its state (forms offer the active
    ones; the order service explains why another one cannot pay)."""
    from vouchers.models import Voucher

    if user is None or not user.is_authenticated or not user.enterprise_id:
        return Voucher.objects.none()
    return (
        Voucher.objects.filter(enterprise_id=user.enterprise_id)
        .select_related("issuing_region")
        .order_by("-issued_at", "-id")
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


def demands_visible_to(user) -> QuerySet:
    """Public demands for everyone; invited-only ones for their enterprise, the providers they
    invite, officials and the operator (others get 404)."""
    from providers.models import Demand

    demands = Demand.objects.select_related("enterprise", "region", "category")
    public = Q(visibility=Demand.Visibility.PUBLIC)
    if user is None or not user.is_authenticated:
        return demands.filter(public)
    if user.is_operator or user.is_official:
        return demands
    if user.is_enterprise and user.enterprise_id:
        return demands.filter(public | Q(enterprise_id=user.enterprise_id))
    if user.is_provider and user.provider_id:
        invited = Demand.invited_providers.through.objects.filter(
            demand_id=OuterRef("pk"), provider_id=user.provider_id
        )
        return demands.filter(public | Q(Exists(invited)))
    return demands.filter(public)


def demand_search(demands: QuerySet, *, q: str = "", category: str = "", region: str = ""):
    """Filter demands by words, category code and district code.

    On PostgreSQL the words match the demand's search tokens (providers/search.py) through
    the GIN index on to_tsvector('simple', search_terms): Latin words as prefixes, Chinese
    words by all their two-character runs, so that 检测 finds a demand as fast as a longer
    word does; a lone Chinese character is matched as a substring. SQLite, which holds demo
    data only, keeps the plain filter: every word in the title or the description."""
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        tsquery, singles = search_tsquery(q or "")
        if tsquery:
            demands = demands.alias(
                terms_vector=SearchVector("search_terms", config="simple")
            ).filter(terms_vector=SearchQuery(tsquery, search_type="raw", config="simple"))
        for char in singles:
            demands = demands.filter(Q(title__icontains=char) | Q(description__icontains=char))
        q = ""
    for word in (q or "").split()[:8]:
        demands = demands.filter(Q(title__icontains=word) | Q(description__icontains=word))
    if category:
        demands = demands.filter(category__code=category)
    if region:
        demands = demands.filter(region__code=region)
    return demands


def demand_list(user, *, q: str = "", category: str = "", region: str = "", status: str = ""):
    """The demand list page and API: what the reader may see, open ones first by deadline."""
    from django.db.models import Case, IntegerField, Value, When

    from providers.models import Demand

    demands = demand_search(demands_visible_to(user), q=q, category=category, region=region)
    if status in Demand.Status.values:
        demands = demands.filter(status=status)
    return demands.annotate(
        open_first=Case(
            When(status=Demand.Status.OPEN, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("open_first", "deadline", "-id")


def demands_of(user) -> QuerySet:
    """The enterprise's own demands with their proposal counts (My demands)."""
    from django.db.models import Count

    from providers.models import Demand, Proposal

    if user is None or not user.is_authenticated or not user.enterprise_id:
        return Demand.objects.none()
    return (
        Demand.objects.filter(enterprise_id=user.enterprise_id)
        .select_related("category", "region")
        .annotate(
            live_proposals=Count(
                "proposals",
                filter=Q(
                    proposals__status__in=[Proposal.Status.SUBMITTED, Proposal.Status.ACCEPTED]
                ),
            )
        )
        .order_by("-created_at", "-id")
    )


def proposals_visible_to(user, demand) -> QuerySet:
    """The owner (and officials, the operator) see every proposal of a demand; a provider
    its own; anyone else none."""
    from providers.models import Proposal

    proposals = (
        Proposal.objects.filter(demand=demand)
        .select_related("provider", "provider__region", "expert", "service_order")
        .prefetch_related("attachments")
        .order_by("price", "id")
    )
    if user is None or not user.is_authenticated:
        return proposals.none()
    if (
        user.is_operator
        or user.is_official
        or (user.is_enterprise and user.enterprise_id == demand.enterprise_id)
    ):
        return proposals
    if user.is_provider and user.provider_id:
        return proposals.filter(provider_id=user.provider_id)
    return proposals.none()


def proposals_acceptable_by(user) -> QuerySet:
    """Proposals on the user's enterprise's demands (the accept endpoint's 404 scope)."""
    from providers.models import Proposal

    if user is None or not user.is_authenticated or not user.enterprise_id:
        return Proposal.objects.none()
    return Proposal.objects.filter(demand__enterprise_id=user.enterprise_id).select_related(
        "demand", "provider"
    )


def own_share_due(order: ServiceOrder) -> Decimal:
    """The least the enterprise pays itself: the contract amount less the most the voucher
    may pay (its rules' co-funding ratio of the contract, rounded down to the cent)."""
    rules = rules_of_voucher(order.voucher)
    ratio = rules.co_funding_ratio if rules is not None else Decimal("0")
    cap = (order.contract_amount * ratio).quantize(CENT, rounding=ROUND_DOWN)
    return order.contract_amount - cap


def paperwork_annotations() -> dict:
    """What a claim needs besides a confirmed order, as annotations of a ServiceOrder query
    (the claim reads them with its row lock, in the same query)."""
    documents = OrderDocument.objects.filter(service_order_id=OuterRef("pk"))
    return {
        "has_contract": Exists(documents.filter(kind=OrderDocument.Kind.CONTRACT)),
        "has_invoice": Exists(documents.filter(kind=OrderDocument.Kind.INVOICE)),
        "own_share_confirmed": Exists(
            OwnSharePayment.objects.filter(
                service_order_id=OuterRef("pk"), confirmed_at__isnull=False
            )
        ),
    }


def paperwork_missing(order: ServiceOrder) -> list[str]:
    """The names of what is missing, in the reader's language; reads the annotations of
    `paperwork_annotations` when the order has them."""
    if not hasattr(order, "has_contract"):
        order = ServiceOrder.objects.annotate(**paperwork_annotations()).get(pk=order.pk)
    missing = []
    if not order.has_contract:
        missing.append(_("the signed contract"))
    if not order.has_invoice:
        missing.append(_("the invoice"))
    if not order.own_share_confirmed:
        missing.append(_("the enterprise's own share, confirmed by the provider"))
    return missing


def order_paperwork(order: ServiceOrder) -> dict:
    """The contract, the invoice and the own share of an order, for its page and the
    official's redemption page: two queries."""
    documents = list(
        OrderDocument.objects.filter(service_order=order).select_related("uploaded_by")
    )
    own_share = (
        OwnSharePayment.objects.filter(service_order=order)
        .select_related("recorded_by", "confirmed_by")
        .first()
    )
    contracts = [d for d in documents if d.kind == OrderDocument.Kind.CONTRACT]
    invoices = [d for d in documents if d.kind == OrderDocument.Kind.INVOICE]
    return {
        "documents": documents,
        "contract": contracts[-1] if contracts else None,
        "invoice": invoices[-1] if invoices else None,
        "own_share": own_share,
        "complete": bool(contracts and invoices and own_share and own_share.is_confirmed),
    }


def latest_file_integrity_check() -> FileIntegrityCheck | None:
    return FileIntegrityCheck.objects.order_by("-checked_at", "-id").first()


# --- public notice of providers ---------------------------------------------------------------


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
