"""Reads of enterprises, applications, vouchers and redemptions, scoped to the user's role.

One scoped queryset per kind: anything outside it answers 404, so ids leak nothing.
Each carries the `select_related` its list pages and endpoints need, so their query
count does not grow with the number of rows.

What a claim on an order may be (its paperwork, ceilings and why it would be nothing) is in
`claims`; callers import both from `vouchers.selectors`.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from providers.models import (
    EvidenceFile,
    ExpertAssignment,
    OrderDocument,
    Provider,
    RiskFlag,
    ServiceOrder,
)
from providers.selectors import orders_visible_to
from regions.models import ZERO, AuditEntry, ProgrammeRules, User
from regions.selectors import rules_of_voucher
from vouchers.models import Enterprise, Redemption, RelatedParty, Voucher, VoucherApplication
from vouchers.selectors.claims import (  # noqa: F401 (read through vouchers.selectors)
    LIVE_STATUSES,
    NO_VOUCHER_SHARE,
    OWN_SHARE_COVERS_CONTRACT,
    UNREAD,
    claim_ceiling,
    claimable_orders_for,
    claimable_orders_with_needs,
    confirmed_own_share_amount,
    contract_rest,
    max_claim_for,
    no_claim_reason,
    paperwork_before_claim,
    ratio_cap,
    related_party_declared,
    same_files,
    voucher_requires_paperwork,
)


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


def related_parties_visible_to(user) -> QuerySet[RelatedParty]:
    """An enterprise's own relations, those of an official's district, all for the operator."""
    return _scope(
        user,
        RelatedParty.objects.select_related("enterprise", "provider", "declared_by"),
        enterprise="enterprise_id",
        region="enterprise__region_id",
    )


def applications_visible_to(user) -> QuerySet[VoucherApplication]:
    """The enterprise's own, an official's district's, all for the operator; for an expert,
    those they are assigned to review (their attachments included: the assignment's page
    showed the purpose alone, and the API answered 404)."""
    applications = VoucherApplication.objects.select_related(
        "enterprise",
        "region",
        "service_category",
        "voucher",
        "decided_by",
        "first_approved_by",
    )
    if user.is_authenticated and user.role == User.Role.EXPERT:
        # An assignment the expert declined, or an expert withdrawn from the library, no
        # longer opens the application (its attachments stayed readable after either).
        live = ExpertAssignment.objects.filter(
            application_id=OuterRef("pk"),
            expert__user=user,
            expert__active=True,
            declined_at__isnull=True,
        )
        return applications.filter(Exists(live))
    return _scope(user, applications, enterprise="enterprise_id", region="region_id")


def vouchers_visible_to(user) -> QuerySet[Voucher]:
    return _scope(
        user,
        Voucher.objects.select_related("enterprise", "issuing_region"),
        enterprise="enterprise_id",
        region="issuing_region_id",
    )


@dataclass(frozen=True)
class VoucherTerms:
    """What a voucher pays for, from the rules that govern it (`rules_of_voucher`): the
    version in force when it was issued, or its district-year's rules for one issued before
    rules had versions (which name no categories: every category is eligible)."""

    co_funding_ratio: Decimal
    eligible_categories: list  # ServiceCategory rows; empty: every category
    rules_version_id: int | None
    in_force_from: date | None


def voucher_terms(voucher: Voucher) -> VoucherTerms | None:
    """The voucher's terms, or None when its district has no rules for its year."""
    from regions.models import ProgrammeRulesVersion

    rules = rules_of_voucher(voucher)
    if rules is None:
        return None
    version = rules if isinstance(rules, ProgrammeRulesVersion) else None
    return VoucherTerms(
        co_funding_ratio=rules.co_funding_ratio,
        eligible_categories=list(version.eligible_categories.all()) if version else [],
        rules_version_id=version.pk if version else None,
        in_force_from=version.effective_from if version else None,
    )


def enterprises_to_verify(user) -> QuerySet[Enterprise]:
    return (
        enterprises_visible_to(user)
        .filter(verified_at__isnull=True, rejected_at__isnull=True)
        .order_by("registered_at")
    )


def enterprises_refused(user) -> QuerySet[Enterprise]:
    """Refused registrations not closed, the latest refusal first."""
    return (
        enterprises_visible_to(user)
        .filter(verified_at__isnull=True, rejected_at__isnull=False, closed_at__isnull=True)
        .select_related("region")
        .order_by("-rejected_at", "-id")
    )


def remaining_cap(
    *, rules: ProgrammeRules, enterprise_id: int, include_pending: bool = False
) -> Decimal:
    """What the enterprise may still be issued this year under its district's cap.

    Applying also counts its other undecided applications, so an enterprise cannot queue
    requests that could never all be approved; approving counts only what was issued.
    Both sums come from one read of the enterprise's applications of the year.
    """
    status = VoucherApplication.Status
    totals = VoucherApplication.objects.filter(
        enterprise_id=enterprise_id, year=rules.year
    ).aggregate(
        # Face value issued: the approved applications' amounts.
        issued=Coalesce(Sum("approved_amount", filter=Q(status=status.APPROVED)), ZERO),
        # Requested by the still undecided ones.
        pending=Coalesce(Sum("requested_amount", filter=Q(status=status.SUBMITTED)), ZERO),
    )
    remaining = rules.max_voucher_per_enterprise - totals["issued"]
    if include_pending:
        remaining -= totals["pending"]
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


def enterprise_emails(enterprise_id: int) -> list[str]:
    """Who hears about an enterprise's applications, vouchers and orders: its contact address
    and its active users."""
    enterprise = Enterprise.objects.only("contact_email").get(pk=enterprise_id)
    users = enterprise.users.filter(is_active=True).exclude(email="")
    return [enterprise.contact_email, *users.values_list("email", flat=True)]


# --- redemptions ---------------------------------------------------------------------------


def redemptions_visible_to(user) -> QuerySet[Redemption]:
    """A provider its own claims; an official those of vouchers its district issued or of
    providers it pays; an enterprise those on its vouchers; the operator all."""
    # settlement_item: the batch a redemption settled in (Redemption.settlement_batch_id).
    queryset = Redemption.objects.select_related(
        "voucher",
        "service_order",
        "service_order__enterprise",
        "provider",
        "issuing_region",
        "provider_region",
        "settlement_item",
        "first_approved_by",
    )
    if not user.is_authenticated:
        return queryset.none()
    if user.is_operator:
        return queryset
    if user.is_official:
        return queryset.filter(
            Q(issuing_region_id=user.region_id) | Q(provider_region_id=user.region_id)
        )
    if user.is_provider and user.provider_id:
        return queryset.filter(provider_id=user.provider_id)
    if user.is_enterprise and user.enterprise_id:
        return queryset.filter(voucher__enterprise_id=user.enterprise_id)
    return queryset.none()


# How many of a voucher's orders its page lists (the latest); a voucher pays a few orders.
VOUCHER_ORDERS_SHOWN = 100


def orders_paid_with(user, voucher: Voucher) -> tuple[list, int]:
    """The service orders paid with `voucher` that `user` may see, the latest first, each
    with its claims (`claims`, the latest first, those `user` may see), and how many there
    are in all: what the voucher's held and redeemed amounts are made of."""
    orders = orders_visible_to(user).filter(voucher=voucher).order_by("-requested_at", "-id")
    claims = redemptions_visible_to(user).select_related(None).order_by("-claimed_at", "-id")
    shown = list(
        orders.prefetch_related(Prefetch("redemptions", queryset=claims, to_attr="claims"))[
            :VOUCHER_ORDERS_SHOWN
        ]
    )
    total = len(shown) if len(shown) < VOUCHER_ORDERS_SHOWN else orders.count()
    return shown, total


def redemptions_to_approve(user) -> QuerySet[Redemption]:
    if not user.is_official:
        return Redemption.objects.none()
    return redemptions_visible_to(user).filter(
        issuing_region_id=user.region_id, status=Redemption.Status.PENDING
    )


def with_order_facts(redemptions) -> list[Redemption]:
    """What an official reads before deciding a claim, attached to each redemption: its
    order's evidence files (`evidence_files`) and the enterprise's confirmation of delivery
    (`confirmation`: the audit entry, who and when, or None), its open risk flags
    (`open_flags`) and the files given for several documents (`same_files`, as
    `same_files` names them), whether its provider is a declared related party of the
    enterprise (`related_party`), and the claims on its order rejected before
    (`earlier_rejections`, the latest first, each with the contracts and invoices added since,
    `documents_since`). Six queries for any number of rows, so the approval queue costs the
    same whatever its page size."""
    rows = list(redemptions)
    order_ids = {r.service_order_id for r in rows}
    evidence: dict[int, list] = {}
    for file in EvidenceFile.objects.filter(order_id__in=order_ids).order_by("id"):
        evidence.setdefault(file.order_id, []).append(file)
    # The queue's row says it as the redemption's page does: an official approved inline a
    # claim whose contract and invoice were one file, never having opened the page.
    documents: dict[int, dict[str, list]] = {}
    for document in OrderDocument.objects.filter(service_order_id__in=order_ids).order_by("id"):
        kinds = documents.setdefault(document.service_order_id, {"contracts": [], "invoices": []})
        if document.kind == OrderDocument.Kind.CONTRACT:
            kinds["contracts"].append(document)
        elif document.kind == OrderDocument.Kind.INVOICE:
            kinds["invoices"].append(document)
    confirmations = {}
    entries = (
        AuditEntry.objects.filter(
            object_type=ServiceOrder._meta.label_lower,
            object_id__in=[str(i) for i in order_ids],
            action=AuditEntry.Action.CONFIRM,
        )
        .select_related("actor")
        .order_by("at", "id")
    )
    for entry in entries:  # the latest confirmation wins (a disputed order confirmed later)
        confirmations[int(entry.object_id)] = entry
    flags: dict[int, list] = {}
    for flag in RiskFlag.objects.filter(service_order_id__in=order_ids, cleared_at__isnull=True):
        flags.setdefault(flag.service_order_id, []).append(flag)
    # Declared related after the claim was made: the approval is refused, and the row said
    # nothing of it until Approve was pressed. The code compared as the approval compares it
    # (vouchers.services.related_parties.is_related_party: trimmed, upper case).
    related = set(
        RelatedParty.objects.filter(
            enterprise_id__in={r.service_order.enterprise_id for r in rows}
        ).values_list("enterprise_id", "credit_code")
    )
    # A claim rejected on the same order and sent again: the official is told what was
    # refused and why, and what paperwork came since (the same invoice could be approved
    # right after the official had rejected it).
    rejections: dict[int, list] = {}
    rejected = (
        Redemption.objects.filter(service_order_id__in=order_ids, status=Redemption.Status.REJECTED)
        .select_related("decided_by")
        .order_by("-decided_at", "-id")
    )
    for earlier in rejected:
        rejections.setdefault(earlier.service_order_id, []).append(earlier)
    for redemption in rows:
        order_documents = documents.get(redemption.service_order_id, {})
        redemption.earlier_rejections = [
            earlier
            for earlier in rejections.get(redemption.service_order_id, [])
            if earlier.pk != redemption.pk
        ][:3]
        for earlier in redemption.earlier_rejections:
            earlier.documents_since = [
                document
                for document in [
                    *order_documents.get("contracts", []),
                    *order_documents.get("invoices", []),
                ]
                if earlier.decided_at and document.uploaded_at > earlier.decided_at
            ]
        redemption.related_party = (
            redemption.service_order.enterprise_id,
            redemption.provider.credit_code.strip().upper(),
        ) in related
        redemption.evidence_files = evidence.get(redemption.service_order_id, [])
        redemption.confirmation = confirmations.get(redemption.service_order_id)
        # Open risk flags hold the approval back until an official clears them.
        redemption.open_flags = flags.get(redemption.service_order_id, [])
        redemption.same_files = same_files(
            documents.get(redemption.service_order_id, {"contracts": [], "invoices": []}),
            redemption.evidence_files,
        )
    return rows


def redemptions_to_pay(user) -> QuerySet[Redemption]:
    if not user.is_official:
        return Redemption.objects.none()
    return redemptions_visible_to(user).filter(
        provider_region_id=user.region_id, status=Redemption.Status.APPROVED
    )


def payments_due_by_provider(user) -> list[dict]:
    """The district's providers with approved claims waiting for payment, the longest waiting
    first: for each its `provider`, the claims' `count` and `total`, what one bank transfer
    would pay. One grouped query and one for the providers."""
    due = list(
        redemptions_to_pay(user)
        .select_related(None)
        .order_by()
        .values("provider_id")
        .annotate(count=Count("id"), total=Sum("amount"), since=Min("decided_at"))
        .order_by("since", "provider_id")
    )
    providers = Provider.objects.in_bulk([row["provider_id"] for row in due])
    return [{**row, "provider": providers[row["provider_id"]]} for row in due]


def provider_claims_to_pay(user, provider_id: int) -> QuerySet[Redemption]:
    """One provider's approved claims that the user's district is to pay, oldest first."""
    return redemptions_to_pay(user).filter(provider_id=provider_id).order_by("decided_at", "id")


def claims_paid_with_reference(user, reference: str, *, besides) -> list[int]:
    """The ids of other claims the user's district recorded as paid under `reference`, as
    the official means it: "HB 2026-0001", "hb2026-0001" and the full-width "ＨＢ２０２６－０００１"
    are one transfer (`Redemption.reference_key`), the same bank transfer perhaps recorded
    twice. One seek of redemption_reference_key_idx on the stored key, however many claims
    the district paid: a Lower/Replace expression would be computed on every paid claim of
    the district, and on SQLite it could neither lower Chinese input's full-width letters
    nor apply NFKC."""
    key = Redemption.reference_key(reference)
    if not key:
        return []  # rows written by raw SQL carry no key: never everything
    return list(
        Redemption.objects.filter(
            provider_region_id=user.region_id,
            status=Redemption.Status.PAID,
            payment_reference_key=key,
        )
        .exclude(pk__in=list(besides))
        .order_by("pk")
        .values_list("pk", flat=True)[:20]
    )
