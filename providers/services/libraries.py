"""The expert library: the writes (the reads of both libraries are in
`providers.selectors.libraries`).

- Anyone browses the two libraries (search, district, category).
- A signed-in person contacts an expert by request: the portal e-mails the expert through
  the outbox; the expert's address is never shown.
- An official assigns an expert to review an application of their district, or to advise on
  a demand of it; the expert sees what they are assigned and comments on it.
- The technology managers' brokering of demands is in `providers.services.brokering`.

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
    Expert,
    ExpertAssignment,
    ExpertComment,
)
from providers.selectors.libraries import proposal_of_advisers_side, review_closed_reason
from providers.services.demands import lock_demand
from regions.models import AuditEntry, User
from regions.services import audit_record

MESSAGE_MAX = 2000
NOTE_MAX = 2000


def _expert_emails(expert: Expert) -> list[str]:
    emails = [expert.contact_email]
    if expert.user_id and expert.user.is_active:
        emails.append(expert.user.email)
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
