"""Voucher applications: an enterprise applies or withdraws; an official of its district
approves (which issues the voucher) or rejects.

Lock order (see CONVENTIONS): ProgrammeRules row -> application row. The enterprise row
serialises an enterprise's own applications.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import (
    BudgetExceeded,
    CapExceeded,
    InvalidTransition,
    NotAllowed,
    ValidationFailed,
)
from portal.files import DOCUMENT_KINDS, check_upload, original_name
from portal.links import portal_url
from portal.money import parse_money
from portal.notifications import notify_after_commit
from portal.pdf import money
from portal.security import shown_text
from portal.states import check_transition
from regions.models import AuditEntry, NotificationPreference, User
from regions.rules import rules_budget_ceiling, rules_budget_limiting_version
from regions.selectors import call_window_refusal, current_year, official_emails
from regions.services import audit_record
from vouchers import permissions
from vouchers.models import ApplicationAttachment, Enterprise, Voucher, VoucherApplication
from vouchers.selectors import remaining_cap
from vouchers.services.four_eyes import first_approval_recorded
from vouchers.services.vouchers import programme_rules, voucher_issue


@transaction.atomic(durable=True)
def application_submit(
    *,
    enterprise: Enterprise,
    requested_amount,
    purpose: str,
    actor: User,
    service_category=None,
    attachments=(),
) -> VoucherApplication:
    if not permissions.can_apply_for(actor, enterprise):
        raise NotAllowed(_("Only a user of the enterprise may apply for its voucher."))
    amount = parse_money(requested_amount, field="requested_amount")
    purpose = shown_text(purpose, field="purpose")
    if not purpose:
        raise ValidationFailed(
            _("Describe the technical need the voucher is for."), field="purpose"
        )
    for upload in attachments:
        check_upload(upload, allowed=DOCUMENT_KINDS, field="attachments")
    # The enterprise row serialises its own applications, so two at once cannot both
    # squeeze under the cap.
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if enterprise.verified_at is None:
        raise InvalidTransition(
            _(
                "Your enterprise has not been verified by the district office yet; "
                "you may apply once it is."
            ),
            code="enterprise_unverified",
        )
    refusal = call_window_refusal(enterprise.region_id)
    if refusal:
        raise InvalidTransition(refusal, code="outside_call_window")
    year = current_year()
    rules = programme_rules(enterprise.region_id, year)
    remaining = remaining_cap(rules=rules, enterprise_id=enterprise.id, include_pending=True)
    if amount > remaining:
        raise CapExceeded(
            _(
                "You may request at most %(remaining)s more this year (the yearly cap is "
                "%(cap)s, less vouchers issued and applications still under review)."
            )
            % {"remaining": money(remaining), "cap": money(rules.max_voucher_per_enterprise)},
        )
    application = VoucherApplication.objects.create(
        enterprise=enterprise,
        region=rules.region,  # the enterprise's district, read with its rules
        year=year,
        requested_amount=amount,
        purpose=purpose,
        service_category=service_category,
        submitted_by=actor,
    )
    # A new application has no voucher: known without asking the database.
    VoucherApplication._meta.get_field("voucher").set_cached_value(application, None)
    for upload in attachments:
        ApplicationAttachment.objects.create(
            application=application,
            file=upload,
            original_name=original_name(upload),
            content_type=getattr(upload, "content_type", "") or "application/octet-stream",
            size=upload.size,
        )
    audit_record(
        actor=actor,
        obj=application,
        action=AuditEntry.Action.SUBMIT,
        to_status=application.status,
        data={"requested_amount": str(amount), "attachments": len(attachments)},
    )
    notify_after_commit(
        recipients=official_emails(enterprise.region_id),
        email="vouchers/application_submitted",
        context=lambda: {
            "id": application.pk,
            "name": enterprise.display_name,
            "amount": money(amount),
            "purpose": purpose,
            "url": portal_url("application-detail", application.pk),
        },
    )
    return application


def _locked(application: VoucherApplication, to_status: str) -> tuple[VoucherApplication, str]:
    """The application row locked, and its status, if `to_status` is a legal next status."""
    locked = (
        VoucherApplication.objects.select_for_update(of=("self",))
        .select_related("enterprise", "region")
        .get(pk=application.pk)
    )
    return locked, check_transition(locked, to_status)


@transaction.atomic(durable=True)
def application_withdraw(*, application: VoucherApplication, actor: User) -> VoucherApplication:
    if not permissions.can_withdraw_application(actor, application):
        raise NotAllowed(_("Only the applicant enterprise may withdraw its application."))
    application, from_status = _locked(application, VoucherApplication.Status.WITHDRAWN)
    application.status = VoucherApplication.Status.WITHDRAWN
    application.decided_at = timezone.now()
    application.save(update_fields=["status", "decided_at"])
    audit_record(
        actor=actor,
        obj=application,
        action=AuditEntry.Action.WITHDRAW,
        from_status=from_status,
        to_status=application.status,
    )
    return application


@transaction.atomic(durable=True)
def application_reject(
    *, application: VoucherApplication, actor: User, note: str
) -> VoucherApplication:
    if not permissions.can_decide_application(actor, application):
        raise NotAllowed(_("Only an official of the enterprise's district may decide."))
    note = shown_text(note, field="note")
    if not note:
        raise ValidationFailed(_("Give the reason for the rejection."), field="note")
    application, from_status = _locked(application, VoucherApplication.Status.REJECTED)
    application.status = VoucherApplication.Status.REJECTED
    application.decided_at = timezone.now()
    application.decided_by = actor
    application.decision_note = note
    application.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    audit_record(
        actor=actor,
        obj=application,
        action=AuditEntry.Action.REJECT,
        from_status=from_status,
        to_status=application.status,
        reason=note,
    )
    notify_after_commit(
        recipients=[application.enterprise.contact_email],
        kind=NotificationPreference.Kind.APPLICATION_DECISIONS,
        email="vouchers/application_rejected",
        context=lambda: {"id": application.pk, "note": note},
    )
    return application


def _reason_for_less(application, *, actor: User, amount, note: str) -> str:
    """An enterprise granted less than it asked for is told why: the official approving less
    gives a reason. The second of two officials confirms the first's amount (four_eyes.py
    refuses another), and the first's reason stands unless the second adds one."""
    if amount >= application.requested_amount or (note or "").strip():
        return note
    first = application.first_approved_by_id
    if first is not None and first != actor.pk:
        entry = (
            AuditEntry.objects.filter(
                object_type=application._meta.label_lower,
                object_id=str(application.pk),
                action=AuditEntry.Action.FIRST_APPROVE,
            )
            .order_by("-id")
            .first()
        )
        return entry.reason if entry is not None else note
    raise ValidationFailed(
        _("Say why less than the requested %(requested)s is approved: the enterprise is told.")
        % {"requested": money(application.requested_amount)},
        field="note",
        code="reason_required",
    )


@transaction.atomic(durable=True)
def application_approve(
    *,
    application: VoucherApplication,
    actor: User,
    approved_amount,
    note: str = "",
) -> Voucher | None:
    """Approve and issue the voucher in one transaction, or do neither.

    At or above the district's `four_eyes_threshold` the first official's approval is only
    recorded (returns None: the application awaits a second official, see four_eyes.py).

    `approved_amount` is required: the official states the amount, which may be less than
    requested. `None` approves exactly the requested amount, for callers (tests, scripts)
    that mean that; the page and the API always send a number.

    The district's rules row is locked first: it serialises every approval of the district,
    so the budget check, the serial number and `committed` cannot race.
    """
    if not permissions.can_decide_application(actor, application):
        raise NotAllowed(_("Only an official of the enterprise's district may decide."))
    rules = programme_rules(application.region_id, application.year, lock=True)
    application, from_status = _locked(application, VoucherApplication.Status.APPROVED)
    if approved_amount is None:
        amount = application.requested_amount
    else:
        amount = parse_money(approved_amount, field="approved_amount")
    if amount > application.requested_amount:
        raise ValidationFailed(
            _("The approved amount may not exceed the requested %(requested)s.")
            % {"requested": money(application.requested_amount)},
            field="approved_amount",
        )
    remaining = remaining_cap(rules=rules, enterprise_id=application.enterprise_id)
    if amount > remaining:
        raise CapExceeded(
            _(
                "The enterprise may receive at most %(remaining)s more this year "
                "(yearly cap %(cap)s)."
            )
            % {"remaining": money(remaining), "cap": money(rules.max_voucher_per_enterprise)}
        )
    # A rules version to come with a smaller budget lowers what may be committed now.
    available = rules_budget_ceiling(rules) - rules.committed
    if amount > available:
        limiting = rules_budget_limiting_version(rules)
        if limiting is None:
            message = _("The district's budget has only %(available)s left for %(year)s.")
        else:
            message = _(
                "The district's budget has only %(available)s left for %(year)s: the rules "
                "taking effect on %(date)s cut it to %(budget)s, and what is committed now "
                "must fit in it."
            )
        raise BudgetExceeded(
            message
            % {
                "available": money(available),
                "year": rules.year,
                "date": limiting and f"{limiting.effective_from:%Y-%m-%d}",
                "budget": limiting and money(limiting.annual_budget),
            }
        )
    note = _reason_for_less(application, actor=actor, amount=amount, note=note)
    if first_approval_recorded(
        row=application,
        actor=actor,
        amount=amount,
        # The locked row is the district-year's rules, up to date (`programme_rules`).
        threshold=rules.four_eyes_threshold,
        note=note,
    ):
        return None  # the first of two approvals: it waits for another official

    application.status = VoucherApplication.Status.APPROVED
    application.approved_amount = amount
    application.decided_at = timezone.now()
    application.decided_by = actor
    application.decision_note = shown_text(note, field="note")
    application.save(
        update_fields=["status", "approved_amount", "decided_at", "decided_by", "decision_note"]
    )
    # The enterprise hears of the decision in the voucher's e-mail (voucher_issue): one
    # message, not an approval and an issue a moment apart.
    voucher = voucher_issue(application=application, rules=rules, amount=amount, actor=actor)
    audit_record(
        actor=actor,
        obj=application,
        action=AuditEntry.Action.APPROVE,
        from_status=from_status,
        to_status=application.status,
        reason=application.decision_note,
        data={"approved_amount": str(amount), "voucher": voucher.serial},
    )
    return voucher
