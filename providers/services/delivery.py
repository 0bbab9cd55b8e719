"""The life of a service order once it is requested (providers.services.orders): the
provider accepts or declines it and logs its completion with evidence, the enterprise confirms
delivery or disputes it and rates a confirmed service, either party may cancel it before it is
completed, and an official of the issuing district decides a dispute (ServiceOrder.TRANSITIONS).

Lock order (CONVENTIONS.md): voucher -> service order; these lock the service order alone.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from portal.errors import InvalidTransition, NotAllowed, ValidationFailed
from portal.files import EVIDENCE_KINDS, check_upload, original_name, sha256_of
from portal.links import portal_url
from portal.notifications import notify_after_commit
from portal.security import shown_text
from portal.states import check_transition
from providers import permissions
from providers.models import EvidenceFile, InstrumentSlot, OrderRating, RiskFlag, ServiceOrder
from providers.selectors.orders import booked_time_not_over, paperwork_missing
from providers.services.demands import demand_reopen_for_ended_order
from providers.services.inputs import required_reason, required_text, stored_name
from providers.services.orders import _tell
from providers.services.risk import risk_check_evidence
from regions.models import AuditEntry, NotificationPreference, User
from regions.selectors import official_emails
from regions.services import audit_record


def _lock_order(order: ServiceOrder) -> ServiceOrder:
    return (
        ServiceOrder.objects.select_for_update(of=("self",))
        .select_related("enterprise", "provider", "voucher")
        .get(pk=order.pk)
    )


def _move_order(order: ServiceOrder, to_status: str, *, actor: User, action, reason="", data=None):
    """Check the edge, set the status (the caller saves it with its other fields), audit."""
    from_status = check_transition(order, to_status)
    order.status = to_status
    audit_record(
        actor=actor,
        obj=order,
        action=action,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data,
    )


def _free_instrument_hours(order: ServiceOrder) -> None:
    """An order that ends undelivered gives back the hours of the instrument it booked
    (providers/instruments.py); the booking stays as the order's record."""
    InstrumentSlot.objects.filter(booking__service_order_id=order.pk).delete()


def _cancel(order: ServiceOrder, *, actor: User | None, reason: str, data=None) -> None:
    """Cancel a locked order not yet delivered."""
    _close_undelivered(
        order,
        ServiceOrder.Status.CANCELLED,
        actor=actor,
        action=AuditEntry.Action.CANCEL,
        reason=reason,
        data=data,
    )


def _close_undelivered(order: ServiceOrder, status, *, actor, action, reason: str, data=None):
    """End a locked order that will never be delivered nor paid (cancelled, declined):
    audited, saved with its reason, its instrument hours freed, its risk flags cleared."""
    _move_order(order, status, actor=actor, action=action, reason=reason, data=data)
    order.status_reason = reason
    fields = ["status", "status_reason"]
    if status == ServiceOrder.Status.CANCELLED:
        order.cancelled_at = timezone.now()
        fields.append("cancelled_at")
    order.save(update_fields=fields)
    _free_instrument_hours(order)
    _clear_flags_of_closed_order(order, actor, reason)
    demand_reopen_for_ended_order(order, actor=actor, reason=reason)


def _clear_flags_of_closed_order(order: ServiceOrder, actor: User | None, reason: str) -> None:
    """An order cancelled or declined will never be paid: its open risk flags stop asking an
    official for a decision, cleared by whoever closed it (the closing is in the audit
    trail); by no one when the nightly expiry closed it, which the queue shows as the
    portal."""
    RiskFlag.objects.filter(service_order=order, cleared_at__isnull=True).update(
        cleared_at=timezone.now(),
        cleared_by=actor,
        clear_reason=_("The order was closed without payment: %(reason)s") % {"reason": reason},
    )


def _provider_side(order: ServiceOrder, actor: User) -> None:
    if not permissions.is_order_provider(actor, order):
        raise NotAllowed(_("Only the provider of this order can do this."))


def _enterprise_side(order: ServiceOrder, actor: User) -> None:
    if not permissions.is_order_enterprise(actor, order):
        raise NotAllowed(_("Only the enterprise that placed this order can do this."))


@transaction.atomic(durable=True)
def order_accept(*, order: ServiceOrder, actor: User) -> ServiceOrder:
    _provider_side(order, actor)
    order = _lock_order(order)
    check_transition(order, ServiceOrder.Status.ACCEPTED)  # a closed order says so first
    if order.status != ServiceOrder.Status.REQUESTED:
        # A disputed order goes back to "accepted" only by the official's decision.
        raise InvalidTransition(
            _("Only a requested order can be accepted."), code="invalid_transition"
        )
    if not order.provider.takes_orders:
        raise InvalidTransition(
            _("A provider that is not certified cannot accept orders."),
            code="provider_not_certified",
        )
    if order.voucher.ended:
        raise InvalidTransition(
            _(
                "Voucher %(serial)s is %(status)s: it pays for no more work, so the order cannot be accepted."
            )
            % {"serial": order.voucher.serial, "status": _voucher_state(order.voucher)},
            code="voucher_not_active",
        )
    voucher = order.voucher
    if voucher.status == voucher.Status.EXHAUSTED and not voucher.held:
        # Spent to the last yuan with no claim pending whose rejection could give some back:
        # the work accepted now could never be claimed.
        raise InvalidTransition(
            _(
                "Voucher %(serial)s is used up, with no claim pending on it: nothing is left "
                "to pay for this order, so it cannot be accepted."
            )
            % {"serial": voucher.serial},
            code="voucher_used_up",
        )
    _move_order(order, ServiceOrder.Status.ACCEPTED, actor=actor, action=AuditEntry.Action.ACCEPT)
    order.accepted_at = timezone.now()
    order.save(update_fields=["status", "accepted_at"])
    _tell(order, "order_accepted", to_enterprise=True, provider=lambda: order.provider.display_name)
    return order


@transaction.atomic(durable=True)
def order_decline(*, order: ServiceOrder, reason: str, actor: User) -> ServiceOrder:
    _provider_side(order, actor)
    reason = required_reason(reason)
    order = _lock_order(order)
    _close_undelivered(
        order,
        ServiceOrder.Status.DECLINED,
        actor=actor,
        action=AuditEntry.Action.DECLINE,
        reason=reason,
    )
    _tell(
        order,
        "order_declined",
        to_enterprise=True,
        provider=lambda: order.provider.display_name,
        reason=reason,
    )
    return order


@transaction.atomic(durable=True)
def order_complete(
    *,
    order: ServiceOrder,
    summary: str,
    evidence: list,
    actor: User,
    deliverables: str = "",
) -> ServiceOrder:
    """The provider logs the finished service: what was delivered and at least one evidence
    file. Every file is checked before any is stored. A disputed order comes back here."""
    _provider_side(order, actor)
    order = _lock_order(order)
    check_transition(order, ServiceOrder.Status.COMPLETED)  # before the files are read
    not_over = booked_time_not_over(order)
    if not_over:
        raise InvalidTransition(not_over, code="booking_not_over")
    summary = required_text(
        summary, field="summary", message=_("Summarise the service you delivered.")
    )
    evidence = [f for f in (evidence or []) if f is not None]
    if not evidence:
        raise ValidationFailed(
            _("Attach at least one evidence file (report, photos, test results)."),
            field="evidence",
            code="required",
        )
    kinds = [check_upload(f, allowed=EVIDENCE_KINDS, field="evidence") for f in evidence]
    now = timezone.now()
    digests = []
    for upload, kind in zip(evidence, kinds, strict=True):
        record = EvidenceFile(
            order=order,
            original_name=original_name(upload),
            content_type=kind.content_type,
            size=upload.size,
            sha256=sha256_of(upload),
            uploaded_at=now,
            uploaded_by=actor,
        )
        record.file.save(stored_name(kind), upload, save=False)
        record.save()
        digests.append(record.sha256)
    risk_check_evidence(order, digests=digests, actor=actor)
    answers_dispute = order.status == ServiceOrder.Status.DISPUTED
    # The summary in the history too: a delivery logged again after a dispute replaces the
    # order's summary, and the disputed one was then nowhere.
    _move_order(
        order,
        ServiceOrder.Status.COMPLETED,
        actor=actor,
        action=AuditEntry.Action.COMPLETE,
        reason=summary,
        data={"evidence": [u.name for u in evidence]},
    )
    order.completion_summary = summary
    order.deliverables = shown_text(deliverables, field="deliverables")
    order.completed_at = now
    order.save(update_fields=["status", "completion_summary", "deliverables", "completed_at"])
    _tell(
        order,
        "order_completed",
        to_enterprise=True,
        provider=lambda: order.provider.display_name,
        dispute=order.dispute_reason if answers_dispute else "",
    )
    if answers_dispute:
        # The officials told of the dispute hear that the provider answered it.
        notify_after_commit(
            recipients=_dispute_officials(order),
            kind=NotificationPreference.Kind.ORDER_UPDATES,
            email="providers/order_dispute_answered",
            context=lambda: {
                "id": str(order.pk),
                "title": order.title,
                "provider": order.provider.display_name,
                "url": portal_url("order-detail", order.pk),
            },
        )
    return order


def _dispute_officials(order: ServiceOrder) -> list[str]:
    """Who hears of a dispute besides the parties: the officials who decide it, the voucher's
    issuing district's (its money is at stake, permissions.can_resolve_dispute), and the
    provider's, who watch."""
    return sorted(
        set(official_emails(order.voucher.issuing_region_id))
        | set(official_emails(order.provider.region_id))
    )


@transaction.atomic(durable=True)
def order_confirm(*, order: ServiceOrder, actor: User) -> ServiceOrder:
    """The enterprise confirms delivery; the provider may then claim the voucher."""
    _enterprise_side(order, actor)
    order = _lock_order(order)
    _move_order(order, ServiceOrder.Status.CONFIRMED, actor=actor, action=AuditEntry.Action.CONFIRM)
    order.confirmed_at = timezone.now()
    order.save(update_fields=["status", "confirmed_at"])
    # The provider was told "You can now claim the voucher" while its contract, invoice or
    # the enterprise's own share were missing, and the claim was then refused.
    _tell(
        order,
        "order_confirmed",
        to_enterprise=False,
        enterprise=lambda: order.enterprise.display_name,
        missing=lambda: pgettext("list separator", ", ").join(paperwork_missing(order)),
    )
    return order


@transaction.atomic(durable=True)
def order_dispute(*, order: ServiceOrder, reason: str, actor: User) -> ServiceOrder:
    _enterprise_side(order, actor)
    reason = required_reason(reason)
    order = _lock_order(order)
    _move_order(
        order,
        ServiceOrder.Status.DISPUTED,
        actor=actor,
        action=AuditEntry.Action.DISPUTE,
        reason=reason,
    )
    order.dispute_reason = reason
    order.save(update_fields=["status", "dispute_reason"])
    _tell(
        order,
        "order_disputed",
        to_enterprise=False,
        # Only the provider's officials, who watch, were told; the deciding ones were not.
        extra=_dispute_officials(order),
        enterprise=lambda: order.enterprise.display_name,
        reason=reason,
    )
    return order


@transaction.atomic(durable=True)
def order_cancel(*, order: ServiceOrder, actor: User, reason: str = "") -> ServiceOrder:
    """Either party may cancel before the service is completed; the provider says why (the
    enterprise counted on the service it had taken), the enterprise may."""
    by_enterprise = permissions.is_order_enterprise(actor, order)
    if not (by_enterprise or permissions.is_order_provider(actor, order)):
        raise NotAllowed(_("Only the two parties of an order can cancel it."))
    reason = shown_text(reason, field="reason") if by_enterprise else required_reason(reason)
    order = _lock_order(order)
    check_transition(order, ServiceOrder.Status.CANCELLED)
    if order.status not in permissions.PARTIES_MAY_CANCEL:
        raise InvalidTransition(
            _("A disputed order is cancelled only by the official who decides the dispute."),
            code="invalid_transition",
        )
    _cancel(order, actor=actor, reason=reason)
    _tell(
        order,
        "order_cancelled",
        to_enterprise=not by_enterprise,
        party=lambda: (order.enterprise if by_enterprise else order.provider).display_name,
        reason=reason,
    )
    return order


def _voucher_state(voucher) -> str:
    if voucher.status in voucher.ENDED_STATUSES:
        return voucher.get_status_display().lower()
    return _("past its expiry")


def _cancel_undelivered_orders(
    orders, *, actor: User | None, reason: str, data: dict, email: str, **context
) -> int:
    """Cancel `orders` (a queryset) not yet delivered, locked here in id order, with
    `reason`, and tell both parties with `email` (its words in `context`). Returns how many."""
    locked = list(
        orders.select_for_update(of=("self",))
        .select_related("enterprise", "provider")
        .filter(status__in=permissions.PARTIES_MAY_CANCEL)
        .order_by("pk")
    )
    for order in locked:
        _cancel(order, actor=actor, reason=reason, data=data)
        for to_enterprise in (True, False):
            _tell(order, email, to_enterprise=to_enterprise, reason=reason, **context)
    return len(locked)


def orders_cancel_for_ended_voucher(*, voucher, actor: User | None, reason: str) -> int:
    """A revoked or expired voucher pays for no more work: its orders not yet delivered
    (requested or accepted) are cancelled with `reason`, and both parties told, so that no
    provider goes on working for a voucher that can no longer pay. The caller has locked the
    voucher (lock order: voucher, then its orders). Completed and confirmed orders stay: the
    work was done, and a claim on them is refused with the voucher's state. Returns how many."""
    cancelled = _cancel_undelivered_orders(
        ServiceOrder.objects.filter(voucher_id=voucher.pk),
        actor=actor,
        reason=reason,
        data={"voucher": voucher.serial, "voucher_status": voucher.status},
        email=f"order_voucher_{voucher.status}",
        serial=voucher.serial,
    )
    risk_flags_clear_for_ended_voucher(voucher=voucher, actor=actor)
    return cancelled


def risk_flags_clear_for_ended_voucher(*, voucher, actor: User | None, order=None) -> int:
    """The open risk flags of a revoked or expired voucher's orders (or of `order` alone)
    that no claim waits on: nothing can be claimed on that voucher any more, and a rejected
    claim's flag stayed on the officials' to-do list, its page asking to clear it before an
    approval that could never come. A flag of a claim still pending stays: that claim is
    still decided. Returns how many."""
    flags = RiskFlag.objects.filter(
        service_order__voucher_id=voucher.pk, cleared_at__isnull=True
    ).exclude(service_order__redemptions__status="pending")
    if order is not None:
        flags = flags.filter(service_order=order)
    return flags.update(
        cleared_at=timezone.now(),
        cleared_by=actor,
        # In English, as every reason the portal writes (regions.services.SYSTEM_REASONS).
        clear_reason=f"The voucher is {voucher.status}: nothing more can be claimed on it.",
    )


def orders_cancel_for_revoked_provider(*, provider, actor: User, reason: str) -> int:
    """A revoked provider does no more voucher work: its orders not yet delivered
    (requested or accepted), whichever district's vouchers pay them, are cancelled with the
    district's reason and both parties told, as a revoked voucher's are: the enterprise was
    left waiting for a provider that could never be paid, or paying its own share for work
    whose claim would be refused. Delivered orders stay (the work was done; their claims are
    decided on their own). The caller has locked the provider. Returns how many."""
    return _cancel_undelivered_orders(
        ServiceOrder.objects.filter(provider_id=provider.pk),
        actor=actor,
        reason=reason,
        data={"provider_status": provider.status},
        email="order_provider_revoked",
        provider=lambda: provider.display_name,  # in each reader's language
    )


def orders_cancel_for_related_party(*, enterprise_id: int, provider, actor: User) -> int:
    """Once an enterprise and a provider are recorded as related parties, the enterprise's
    orders with it not yet delivered (requested or accepted) are cancelled and both parties
    told: the provider worked on, and the enterprise confirmed, orders whose claim could only
    be refused. Delivered orders stay (their claims are refused with the reason). Returns how
    many."""
    return _cancel_undelivered_orders(
        ServiceOrder.objects.filter(enterprise_id=enterprise_id, provider_id=provider.pk),
        actor=actor,
        reason=_("The enterprise and the provider are recorded as related parties."),
        data={"related_party": True},
        email="order_related_party",
        provider=lambda: provider.display_name,  # in each reader's language
    )


class DisputeDecision:
    UPHOLD = "uphold"  # the enterprise is right: the provider completes the service again
    CANCEL = "cancel"  # the order ends; nothing was claimed on it, so no money moves

    CHOICES = (UPHOLD, CANCEL)


@transaction.atomic(durable=True)
def order_resolve_dispute(
    *, order: ServiceOrder, decision: str, reason: str, actor: User
) -> ServiceOrder:
    """The official of the issuing district decides a disputed order, with a reason; both
    parties are told. A claim needs a confirmed order, so a disputed one holds no money:
    cancelling it releases nothing but the order itself."""
    if decision not in DisputeDecision.CHOICES:
        raise ValidationFailed(
            _("Decide the dispute with “uphold” or “cancel”."), field="decision", code="invalid"
        )
    order = _lock_order(order)
    if not permissions.is_district_official(actor, order.voucher.issuing_region_id):
        raise NotAllowed(_("Only an official of the district that issued the voucher can decide."))
    reason = required_reason(reason)
    if order.status != ServiceOrder.Status.DISPUTED:
        raise InvalidTransition(_("Only a disputed order can be decided."), code="not_disputed")
    to_status = (
        ServiceOrder.Status.ACCEPTED
        if decision == DisputeDecision.UPHOLD
        else ServiceOrder.Status.CANCELLED
    )
    _move_order(
        order,
        to_status,
        actor=actor,
        action=AuditEntry.Action.RESOLVE_DISPUTE,
        reason=reason,
        data={"decision": decision},
    )
    order.status_reason = reason
    fields = ["status", "status_reason"]
    if to_status == ServiceOrder.Status.CANCELLED:
        order.cancelled_at = timezone.now()
        fields.append("cancelled_at")
        _free_instrument_hours(order)
    order.save(update_fields=fields)
    for to_enterprise in (True, False):
        _tell(
            order,
            f"order_dispute_{decision}",
            to_enterprise=to_enterprise,
            district=lambda: order.voucher.issuing_region.display_name,
            reason=reason,
        )
    return order


RATING_COMMENT_MAX = 2000


@transaction.atomic(durable=True)
def order_rate(*, order: ServiceOrder, score, comment: str = "", actor: User) -> OrderRating:
    """The enterprise rates the service it confirmed, once."""
    _enterprise_side(order, actor)
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if isinstance(score, bool) or not 1 <= score <= 5:
        raise ValidationFailed(_("Rate from 1 to 5."), field="score", code="invalid")
    comment = shown_text(comment, field="comment")
    if len(comment) > RATING_COMMENT_MAX:
        raise ValidationFailed(
            _("At most %(limit)s characters.") % {"limit": RATING_COMMENT_MAX},
            field="comment",
            code="max_length",
        )
    order = _lock_order(order)
    if order.status != ServiceOrder.Status.CONFIRMED:
        raise InvalidTransition(
            _("Rate the service once you have confirmed its delivery."), code="not_confirmed"
        )
    if OrderRating.objects.filter(order=order).exists():
        raise InvalidTransition(_("You rated this service already."), code="already_rated")
    rating = OrderRating.objects.create(order=order, score=score, comment=comment, rated_by=actor)
    audit_record(actor=actor, obj=order, action=AuditEntry.Action.RATE, data={"score": score})
    return rating
