"""Proposals: a certified provider answers a demand with an approach, a price, a duration
and the expert who leads it, or withdraws; the enterprise accepts one proposal, which creates
the service order (through the order service, so its fraud and cross-region rules apply),
resolves the demand and declines the others.

Lock order: demand -> its proposals -> then the order service's own (voucher -> service order).
Nothing else locks a demand, so the order service's order is kept.
"""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import InvalidTransition, NotAllowed, ValidationFailed
from portal.files import EVIDENCE_KINDS, check_upload, original_name
from portal.money import parse_money
from portal.states import check_transition
from providers import permissions
from providers.models import (
    Demand,
    Expert,
    Proposal,
    ProposalAttachment,
    Provider,
    ServiceOrder,
)
from providers.services.demands import (
    check_open,
    check_owner,
    decline_live_proposals,
    lock_demand,
    mark_closed,
    programme_today,
    tell_enterprise,
)
from providers.services.inputs import required_text, stored_name
from providers.services.orders import order_create_within
from regions.models import AuditEntry, User
from regions.services import audit_record

MAX_ATTACHMENTS = 10
MAX_DURATION_DAYS = 3650


def advising_expert_with_stake(demand: Demand, *, provider, expert=None):
    """An expert assigned to advise the district on `demand` who works with `provider` or
    would lead the proposal, or None."""
    stake = Q(provider=provider)
    if expert is not None:
        stake |= Q(pk=expert.pk)
    return Expert.objects.filter(stake, assignments__demand=demand).first()


@transaction.atomic(durable=True)
def proposal_submit(
    *,
    demand: Demand,
    actor: User,
    approach: str,
    price,
    duration_days,
    expert: Expert | None = None,
    attachments=(),
) -> Proposal:
    """A certified provider that may see the demand answers it: approach, price, duration,
    the expert who leads it, and optional attachments checked like order evidence."""
    if not (actor.is_authenticated and actor.is_provider and actor.provider_id):
        raise NotAllowed(_("Only a provider can propose."))
    provider = Provider.objects.get(pk=actor.provider_id)
    if not provider.takes_orders:
        raise NotAllowed(_("Only certified providers can propose."), code="provider_not_certified")
    demand = lock_demand(demand)
    if not permissions.can_see_demand(actor, demand):
        raise NotAllowed(_("This demand is open only to the providers it invites."))
    check_open(demand)
    if demand.deadline < programme_today():
        raise InvalidTransition(_("The demand's deadline has passed."), code="demand_not_open")
    approach = required_text(approach, field="approach", message=_("Describe your approach."))
    amount = parse_money(price, field="price")
    try:
        days = int(duration_days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_DURATION_DAYS:
        raise ValidationFailed(
            _("Give the duration in days, from 1 to %(max)s.") % {"max": MAX_DURATION_DAYS},
            field="duration_days",
        )
    if expert is not None and (
        not expert.active or (expert.provider_id and expert.provider_id != provider.pk)
    ):
        raise ValidationFailed(
            _("This expert cannot lead your proposal."), field="expert", code="expert_unavailable"
        )
    adviser = advising_expert_with_stake(demand, provider=provider, expert=expert)
    if adviser is not None:
        raise InvalidTransition(
            _(
                "%(expert)s advises the district on this demand and works with you (or would "
                "lead this proposal): a provider whose expert advises on a demand cannot "
                "propose for it."
            )
            % {"expert": adviser.display_name},
            code="conflict_of_interest",
        )
    attachments = list(attachments or [])
    if len(attachments) > MAX_ATTACHMENTS:
        raise ValidationFailed(
            _("Attach at most %(max)s files.") % {"max": MAX_ATTACHMENTS}, field="attachments"
        )
    kinds = [check_upload(f, allowed=EVIDENCE_KINDS, field="attachments") for f in attachments]
    if (
        Proposal.objects.filter(demand=demand, provider=provider)
        .exclude(status__in=Proposal.ENDED_STATUSES)
        .exists()
    ):
        raise InvalidTransition(
            _("You have already proposed for this demand; withdraw it to propose again."),
            code="already_proposed",
        )
    proposal = Proposal.objects.create(
        demand=demand,
        provider=provider,
        approach=approach,
        price=amount,
        duration_days=days,
        expert=expert,
    )
    now = timezone.now()
    for upload, kind in zip(attachments, kinds, strict=True):
        record = ProposalAttachment(
            proposal=proposal,
            original_name=original_name(upload),
            content_type=kind.content_type,
            size=upload.size,
            uploaded_at=now,
        )
        record.file.save(stored_name(kind), upload, save=False)
        record.save()
    audit_record(
        actor=actor,
        obj=proposal,
        action=AuditEntry.Action.SUBMIT,
        to_status=proposal.status,
        data={
            "demand": demand.pk,
            "price": str(amount),
            "duration_days": days,
            "expert": expert.pk if expert else None,
            "attachments": len(attachments),
        },
    )
    tell_enterprise(
        demand, "proposal_received", provider=provider.display_name, price=f"{amount:,.2f}"
    )
    return proposal


def _lock_proposal(proposal: Proposal) -> Proposal:
    return (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("provider", "demand")
        .get(pk=proposal.pk)
    )


@transaction.atomic(durable=True)
def proposal_withdraw(*, proposal: Proposal, actor: User) -> Proposal:
    if not permissions.is_proposal_provider(actor, proposal):
        raise NotAllowed(_("Only the provider that proposed can withdraw it."))
    lock_demand(proposal.demand)
    proposal = _lock_proposal(proposal)
    from_status = check_transition(proposal, Proposal.Status.WITHDRAWN)
    proposal.status = Proposal.Status.WITHDRAWN
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "decided_at"])
    audit_record(
        actor=actor,
        obj=proposal,
        action=AuditEntry.Action.WITHDRAW,
        from_status=from_status,
        to_status=proposal.status,
    )
    return proposal


def _paying_voucher(actor: User, provider: Provider):
    """The enterprise's active voucher that can pay this provider, the one expiring first."""
    from django.db.models import Q

    from vouchers.models import Voucher

    return (
        Voucher.objects.filter(
            enterprise_id=actor.enterprise_id,
            status=Voucher.Status.ACTIVE,
            expires_at__gt=timezone.now(),
        )
        .filter(Q(cross_region=True) | Q(issuing_region_id=provider.region_id))
        .order_by("expires_at", "id")
        .first()
    )


@transaction.atomic(durable=True)
def proposal_accept(*, proposal: Proposal, actor: User, voucher=None) -> ServiceOrder:
    """The demand's enterprise accepts a proposal: a service order is created from it
    (provider, title, contract amount = the proposed price) and paid with `voucher` or, if none
    is named, the enterprise's active voucher that can pay this provider; the demand is
    awarded and the other proposals declined, their providers told. The order service's
    refusals (own credit code, related party, cross-region) undo the whole acceptance."""
    demand = proposal.demand
    check_owner(demand, actor)
    demand = lock_demand(demand)
    proposal = _lock_proposal(proposal)
    if demand.status == Demand.Status.AWARDED and proposal.status != Proposal.Status.ACCEPTED:
        # Back and "Accept" on another proposal: say which one was accepted, rather than
        # that this one is declined and cannot become accepted.
        accepted = (
            Proposal.objects.filter(demand=demand, status=Proposal.Status.ACCEPTED)
            .select_related("provider")
            .order_by("-decided_at", "-id")  # an earlier one's order may have ended since
            .first()
        )
        if accepted is not None:
            raise InvalidTransition(
                _("You have already accepted the proposal of %(provider)s for this demand.")
                % {"provider": accepted.provider.display_name},
                code="demand_awarded",
            )
    if proposal.status != Proposal.Status.SUBMITTED:
        check_transition(proposal, Proposal.Status.ACCEPTED)
    check_open(demand)
    if voucher is None:
        voucher = _paying_voucher(actor, proposal.provider)
        if voucher is None:
            raise InvalidTransition(
                _(
                    "You need an active voucher that can pay this provider before you accept "
                    "its proposal."
                ),
                code="no_voucher",
                field="voucher",
            )
    order = order_create_within(
        actor=actor,
        provider=proposal.provider,
        voucher=voucher,
        title=demand.title,
        contract_amount=proposal.price,
        description=proposal.approach,
    )
    if demand.technology_manager_id:
        order.technology_manager_id = demand.technology_manager_id
        order.save(update_fields=["technology_manager"])
    from_status = check_transition(proposal, Proposal.Status.ACCEPTED)
    proposal.status = Proposal.Status.ACCEPTED
    proposal.decided_at = timezone.now()
    proposal.service_order = order
    proposal.save(update_fields=["status", "decided_at", "service_order"])
    audit_record(
        actor=actor,
        obj=proposal,
        action=AuditEntry.Action.ACCEPT,
        from_status=from_status,
        to_status=proposal.status,
        data={"service_order": order.pk, "price": str(proposal.price)},
    )
    mark_closed(
        demand,
        to_status=Demand.Status.AWARDED,
        actor=actor,
        action=AuditEntry.Action.ACCEPT,
        reason="",
    )
    decline_live_proposals(
        demand, actor=actor, reason=_("The enterprise accepted another proposal.")
    )
    return order
