"""Redemptions: a provider's claim on a confirmed service order, paid from the order's voucher.

Money rules, each backed by a row lock and a database constraint:
- a claim HOLDS its amount on the voucher (balance -> held) under the voucher's row lock, so
  concurrent claims can never spend more than the balance (`voucher_balance_nonnegative`);
- one live claim per order (`redemption_one_live_per_order`);
- approval posts the hold (held -> redeemed, the district's `rules.redeemed` grows) and writes
  the journal entry; rejection gives the hold back to the voucher, or to the district's budget
  when the voucher has meanwhile expired or been revoked;
- the provider's home district records its payment (approved -> paid): payments.py.
Lock order, always: ProgrammeRules -> Voucher -> ServiceOrder -> Redemption.
"""

from django.db import IntegrityError, transaction
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
from portal.links import portal_url
from portal.money import parse_money
from portal.notifications import notify_after_commit
from portal.security import shown_text
from portal.states import check_transition
from providers.models import Provider, ServiceOrder
from providers.selectors import paperwork_missing, provider_emails
from providers.services.delivery import risk_flags_clear_for_ended_voucher
from providers.services.risk import open_risk_flags, risk_flags_named
from regions import ledger
from regions.dashboards import flow_summary_record
from regions.models import (
    AuditEntry,
    NotificationPreference,
    ProgrammeRules,
    User,
)
from regions.selectors import (
    category_refusal,
    official_emails,
    order_category_ids,
    order_is_eligible,
    rules_of_voucher,
)
from regions.services import audit_record
from regions.statistics import statistics_changed
from regions.statistics_summary import enterprise_summary_record
from vouchers.models import Redemption, Voucher
from vouchers.selectors import contract_rest, ratio_cap, voucher_requires_paperwork
from vouchers.services.claim_reads import lock_order_for_claim, lock_voucher_of_order
from vouchers.services.four_eyes import first_approval_recorded
from vouchers.services.related_parties import is_related_party, related_party_refusal
from vouchers.services.vouchers import programme_rules


@transaction.atomic(durable=True)
def redemption_claim(*, service_order_id: int, amount, actor: User) -> Redemption:
    """The provider claims `amount` on its confirmed order; the amount is held on the voucher."""
    if not (actor.is_provider and actor.provider_id):
        raise NotAllowed(_("Only a service provider claims a redemption."))
    amount = parse_money(amount, field="amount")
    # Few queries, each of them needed (tests/redemptions/test_claim_queries.py): the voucher
    # is found through the order and locked in one query, with its district's co-funding
    # ratio; the order is locked with its provider, whether it has a live claim, its
    # eligibility and its paperwork (claim_reads.py: SQL, because these run on every claim).
    voucher = lock_voucher_of_order(
        service_order_id=service_order_id, provider_id=actor.provider_id
    )
    if voucher is None:
        raise Http404(_("No such service order."))
    order = lock_order_for_claim(service_order_id=service_order_id, voucher=voucher)
    if order is None:
        raise Http404(_("No such service order."))
    provider = order.provider

    if order.status != ServiceOrder.Status.CONFIRMED:
        raise InvalidTransition(
            _("Only a service order the enterprise has confirmed can be claimed.")
        )
    if order.already_claimed:
        raise AlreadyRedeemed(_("This service order has already been claimed."))
    if provider.status != Provider.Status.CERTIFIED:
        raise InvalidTransition(_("Only a certified provider can claim a redemption."))
    if order.related_party:
        raise InvalidTransition(related_party_refusal(provider), code="related_party")
    missing = paperwork_missing(order)
    # The rules are read only when something is missing: a complete order costs no query.
    if missing and voucher_requires_paperwork(voucher):
        raise InvalidTransition(
            _("Before a claim the order needs %(missing)s.") % {"missing": "; ".join(missing)},
            code="own_share_missing",
        )
    if voucher.status != Voucher.Status.ACTIVE:
        if voucher.status == Voucher.Status.EXHAUSTED:
            raise InsufficientBalance(_("The voucher has no balance left."))
        raise InvalidTransition(
            _("The voucher is %(status)s and cannot be spent.")
            % {"status": voucher.get_status_display().lower()},
            code="voucher_not_active",
        )
    if voucher.expires_at <= timezone.now():
        raise InvalidTransition(
            _("The voucher has expired and cannot be spent."), code="voucher_not_active"
        )
    cross_region = voucher.issuing_region_id != provider.region_id
    if cross_region and not voucher.cross_region:
        raise InvalidTransition(_("This voucher can only be spent in the district that issued it."))
    if not order_is_eligible(order):
        raise InvalidTransition(
            category_refusal(voucher, order_category_ids(order)),
            code="category_not_eligible",
        )
    if voucher.rules_ratio is None:  # no rules for the voucher's year: as before, an error
        ProgrammeRules.objects.get(region_id=voucher.issuing_region_id, year=voucher.year)
    # The rules' ratio only, read with the voucher (the rules row is not written here).
    rules = ProgrammeRules(co_funding_ratio=voucher.rules_ratio)
    cap = ratio_cap(order, rules)
    if amount > cap:
        raise ValidationFailed(
            _(
                "The voucher pays at most %(ratio)s of the contract amount: %(cap)s yuan "
                "for this order."
            )
            % {"ratio": f"{rules.co_funding_ratio:.0%}", "cap": f"{cap:,.2f}"},
            field="amount",
        )
    rest = contract_rest(order, order.own_share_confirmed_amount)
    if rest is not None and amount > rest:
        raise ValidationFailed(
            _(
                "The contract is %(contract)s yuan and the enterprise's own share %(own)s "
                "yuan: the voucher pays at most the rest, %(rest)s yuan."
            )
            % {
                "contract": f"{order.contract_amount:,.2f}",
                "own": f"{order.own_share_confirmed_amount:,.2f}",
                "rest": f"{rest:,.2f}",
            },
            field="amount",
        )
    if amount > voucher.balance:
        raise InsufficientBalance(
            _("The voucher's available balance is %(balance)s yuan.")
            % {"balance": f"{voucher.balance:,.2f}"},
            field="amount",
        )

    try:
        # No savepoint: a refused insert ends the whole claim, which rolls back as it leaves.
        redemption = Redemption.objects.create(
            service_order=order,
            voucher=voucher,
            provider=provider,
            issuing_region=voucher.issuing_region,
            provider_region=provider.region,
            cross_region=cross_region,
            amount=amount,
            claimed_by=actor,
        )
    except IntegrityError:
        raise AlreadyRedeemed(_("This service order has already been claimed.")) from None
    # A new claim is in no settlement batch: known without asking the database.
    Redemption._meta.get_field("settlement_item").set_cached_value(redemption, None)

    voucher.balance -= amount
    voucher.held += amount
    fields = ["balance", "held"]
    if voucher.balance == 0:
        from_status = check_transition(voucher, Voucher.Status.EXHAUSTED)
        voucher.status = Voucher.Status.EXHAUSTED
        fields.append("status")
        audit_record(
            actor=actor,
            obj=voucher,
            action=AuditEntry.Action.EXHAUST,
            from_status=from_status,
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
    # The district's officials hear of it in the next claim notice (claim_notices.py).
    return redemption


def _locked_for_decision(redemption_id: int, actor: User, to_status: str):
    """Lock rules, voucher and redemption in the one order, after the scope check; then
    check on the locked redemption that it may become `to_status`."""
    if not actor.is_official:
        raise NotAllowed(_("Only a district official decides on redemptions."))
    row = (
        Redemption.objects.filter(pk=redemption_id, issuing_region_id=actor.region_id)
        .values("voucher_id", "voucher__issuing_region_id", "voucher__year")
        .first()
    )
    if row is None:
        # As the list's own 404 for a redemption out of sight: the provider's district sees
        # the claim, yet a message of its own here would tell others that it exists.
        raise Http404
    rules = programme_rules(row["voucher__issuing_region_id"], row["voucher__year"], lock=True)
    voucher = Voucher.objects.select_for_update().get(pk=row["voucher_id"])
    redemption = Redemption.objects.select_for_update().get(pk=redemption_id)
    from_status = check_transition(redemption, to_status)
    return rules, voucher, redemption, from_status


@transaction.atomic(durable=True)
def redemption_approve(*, redemption_id: int, actor: User, note: str = "") -> Redemption:
    """The issuing district's official approves: the hold is spent and the ledger posts it.

    At or above the voucher's `four_eyes_threshold` the first official's approval is only
    recorded and the redemption stays pending for a second official (four_eyes.py)."""
    rules, voucher, redemption, from_status = _locked_for_decision(
        redemption_id, actor, Redemption.Status.APPROVED
    )
    flags = list(open_risk_flags(redemption.service_order))
    if flags:
        raise InvalidTransition(
            _(
                "Order #%(order)s has open risk flags (%(flags)s): an official must clear them "
                "in the risk queue before this redemption can be approved."
            )
            % {"order": redemption.service_order_id, "flags": risk_flags_named(flags)},
            code="risk_flag_open",
        )
    if is_related_party(enterprise_id=voucher.enterprise_id, provider_id=redemption.provider_id):
        raise InvalidTransition(
            related_party_refusal(redemption.provider)
            + " "
            + _("Reject the redemption: its hold goes back to the voucher."),
            code="related_party",
        )
    amount = redemption.amount
    voucher_rules = rules_of_voucher(voucher)
    if first_approval_recorded(
        row=redemption,
        actor=actor,
        amount=amount,
        threshold=voucher_rules.four_eyes_threshold if voucher_rules else None,
        note=note,
    ):
        return redemption
    now = timezone.now()
    voucher.held -= amount
    voucher.redeemed += amount
    voucher.save(update_fields=["held", "redeemed"])
    rules.redeemed += amount
    rules.save(update_fields=["redeemed"])
    redemption.status = Redemption.Status.APPROVED
    redemption.decided_at = now
    redemption.decided_by = actor
    redemption.decision_note = shown_text(note, field="note")
    redemption.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    flow_summary_record(redemption=redemption)  # the dashboards' monthly pair totals
    enterprise_summary_record(redemption=redemption)  # the statistics' monthly summary
    statistics_changed()  # and the open statistics

    issuing, providing = redemption.issuing_region_id, redemption.provider_region_id
    if redemption.cross_region:
        fund, owed_out, owed_in, payable = ledger.accounts(
            ledger.fund(issuing),
            ledger.clearing(issuing, providing),
            ledger.clearing(providing, issuing),
            ledger.payable(redemption.provider),
        )
        lines = [
            (fund, amount, 0),
            (owed_out, 0, amount),
            (owed_in, amount, 0),
            (payable, 0, amount),
        ]
    else:
        fund, payable = ledger.accounts(ledger.fund(issuing), ledger.payable(redemption.provider))
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
        from_status=from_status,
        to_status=Redemption.Status.APPROVED,
        reason=redemption.decision_note,
        data={"amount": str(amount)},
    )
    notify_after_commit(
        recipients=provider_emails(redemption.provider_id),
        kind=NotificationPreference.Kind.REDEMPTION_DECISIONS,
        email="vouchers/redemption_approved",
        context=lambda: {
            "id": redemption.pk,
            "amount": f"{amount:,.2f}",  # as the pages print it: ¥150,000.00
            "serial": voucher.serial,
            "url": portal_url("redemption-detail", redemption.pk),
        },
    )
    if redemption.cross_region:
        # The provider's district pays it: its officials are asked to, with the queue where
        # they record the transfer (they were sent the provider's "approved" e-mail).
        notify_after_commit(
            recipients=official_emails(redemption.provider_region_id),
            kind=NotificationPreference.Kind.REDEMPTION_DECISIONS,
            email="vouchers/redemption_to_pay",
            context=lambda: {
                "id": redemption.pk,
                "amount": f"¥{amount:,.2f}",
                "serial": voucher.serial,
                "provider": redemption.provider.display_name,
                "url": portal_url("payments-to-record"),
            },
        )
    return redemption


@transaction.atomic(durable=True)
def redemption_reject(*, redemption_id: int, actor: User, note: str) -> Redemption:
    """The issuing district's official rejects with a reason: the hold is released."""
    note = shown_text(note, field="note")
    if not note:
        raise ValidationFailed(_("Give the reason for the rejection."), field="note")
    rules, voucher, redemption, from_status = _locked_for_decision(
        redemption_id, actor, Redemption.Status.REJECTED
    )
    amount = redemption.amount
    voucher.held -= amount
    fields = ["held"]
    if voucher.status in (Voucher.Status.ACTIVE, Voucher.Status.EXHAUSTED):
        voucher.balance += amount
        fields.append("balance")
        if voucher.status == Voucher.Status.EXHAUSTED:
            reactivated_from = check_transition(voucher, Voucher.Status.ACTIVE)
            voucher.status = Voucher.Status.ACTIVE
            fields.append("status")
            audit_record(
                actor=actor,
                obj=voucher,
                action=AuditEntry.Action.REACTIVATE,
                from_status=reactivated_from,
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
    if voucher.status in (Voucher.Status.REVOKED, Voucher.Status.EXPIRED):
        # No claim can follow this one: its order's flags stop asking for a decision.
        risk_flags_clear_for_ended_voucher(
            voucher=voucher, actor=actor, order=redemption.service_order
        )
    audit_record(
        actor=actor,
        obj=redemption,
        action=AuditEntry.Action.REJECT,
        from_status=from_status,
        to_status=Redemption.Status.REJECTED,
        reason=note,
        data={"amount": str(amount), "released_to_budget": "released" in fields},
    )
    notify_after_commit(
        recipients=provider_emails(redemption.provider_id),
        kind=NotificationPreference.Kind.REDEMPTION_DECISIONS,
        email="vouchers/redemption_rejected",
        context=lambda: {
            "id": redemption.pk,
            "amount": f"{amount:,.2f}",
            "serial": voucher.serial,
            "note": note,
            "url": portal_url("redemption-detail", redemption.pk),
        },
    )
    return redemption
