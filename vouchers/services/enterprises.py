"""Enterprises sign up (or are registered through the API) and district officials verify them
or refuse them, saying why, and close a refused registration for good. The enterprise
corrects what it registered in `registration`."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.codes import clean_credit_code
from portal.errors import InvalidTransition, NotAllowed, ValidationFailed
from portal.links import portal_url
from portal.notifications import notify_after_commit
from portal.security import refuse_format_characters, shown_text
from providers.services.inputs import required_text, text_within
from regions.accounts import check_email_unused, clean_username, end_account
from regions.models import AuditEntry, Region, User
from regions.selectors import official_emails
from regions.services import audit_record
from vouchers import permissions
from vouchers.models import Enterprise
from vouchers.services.related_parties import clean_phone

ENTERPRISE_FIELDS = (
    "name",
    "name_zh",
    "industry",
    "size",
    "contact_name",
    "contact_phone",
    "contact_email",
)


def _enterprise_insert(
    *, credit_code: str, region: Region, actor, audited: bool = True, **fields
) -> Enterprise:
    code = clean_credit_code(credit_code)
    duplicate = _(
        "An enterprise with this unified social credit code is already registered. "
        "Ask a colleague with an account to add you (Colleagues, on the enterprise's dashboard), "
        "or contact the district office."
    )
    if Enterprise.objects.filter(credit_code=code, closed_at__isnull=True).exists():
        raise ValidationFailed(duplicate, field="credit_code", code="duplicate_credit_code")
    fields["contact_phone"] = clean_phone(fields.get("contact_phone"))
    for name_field in ("name", "name_zh", "contact_name"):
        fields[name_field] = shown_name(fields.get(name_field), field=name_field)
    if not fields["name"]:
        # A name of zero-width characters alone would be a blank line in every list.
        raise ValidationFailed(_("Enter the enterprise's name."), field="name", code="required")
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
    if audited:
        _registered(enterprise, actor)
    notify_after_commit(
        recipients=official_emails(region.id),
        email="vouchers/enterprise_registered",
        context=lambda: {
            "name": enterprise.display_name,
            "code": code,
            "region": region.display_name,
            "url": portal_url("enterprises-to-verify"),
        },
    )
    return enterprise


@transaction.atomic(durable=True)
def enterprise_register(
    *,
    username: str,
    password: str,
    email: str = "",
    credit_code: str,
    region: Region,
    **fields,
) -> tuple[User, Enterprise]:
    """Browser sign-up: a user account with role=enterprise and its (unverified) enterprise,
    both or neither. One e-mail address belongs to one account: the form checks it, and this
    again with the address locked (`check_email_unused`), for two sign-ups at once."""
    username = clean_username(username)
    email = email or fields.get("contact_email", "")
    check_email_unused(email)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed(_("This user name is taken."), field="username")
    enterprise = _enterprise_insert(
        credit_code=credit_code, region=region, actor=None, audited=False, **fields
    )
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=username,
                password=password,
                email=email,
                # The person signing up is the contact the form asks for: histories and
                # comments name them (张三) rather than the user name they chose.
                first_name=(fields.get("contact_name") or "")[:150],
                role=User.Role.ENTERPRISE,
                enterprise=enterprise,
            )
    except IntegrityError:
        raise ValidationFailed(_("This user name is taken."), field="username") from None
    # Recorded once the account exists: the history named "the system" as the registrant.
    _registered(enterprise, user)
    return user, enterprise


def shown_name(value, *, field: str) -> str:
    """Shown text first (a name of zero-width characters alone is empty, and required), then
    no invisible character inside: "李\u200b四" read as 李四 but was another name."""
    return refuse_format_characters(shown_text(value, field=field), field=field)


def _registered(enterprise: Enterprise, actor: User | None) -> None:
    audit_record(
        actor=actor, obj=enterprise, action=AuditEntry.Action.REGISTER, to_status="unverified"
    )


@transaction.atomic(durable=True)
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


@transaction.atomic(durable=True)
def enterprise_verify(*, enterprise: Enterprise, actor: User) -> Enterprise:
    if not permissions.can_verify_enterprise(actor, enterprise):
        raise NotAllowed(_("Only an official of the enterprise's district may verify it."))
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if enterprise.verified_at is not None:
        raise InvalidTransition(_("This enterprise is already verified."))
    refuse_if_closed(enterprise)
    from_status = "rejected" if enterprise.is_rejected else "unverified"
    enterprise.verified_at = timezone.now()
    enterprise.verified_by = actor
    enterprise.save(update_fields=["verified_at", "verified_by"])
    audit_record(
        actor=actor,
        obj=enterprise,
        action=AuditEntry.Action.VERIFY,
        from_status=from_status,
        to_status="verified",
    )
    notify_after_commit(
        recipients=[enterprise.contact_email],
        email="vouchers/enterprise_verified",
        context=lambda: {
            "name": enterprise.display_name,
            "url": portal_url("enterprise-dashboard"),
        },
    )
    return enterprise


REJECTION_REASON_MAX = 2000


@transaction.atomic(durable=True)
def enterprise_reject(*, enterprise: Enterprise, actor: User, reason: str) -> Enterprise:
    """The district refuses a registration it cannot verify, saying why; the enterprise reads
    the reason, corrects what it can and asks for review again (`enterprise_review_again`)."""
    if not permissions.can_verify_enterprise(actor, enterprise):
        raise NotAllowed(_("Only an official of the enterprise's district may decide on it."))
    reason = text_within(
        required_text(
            reason,
            field="reason",
            message=_("Say why the registration is refused: the enterprise reads it."),
        ),
        limit=REJECTION_REASON_MAX,
        field="reason",
    )
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if enterprise.verified_at is not None:
        raise InvalidTransition(_("This enterprise is already verified."))
    if enterprise.rejected_at is not None:
        raise InvalidTransition(_("This registration is refused already."), code="already_rejected")
    enterprise.rejected_at = timezone.now()
    enterprise.rejected_by = actor
    enterprise.rejection_reason = reason
    enterprise.save(update_fields=["rejected_at", "rejected_by", "rejection_reason"])
    audit_record(
        actor=actor,
        obj=enterprise,
        action=AuditEntry.Action.REJECT,
        from_status="unverified",
        to_status="rejected",
        reason=reason,
    )
    notify_after_commit(
        recipients=[enterprise.contact_email],
        email="vouchers/enterprise_rejected",
        context=lambda: {"name": enterprise.display_name, "reason": reason},
    )
    return enterprise


@transaction.atomic(durable=True)
def enterprise_review_again(*, enterprise: Enterprise, actor: User) -> Enterprise:
    """The enterprise whose registration was refused asks its district to look again: it is
    back in the officials' queue."""
    if not (actor.is_enterprise and actor.enterprise_id == enterprise.pk):
        raise NotAllowed(_("Only the enterprise itself asks for its review."))
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    refuse_if_closed(enterprise)
    if not enterprise.is_rejected:
        raise InvalidTransition(
            _("This registration is not refused: it waits for the district or is verified."),
            code="not_rejected",
        )
    enterprise.rejected_at = None
    enterprise.rejected_by = None
    enterprise.save(update_fields=["rejected_at", "rejected_by"])
    audit_record(
        actor=actor,
        obj=enterprise,
        action=AuditEntry.Action.SUBMIT,
        from_status="rejected",
        to_status="unverified",
    )
    return enterprise


def refuse_if_closed(enterprise: Enterprise) -> None:
    if enterprise.is_closed:
        raise InvalidTransition(
            _("This registration is closed: the enterprise registers again."), code="closed"
        )


@transaction.atomic(durable=True)
def enterprise_close(*, enterprise: Enterprise, actor: User) -> Enterprise:
    """The district closes a registration it refused, for good: its accounts are deactivated
    and its credit code is free again. An impostor's refused registration otherwise kept the
    real firm's code, and the firm could never register."""
    if not permissions.can_verify_enterprise(actor, enterprise):
        raise NotAllowed(_("Only an official of the enterprise's district may decide on it."))
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    refuse_if_closed(enterprise)
    if not enterprise.is_rejected:
        raise InvalidTransition(
            _("Only a refused registration can be closed: refuse it first, saying why."),
            code="not_rejected",
        )
    enterprise.closed_at = timezone.now()
    enterprise.closed_by = actor
    enterprise.save(update_fields=["closed_at", "closed_by"])
    reason = _("The registration of the enterprise was closed.")
    # Every account locked, the inactive ones too: a reactivation committed while this waited
    # is then seen here, and ended (a later one is refused: regions.accounts).
    for account in User.objects.select_for_update().filter(enterprise=enterprise).order_by("pk"):
        if account.is_active:
            end_account(actor=actor, account=account, reason=reason)
    audit_record(
        actor=actor,
        obj=enterprise,
        action=AuditEntry.Action.CLOSE,
        from_status="rejected",
        to_status="closed",
    )
    return enterprise
