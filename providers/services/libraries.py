"""The expert library and the technology-manager (技术经纪人) library: the writes (the reads
are in `providers.selectors.libraries`).

- Anyone browses the two libraries (search, district, category).
- A signed-in person contacts an expert by request: the portal e-mails the expert through
  the outbox; the expert's address is never shown.
- An official assigns an expert to review an application of their district, or to advise on
  a demand of it; the expert sees what they are assigned and comments on it.
- An enterprise asks a manager who serves its district to broker one of its open demands; the
  order that results from the demand records the manager (providers/services/demands.py), and
  the dashboards count each manager's deals.
- The manager brokering a demand introduces certified providers to it (each told, and invited
  if the demand is invited-only; the enterprise told too), or steps back with a reason, so
  that the enterprise may ask another manager.

Every write is one durable transaction with its audit entry; e-mail goes through the outbox.
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import InvalidTransition, NotAllowed, TooManyRequests, ValidationFailed
from portal.links import portal_url
from portal.notifications import notify_after_commit
from portal.security import written_text
from providers.models import (
    Demand,
    Expert,
    ExpertAssignment,
    ExpertComment,
    Provider,
    TechnologyManager,
)
from providers.models.libraries import DemandIntroduction
from providers.selectors import provider_emails
from providers.selectors.libraries import proposal_of_advisers_side, review_closed_reason
from providers.services.demands import lock_demand
from providers.services.orders import relation_refusal
from regions.models import AuditEntry, User
from regions.services import audit_record
from vouchers.selectors import enterprise_emails

MESSAGE_MAX = 2000
NOTE_MAX = 2000


def _expert_emails(expert: Expert) -> list[str]:
    emails = [expert.contact_email]
    if expert.user_id and expert.user.is_active:
        emails.append(expert.user.email)
    return emails


def _manager_emails(manager: TechnologyManager) -> list[str]:
    emails = [manager.contact_email]
    if manager.user_id and manager.user.is_active:
        emails.append(manager.user.email)
    return emails


# Messages one person may pass on to one expert within a day.
CONTACTS_PER_EXPERT_PER_DAY = 3


@transaction.atomic(durable=True)
def expert_contact(*, expert: Expert, actor: User, message: str) -> None:
    """A signed-in person writes to an expert; the portal passes the message on by e-mail
    with the sender's name and address, so the expert decides whether to answer. The
    expert's own address is never shown to the sender."""
    if not (actor and actor.is_authenticated):
        raise NotAllowed(_("Log in to contact an expert."))
    message = written_text(message, field="message", limit=MESSAGE_MAX)
    # Locked: twelve messages sent at once must count as twelve against the limit below.
    expert = Expert.objects.select_for_update(of=("self",)).select_related("user").get(pk=expert.pk)
    if not expert.takes_requests:
        raise InvalidTransition(_("This expert takes no requests now."), code="expert_inactive")
    if expert.user_id == actor.pk:
        raise InvalidTransition(_("This is your own profile."), code="own_profile")
    sent_today = AuditEntry.objects.filter(
        object_type=Expert._meta.label_lower,
        object_id=str(expert.pk),
        action=AuditEntry.Action.REQUEST,
        actor=actor,
        at__gte=timezone.now() - timedelta(days=1),
    ).count()
    if sent_today >= CONTACTS_PER_EXPERT_PER_DAY:
        # The portal passes each message on to the expert's own mailbox: it must not become
        # a way to flood it.
        raise TooManyRequests(
            _(
                "You have written to this expert %(count)s times in the last day; wait for an "
                "answer before writing again."
            )
            % {"count": sent_today},
            code="too_many_messages",
        )
    notify_after_commit(
        recipients=_expert_emails(expert),
        email="providers/expert_contact",
        context=lambda: {
            "expert": expert.display_name,
            "sender": actor.get_full_name() or actor.get_username(),
            "sender_email": actor.email,
            "role": actor.get_role_display(),
            "message": message,
        },
    )
    audit_record(
        actor=actor, obj=expert, action=AuditEntry.Action.REQUEST, data={"contact": len(message)}
    )


@transaction.atomic(durable=True)
def expert_assign(
    *, actor: User, expert: Expert, application=None, demand=None, note: str = ""
) -> ExpertAssignment:
    """An official asks an expert to review an application of their district, or to advise
    on a demand of it: exactly one of the two. The expert is told by e-mail."""
    if not (actor and actor.is_authenticated and actor.is_official):
        raise NotAllowed(_("Only a district official assigns experts."))
    if (application is None) == (demand is None):
        raise ValidationFailed(
            _("Choose one application or one demand."), field="application", code="one_target"
        )
    note = written_text(note, field="note", limit=NOTE_MAX, required=False)
    target_region = application.region_id if application is not None else demand.region_id
    if target_region != actor.region_id:
        raise NotAllowed(_("Officials assign experts to their own district's files only."))
    expert = Expert.objects.select_related("user", "provider").get(pk=expert.pk)
    if not expert.takes_requests:
        raise InvalidTransition(_("This expert takes no requests now."), code="expert_inactive")
    if demand is not None:
        # Locked as a proposal locks it: a proposal and an assignment cannot cross unseen.
        demand = lock_demand(demand)
    if application is not None:
        # Read afresh and locked: a decision and an assignment cannot cross unseen.
        application = type(application).objects.select_for_update().get(pk=application.pk)
    closed = review_closed_reason(application=application, demand=demand)
    if closed:
        raise InvalidTransition(closed, code="review_closed")
    if demand is not None:
        stake = proposal_of_advisers_side(expert, demand)
        if stake is not None:
            raise InvalidTransition(
                _(
                    "%(expert)s cannot advise on this demand: %(provider)s, whose expert they "
                    "are, proposes for it. Choose an expert without a stake in it."
                )
                % {"expert": expert.display_name, "provider": stake.provider.display_name},
                code="conflict_of_interest",
            )
    already = ExpertAssignment.objects.filter(expert=expert)
    already = (
        already.filter(application=application)
        if application is not None
        else already.filter(demand=demand)
    )
    if already.exists():
        raise InvalidTransition(
            _("This expert is assigned to it already."), code="already_assigned"
        )
    try:
        with transaction.atomic():
            assignment = ExpertAssignment.objects.create(
                expert=expert,
                application=application,
                demand=demand,
                assigned_by=actor,
                note=note,
            )
    except IntegrityError:
        # Two officials at once: the constraint keeps one assignment.
        raise InvalidTransition(
            _("This expert is assigned to it already."), code="already_assigned"
        ) from None
    audit_record(
        actor=actor,
        obj=assignment,
        action=AuditEntry.Action.ASSIGN,
        data={
            "expert": expert.pk,
            "application": getattr(application, "pk", None),
            "demand": getattr(demand, "pk", None),
        },
    )
    notify_after_commit(
        recipients=_expert_emails(expert),
        email="providers/expert_assigned",
        context=lambda: {
            "expert": expert.display_name,
            "what": (
                _("review voucher application #%(id)s") % {"id": application.pk}
                if application is not None
                else _("advise on the demand “%(title)s”") % {"title": demand.title}
            ),
            "note": note,
            "url": portal_url("expert-assignment-detail", assignment.pk),
        },
    )
    return assignment


def _locked_own_assignment(actor: User, assignment: ExpertAssignment, *, refusal: str):
    """The assignment locked, with what its e-mails name; `refusal` unless `actor` is the
    assigned expert. Comment and decline lock it first, so that neither passes the other."""
    assignment = (
        ExpertAssignment.objects.select_for_update(of=("self",))
        .select_related("expert", "assigned_by", "application", "demand")
        .get(pk=assignment.pk)
    )
    if not (actor and actor.is_authenticated and assignment.expert.user_id == actor.pk):
        raise NotAllowed(refusal)
    return assignment


@transaction.atomic(durable=True)
def expert_comment(*, actor: User, assignment: ExpertAssignment, body: str) -> ExpertComment:
    """The assigned expert comments; the official who assigned the expert is told."""
    assignment = _locked_own_assignment(
        actor, assignment, refusal=_("Only the assigned expert comments here.")
    )
    if not assignment.expert.takes_requests:
        # Withdrawn from the library: its earlier assignments end with it, as a deactivated
        # account's do (it can no longer sign in).
        raise InvalidTransition(_("This expert takes no requests now."), code="expert_inactive")
    if assignment.declined_at is not None:
        raise InvalidTransition(
            _("You declined this assignment: it takes no comment."), code="assignment_declined"
        )
    body = written_text(body, field="body", limit=MESSAGE_MAX)
    closed = review_closed_reason(application=assignment.application, demand=assignment.demand)
    if closed:
        raise InvalidTransition(closed, code="review_closed")
    comment = ExpertComment.objects.create(assignment=assignment, author=actor, body=body)
    audit_record(
        actor=actor, obj=assignment, action=AuditEntry.Action.COMMENT, data={"comment": comment.pk}
    )
    notify_after_commit(
        recipients=[assignment.assigned_by.email],
        email="providers/expert_commented",
        context=lambda: {
            "expert": assignment.expert.display_name,
            "body": body,
            "url": portal_url("expert-assignment-detail", assignment.pk),
        },
    )
    return comment


@transaction.atomic(durable=True)
def expert_assignment_decline(
    *, actor: User, assignment: ExpertAssignment, reason: str
) -> ExpertAssignment:
    """The assigned expert declines, with the reason the official who asked reads (told by
    e-mail): the official asks another expert. Once the expert has commented, the advice
    stands and there is nothing to decline."""
    assignment = _locked_own_assignment(
        actor, assignment, refusal=_("Only the assigned expert declines an assignment.")
    )
    if assignment.declined_at is not None:
        raise InvalidTransition(_("You declined this assignment already."), code="already_declined")
    if assignment.comments.exists():
        raise InvalidTransition(
            _("You have commented on it already: your advice stands, and it cannot be declined."),
            code="already_commented",
        )
    reason = written_text(reason, field="reason", limit=NOTE_MAX)
    if not reason:
        raise ValidationFailed(
            _("Say why you decline: the official reads it when asking another expert."),
            field="reason",
        )
    assignment.declined_at = timezone.now()
    assignment.decline_reason = reason
    assignment.save(update_fields=["declined_at", "decline_reason"])
    audit_record(actor=actor, obj=assignment, action=AuditEntry.Action.DECLINE, reason=reason)
    notify_after_commit(
        recipients=[assignment.assigned_by.email],
        email="providers/expert_declined",
        context=lambda: {
            "expert": assignment.expert.display_name,
            "reason": reason,
            "url": portal_url("expert-assignment-detail", assignment.pk),
        },
    )
    return assignment


@transaction.atomic(durable=True)
def demand_broker_request(*, actor: User, demand: Demand, manager: TechnologyManager) -> Demand:
    """An enterprise asks a technology manager who serves its district to broker one of its
    open demands. The manager is told; the order the demand ends in records the manager."""
    if not (actor and actor.is_authenticated and actor.is_enterprise):
        raise NotAllowed(_("Only the enterprise of a demand asks a manager to broker it."))
    demand = Demand.objects.select_for_update(of=("self",)).get(pk=demand.pk)
    if demand.enterprise_id != actor.enterprise_id:
        raise NotAllowed(_("Only the enterprise of a demand asks a manager to broker it."))
    manager = TechnologyManager.objects.select_related("user").get(pk=manager.pk)
    if not manager.takes_requests:
        raise InvalidTransition(_("This manager takes no requests now."), code="manager_inactive")
    if not manager.regions_served.filter(pk=demand.region_id).exists():
        raise ValidationFailed(
            _("This manager does not serve your district."), field="manager", code="not_served"
        )
    if demand.status != Demand.Status.OPEN:
        raise InvalidTransition(_("Only an open demand can be brokered."), code="demand_not_open")
    if demand.technology_manager_id is not None:
        raise InvalidTransition(
            _("A technology manager brokers this demand already."), code="already_brokered"
        )
    demand.technology_manager = manager
    demand.save(update_fields=["technology_manager"])
    audit_record(
        actor=actor,
        obj=demand,
        action=AuditEntry.Action.ASSIGN,
        data={"technology_manager": manager.pk},
    )
    notify_after_commit(
        recipients=_manager_emails(manager),
        email="providers/broker_requested",
        context=lambda: {
            "manager": manager.display_name,
            "enterprise": demand.enterprise.display_name,
            "title": demand.title,
            "url": portal_url("manager-dashboard"),
        },
    )
    return demand


def check_brokering_manager(actor: User, demand: Demand) -> None:
    """403 unless `actor` is the active manager brokering `demand`: asked before a request's
    body is read, so that its answers tell nobody else anything. The services ask again
    under the demand's lock."""
    manager = demand.technology_manager if demand.technology_manager_id else None
    if not (
        actor
        and actor.is_authenticated
        and actor.role == User.Role.MANAGER
        and manager is not None
        and manager.user_id == actor.pk
        and manager.takes_requests
    ):
        raise NotAllowed(_("Only the technology manager brokering this demand may do this."))


def _locked_own_brokered_demand(actor: User, demand: Demand, *, refusal: str) -> Demand:
    """The demand locked (as a proposal or an assignment locks it, so that an introduction
    and the demand's award or closing cannot cross unseen), with its manager read; `refusal`
    unless `actor` is the active manager brokering it."""
    if not (actor and actor.is_authenticated and actor.role == User.Role.MANAGER):
        raise NotAllowed(refusal)
    demand = lock_demand(demand)
    manager = (
        TechnologyManager.objects.select_related("user")
        .filter(pk=demand.technology_manager_id)
        .first()
    )
    # A manager withdrawn from the library has left the programme: its brokering ends with it.
    if manager is None or manager.user_id != actor.pk or not manager.takes_requests:
        raise NotAllowed(refusal)
    demand.technology_manager = manager
    return demand


@transaction.atomic(durable=True)
def demand_provider_introduce(
    *, actor: User, demand: Demand, provider: Provider, note: str = ""
) -> DemandIntroduction:
    """The manager brokering an open demand introduces a certified provider the enterprise's
    vouchers may pay: the provider is told (and invited, if only invited providers see the
    demand, so that it may propose), and so is the enterprise. Once per provider and demand."""
    demand = _locked_own_brokered_demand(
        actor,
        demand,
        refusal=_("Only the technology manager brokering this demand introduces providers to it."),
    )
    manager = demand.technology_manager
    if demand.status != Demand.Status.OPEN:
        raise InvalidTransition(
            _("This demand is %(status)s: no provider can be introduced to it.")
            % {"status": demand.get_status_display().lower()},
            code="demand_not_open",
        )
    note = written_text(note, field="note", limit=NOTE_MAX, required=False)
    provider = Provider.objects.get(pk=provider.pk)
    if not provider.takes_orders:
        # It could neither propose nor be paid: the introduction would promise nothing.
        raise InvalidTransition(
            _(
                "%(provider)s is not certified (%(status)s): only a certified provider can be "
                "introduced."
            )
            % {"provider": provider.display_name, "status": provider.get_status_display().lower()},
            code="provider_not_certified",
            field="provider",
        )
    unpayable = relation_refusal(demand.enterprise, provider)
    if unpayable is not None:
        # The enterprise could never accept its proposal (proposal_accept refuses the same).
        raise ValidationFailed(
            _(
                "%(provider)s is the enterprise itself or a declared related party of it: its "
                "vouchers cannot pay it. Introduce another provider."
            )
            % {"provider": provider.display_name},
            field="provider",
            code=unpayable.code,
        )
    already = _("%(provider)s has been introduced to this demand already.") % {
        "provider": provider.display_name
    }
    if DemandIntroduction.objects.filter(demand=demand, provider=provider).exists():
        raise InvalidTransition(already, code="already_introduced", field="provider")
    try:
        with transaction.atomic():
            introduction = DemandIntroduction.objects.create(
                demand=demand, provider=provider, manager=manager, note=note
            )
    except IntegrityError:
        # Two requests at once: the constraint keeps one introduction.
        raise InvalidTransition(already, code="already_introduced", field="provider") from None
    invited = False
    if (
        demand.visibility == Demand.Visibility.INVITED
        and not demand.invited_providers.filter(pk=provider.pk).exists()
    ):
        # Otherwise the provider could neither read the demand it is told about nor propose.
        demand.invited_providers.add(provider)
        invited = True
    audit_record(
        actor=actor,
        obj=demand,
        action=AuditEntry.Action.RECORD,
        data={
            "introduction": introduction.pk,
            "provider": provider.pk,
            "technology_manager": manager.pk,
            "invited": invited,
        },
    )
    url = portal_url("demand-detail", demand.pk)
    notify_after_commit(
        recipients=provider_emails(provider.pk),
        email="providers/demand_introduced",
        context=lambda: {
            "manager": manager.display_name,
            "enterprise": demand.enterprise.display_name,
            "title": demand.title,
            "note": note,
            "url": url,
        },
    )
    notify_after_commit(
        recipients=enterprise_emails(demand.enterprise_id),
        email="providers/provider_introduced",
        context=lambda: {
            "manager": manager.display_name,
            "provider": provider.display_name,
            "title": demand.title,
            "note": note,
            "url": url,
        },
    )
    return introduction


@transaction.atomic(durable=True)
def demand_broker_withdraw(*, actor: User, demand: Demand, reason: str) -> Demand:
    """The manager brokering an open demand steps back, with the reason the enterprise reads
    (told by e-mail) when it asks another manager. An order already made from the demand
    keeps its manager: that deal was brokered."""
    demand = _locked_own_brokered_demand(
        actor, demand, refusal=_("Only the technology manager brokering this demand steps back.")
    )
    manager = demand.technology_manager
    if demand.status != Demand.Status.OPEN:
        raise InvalidTransition(
            _("This demand is %(status)s: there is no brokering left to step back from.")
            % {"status": demand.get_status_display().lower()},
            code="demand_not_open",
        )
    reason = written_text(reason, field="reason", limit=NOTE_MAX, required=False)
    if not reason:
        raise ValidationFailed(
            _("Say why you step back: the enterprise reads it when asking another manager."),
            field="reason",
        )
    demand.technology_manager = None
    demand.save(update_fields=["technology_manager"])
    audit_record(
        actor=actor,
        obj=demand,
        action=AuditEntry.Action.WITHDRAW,
        reason=reason,
        data={"technology_manager": manager.pk},
    )
    notify_after_commit(
        recipients=enterprise_emails(demand.enterprise_id),
        email="providers/broker_withdrawn",
        context=lambda: {
            "manager": manager.display_name,
            "title": demand.title,
            "reason": reason,
            "url": portal_url("demand-detail", demand.pk),
            "library_url": portal_url("manager-library"),
        },
    )
    return demand
