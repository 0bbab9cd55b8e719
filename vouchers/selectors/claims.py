"""What a claim on a service order may be: the paperwork it still needs, the provider's
claimable orders, the ratio cap, the contract less the confirmed own share, and why a claim
would be nothing. Read by the claim's service, its pages and the order pages alike, so that
all of them say the same."""

from decimal import ROUND_DOWN, Decimal

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.db.models.functions import Trim, Upper
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.money import CENT
from providers.models import OwnSharePayment, ServiceOrder
from providers.selectors import paperwork_annotations, paperwork_missing, paperwork_section
from regions.models import ZERO, ProgrammeRules
from regions.selectors import rules_of_voucher
from vouchers.models import Redemption, RelatedParty, Voucher

# A claim in one of these holds or has spent its order: the order may not be claimed again.
LIVE_STATUSES = [Redemption.Status.PENDING, Redemption.Status.APPROVED, Redemption.Status.PAID]

# Why the most a claim may be is nothing whatever the voucher's balance (`no_claim_reason`).
OWN_SHARE_COVERS_CONTRACT = gettext_lazy(
    "No claim: the enterprise's own share covers the whole contract, so the voucher pays "
    "nothing of it."
)
NO_VOUCHER_SHARE = gettext_lazy(
    "No claim: the voucher's share of this contract comes to nothing under its rules."
)
UNREAD = object()


def voucher_requires_paperwork(voucher) -> bool:
    """Do the voucher's rules ask for the contract, the invoice and the confirmed own share
    before a claim? (Rules without the setting, or none found, do.)"""
    rules = rules_of_voucher(voucher)
    return rules is None or rules.requires_own_share


def paperwork_before_claim(order: ServiceOrder, answers: dict | None = None) -> list[str]:
    """What the order still needs before it may be claimed, named in the reader's language;
    empty when nothing is missing or the voucher's rules do not ask for it. `answers` keeps
    each voucher's rules answer across a list of orders."""
    missing = paperwork_missing(order)
    if not missing:
        return []
    answers = {} if answers is None else answers
    voucher = order.voucher
    key = (voucher.rules_version_id, voucher.issuing_region_id, voucher.year)
    if key not in answers:
        answers[key] = voucher_requires_paperwork(voucher)
    return missing if answers[key] else []


def claimable_orders_for(user) -> QuerySet[ServiceOrder]:
    """The provider's confirmed orders with no live claim yet, on vouchers that still pay."""
    if not (user.is_authenticated and user.is_provider and user.provider_id):
        return ServiceOrder.objects.none()
    return (
        ServiceOrder.objects.filter(
            provider_id=user.provider_id,
            status=ServiceOrder.Status.CONFIRMED,
            voucher__expires_at__gt=timezone.now(),
        )
        .exclude(voucher__status__in=Voucher.ENDED_STATUSES)
        .exclude(redemptions__status__in=LIVE_STATUSES)
        .select_related("voucher", "enterprise")
        .order_by("-confirmed_at", "-id")
    )


def related_party_declared() -> Exists:
    """For a query over service orders: the order's enterprise has recorded its provider as
    a related party (the credit code compared as `is_related_party` compares it)."""
    return Exists(
        RelatedParty.objects.filter(
            enterprise_id=OuterRef("enterprise_id"),
            credit_code=Upper(Trim(OuterRef("provider__credit_code"))),
        )
    )


def claimable_orders_with_needs(user, *, limit: int = 50) -> list[ServiceOrder]:
    """The provider's claimable orders (`claimable_orders_for`), each with `needs` (what it
    still needs before a claim), `needs_section` (where on the order page it is given) and
    `no_claim` (`no_claim_reason`: why a claim would be nothing, "" when it would not).
    `no_claim_possible` gathers every reason (related parties, the voucher used up or held,
    `no_claim`): such an order asks for no paperwork."""
    orders = list(
        claimable_orders_for(user).annotate(
            **paperwork_annotations(),
            related_party=related_party_declared(),
            own_share_amount=confirmed_own_share_amount(),
        )[:limit]
    )
    answers = {}
    rules_of = {}  # each voucher's rules, read once for the list
    for order in orders:
        voucher = order.voucher
        key = (voucher.rules_version_id, voucher.issuing_region_id, voucher.year)
        if key not in rules_of:
            rules_of[key] = rules_of_voucher(voucher)
        # Its whole balance held by other orders' claims: a claim now could only be refused.
        order.nothing_left = voucher.balance <= ZERO
        # ... and none held either: spent, nothing can come back to it.
        order.used_up = order.nothing_left and voucher.held <= ZERO
        order.no_claim = no_claim_reason(
            order, own_share=order.own_share_amount, rules=rules_of[key]
        )
        order.no_claim_possible = bool(order.related_party or order.nothing_left or order.no_claim)
        order.needs = [] if order.no_claim_possible else paperwork_before_claim(order, answers)
        order.needs_section = paperwork_section(order) if order.needs else ""
    return orders


def confirmed_own_share_amount() -> Subquery:
    """For a query over service orders: the amount of the order's own share the provider
    confirmed, None without one."""
    return Subquery(
        OwnSharePayment.objects.filter(
            service_order_id=OuterRef("pk"), confirmed_at__isnull=False
        ).values("amount")[:1]
    )


def ratio_cap(order: ServiceOrder, rules: ProgrammeRules) -> Decimal:
    """The co-funding ratio's share of the order's contract amount, rounded down to the cent."""
    return (order.contract_amount * rules.co_funding_ratio).quantize(CENT, rounding=ROUND_DOWN)


def contract_rest(order: ServiceOrder, own_share: Decimal | None) -> Decimal | None:
    """The contract amount less the enterprise's confirmed own share: the most the voucher
    may pay besides it, so that the two never pay the provider more than the contract (an
    own share above its due would otherwise let voucher money flow back to the enterprise).
    None while no own share is confirmed."""
    if own_share is None:
        return None
    return max(order.contract_amount - own_share, ZERO)


def _confirmed_own_share(order: ServiceOrder) -> Decimal | None:
    return (
        OwnSharePayment.objects.filter(service_order=order, confirmed_at__isnull=False)
        .values_list("amount", flat=True)
        .first()
    )


def claim_ceiling(order: ServiceOrder, *, rules, own_share: Decimal | None) -> Decimal:
    """The most a claim on `order` may be whatever the voucher's balance: the ratio cap of
    the voucher's `rules` (nothing without rules), and the contract less the confirmed
    `own_share` (None while none is confirmed)."""
    cap = ratio_cap(order, rules) if rules else ZERO
    rest = contract_rest(order, own_share)
    return cap if rest is None else min(cap, rest)


def max_claim_for(order: ServiceOrder) -> Decimal:
    """The most a claim on `order` may be: the ratio cap, the contract less the confirmed
    own share, and the voucher's balance."""
    # The voucher's own rules (the version it was issued under), as the claim reads them: a
    # later version with another ratio does not change what this voucher pays.
    rules = rules_of_voucher(order.voucher)
    cap = claim_ceiling(order, rules=rules, own_share=_confirmed_own_share(order))
    return min(cap, order.voucher.balance)


def no_claim_reason(order: ServiceOrder, *, own_share=UNREAD, rules=UNREAD) -> str:
    """Why a claim on `order` could be nothing whatever its voucher's balance (the balance
    has its own words: used up, or held by other claims), "" when it could be something:
    the enterprise's confirmed own share covers the whole contract, or the voucher's rules
    give it no share of it. `own_share` (the confirmed amount, None without one) and
    `rules` when the caller already read them; otherwise they are read here."""
    if own_share is UNREAD:
        own_share = _confirmed_own_share(order)
    rest = contract_rest(order, own_share)
    if rest is not None and rest <= ZERO:
        return str(OWN_SHARE_COVERS_CONTRACT)
    if rules is UNREAD:
        rules = rules_of_voucher(order.voucher)
    if claim_ceiling(order, rules=rules, own_share=own_share) <= ZERO:
        return str(NO_VOUCHER_SHARE)
    return ""


def same_files(paperwork: dict, evidence_files) -> list[list[str]]:
    """Files the claim stands on that are one file under several roles (the same SHA-256 as
    contract, invoice and evidence): each group's names, for the official's warning."""
    # Every contract file and invoice, not only the newest of each: an older one given again
    # as the evidence is the same warning.
    roles = [
        *((file, _("contract")) for file in paperwork["contracts"]),
        *((file, _("invoice")) for file in paperwork["invoices"]),
        *((file, _("evidence")) for file in evidence_files),
    ]
    by_hash: dict[str, list[str]] = {}
    for file, role in roles:
        if file is not None and file.sha256:
            by_hash.setdefault(file.sha256, []).append(f"{file.original_name} ({role})")
    return [names for names in by_hash.values() if len(names) > 1]
