"""Risk flags on service orders: raised by the integrity checks, cleared by an official of the
voucher's issuing district with a reason. A redemption on an order with an open flag waits."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from portal.errors import InvalidTransition, NotAllowed
from providers.models import EvidenceFile, RiskFlag, ServiceOrder
from providers.services.inputs import required_reason
from regions.models import AuditEntry, User
from regions.selectors import programme_moment_text
from regions.services import audit_record

# The first key of the advisory lock that serialises the order checks of one enterprise.
SPLIT_LOCK = 18018
# The first key of the advisory lock that serialises the logging of one evidence file.
EVIDENCE_LOCK = 18022


def risk_flag_raise(
    *, order: ServiceOrder, kind: str, evidence: dict, actor: User | None = None
) -> RiskFlag:
    """Open a flag of this kind on the order, or return the one already open (raising twice
    is one flag). Runs inside the caller's transaction."""
    existing = RiskFlag.objects.filter(
        service_order=order, kind=kind, cleared_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    try:
        # A savepoint, so that a concurrent raise losing the unique race leaves the caller's
        # transaction usable.
        with transaction.atomic():
            flag = RiskFlag.objects.create(service_order=order, kind=kind, evidence=evidence)
    except IntegrityError:
        return RiskFlag.objects.get(service_order=order, kind=kind, cleared_at__isnull=True)
    audit_record(
        actor=actor,
        obj=order,
        action=AuditEntry.Action.FLAG,
        reason=str(flag.get_kind_display()),
        data={"risk_flag": flag.pk, "kind": kind, "evidence": evidence},
    )
    return flag


def open_risk_flags(order: ServiceOrder):
    return RiskFlag.objects.filter(service_order=order, cleared_at__isnull=True)


# --- the checks at ordering -----------------------------------------------------------------

# Orders that never led (and never will lead) to a payment do not count towards a split.
NOT_COUNTED = (ServiceOrder.Status.CANCELLED, ServiceOrder.Status.DECLINED)
CENT = Decimal("0.01")


def _payable(amount: Decimal, ratio: Decimal) -> Decimal:
    return (amount * ratio).quantize(CENT, rounding=ROUND_HALF_UP)


def split_limit(rules) -> tuple[Decimal, str]:
    """What one order could have been paid at most, and which rule says so: the four-eyes
    threshold where the district set one, else the cap per enterprise."""
    if rules.four_eyes_threshold is not None:
        return rules.four_eyes_threshold, "four_eyes_threshold"
    return rules.max_voucher_per_enterprise, "max_voucher_per_enterprise"


def _check_related_party(order: ServiceOrder) -> RiskFlag | None:
    from vouchers.services.related_parties import shared_details

    shared = shared_details(order.enterprise, order.provider)
    if not shared:
        return None
    return risk_flag_raise(
        order=order,
        kind=RiskFlag.Kind.RELATED_PARTY,
        evidence={
            "fields": shared,
            "enterprise": order.enterprise_id,
            "provider": order.provider_id,
        },
    )


def _check_split_contract(order: ServiceOrder) -> list[RiskFlag]:
    from regions.selectors import rules_of_voucher
    from vouchers.models import Redemption

    rules = rules_of_voucher(order.voucher)
    if rules is None:
        return []
    limit, limit_rule = split_limit(rules)
    since = order.requested_at - timedelta(days=rules.split_window_days)
    group = list(
        ServiceOrder.objects.filter(
            enterprise_id=order.enterprise_id,
            provider_id=order.provider_id,
            requested_at__gte=since,
            requested_at__lte=order.requested_at,
        )
        .exclude(status__in=NOT_COUNTED)
        .order_by("requested_at", "id")
    )
    if len(group) < 2:
        return []
    payable = {o.pk: _payable(o.contract_amount, rules.co_funding_ratio) for o in group}
    total = sum(payable.values(), Decimal("0.00"))
    if total <= limit or any(amount >= limit for amount in payable.values()):
        return []
    evidence = {
        "orders": [
            {"id": o.pk, "contract_amount": str(o.contract_amount), "payable": str(payable[o.pk])}
            for o in group
        ],
        "total": str(total),
        "limit": str(limit),
        "limit_rule": limit_rule,
        "co_funding_ratio": str(rules.co_funding_ratio),
        "window_days": rules.split_window_days,
    }
    redeemed = set(
        Redemption.objects.filter(
            service_order__in=group,
            status__in=[Redemption.Status.APPROVED, Redemption.Status.PAID],
        ).values_list("service_order_id", flat=True)
    )
    return [
        risk_flag_raise(order=o, kind=RiskFlag.Kind.SPLIT_CONTRACT, evidence=evidence)
        for o in group
        if o.pk not in redeemed
    ]


def risk_check_order(order: ServiceOrder) -> list[RiskFlag]:
    """The integrity checks a new order passes through, inside order_create's transaction:
    shared details of the two parties (related_party) and orders split below the limit
    (split_contract). Returns the flags open on account of this order."""
    # One check at a time per enterprise: two orders placed at once (on two vouchers, so
    # the voucher lock does not serialise them) must each see the other. Taken after the
    # voucher lock, and nothing else takes it, so it cannot deadlock.
    if connection.vendor == "postgresql":  # SQLite (local runs) serialises writes anyway
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [SPLIT_LOCK, order.enterprise_id]
            )
    flags = [_check_related_party(order), *_check_split_contract(order)]
    return [flag for flag in flags if flag is not None]


def risk_check_evidence(order: ServiceOrder, *, digests: list[str], actor: User) -> RiskFlag | None:
    """Inside order_complete's transaction: an evidence file that is byte for byte one already
    logged on another order (any provider's) flags this order. One test report behind two
    orders is one service paid twice, or a report borrowed from another provider's work; the
    official of the issuing district decides, so the completion itself is not refused."""
    digests = sorted({digest for digest in digests if digest})
    if not digests:
        return None
    if connection.vendor == "postgresql":  # SQLite (local runs) serialises writes anyway
        # Two orders completed at once with the same file: the second waits here for the
        # first to commit, and then sees its file. Sorted, so two completions with the same
        # files take the locks in the same order.
        with connection.cursor() as cursor:
            for digest in digests:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [EVIDENCE_LOCK, digest]
                )
    other = (
        EvidenceFile.objects.filter(sha256__in=digests)
        .exclude(order_id=order.pk)
        .select_related("order__voucher__issuing_region")
        .order_by("id")
        .first()
    )
    if other is None:
        return None
    return risk_flag_raise(
        order=order,
        kind=RiskFlag.Kind.EVIDENCE_REUSED,
        evidence={
            "file": other.original_name,
            "other_order": other.order_id,
            "other_district": other.order.voucher.issuing_region.code,
        },
        actor=actor,
    )


# --- clearing -------------------------------------------------------------------------------


def risk_flags_visible_to(user):
    """Flags an official sees: those on orders paid with vouchers of their district."""
    queryset = RiskFlag.objects.select_related(
        "service_order",
        "service_order__enterprise",
        "service_order__provider",
        "service_order__voucher",
        "cleared_by",
    )
    if user.is_authenticated and user.is_official and user.region_id:
        return queryset.filter(service_order__voucher__issuing_region_id=user.region_id)
    if user.is_authenticated and user.is_operator:
        return queryset
    return queryset.none()


@transaction.atomic(durable=True)
def risk_flag_clear(*, flag_id: int, actor: User, reason: str) -> RiskFlag:
    """An official of the voucher's issuing district clears a flag with a reason; a
    redemption on the order may then be approved (if no other flag is open)."""
    if not (actor.is_authenticated and actor.is_official):
        raise NotAllowed(_("Only an official of the issuing district clears a risk flag."))
    reason = required_reason(reason)
    flag = (
        RiskFlag.objects.select_for_update(of=("self",))
        .select_related("service_order")
        .filter(pk=flag_id, service_order__voucher__issuing_region_id=actor.region_id)
        .first()
    )
    if flag is None:
        raise Http404(_("No such risk flag."))
    if flag.cleared_at is not None:
        # In the programme's time zone, on the page and through the API alike, with its
        # offset: the API reads times in UTC, and a bare 07:45 could be read as either.
        raise InvalidTransition(
            _("This risk flag was already cleared on %(date)s.")
            % {"date": programme_moment_text(flag.cleared_at)},
            code="already_cleared",
        )
    flag.cleared_by = actor
    flag.cleared_at = timezone.now()
    flag.clear_reason = reason
    flag.save(update_fields=["cleared_by", "cleared_at", "clear_reason"])
    audit_record(
        actor=actor,
        obj=flag.service_order,
        action=AuditEntry.Action.CLEAR,
        reason=reason,
        data={"risk_flag": flag.pk, "kind": flag.kind},
    )
    return flag


def risk_flags_named(flags) -> str:
    """ "Split contract suspected, Related parties suspected": the flags as a message names them."""
    return pgettext("list separator", ", ").join(str(flag.get_kind_display()) for flag in flags)
