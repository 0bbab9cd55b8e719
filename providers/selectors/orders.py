"""Reads of service orders, scoped to the reader: the orders, their evidence, the vouchers an
enterprise may pay with, and the paperwork a claim stands on (the signed contract, the invoice,
the enterprise's confirmed own share), and the last check of the stored files.
"""

from decimal import ROUND_DOWN, Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from portal.money import CENT
from providers.models import (
    EvidenceFile,
    FileIntegrityCheck,
    OrderDocument,
    OwnSharePayment,
    ServiceOrder,
)
from regions.selectors import programme_moment_text, rules_of_voucher


def booked_time_not_over(order: ServiceOrder) -> str:
    """Why the order's completion cannot be logged yet, "" when it can: the instrument time
    it booked has not ended (logged before, the enterprise was asked to confirm hours not yet
    used, and a confirmation would have made them claimable)."""
    from django.utils import timezone

    from providers.models import InstrumentBooking

    ends_at = (
        InstrumentBooking.objects.filter(service_order_id=order.pk)
        .values_list("ends_at", flat=True)
        .first()
    )
    if ends_at is None or ends_at <= timezone.now():
        return ""
    # In programme time whoever asks: the API's answers are otherwise in UTC, and "booked
    # until 03:00" read eight hours early.
    return _(
        "The instrument is booked until %(end)s: log the service once the booked time has ended."
    ) % {"end": programme_moment_text(ends_at)}


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


def own_share_due(order: ServiceOrder) -> Decimal:
    """The least the enterprise pays itself: the contract amount less the most the voucher
    may pay (its rules' co-funding ratio of the contract, rounded down to the cent)."""
    rules = rules_of_voucher(order.voucher)
    ratio = rules.co_funding_ratio if rules is not None else Decimal("0")
    cap = (order.contract_amount * ratio).quantize(CENT, rounding=ROUND_DOWN)
    return order.contract_amount - cap


def has_live_claim(order: ServiceOrder) -> bool:
    """A claim on the order is pending, approved or paid (a rejected one is not)."""
    return claim_status_of(order) is not None


def _live_claim_status(order_id):
    from vouchers.models import Redemption
    from vouchers.selectors import LIVE_STATUSES

    claims = Redemption.objects.filter(service_order=order_id, status__in=LIVE_STATUSES)
    return claims.values("status")[:1]


def claim_status_of(order: ServiceOrder) -> str | None:
    """The status of the order's live claim (pending, approved or paid; an order has one at
    most), None when it has none."""
    return _live_claim_status(order.pk).values_list("status", flat=True).first()


def with_claim_status(orders: QuerySet[ServiceOrder]) -> QuerySet[ServiceOrder]:
    """`orders`, each with `claim_status` (`claim_status_of`) and `related_party` (its
    enterprise recorded its provider as a related party) read in the same query, for a list
    that would otherwise ask once per row."""
    from vouchers.selectors import related_party_declared

    return orders.annotate(
        claim_status=Subquery(_live_claim_status(OuterRef("pk"))),
        related_party=related_party_declared(),
    )


def voucher_share_of(order: ServiceOrder, *, claimed: bool) -> dict | None:
    """What the voucher may pay of an order not yet claimed: its rules' share of the contract,
    and less when the voucher's balance is below that share (the claim is then held to the
    balance, and the enterprise pays the rest). None for an order closed, already claimed
    (`claimed`: `has_live_claim`) or on an ended voucher, whose page says so otherwise."""
    voucher = order.voucher
    if order.status in (ServiceOrder.Status.DECLINED, ServiceOrder.Status.CANCELLED):
        return None
    if voucher.ended or claimed:
        return None
    rules = rules_of_voucher(voucher)
    if rules is None:
        return None
    share = _ratio_share(order.contract_amount, rules.co_funding_ratio)
    pays = min(share, voucher.balance)
    # The voucher's other open orders not yet claimed expect their shares of the same
    # balance: each order alone looked covered while together they asked more than it held.
    others = _expected_of(voucher.pk, rules.co_funding_ratio, besides=order.pk)
    return {
        "share": share,
        "balance": voucher.balance,
        "pays": pays,
        "enterprise_pays": order.contract_amount - pays,
        "short": voucher.balance < share,
        "others": others,
        "shared_short": not voucher.balance < share and others + share > voucher.balance,
    }


def voucher_terms(vouchers) -> list[dict]:
    """What each voucher pays of a new order: its rules' share (a percentage) and its balance,
    less what its open orders not yet claimed already expect of it."""
    terms = []
    for voucher in vouchers:
        rules = rules_of_voucher(voucher)
        if rules is None:
            continue
        expected = _expected_of(voucher.pk, rules.co_funding_ratio)
        terms.append(
            {
                "voucher": voucher,
                "percent": format((rules.co_funding_ratio * 100).normalize(), "f"),
                "balance": voucher.balance,
                "expected": expected,
                "free": max(voucher.balance - expected, Decimal("0.00")),
            }
        )
    return terms


def _ratio_share(amount: Decimal, ratio: Decimal) -> Decimal:
    """The co-funding ratio's share of a contract amount, rounded down to the cent (as
    vouchers.selectors.ratio_cap, which the claim uses)."""
    return (amount * ratio).quantize(CENT, rounding=ROUND_DOWN)


def _expected_of(voucher_id: int, ratio: Decimal, *, besides: int | None = None) -> Decimal:
    """The shares the voucher's open orders not yet claimed expect of it (but `besides`'s)."""
    from vouchers.selectors import LIVE_STATUSES

    amounts = (
        ServiceOrder.objects.filter(voucher_id=voucher_id)
        .exclude(status__in=[ServiceOrder.Status.DECLINED, ServiceOrder.Status.CANCELLED])
        .exclude(redemptions__status__in=LIVE_STATUSES)
        .exclude(pk=besides)
        .values_list("contract_amount", flat=True)
    )
    return sum((_ratio_share(amount, ratio) for amount in amounts), Decimal("0.00"))


def paperwork_annotations() -> dict:
    """What a claim needs besides a confirmed order, as annotations of a ServiceOrder query
    (the claim reads them with its row lock, in the same query)."""
    documents = OrderDocument.objects.filter(service_order_id=OuterRef("pk"))
    return {
        "has_contract": Exists(documents.filter(kind=OrderDocument.Kind.CONTRACT)),
        "has_invoice": Exists(documents.filter(kind=OrderDocument.Kind.INVOICE)),
        "own_share_recorded": Exists(
            OwnSharePayment.objects.filter(service_order_id=OuterRef("pk"))
        ),
        "own_share_confirmed": Exists(
            OwnSharePayment.objects.filter(
                service_order_id=OuterRef("pk"), confirmed_at__isnull=False
            )
        ),
    }


def paperwork_missing(order: ServiceOrder) -> list[str]:
    """The names of what is missing, in the reader's language; reads the annotations of
    `paperwork_annotations` when the order has them."""
    order = _with_paperwork(order)
    missing = []
    if not order.has_contract:
        missing.append(_("the signed contract"))
    if not order.has_invoice:
        missing.append(_("the invoice"))
    # Who acts next differs: the enterprise records its payment, then the provider confirms.
    if not order.own_share_confirmed and not _own_share_recorded(order):
        missing.append(
            _(
                "the enterprise's own share: the enterprise records its payment, the provider confirms it"
            )
        )
    elif not order.own_share_confirmed:
        missing.append(
            _("the provider's confirmation that the enterprise's own share was received")
        )
    return missing


def own_share_recorded(order: ServiceOrder) -> bool:
    """Whether the enterprise recorded its own share's payment (confirmed or not)."""
    return bool(getattr(order, "own_share_confirmed", False)) or _own_share_recorded(order)


def _own_share_recorded(order: ServiceOrder) -> bool:
    # The claim's locked read (vouchers.services.claim_reads) leaves this out of the hot
    # path: a refusal asks here.
    recorded = getattr(order, "own_share_recorded", None)
    if recorded is None:
        recorded = OwnSharePayment.objects.filter(service_order_id=order.pk).exists()
    return recorded


def paperwork_section(order: ServiceOrder) -> str:
    """The section of the order page where the first missing piece is given: the documents
    while the contract or the invoice is missing, else the own share."""
    order = _with_paperwork(order)
    return "documents" if not (order.has_contract and order.has_invoice) else "own-share"


def _with_paperwork(order: ServiceOrder) -> ServiceOrder:
    if hasattr(order, "has_contract"):
        return order
    return ServiceOrder.objects.annotate(**paperwork_annotations()).get(pk=order.pk)


def order_paperwork(order: ServiceOrder) -> dict:
    """The contracts, the invoices and the own share of an order, for its page and the
    official's redemption page: two queries.

    `contracts` and `invoices` are every document of each kind, oldest first: a contract
    signed in two files, or invoiced in parts, is all on the official's page, as on the
    order's. (The page read `contract` and `invoice`, the latest of each, and an official
    decided a claim on one file of a contract in two.) Those two stay for the pages that
    name the order's current contract and invoice."""
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
        "contracts": contracts,
        "invoices": invoices,
        "contract": contracts[-1] if contracts else None,
        "invoice": invoices[-1] if invoices else None,
        "own_share": own_share,
        "complete": bool(contracts and invoices and own_share and own_share.is_confirmed),
    }


def latest_file_integrity_check() -> FileIntegrityCheck | None:
    return FileIntegrityCheck.objects.order_by("-checked_at", "-id").first()
