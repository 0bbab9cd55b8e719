"""The life of a service order: an enterprise requests it, the provider accepts or declines
it and logs its completion with evidence, the enterprise confirms delivery or disputes it, and
either party may cancel it before it is completed (ServiceOrder.TRANSITIONS).

Lock order (CONVENTIONS.md): voucher -> service order.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.codes import normalise_credit_code
from portal.emails import render_email
from portal.errors import InvalidTransition, NotAllowed, ValidationFailed
from portal.files import EVIDENCE_KINDS, check_upload, sha256_of
from portal.links import portal_url
from portal.money import parse_money
from portal.notifications import notify_after_commit
from portal.states import check_transition
from providers import permissions
from providers.models import (
    EvidenceFile,
    InstrumentSlot,
    OrderRating,
    Provider,
    ServiceOffering,
    ServiceOrder,
)
from providers.selectors import provider_emails
from providers.services.inputs import required_reason, required_text, stored_name
from providers.services.risk import risk_check_order
from regions.models import AuditEntry, NotificationPreference, User
from regions.selectors import category_refusal, official_emails
from regions.services import audit_record
from vouchers.selectors import enterprise_emails


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


def _tell(order: ServiceOrder, name: str, *, to_enterprise: bool, extra=(), **context) -> None:
    """E-mail the enterprise side or the provider side of an order: `name` is the template
    under emails/providers/, `context` its words besides the order's id, title and link."""
    if to_enterprise:
        recipients = enterprise_emails(order.enterprise_id)
    else:
        recipients = provider_emails(order.provider_id)
    subject, body = render_email(
        f"providers/{name}",
        {
            "id": str(order.pk),
            "title": order.title,
            "url": portal_url("order-detail", order.pk),
            **context,
        },
    )
    notify_after_commit(
        recipients=[*recipients, *extra],
        subject=subject,
        body=body,
        kind=NotificationPreference.Kind.ORDER_UPDATES,
    )


def _free_instrument_hours(order: ServiceOrder) -> None:
    """An order that ends undelivered gives back the hours of the instrument it booked
    (providers/instruments.py); the booking stays as the order's record."""
    InstrumentSlot.objects.filter(booking__service_order_id=order.pk).delete()


def _provider_side(order: ServiceOrder, actor: User) -> None:
    if not permissions.is_order_provider(actor, order):
        raise NotAllowed(_("Only the provider of this order can do this."))


def _enterprise_side(order: ServiceOrder, actor: User) -> None:
    if not permissions.is_order_enterprise(actor, order):
        raise NotAllowed(_("Only the enterprise that placed this order can do this."))


@transaction.atomic(durable=True)
def order_create(
    *,
    actor: User,
    provider: Provider,
    voucher,
    title: str,
    contract_amount,
    description: str = "",
    offering: ServiceOffering | None = None,
) -> ServiceOrder:
    """An enterprise orders a service from a certified provider, to be paid with one of its
    active vouchers. The fraud rules (own credit code, declared related parties) and the
    voucher's cross-region rule are checked here, once, for the page and the API."""
    return order_create_within(
        actor=actor,
        provider=provider,
        voucher=voucher,
        title=title,
        contract_amount=contract_amount,
        description=description,
        offering=offering,
    )


def order_create_within(
    *,
    actor: User,
    provider: Provider,
    voucher,
    title: str,
    contract_amount,
    description: str = "",
    offering: ServiceOffering | None = None,
) -> ServiceOrder:
    """`order_create` inside a transaction the caller holds (accepting a proposal creates its
    order in the same transaction as the award, providers/services/demands.py)."""
    from vouchers.models import RelatedParty, Voucher

    if not (actor.is_authenticated and actor.is_enterprise and actor.enterprise_id):
        raise NotAllowed(_("Only an enterprise can order services."))
    if voucher.enterprise_id != actor.enterprise_id:
        raise NotAllowed(_("This voucher belongs to another enterprise."))
    title = required_text(title, field="title", message=_("Give the order a title."))
    amount = parse_money(contract_amount, field="contract_amount")
    voucher = (
        Voucher.objects.select_for_update(of=("self",))
        .select_related("enterprise", "issuing_region")
        .get(pk=voucher.pk)
    )
    provider = Provider.objects.select_related("region").get(pk=provider.pk)
    enterprise = voucher.enterprise
    if not provider.takes_orders:
        raise InvalidTransition(
            _("This provider is not certified (%(status)s) and takes no orders.")
            % {"status": provider.get_status_display().lower()},
            code="provider_not_certified",
            field="provider",
        )
    if voucher.status != Voucher.Status.ACTIVE or voucher.expires_at <= timezone.now():
        raise InvalidTransition(
            _("Voucher %(serial)s is not active and cannot pay for an order.")
            % {"serial": voucher.serial},
            code="voucher_not_active",
            field="voucher",
        )
    if normalise_credit_code(provider.credit_code) == normalise_credit_code(enterprise.credit_code):
        raise ValidationFailed(
            _(
                "An enterprise cannot pay itself with its voucher: the provider has its credit code."
            ),
            field="provider",
            code="own_provider",
        )
    if RelatedParty.objects.filter(
        enterprise_id=enterprise.pk, credit_code=normalise_credit_code(provider.credit_code)
    ).exists():
        raise ValidationFailed(
            _("%(name)s is a declared related party of your enterprise; vouchers cannot pay it.")
            % {"name": provider.display_name},
            field="provider",
            code="related_party",
        )
    if provider.region_id != voucher.issuing_region_id and not voucher.cross_region:
        raise ValidationFailed(
            _("Voucher %(serial)s can only be used with providers in %(region)s.")
            % {"serial": voucher.serial, "region": voucher.issuing_region.display_name},
            field="voucher",
            code="not_cross_region",
        )
    if offering is not None and (offering.provider_id != provider.pk or not offering.active):
        raise ValidationFailed(_("This service is not offered by this provider."), field="offering")
    # The voucher's rules snapshot may limit the categories it pays for.
    refusal = category_refusal(
        voucher,
        [offering.category_id]
        if offering is not None
        else provider.categories.values_list("pk", flat=True),
    )
    if refusal:
        raise InvalidTransition(refusal, code="category_not_eligible", field="offering")
    order = ServiceOrder.objects.create(
        enterprise=enterprise,
        provider=provider,
        voucher=voucher,
        offering=offering,
        title=title,
        description=(description or "").strip(),
        contract_amount=amount,
        status=ServiceOrder.Status.REQUESTED,
    )
    audit_record(
        actor=actor,
        obj=order,
        action=AuditEntry.Action.REQUEST,
        to_status=order.status,
        data={"voucher": voucher.serial, "contract_amount": str(amount)},
    )
    # Shared details and split contracts raise flags for the district, not refusals.
    risk_check_order(order)
    _tell(
        order,
        "order_requested",
        to_enterprise=False,
        enterprise=enterprise.display_name,
        amount=str(amount),
    )
    return order


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
    _move_order(order, ServiceOrder.Status.ACCEPTED, actor=actor, action=AuditEntry.Action.ACCEPT)
    order.accepted_at = timezone.now()
    order.save(update_fields=["status", "accepted_at"])
    _tell(order, "order_accepted", to_enterprise=True, provider=order.provider.display_name)
    return order


@transaction.atomic(durable=True)
def order_decline(*, order: ServiceOrder, reason: str, actor: User) -> ServiceOrder:
    _provider_side(order, actor)
    reason = required_reason(reason)
    order = _lock_order(order)
    _move_order(
        order,
        ServiceOrder.Status.DECLINED,
        actor=actor,
        action=AuditEntry.Action.DECLINE,
        reason=reason,
    )
    order.status_reason = reason
    order.save(update_fields=["status", "status_reason"])
    _free_instrument_hours(order)
    _tell(
        order,
        "order_declined",
        to_enterprise=True,
        provider=order.provider.display_name,
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
    for upload, kind in zip(evidence, kinds, strict=True):
        record = EvidenceFile(
            order=order,
            original_name=upload.name[:255],
            content_type=kind.content_type,
            size=upload.size,
            sha256=sha256_of(upload),
            uploaded_at=now,
            uploaded_by=actor,
        )
        record.file.save(stored_name(kind), upload, save=False)
        record.save()
    _move_order(
        order,
        ServiceOrder.Status.COMPLETED,
        actor=actor,
        action=AuditEntry.Action.COMPLETE,
        data={"evidence": [u.name for u in evidence]},
    )
    order.completion_summary = summary
    order.deliverables = (deliverables or "").strip()
    order.completed_at = now
    order.save(update_fields=["status", "completion_summary", "deliverables", "completed_at"])
    _tell(order, "order_completed", to_enterprise=True, provider=order.provider.display_name)
    return order


@transaction.atomic(durable=True)
def order_confirm(*, order: ServiceOrder, actor: User) -> ServiceOrder:
    """The enterprise confirms delivery; the provider may then claim the voucher."""
    _enterprise_side(order, actor)
    order = _lock_order(order)
    _move_order(order, ServiceOrder.Status.CONFIRMED, actor=actor, action=AuditEntry.Action.CONFIRM)
    order.confirmed_at = timezone.now()
    order.save(update_fields=["status", "confirmed_at"])
    _tell(order, "order_confirmed", to_enterprise=False, enterprise=order.enterprise.display_name)
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
        extra=official_emails(order.provider.region_id),
        enterprise=order.enterprise.display_name,
        reason=reason,
    )
    return order


@transaction.atomic(durable=True)
def order_cancel(*, order: ServiceOrder, actor: User, reason: str = "") -> ServiceOrder:
    """Either party may cancel before the service is completed."""
    by_enterprise = permissions.is_order_enterprise(actor, order)
    if not (by_enterprise or permissions.is_order_provider(actor, order)):
        raise NotAllowed(_("Only the two parties of an order can cancel it."))
    reason = (reason or "").strip()
    order = _lock_order(order)
    check_transition(order, ServiceOrder.Status.CANCELLED)
    if order.status not in permissions.PARTIES_MAY_CANCEL:
        raise InvalidTransition(
            _("A disputed order is cancelled only by the official who decides the dispute."),
            code="invalid_transition",
        )
    _move_order(
        order,
        ServiceOrder.Status.CANCELLED,
        actor=actor,
        action=AuditEntry.Action.CANCEL,
        reason=reason,
    )
    order.cancelled_at = timezone.now()
    order.status_reason = reason
    order.save(update_fields=["status", "cancelled_at", "status_reason"])
    _free_instrument_hours(order)
    _tell(
        order,
        "order_cancelled",
        to_enterprise=not by_enterprise,
        party=order.enterprise.display_name if by_enterprise else order.provider.display_name,
        reason=reason,
    )
    return order


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
            district=order.voucher.issuing_region.display_name,
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
    comment = (comment or "").strip()
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
