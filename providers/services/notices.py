"""Public notice of new providers: putting an approved provider on notice, objections and
their answers, and concluding a notice whose period has ended (the beat task).

Lock order: notice -> objection, and notice -> provider -> (district row, by the certificate
numbering). An objection and the beat's conclusion lock the same notice row, so an objection
lodged in the last second either lands before the notice is concluded (and holds it) or finds
it closed.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import InvalidTransition, NotAllowed
from portal.links import portal_url
from portal.notifications import notify_after_commit
from portal.states import check_transition
from providers import permissions
from providers.models import Provider, ProviderCertificate, ProviderNotice, ProviderObjection
from providers.selectors import provider_emails
from providers.services.inputs import required_text
from regions.models import AuditEntry, User
from regions.selectors import official_emails, rules_for
from regions.services import audit_record

DEFAULT_NOTICE_DAYS = 7


def notice_days(provider: Provider) -> int:
    """The district's `provider_notice_days` of the current year (7 without rules)."""
    rules = rules_for(region=provider.region)
    return rules.provider_notice_days if rules is not None else DEFAULT_NOTICE_DAYS


def notice_open(*, provider: Provider, actor: User) -> ProviderNotice:
    """Put an applied provider on public notice, inside the caller's transaction on the
    provider row it has locked (provider_certify)."""
    from_status = check_transition(provider, Provider.Status.ON_NOTICE)
    now = timezone.now()
    notice = ProviderNotice.objects.create(
        provider=provider,
        starts_at=now,
        ends_at=now + timedelta(days=max(notice_days(provider), 1)),
        put_by=actor,
    )
    provider.status = Provider.Status.ON_NOTICE
    provider.decided_at = now
    provider.status_reason = ""
    provider.save(update_fields=["status", "decided_at", "status_reason"])
    audit_record(
        actor=actor,
        obj=provider,
        action=AuditEntry.Action.PUT_ON_NOTICE,
        from_status=from_status,
        to_status=provider.status,
        data={"notice": notice.pk, "ends_at": notice.ends_at.isoformat()},
    )
    notify_after_commit(
        recipients=provider_emails(provider.pk),
        email="providers/provider_on_notice",
        context=lambda: {
            "name": provider.display_name,
            "until": timezone.localtime(notice.ends_at).strftime("%Y-%m-%d %H:%M"),
            "url": portal_url("provider-notice-detail", notice.pk),
        },
    )
    return notice


def notice_withdraw(*, provider: Provider, actor: User, reason: str) -> None:
    """The provider was rejected while on notice: its open notice is withdrawn (inside the
    caller's transaction)."""
    for notice in ProviderNotice.objects.select_for_update().filter(
        provider=provider, status=ProviderNotice.Status.OPEN
    ):
        from_status = check_transition(notice, ProviderNotice.Status.WITHDRAWN)
        notice.status = ProviderNotice.Status.WITHDRAWN
        notice.concluded_at = timezone.now()
        notice.save(update_fields=["status", "concluded_at"])
        audit_record(
            actor=actor,
            obj=notice,
            action=AuditEntry.Action.WITHDRAW,
            from_status=from_status,
            to_status=notice.status,
            reason=reason,
        )


def _locked_open_notice(notice_id: int) -> ProviderNotice:
    notice = (
        ProviderNotice.objects.select_for_update(of=("self",))
        .select_related("provider")
        .filter(pk=notice_id)
        .first()
    )
    if notice is None:
        raise Http404(_("No such notice."))
    return notice


@transaction.atomic(durable=True)
def objection_raise(*, notice_id: int, actor: User, reason: str) -> ProviderObjection:
    """Anyone signed in objects to a provider on notice, with a reason; never the provider's
    own users."""
    if not (actor and actor.is_authenticated):
        raise NotAllowed(_("Sign in to lodge an objection."))
    reason = required_text(reason, field="reason", message=_("Give the reason for the objection."))
    notice = _locked_open_notice(notice_id)
    if permissions.is_provider_member(actor, notice.provider):
        raise InvalidTransition(
            _("A provider cannot object to its own notice."), code="own_provider"
        )
    if notice.status != ProviderNotice.Status.OPEN or notice.ends_at <= timezone.now():
        raise InvalidTransition(
            _("This notice is closed; objections are no longer taken."), code="notice_closed"
        )
    if notice.objections.filter(raised_by=actor, answered_at__isnull=True).exists():
        # Each unanswered objection holds the certification back: one person, one at a time.
        raise InvalidTransition(
            _(
                "Your objection to this notice waits for the district's answer; you can "
                "lodge another once it is answered."
            ),
            code="objection_waiting",
        )
    objection = ProviderObjection.objects.create(notice=notice, raised_by=actor, reason=reason)
    audit_record(
        actor=actor,
        obj=notice,
        action=AuditEntry.Action.OBJECT,
        reason=reason,
        data={"objection": objection.pk},
    )
    notify_after_commit(
        recipients=official_emails(notice.provider.region_id),
        email="providers/objection_raised",
        context=lambda: {
            "name": notice.provider.display_name,
            "reason": reason,
            "url": portal_url("provider-notice-detail", notice.pk),
        },
    )
    return objection


@transaction.atomic(durable=True)
def objection_answer(*, objection_id: int, actor: User, answer: str) -> ProviderObjection:
    """The official of the provider's district answers an objection (once)."""
    row = (
        ProviderObjection.objects.filter(pk=objection_id)
        .values("notice_id", "notice__provider__region_id")
        .first()
    )
    if row is None:
        raise Http404(_("No such objection."))
    if not permissions.is_district_official(actor, row["notice__provider__region_id"]):
        raise NotAllowed(_("Only an official of the provider's district answers objections."))
    answer = required_text(answer, field="answer", message=_("Write the answer."))
    notice = _locked_open_notice(row["notice_id"])
    objection = ProviderObjection.objects.select_for_update().get(pk=objection_id)
    if not objection.is_open:
        raise InvalidTransition(
            _("This objection has already been answered."), code="already_answered"
        )
    objection.answer = answer
    objection.answered_by = actor
    objection.answered_at = timezone.now()
    objection.save(update_fields=["answer", "answered_by", "answered_at"])
    audit_record(
        actor=actor,
        obj=notice,
        action=AuditEntry.Action.ANSWER,
        reason=answer,
        data={"objection": objection.pk},
    )
    notify_after_commit(
        recipients=[User.objects.get(pk=objection.raised_by_id).email],
        email="providers/objection_answered",
        context=lambda: {
            "name": notice.provider.display_name,
            "answer": answer,
            "url": portal_url("provider-notice-detail", notice.pk),
        },
    )
    return objection


@transaction.atomic(durable=True)
def notice_conclude(*, notice_id: int, now: datetime | None = None) -> ProviderCertificate | None:
    """Certify the provider of a notice whose period has ended with no open objection, and
    issue its certificate with the notice's dates. Anything else (still running, an objection
    unanswered, already concluded) does nothing, so running it twice is harmless."""
    from providers.services.certification import certify_after_notice

    now = now or timezone.now()
    notice = ProviderNotice.objects.select_for_update().filter(pk=notice_id).first()
    if notice is None or notice.status != ProviderNotice.Status.OPEN or notice.ends_at > now:
        return None
    if notice.objections.filter(answered_at__isnull=True).exists():
        return None
    provider = Provider.objects.select_for_update().get(pk=notice.provider_id)
    from_status = check_transition(notice, ProviderNotice.Status.PASSED)
    notice.status = ProviderNotice.Status.PASSED
    notice.concluded_at = now
    notice.save(update_fields=["status", "concluded_at"])
    audit_record(
        actor=None,
        obj=notice,
        action=AuditEntry.Action.CLOSE,
        from_status=from_status,
        to_status=notice.status,
    )
    return certify_after_notice(provider=provider, notice=notice)


def notices_due(now: datetime | None = None) -> list[int]:
    """Open notices whose period has ended with every objection answered."""
    return list(
        ProviderNotice.objects.filter(
            status=ProviderNotice.Status.OPEN, ends_at__lte=now or timezone.now()
        )
        .filter(~Exists(ProviderObjection.objects.filter(notice=OuterRef("pk"), answered_at=None)))
        .order_by("ends_at", "id")
        .values_list("pk", flat=True)
    )


def notices_conclude_due(*, now: datetime | None = None) -> int:
    """The beat task's work: conclude every due notice, each in its own transaction."""
    now = now or timezone.now()
    return sum(notice_conclude(notice_id=pk, now=now) is not None for pk in notices_due(now))
