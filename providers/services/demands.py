"""Technology demands: an enterprise publishes, edits or closes a demand; a demand past its
deadline closes itself (demands_close_expired). The proposals that answer a demand are in
providers.services.proposals, which uses the helpers here (lock, checks, notices, closing)
under the same lock order.

Lock order: demand -> its proposals -> then the order service's own (voucher -> service order).
Nothing else locks a demand, so the order service's order is kept.
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.edits import check_not_edited_meanwhile
from portal.errors import InvalidTransition, NotAllowed, ValidationFailed
from portal.links import portal_url
from portal.money import parse_money
from portal.notifications import notify_after_commit
from portal.security import shown_text
from portal.states import check_transition
from providers import permissions
from providers.models import (
    Demand,
    Proposal,
    Provider,
    ServiceCategory,
)
from providers.search import search_terms
from providers.selectors import provider_emails
from providers.services.inputs import required_text, text_within
from regions.models import AuditEntry, User
from regions.services import audit_record
from regions.statistics import statistics_changed
from vouchers.selectors import enterprise_emails


def programme_today() -> datetime.date:
    """Today in the programme's time zone (the API renders times in UTC, so it overrides the
    current zone; deadlines are dates in China)."""
    return timezone.localdate(timezone=ZoneInfo(settings.TIME_ZONE))


def tell_provider(proposal_or_provider_id, demand: Demand, name: str, **context) -> None:
    notify_after_commit(
        recipients=provider_emails(proposal_or_provider_id),
        email=f"providers/{name}",
        context=lambda: {
            "id": str(demand.pk),
            "title": demand.title,
            "url": portal_url("demand-detail", demand.pk),
            **context,
        },
    )


def tell_enterprise(demand: Demand, name: str, **context) -> None:
    notify_after_commit(
        recipients=enterprise_emails(demand.enterprise_id),
        email=f"providers/{name}",
        context=lambda: {
            "id": str(demand.pk),
            "title": demand.title,
            "url": portal_url("demand-detail", demand.pk),
            **context,
        },
    )


def _clean_demand(values: dict) -> dict:
    """The demand's fields as the service stores them; refusals name the field."""
    title = required_text(values.get("title"), field="title", message=_("Give the demand a title."))
    if len(title) > 200:
        raise ValidationFailed(_("The title is at most 200 characters."), field="title")
    description = text_within(
        required_text(
            values.get("description"),
            field="description",
            message=_("Describe the technical problem."),
        ),
        limit=Demand.DESCRIPTION_MAX_LENGTH,
        field="description",
    )
    category = values.get("category")
    if not isinstance(category, ServiceCategory):
        raise ValidationFailed(_("Choose a service category."), field="category", code="required")
    budget_min = parse_money(values.get("budget_min"), field="budget_min", allow_zero=True)
    budget_max = parse_money(values.get("budget_max"), field="budget_max")
    deadline = values.get("deadline")
    if not isinstance(deadline, datetime.date):
        raise ValidationFailed(_("Give a deadline."), field="deadline", code="required")
    for field, problem in (
        ("budget_min", budget_range_problem(budget_min, budget_max)),
        ("deadline", deadline_problem(deadline)),
    ):
        if problem is not None:
            raise ValidationFailed(problem[0], field=field, code=problem[1])
    visibility = values.get("visibility") or Demand.Visibility.PUBLIC
    if visibility not in Demand.Visibility.values:
        raise ValidationFailed(_("Choose who may see the demand."), field="visibility")
    return {
        "title": title,
        "description": description,
        "category": category,
        "budget_min": budget_min,
        "budget_max": budget_max,
        "deadline": deadline,
        "visibility": visibility,
    }


def budget_range_problem(budget_min, budget_max) -> tuple[str, str] | None:
    """(message, code) when the range is upside down. This and the next two are the service's
    checks across fields: it raises the first; the demand form shows them all beside the
    fields' own errors, so that a form sent back names every mistake at once (it named these
    only once the others were corrected)."""
    if budget_min > budget_max:
        return _("The lowest budget cannot be more than the highest."), "budget_range"
    return None


def deadline_problem(deadline) -> tuple[str, str] | None:
    today = programme_today()
    if deadline < today:
        return _("The deadline cannot be in the past."), "deadline_past"
    if deadline > today.replace(year=today.year + 10, day=min(today.day, 28)):
        return _("The deadline is at most ten years ahead."), "deadline_far"
    return None


def invited_problem(visibility: str, invited) -> tuple[str, str] | None:
    """(message, code) when the providers invited do not fit the visibility chosen."""
    if any(not provider.takes_orders for provider in invited):
        return _("Only certified providers can be invited."), "invalid"
    if visibility == Demand.Visibility.INVITED and not invited:
        return _("Invite at least one provider, or make the demand public."), "no_invited_providers"
    return None


def _clean_invited(visibility: str, invited) -> list[Provider]:
    invited = list(invited or [])
    problem = invited_problem(visibility, invited)
    if problem is not None:
        message, code = problem
        raise ValidationFailed(message, field="invited_providers", code=code)
    return invited


def check_owner(demand: Demand, actor: User) -> None:
    if not permissions.is_demand_owner(actor, demand):
        raise NotAllowed(_("Only the enterprise that published this demand can do this."))


def lock_demand(demand: Demand) -> Demand:
    return (
        Demand.objects.select_for_update(of=("self",))
        .select_related("enterprise", "category", "region")
        .get(pk=demand.pk)
    )


def check_open(demand: Demand) -> None:
    if demand.status != Demand.Status.OPEN:
        raise InvalidTransition(
            _("This demand is %(status)s.") % {"status": demand.get_status_display().lower()},
            code="demand_not_open",
        )


@transaction.atomic(durable=True)
def demand_publish(
    *, actor: User, invited_providers=(), technology_manager=None, **values
) -> Demand:
    """An enterprise publishes a technical demand: public, or shown only to the certified
    providers it invites (who are told)."""
    if not permissions.can_publish_demand(actor):
        raise NotAllowed(_("Only an enterprise can publish demands."))
    fields = _clean_demand(values)
    invited = _clean_invited(fields["visibility"], invited_providers)
    enterprise = actor.enterprise
    if enterprise.verified_at is None:
        # A demand is published under the programme's name, to every provider: anyone who
        # signed up could otherwise post a "call" as a company they are not.
        raise InvalidTransition(
            _(
                "Your enterprise has not been verified by the district office yet; "
                "you may publish demands once it is."
            ),
            code="enterprise_unverified",
        )
    demand = Demand.objects.create(
        enterprise=enterprise,
        region_id=enterprise.region_id,
        technology_manager=technology_manager,
        search_terms=search_terms(fields["title"], fields["description"]),
        **fields,
    )
    demand.invited_providers.set(invited)
    statistics_changed()
    audit_record(
        actor=actor,
        obj=demand,
        action=AuditEntry.Action.CREATE,
        to_status=demand.status,
        data={
            "budget_min": str(demand.budget_min),
            "budget_max": str(demand.budget_max),
            "deadline": demand.deadline.isoformat(),
            "visibility": demand.visibility,
            "invited_providers": [p.pk for p in invited],
        },
    )
    for provider in invited:
        tell_provider(provider.pk, demand, "demand_invited", enterprise=enterprise.display_name)
    return demand


@transaction.atomic(durable=True)
def demand_edit(
    *, demand: Demand, actor: User, invited_providers=None, edited_from: str = "", **values
) -> Demand:
    """The owner changes an open demand; newly invited providers are told. `edited_from`:
    the values the edit page was opened with (a colleague's save since is not undone)."""
    check_owner(demand, actor)
    demand = lock_demand(demand)
    check_open(demand)
    check_not_edited_meanwhile(demand, Demand.EDITABLE_FIELDS, edited_from)
    current = {name: getattr(demand, name) for name in Demand.EDITABLE_FIELDS}
    fields = _clean_demand({**current, **values})
    before = set(demand.invited_providers.values_list("pk", flat=True))
    if invited_providers is None:
        invited_providers = list(demand.invited_providers.all())
    invited = _clean_invited(fields["visibility"], invited_providers)
    changed = {
        name: str(value.pk if isinstance(value, ServiceCategory) else value)
        for name, value in fields.items()
        if value != current[name]
    }
    for name, value in fields.items():
        setattr(demand, name, value)
    demand.search_terms = search_terms(demand.title, demand.description)
    demand.save(update_fields=[*Demand.EDITABLE_FIELDS, "search_terms"])
    demand.invited_providers.set(invited)
    after = {p.pk for p in invited}
    if after != before:
        changed["invited_providers"] = sorted(after)
    audit_record(actor=actor, obj=demand, action=AuditEntry.Action.UPDATE, data=changed)
    for provider in invited:
        if provider.pk not in before:
            tell_provider(
                provider.pk, demand, "demand_invited", enterprise=demand.enterprise.display_name
            )
    return demand


def _move_proposals(
    demand: Demand, proposals, *, to_status, decided_at, action, actor, reason: str, email: str
) -> None:
    """Move `proposals` (a queryset of `demand`'s, locked here in id order) to `to_status`,
    each audited and its provider told with `email`."""
    for proposal in list(proposals.select_for_update(of=("self",)).order_by("id")):
        from_status = check_transition(proposal, to_status)
        proposal.status = to_status
        proposal.decided_at = decided_at
        proposal.save(update_fields=["status", "decided_at"])
        audit_record(
            actor=actor,
            obj=proposal,
            action=action,
            from_status=from_status,
            to_status=proposal.status,
            reason=reason,
        )
        tell_provider(proposal.provider_id, demand, email, reason=reason)


def decline_live_proposals(demand: Demand, *, actor: User | None, reason: str) -> None:
    """Decline every submitted proposal of a demand (locked by the caller) and tell them."""
    _move_proposals(
        demand,
        Proposal.objects.filter(demand=demand, status=Proposal.Status.SUBMITTED),
        to_status=Proposal.Status.DECLINED,
        decided_at=timezone.now(),
        action=AuditEntry.Action.DECLINE,
        actor=actor,
        reason=reason,
        email="proposal_declined",
    )


def mark_closed(demand: Demand, *, to_status: str, actor: User | None, action, reason: str) -> None:
    from_status = check_transition(demand, to_status)
    demand.status = to_status
    demand.closed_at = timezone.now()
    demand.save(update_fields=["status", "closed_at"])
    statistics_changed()
    audit_record(
        actor=actor,
        obj=demand,
        action=action,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
    )


def demand_reopen_for_ended_order(order, *, actor: User | None, reason: str) -> Demand | None:
    """An order made from an accepted proposal ended undelivered (the provider declined it,
    a party cancelled it, its voucher or provider was revoked): the demand it awarded opens
    again for proposals, and its enterprise is told, instead of standing awarded to an order
    that will never be delivered. The accepted proposal keeps its order as history and is
    marked "order ended", so that its provider may propose again; the proposals declined at
    the award stand again, so the runner-up may be chosen. Called inside the transaction
    that closed the order, which is locked (order, then demand, then the proposal)."""
    accepted = Proposal.objects.filter(
        service_order=order, status=Proposal.Status.ACCEPTED
    ).values_list("pk", "demand_id")
    if not accepted:
        return None
    ((proposal_id, demand_id),) = accepted
    demand = Demand.objects.select_for_update(of=("self",)).get(pk=demand_id)
    proposal = Proposal.objects.select_for_update(of=("self",)).get(pk=proposal_id)
    from_proposal = check_transition(proposal, Proposal.Status.ORDER_ENDED)
    proposal.status = Proposal.Status.ORDER_ENDED
    proposal.save(update_fields=["status"])
    audit_record(
        actor=actor,
        obj=proposal,
        action=AuditEntry.Action.CANCEL,
        from_status=from_proposal,
        to_status=proposal.status,
        reason=reason,
        data={"service_order": order.pk, "order_status": order.status},
    )
    if demand.status != Demand.Status.AWARDED:
        return None
    from_status = check_transition(demand, Demand.Status.OPEN)
    demand.status = Demand.Status.OPEN
    demand.closed_at = None
    demand.save(update_fields=["status", "closed_at"])
    statistics_changed()
    audit_record(
        actor=actor,
        obj=demand,
        action=AuditEntry.Action.REINSTATE,
        from_status=from_status,
        to_status=demand.status,
        reason=reason,
        data={"service_order": order.pk, "order_status": order.status},
    )
    _resubmit_declined_at_award(demand, awarded_at=proposal.decided_at, actor=actor)
    # The reason is quoted in parentheses: its own full stop would close them twice (。）。).
    quoted = reason.rstrip().rstrip("。.！!")
    tell_enterprise(demand, "demand_reopened", order=str(order.pk), reason=quoted)
    return demand


def _resubmit_declined_at_award(demand: Demand, *, awarded_at, actor: User | None) -> None:
    """The proposals declined only because another was accepted stand again, their
    providers told: the enterprise may choose the runner-up. Nothing else declines a
    proposal of an awarded demand, so they are those declined since the award."""
    _move_proposals(
        demand,
        Proposal.objects.filter(
            demand=demand, status=Proposal.Status.DECLINED, decided_at__gte=awarded_at
        ),
        to_status=Proposal.Status.SUBMITTED,
        decided_at=None,
        action=AuditEntry.Action.REINSTATE,
        actor=actor,
        reason="",
        email="proposal_reinstated",
    )


@transaction.atomic(durable=True)
def demand_close(*, demand: Demand, actor: User, reason: str = "") -> Demand:
    """The owner closes an open demand without choosing a proposal; the proposers are told."""
    check_owner(demand, actor)
    demand = lock_demand(demand)
    mark_closed(
        demand,
        to_status=Demand.Status.CLOSED,
        actor=actor,
        action=AuditEntry.Action.CLOSE,
        reason=shown_text(reason, field="reason"),
    )
    decline_live_proposals(demand, actor=actor, reason=_("The enterprise closed the demand."))
    return demand


@transaction.atomic(durable=True)
def demands_close_expired(*, today: datetime.date | None = None) -> int:
    """Close every open demand whose deadline has passed (the daily beat task); running it
    twice closes nothing more. Rows another transaction holds are left for the next run."""
    today = today or programme_today()
    expired = list(
        Demand.objects.select_for_update(skip_locked=True)
        .filter(status=Demand.Status.OPEN, deadline__lt=today)
        .order_by("id")
    )
    for demand in expired:
        mark_closed(
            demand,
            to_status=Demand.Status.CLOSED,
            actor=None,
            action=AuditEntry.Action.EXPIRE,
            reason="deadline",
        )
        decline_live_proposals(demand, actor=None, reason=_("The demand's deadline passed."))
        tell_enterprise(demand, "demand_expired")
    return len(expired)
