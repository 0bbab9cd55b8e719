"""Writes of the voucher story: enterprises sign up and are verified, apply for vouchers,
district officials decide, approval issues the voucher, and revocation or expiry gives the
unspent part back to the district's budget.

Lock order (see CONVENTIONS): ProgrammeRules row -> Voucher row. Applications and
enterprises are locked only after the rules row, or alone.
"""

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.codes import normalise_credit_code, validate_credit_code, voucher_serial
from portal.errors import (
    BudgetExceeded,
    CapExceeded,
    InvalidTransition,
    NotAllowed,
    ValidationFailed,
)
from portal.files import DOCUMENT_KINDS, check_upload
from portal.notifications import notify_after_commit
from portal.outbox import enqueue
from portal.pdf import certificate_pdf, money
from regions.models import AuditEntry, ProgrammeRules, Region, User
from regions.selectors import current_year, official_emails
from regions.services import audit_record
from vouchers import permissions
from vouchers.models import ApplicationAttachment, Enterprise, Voucher, VoucherApplication
from vouchers.selectors import remaining_cap

CENT = Decimal("0.01")


# --- input checks shared by forms and the API -------------------------------------------


def clean_amount(value, *, field: str) -> Decimal:
    """A positive CNY amount with at most two decimals, or a ValidationFailed on `field`."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationFailed(_("Enter an amount in CNY, e.g. 150000.00."), field=field) from None
    if not amount.is_finite():
        raise ValidationFailed(_("Enter an amount in CNY, e.g. 150000.00."), field=field)
    if amount <= 0:
        raise ValidationFailed(_("The amount must be more than zero."), field=field)
    if amount != amount.quantize(CENT):
        raise ValidationFailed(_("Amounts have at most two decimal places."), field=field)
    if amount >= Decimal("1e12"):
        raise ValidationFailed(_("This amount is too large."), field=field)
    return amount.quantize(CENT)


def clean_credit_code(value: str) -> str:
    code = normalise_credit_code(value)
    try:
        validate_credit_code(code)
    except ValidationError as error:
        raise ValidationFailed(" ".join(error.messages), field="credit_code") from None
    return code


def _rules_or_refuse(region_id: int, year: int, *, lock: bool = False) -> ProgrammeRules:
    rules = ProgrammeRules.objects.select_related("region")
    if lock:
        rules = rules.select_for_update(of=("self",))
    found = rules.filter(region_id=region_id, year=year).first()
    if found is None:
        raise InvalidTransition(
            _("The district has no programme rules for %(year)s yet.") % {"year": year},
            code="no_rules",
        )
    return found


# --- enterprises ------------------------------------------------------------------------

ENTERPRISE_FIELDS = (
    "name",
    "industry",
    "size",
    "contact_name",
    "contact_phone",
    "contact_email",
)


def _enterprise_insert(*, credit_code: str, region: Region, actor, **fields) -> Enterprise:
    code = clean_credit_code(credit_code)
    duplicate = _(
        "An enterprise with this unified social credit code is already registered. "
        "Ask a colleague with an account to add you, or contact the district office."
    )
    if Enterprise.objects.filter(credit_code=code).exists():
        raise ValidationFailed(duplicate, field="credit_code", code="duplicate_credit_code")
    if fields.get("size") not in Enterprise.Size.values:
        raise ValidationFailed(_("Choose the enterprise's size."), field="size")
    try:
        # A savepoint: if a concurrent sign-up took the code first, only this insert rolls back.
        with transaction.atomic():
            enterprise = Enterprise.objects.create(
                credit_code=code, region=region, **{k: fields.get(k, "") for k in ENTERPRISE_FIELDS}
            )
    except IntegrityError:
        raise ValidationFailed(
            duplicate, field="credit_code", code="duplicate_credit_code"
        ) from None
    audit_record(
        actor=actor, obj=enterprise, action=AuditEntry.Action.REGISTER, to_status="unverified"
    )
    notify_after_commit(
        recipients=official_emails(region.id),
        subject=_("[Voucher portal] New enterprise to verify: %(name)s")
        % {"name": enterprise.name},
        body=_(
            "%(name)s (credit code %(code)s) registered in %(region)s and waits for verification."
        )
        % {"name": enterprise.name, "code": code, "region": region.name},
    )
    return enterprise


@transaction.atomic
def enterprise_register(
    *,
    username: str,
    password: str,
    email: str = "",
    credit_code: str,
    region: Region,
    **fields,
) -> tuple[User, Enterprise]:
    """Browser sign-up: a user account with role=enterprise and its (unverified) enterprise."""
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed(_("This user name is taken."), field="username")
    enterprise = _enterprise_insert(credit_code=credit_code, region=region, actor=None, **fields)
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=username,
                password=password,
                email=email or fields.get("contact_email", ""),
                role=User.Role.ENTERPRISE,
                enterprise=enterprise,
            )
    except IntegrityError:
        raise ValidationFailed(_("This user name is taken."), field="username") from None
    return user, enterprise


@transaction.atomic
def enterprise_create(*, actor: User, credit_code: str, region: Region, **fields) -> Enterprise:
    """API creation: an enterprise user registers its enterprise (and is linked to it);
    an official may register one in its own district, the operator in any."""
    if not permissions.can_create_enterprise(actor):
        raise NotAllowed(_("Your role may not register an enterprise."))
    if actor.is_official and actor.region_id != region.id:
        raise ValidationFailed(
            _("You may register enterprises of your own district only."), field="region"
        )
    enterprise = _enterprise_insert(credit_code=credit_code, region=region, actor=actor, **fields)
    if actor.is_enterprise:
        # Lock the user row so two concurrent requests cannot each link a new enterprise.
        locked = User.objects.select_for_update().get(pk=actor.pk)
        if locked.enterprise_id is not None:
            raise NotAllowed(_("Your account already belongs to an enterprise."))
        locked.enterprise = enterprise
        locked.save(update_fields=["enterprise"])
        actor.enterprise = enterprise
    return enterprise


@transaction.atomic
def enterprise_verify(*, enterprise: Enterprise, actor: User) -> Enterprise:
    if not permissions.can_verify_enterprise(actor, enterprise):
        raise NotAllowed(_("Only an official of the enterprise's district may verify it."))
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if enterprise.verified_at is not None:
        raise InvalidTransition(_("This enterprise is already verified."))
    enterprise.verified_at = timezone.now()
    enterprise.verified_by = actor
    enterprise.save(update_fields=["verified_at", "verified_by"])
    audit_record(
        actor=actor,
        obj=enterprise,
        action=AuditEntry.Action.VERIFY,
        from_status="unverified",
        to_status="verified",
    )
    notify_after_commit(
        recipients=[enterprise.contact_email],
        subject=_("[Voucher portal] %(name)s is verified") % {"name": enterprise.name},
        body=_(
            "Your enterprise was verified by the district office. You may now apply for a voucher."
        ),
    )
    return enterprise


# --- applications -----------------------------------------------------------------------


@transaction.atomic
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
    amount = clean_amount(requested_amount, field="requested_amount")
    purpose = (purpose or "").strip()
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
    year = current_year()
    rules = _rules_or_refuse(enterprise.region_id, year)
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
        region_id=enterprise.region_id,
        year=year,
        requested_amount=amount,
        purpose=purpose,
        service_category=service_category,
        submitted_by=actor,
    )
    for upload in attachments:
        ApplicationAttachment.objects.create(
            application=application,
            file=upload,
            original_name=upload.name[:255],
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
        subject=_("[Voucher portal] New voucher application #%(id)s from %(name)s")
        % {"id": application.pk, "name": enterprise.name},
        body=_("%(name)s applied for a voucher of %(amount)s.\n\nPurpose: %(purpose)s\n\n%(url)s")
        % {
            "name": enterprise.name,
            "amount": money(amount),
            "purpose": purpose,
            "url": f"{settings.PORTAL_BASE_URL}/applications/{application.pk}/",
        },
    )
    return application


def _lock_undecided(application: VoucherApplication, to_status: str) -> VoucherApplication:
    locked = (
        VoucherApplication.objects.select_for_update(of=("self",))
        .select_related("enterprise", "region")
        .get(pk=application.pk)
    )
    if to_status not in VoucherApplication.TRANSITIONS[locked.status]:
        raise InvalidTransition(
            _("This application is already %(status)s; it cannot be changed.")
            % {"status": locked.get_status_display().lower()}
        )
    return locked


@transaction.atomic
def application_withdraw(*, application: VoucherApplication, actor: User) -> VoucherApplication:
    if not permissions.can_withdraw_application(actor, application):
        raise NotAllowed(_("Only the applicant enterprise may withdraw its application."))
    application = _lock_undecided(application, VoucherApplication.Status.WITHDRAWN)
    application.status = VoucherApplication.Status.WITHDRAWN
    application.decided_at = timezone.now()
    application.save(update_fields=["status", "decided_at"])
    audit_record(
        actor=actor,
        obj=application,
        action=AuditEntry.Action.WITHDRAW,
        from_status=VoucherApplication.Status.SUBMITTED,
        to_status=application.status,
    )
    return application


@transaction.atomic
def application_reject(
    *, application: VoucherApplication, actor: User, note: str
) -> VoucherApplication:
    if not permissions.can_decide_application(actor, application):
        raise NotAllowed(_("Only an official of the enterprise's district may decide."))
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(_("Give the reason for the rejection."), field="note")
    application = _lock_undecided(application, VoucherApplication.Status.REJECTED)
    application.status = VoucherApplication.Status.REJECTED
    application.decided_at = timezone.now()
    application.decided_by = actor
    application.decision_note = note
    application.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    audit_record(
        actor=actor,
        obj=application,
        action=AuditEntry.Action.REJECT,
        from_status=VoucherApplication.Status.SUBMITTED,
        to_status=application.status,
        reason=note,
    )
    notify_after_commit(
        recipients=[application.enterprise.contact_email],
        subject=_("[Voucher portal] Your voucher application #%(id)s was rejected")
        % {"id": application.pk},
        body=_("The district office rejected your application.\n\nReason: %(note)s")
        % {"note": note},
    )
    return application


@transaction.atomic
def application_approve(
    *,
    application: VoucherApplication,
    actor: User,
    approved_amount=None,
    note: str = "",
) -> Voucher:
    """Approve and issue the voucher in one transaction, or do neither.

    The district's rules row is locked first: it serialises every approval of the district,
    so the budget check, the serial number and `committed` cannot race.
    """
    if not permissions.can_decide_application(actor, application):
        raise NotAllowed(_("Only an official of the enterprise's district may decide."))
    rules = _rules_or_refuse(application.region_id, application.year, lock=True)
    application = _lock_undecided(application, VoucherApplication.Status.APPROVED)
    if approved_amount in (None, ""):
        amount = application.requested_amount
    else:
        amount = clean_amount(approved_amount, field="approved_amount")
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
    if amount > rules.available:
        raise BudgetExceeded(
            _("The district's budget has only %(available)s left for %(year)s.")
            % {"available": money(rules.available), "year": rules.year}
        )

    now = timezone.now()
    rules.last_voucher_number += 1
    rules.committed += amount
    rules.save(update_fields=["last_voucher_number", "committed"])

    application.status = VoucherApplication.Status.APPROVED
    application.approved_amount = amount
    application.decided_at = now
    application.decided_by = actor
    application.decision_note = (note or "").strip()
    application.save(
        update_fields=["status", "approved_amount", "decided_at", "decided_by", "decision_note"]
    )
    voucher = Voucher.objects.create(
        serial=voucher_serial(
            short_code=rules.region.short_code, year=rules.year, number=rules.last_voucher_number
        ),
        application=application,
        enterprise=application.enterprise,
        issuing_region_id=application.region_id,
        year=rules.year,
        face_value=amount,
        balance=amount,
        cross_region=rules.cross_region,
        issued_at=now,
        expires_at=now + timedelta(days=rules.validity_days),
    )
    audit_record(
        actor=actor,
        obj=application,
        action=AuditEntry.Action.APPROVE,
        from_status=VoucherApplication.Status.SUBMITTED,
        to_status=application.status,
        reason=application.decision_note,
        data={"approved_amount": str(amount), "voucher": voucher.serial},
    )
    audit_record(
        actor=actor,
        obj=voucher,
        action=AuditEntry.Action.ISSUE,
        to_status=voucher.status,
        data={"face_value": str(amount), "committed": str(rules.committed)},
    )

    enqueue("vouchers.tasks.generate_voucher_certificate", voucher_id=voucher.pk)
    contact = [application.enterprise.contact_email]
    notify_after_commit(
        recipients=contact,
        subject=_("[Voucher portal] Your voucher application #%(id)s was approved")
        % {"id": application.pk},
        body=_(
            "The district office approved %(amount)s of the %(requested)s you requested.%(note)s"
        )
        % {
            "amount": money(amount),
            "requested": money(application.requested_amount),
            "note": f"\n\n{application.decision_note}" if application.decision_note else "",
        },
    )
    notify_after_commit(
        recipients=contact,
        subject=_("[Voucher portal] Voucher %(serial)s issued") % {"serial": voucher.serial},
        body=_(
            "Voucher %(serial)s of %(amount)s was issued to %(name)s by %(region)s. "
            "It is valid until %(expires)s.\n\nCertificate and details: %(url)s"
        )
        % {
            "serial": voucher.serial,
            "amount": money(amount),
            "name": application.enterprise.name,
            "region": rules.region.name,
            "expires": timezone.localtime(voucher.expires_at).date().isoformat(),
            "url": f"{settings.PORTAL_BASE_URL}/vouchers/{voucher.serial}/",
        },
    )
    return voucher


# --- vouchers ---------------------------------------------------------------------------


def _release(voucher: Voucher, rules: ProgrammeRules) -> Decimal:
    """Give the unspent, unheld balance back to the district's budget (both rows locked)."""
    released = voucher.balance
    voucher.released += released
    voucher.balance = Decimal("0.00")
    rules.committed -= released
    rules.save(update_fields=["committed"])
    return released


# A revoked voucher can still have pending claims (held); an exhausted one too. Revoking an
# exhausted voucher stops it becoming active again when such a claim is rejected; the
# model's TRANSITIONS lists only active -> revoked, so this edge is added here on purpose.
REVOCABLE = {Voucher.Status.ACTIVE, Voucher.Status.EXHAUSTED}


@transaction.atomic
def voucher_revoke(*, voucher: Voucher, actor: User, reason: str) -> Voucher:
    if not permissions.can_revoke_voucher(actor, voucher):
        raise NotAllowed(_("Only an official of the issuing district may revoke a voucher."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Give the reason for revoking the voucher."), field="reason")
    rules = _rules_or_refuse(voucher.issuing_region_id, voucher.year, lock=True)
    voucher = (
        Voucher.objects.select_for_update(of=("self",))
        .select_related("enterprise")
        .get(pk=voucher.pk)
    )
    if voucher.status not in REVOCABLE:
        raise InvalidTransition(
            _("This voucher is already %(status)s.")
            % {"status": voucher.get_status_display().lower()}
        )
    from_status = voucher.status
    released = _release(voucher, rules)
    voucher.status = Voucher.Status.REVOKED
    voucher.status_reason = reason
    voucher.save(update_fields=["balance", "released", "status", "status_reason"])
    audit_record(
        actor=actor,
        obj=voucher,
        action=AuditEntry.Action.REVOKE,
        from_status=from_status,
        to_status=voucher.status,
        reason=reason,
        data={"released": str(released), "held": str(voucher.held)},
    )
    notify_after_commit(
        recipients=[voucher.enterprise.contact_email],
        subject=_("[Voucher portal] Voucher %(serial)s was revoked") % {"serial": voucher.serial},
        body=_("The issuing district revoked voucher %(serial)s.\n\nReason: %(reason)s")
        % {"serial": voucher.serial, "reason": reason},
    )
    return voucher


def voucher_expire(*, voucher_id: int, now=None) -> bool:
    """Expire one voucher if it is active and past its expiry; True if it did.

    Its own short transaction: a crash part-way through a run loses nothing, and a rerun
    finds the already expired ones no longer active.
    """
    now = now or timezone.now()
    with transaction.atomic():
        head = Voucher.objects.filter(pk=voucher_id).values("issuing_region_id", "year").first()
        if head is None:
            return False
        rules = _rules_or_refuse(head["issuing_region_id"], head["year"], lock=True)
        voucher = (
            Voucher.objects.select_for_update(of=("self",))
            .select_related("enterprise")
            .get(pk=voucher_id)
        )
        if voucher.status != Voucher.Status.ACTIVE or voucher.expires_at > now:
            return False
        released = _release(voucher, rules)
        voucher.status = Voucher.Status.EXPIRED
        voucher.status_reason = _("Expired on %(date)s.") % {
            "date": timezone.localtime(voucher.expires_at).date().isoformat()
        }
        voucher.save(update_fields=["balance", "released", "status", "status_reason"])
        audit_record(
            actor=None,
            obj=voucher,
            action=AuditEntry.Action.EXPIRE,
            from_status=Voucher.Status.ACTIVE,
            to_status=voucher.status,
            reason=voucher.status_reason,
            data={"released": str(released), "held": str(voucher.held)},
        )
        notify_after_commit(
            recipients=[voucher.enterprise.contact_email],
            subject=_("[Voucher portal] Voucher %(serial)s has expired")
            % {"serial": voucher.serial},
            body=_(
                "Voucher %(serial)s expired; its unspent %(released)s went back to the "
                "district's budget."
            )
            % {"serial": voucher.serial, "released": money(released)},
        )
    return True


def vouchers_expire_due(*, now=None, batch_size: int = 500) -> int:
    """Expire every active voucher past its expiry, in batches of ids; returns how many."""
    now = now or timezone.now()
    expired = 0
    last_id = 0
    while True:
        ids = list(
            Voucher.objects.filter(
                status=Voucher.Status.ACTIVE, expires_at__lte=now, pk__gt=last_id
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return expired
        for voucher_id in ids:
            expired += voucher_expire(voucher_id=voucher_id, now=now)
        last_id = ids[-1]


def voucher_certificate_pdf(voucher: Voucher) -> bytes:
    region = voucher.issuing_region
    return certificate_pdf(
        title_zh="创新券凭证",
        title_en="Innovation Voucher Certificate",
        rows=[
            ("持券企业", "Holder", f"{voucher.enterprise.name}"),
            ("统一社会信用代码", "Credit code", voucher.enterprise.credit_code),
            ("券号", "Serial", voucher.serial),
            ("面额", "Face value", money(voucher.face_value)),
            (
                "有效期",
                "Valid",
                f"{timezone.localtime(voucher.issued_at):%Y-%m-%d} – "
                f"{timezone.localtime(voucher.expires_at):%Y-%m-%d}",
            ),
            ("发券地区", "Issuing district", f"{region.name_zh} {region.name}"),
            ("跨区域使用", "Cross-region", "是 Yes" if voucher.cross_region else "否 No"),
        ],
        verify_url=f"{settings.PORTAL_BASE_URL}/verify/{voucher.serial}/",
    )


def voucher_certificate_generate(*, voucher_id: int) -> Voucher:
    """(Re)draw the certificate PDF and store it. Safe to repeat: the file is replaced."""
    voucher = Voucher.objects.select_related("enterprise", "issuing_region").get(pk=voucher_id)
    content = voucher_certificate_pdf(voucher)
    old_name = voucher.certificate_pdf.name
    voucher.certificate_pdf.save(f"{voucher.serial}.pdf", ContentFile(content), save=False)
    # Only the file column: a concurrent balance change must not be overwritten.
    Voucher.objects.filter(pk=voucher.pk).update(certificate_pdf=voucher.certificate_pdf.name)
    if old_name and old_name != voucher.certificate_pdf.name:
        voucher.certificate_pdf.storage.delete(old_name)
    return voucher
