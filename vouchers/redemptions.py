"""Redemptions: a provider's claim on a confirmed service order, paid from the order's voucher.

Services (writes), selectors (reads scoped to the user) and permission functions of the
redemption story live together here; the rest of the vouchers app is in services.py.

Money rules, each backed by a row lock and a database constraint:
- a claim HOLDS its amount on the voucher (balance -> held) under the voucher's row lock, so
  concurrent claims can never spend more than the balance (`voucher_balance_nonnegative`);
- one live claim per order (`redemption_one_live_per_order`);
- approval posts the hold (held -> redeemed, the district's `rules.redeemed` grows) and writes
  the journal entry; rejection gives the hold back to the voucher, or to the district's budget
  when the voucher has meanwhile expired or been revoked;
- the provider's home district records its payment (approved -> paid), with a journal entry.
Lock order, always: ProgrammeRules -> Voucher -> ServiceOrder -> Redemption.
"""

from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import (
    AlreadyRedeemed,
    InsufficientBalance,
    InvalidTransition,
    NotAllowed,
    ValidationFailed,
)
from portal.notifications import notify_after_commit
from providers.models import Provider, ServiceOrder
from regions import ledger
from regions.dashboards import flow_summary_record
from regions.ledger import clean_payment_reference
from regions.models import AuditEntry, ProgrammeRules, User
from regions.selectors import official_emails
from regions.services import audit_record
from vouchers.models import Redemption, Voucher

CENT = Decimal("0.01")
LIVE_STATUSES = [Redemption.Status.PENDING, Redemption.Status.APPROVED, Redemption.Status.PAID]


# --- permissions ---------------------------------------------------------------------------


def can_claim_redemption(user, order: ServiceOrder) -> bool:
    return bool(
        user.is_authenticated
        and user.is_provider
        and user.provider_id == order.provider_id
        and order.status == ServiceOrder.Status.CONFIRMED
    )


def can_decide_redemption(user, redemption: Redemption) -> bool:
    """Approve or reject: an official of the district that issued the voucher."""
    return bool(
        user.is_authenticated
        and user.is_official
        and user.region_id == redemption.issuing_region_id
        and redemption.status == Redemption.Status.PENDING
    )


def can_mark_paid_redemption(user, redemption: Redemption) -> bool:
    """Record the payment: an official of the provider's home district."""
    return bool(
        user.is_authenticated
        and user.is_official
        and user.region_id == redemption.provider_region_id
        and redemption.status == Redemption.Status.APPROVED
    )


# --- selectors -----------------------------------------------------------------------------


def redemptions_visible_to(user) -> QuerySet[Redemption]:
    """A provider its own claims; an official those of vouchers its district issued or of
    providers it pays; an enterprise those on its vouchers; the operator all."""
    queryset = Redemption.objects.select_related(
        "voucher", "service_order", "provider", "issuing_region", "provider_region"
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


def redemptions_to_approve(user) -> QuerySet[Redemption]:
    if not user.is_official:
        return Redemption.objects.none()
    return redemptions_visible_to(user).filter(
        issuing_region_id=user.region_id, status=Redemption.Status.PENDING
    )


def redemptions_to_pay(user) -> QuerySet[Redemption]:
    if not user.is_official:
        return Redemption.objects.none()
    return redemptions_visible_to(user).filter(
        provider_region_id=user.region_id, status=Redemption.Status.APPROVED
    )


def claimable_orders_for(user) -> QuerySet[ServiceOrder]:
    """The provider's confirmed orders with no live claim yet."""
    if not (user.is_authenticated and user.is_provider and user.provider_id):
        return ServiceOrder.objects.none()
    return (
        ServiceOrder.objects.filter(
            provider_id=user.provider_id, status=ServiceOrder.Status.CONFIRMED
        )
        .exclude(redemptions__status__in=LIVE_STATUSES)
        .select_related("voucher", "enterprise")
        .order_by("-confirmed_at", "-id")
    )


def max_claim_for(order: ServiceOrder) -> Decimal:
    """The most a claim on `order` may be: the ratio cap, and the voucher's balance."""
    rules = ProgrammeRules.objects.filter(
        region_id=order.voucher.issuing_region_id, year=order.voucher.year
    ).first()
    ratio_cap = _ratio_cap(order, rules) if rules else Decimal("0.00")
    return min(ratio_cap, order.voucher.balance)


# --- services ------------------------------------------------------------------------------


def parse_amount(value, *, field: str = "amount") -> Decimal:
    """A positive CNY amount with at most two decimal places, or a 400."""
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationFailed(_("Enter an amount in yuan, like 1500.00."), field=field) from None
    if not amount.is_finite():
        raise ValidationFailed(_("Enter an amount in yuan, like 1500.00."), field=field)
    if amount <= 0:
        raise ValidationFailed(_("The amount must be more than zero."), field=field)
    if amount >= Decimal("1e12"):
        raise ValidationFailed(_("The amount is too large."), field=field)
    if amount != amount.quantize(CENT):
        raise ValidationFailed(_("Amounts have at most two decimal places."), field=field)
    return amount.quantize(CENT)


def _ratio_cap(order: ServiceOrder, rules: ProgrammeRules) -> Decimal:
    return (order.contract_amount * rules.co_funding_ratio).quantize(CENT, rounding=ROUND_DOWN)


def _rules_for_voucher(voucher_or_values, *, lock: bool) -> ProgrammeRules:
    queryset = ProgrammeRules.objects.select_for_update() if lock else ProgrammeRules.objects
    return queryset.get(
        region_id=voucher_or_values["issuing_region_id"], year=voucher_or_values["year"]
    )


@transaction.atomic
def redemption_claim(*, service_order_id: int, amount, actor: User) -> Redemption:
    """The provider claims `amount` on its confirmed order; the amount is held on the voucher."""
    if not (actor.is_provider and actor.provider_id):
        raise NotAllowed(_("Only a service provider claims a redemption."))
    amount = parse_amount(amount)
    order_row = (
        ServiceOrder.objects.filter(pk=service_order_id, provider_id=actor.provider_id)
        .values("voucher_id")
        .first()
    )
    if order_row is None:
        raise Http404("No such service order")
    voucher = Voucher.objects.select_for_update().get(pk=order_row["voucher_id"])
    order = ServiceOrder.objects.select_for_update().get(pk=service_order_id)
    provider = Provider.objects.get(pk=order.provider_id)

    if order.status != ServiceOrder.Status.CONFIRMED:
        raise InvalidTransition(
            _("Only a service order the enterprise has confirmed can be claimed.")
        )
    if Redemption.objects.filter(service_order=order, status__in=LIVE_STATUSES).exists():
        raise AlreadyRedeemed(_("This service order has already been claimed."))
    if provider.status != Provider.Status.CERTIFIED:
        raise InvalidTransition(_("Only a certified provider can claim a redemption."))
    if voucher.status != Voucher.Status.ACTIVE:
        if voucher.status == Voucher.Status.EXHAUSTED:
            raise InsufficientBalance(_("The voucher has no balance left."))
        raise InvalidTransition(
            _("The voucher is %(status)s and cannot be spent.")
            % {"status": voucher.get_status_display()}
        )
    if voucher.expires_at <= timezone.now():
        raise InvalidTransition(_("The voucher has expired and cannot be spent."))
    cross_region = voucher.issuing_region_id != provider.region_id
    if cross_region and not voucher.cross_region:
        raise InvalidTransition(_("This voucher can only be spent in the district that issued it."))
    rules = ProgrammeRules.objects.get(region_id=voucher.issuing_region_id, year=voucher.year)
    ratio_cap = _ratio_cap(order, rules)
    if amount > ratio_cap:
        raise ValidationFailed(
            _(
                "The voucher pays at most %(ratio)s of the contract amount: %(cap)s yuan "
                "for this order."
            )
            % {"ratio": f"{rules.co_funding_ratio:.0%}", "cap": f"{ratio_cap:,.2f}"},
            field="amount",
        )
    if amount > voucher.balance:
        raise InsufficientBalance(
            _("The voucher's available balance is %(balance)s yuan.")
            % {"balance": f"{voucher.balance:,.2f}"},
            field="amount",
        )

    try:
        with transaction.atomic():
            redemption = Redemption.objects.create(
                service_order=order,
                voucher=voucher,
                provider=provider,
                issuing_region_id=voucher.issuing_region_id,
                provider_region_id=provider.region_id,
                cross_region=cross_region,
                amount=amount,
                claimed_by=actor,
            )
    except IntegrityError:
        raise AlreadyRedeemed(_("This service order has already been claimed.")) from None

    voucher.balance -= amount
    voucher.held += amount
    fields = ["balance", "held"]
    if voucher.balance == 0:
        voucher.status = Voucher.Status.EXHAUSTED
        fields.append("status")
        audit_record(
            actor=actor,
            obj=voucher,
            action=AuditEntry.Action.EXHAUST,
            from_status=Voucher.Status.ACTIVE,
            to_status=Voucher.Status.EXHAUSTED,
            reason=f"Redemption #{redemption.pk} holds the last of the balance.",
        )
    voucher.save(update_fields=fields)
    audit_record(
        actor=actor,
        obj=redemption,
        action=AuditEntry.Action.CLAIM,
        to_status=Redemption.Status.PENDING,
        data={"amount": str(amount), "voucher": voucher.serial, "order": order.pk},
    )
    notify_after_commit(
        recipients=official_emails(voucher.issuing_region_id),
        subject=f"[Voucher portal] Redemption #{redemption.pk} to approve",
        body=(
            f"{provider.name} claims {amount} CNY on voucher {voucher.serial} for the order "
            f'"{order.title}".\n'
        ),
    )
    return redemption


def _locked_for_decision(redemption_id: int, actor: User):
    """Lock rules, voucher and redemption in the one order, after the scope check."""
    if not actor.is_official:
        raise NotAllowed(_("Only a district official decides on redemptions."))
    row = (
        Redemption.objects.filter(pk=redemption_id, issuing_region_id=actor.region_id)
        .values("voucher_id", "voucher__issuing_region_id", "voucher__year")
        .first()
    )
    if row is None:
        raise Http404("No such redemption")
    rules = _rules_for_voucher(
        {"issuing_region_id": row["voucher__issuing_region_id"], "year": row["voucher__year"]},
        lock=True,
    )
    voucher = Voucher.objects.select_for_update().get(pk=row["voucher_id"])
    redemption = Redemption.objects.select_for_update().get(pk=redemption_id)
    if redemption.status != Redemption.Status.PENDING:
        raise InvalidTransition(
            _("This redemption has already been decided (%(status)s).")
            % {"status": redemption.get_status_display()}
        )
    return rules, voucher, redemption


def _provider_emails(provider_id: int) -> list[str]:
    from regions.models import User

    return list(
        User.objects.filter(provider_id=provider_id, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


@transaction.atomic
def redemption_approve(*, redemption_id: int, actor: User, note: str = "") -> Redemption:
    """The issuing district's official approves: the hold is spent and the ledger posts it."""
    rules, voucher, redemption = _locked_for_decision(redemption_id, actor)
    amount = redemption.amount
    now = timezone.now()
    voucher.held -= amount
    voucher.redeemed += amount
    voucher.save(update_fields=["held", "redeemed"])
    rules.redeemed += amount
    rules.save(update_fields=["redeemed"])
    redemption.status = Redemption.Status.APPROVED
    redemption.decided_at = now
    redemption.decided_by = actor
    redemption.decision_note = (note or "").strip()
    redemption.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    flow_summary_record(redemption=redemption)  # the dashboards' monthly pair totals

    fund = ledger.fund_account(redemption.issuing_region_id)
    payable = ledger.payable_account(redemption.provider)
    if redemption.cross_region:
        lines = [
            (fund, amount, 0),
            (ledger.clearing_account(redemption.issuing_region_id, redemption.provider_region_id), 0, amount),
            (ledger.clearing_account(redemption.provider_region_id, redemption.issuing_region_id), amount, 0),
            (payable, 0, amount),
        ]  # fmt: skip
    else:
        lines = [(fund, amount, 0), (payable, 0, amount)]
    ledger.post_entry(
        reference=f"redemption:{redemption.pk}:approve",
        description=f"Redemption #{redemption.pk} approved, voucher {voucher.serial}",
        lines=lines,
        redemption=redemption,
    )
    audit_record(
        actor=actor,
        obj=redemption,
        action=AuditEntry.Action.APPROVE,
        from_status=Redemption.Status.PENDING,
        to_status=Redemption.Status.APPROVED,
        reason=redemption.decision_note,
        data={"amount": str(amount)},
    )
    notify_after_commit(
        recipients=_provider_emails(redemption.provider_id)
        + (official_emails(redemption.provider_region_id) if redemption.cross_region else []),
        subject=f"[Voucher portal] Redemption #{redemption.pk} approved",
        body=f"The redemption of {amount} CNY on voucher {voucher.serial} was approved.\n",
    )
    return redemption


@transaction.atomic
def redemption_reject(*, redemption_id: int, actor: User, note: str) -> Redemption:
    """The issuing district's official rejects with a reason: the hold is released."""
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(_("Give the reason for the rejection."), field="note")
    rules, voucher, redemption = _locked_for_decision(redemption_id, actor)
    amount = redemption.amount
    voucher.held -= amount
    fields = ["held"]
    if voucher.status in (Voucher.Status.ACTIVE, Voucher.Status.EXHAUSTED):
        voucher.balance += amount
        fields.append("balance")
        if voucher.status == Voucher.Status.EXHAUSTED:
            voucher.status = Voucher.Status.ACTIVE
            fields.append("status")
            audit_record(
                actor=actor,
                obj=voucher,
                action=AuditEntry.Action.REACTIVATE,
                from_status=Voucher.Status.EXHAUSTED,
                to_status=Voucher.Status.ACTIVE,
                reason=f"Redemption #{redemption.pk} was rejected; its hold is available again.",
            )
    else:
        # An expired or revoked voucher cannot be spent again: the hold goes back to the
        # district's budget, as the rest of the voucher did when it expired.
        voucher.released += amount
        fields.append("released")
        rules.committed -= amount
        rules.save(update_fields=["committed"])
    voucher.save(update_fields=fields)
    redemption.status = Redemption.Status.REJECTED
    redemption.decided_at = timezone.now()
    redemption.decided_by = actor
    redemption.decision_note = note
    redemption.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    audit_record(
        actor=actor,
        obj=redemption,
        action=AuditEntry.Action.REJECT,
        from_status=Redemption.Status.PENDING,
        to_status=Redemption.Status.REJECTED,
        reason=note,
        data={"amount": str(amount), "released_to_budget": "released" in fields},
    )
    notify_after_commit(
        recipients=_provider_emails(redemption.provider_id),
        subject=f"[Voucher portal] Redemption #{redemption.pk} rejected",
        body=f"The redemption of {amount} CNY on voucher {voucher.serial} was rejected: {note}\n",
    )
    return redemption


@transaction.atomic
def redemption_mark_paid(*, redemption_id: int, payment_reference: str, actor: User) -> Redemption:
    """The provider's home district records that it paid the provider."""
    if not actor.is_official:
        raise NotAllowed(_("Only a district official records payments."))
    payment_reference = clean_payment_reference(payment_reference)
    if not Redemption.objects.filter(pk=redemption_id, provider_region_id=actor.region_id).exists():
        raise Http404("No such redemption")
    redemption = Redemption.objects.select_for_update().get(pk=redemption_id)
    if redemption.status != Redemption.Status.APPROVED:
        raise InvalidTransition(
            _("Only an approved redemption can be paid (this one is %(status)s).")
            % {"status": redemption.get_status_display()}
        )
    redemption.status = Redemption.Status.PAID
    redemption.paid_at = timezone.now()
    redemption.payment_reference = payment_reference
    redemption.save(update_fields=["status", "paid_at", "payment_reference"])
    ledger.post_entry(
        reference=f"redemption:{redemption.pk}:pay",
        description=f"Redemption #{redemption.pk} paid, reference {payment_reference}",
        lines=[
            (ledger.payable_account(redemption.provider), redemption.amount, 0),
            (ledger.cash_account(redemption.provider_region_id), 0, redemption.amount),
        ],
        redemption=redemption,
    )
    audit_record(
        actor=actor,
        obj=redemption,
        action=AuditEntry.Action.MARK_PAID,
        from_status=Redemption.Status.APPROVED,
        to_status=Redemption.Status.PAID,
        reason=payment_reference,
    )
    notify_after_commit(
        recipients=_provider_emails(redemption.provider_id),
        subject=f"[Voucher portal] Redemption #{redemption.pk} paid",
        body=f"{redemption.amount} CNY were paid to you, reference {payment_reference}.\n",
    )
    return redemption
