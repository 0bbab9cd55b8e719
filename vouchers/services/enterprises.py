"""Enterprises sign up (or are registered through the API) and district officials verify them
or refuse them, saying why, and close a refused registration for good. Until it is verified
the enterprise corrects what it registered (a refusal usually names a mistake in it); after
that its identity stays as the district verified it."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.codes import clean_credit_code
from portal.edits import check_not_edited_meanwhile
from portal.errors import InvalidTransition, NotAllowed, ValidationFailed
from portal.links import portal_url
from portal.notifications import notify_after_commit
from portal.security import refuse_format_characters, shown_text
from providers.services.inputs import required_text, text_within
from regions.accounts import check_email_unused, clean_username, end_account
from regions.models import AuditEntry, Region, User
from regions.selectors import official_emails
from regions.services import audit_record
from regions.statistics import statistics_changed
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
        fields[name_field] = _shown_name(fields.get(name_field), field=name_field)
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


def _shown_name(value, *, field: str) -> str:
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
    _refuse_closed(enterprise)
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
    _refuse_closed(enterprise)
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


def _refuse_closed(enterprise: Enterprise) -> None:
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
    _refuse_closed(enterprise)
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


# --- correcting the registration ------------------------------------------------------------

# What the sign-up form asked, in its order: what the enterprise may correct until verified.
REGISTRATION_FIELDS = (
    "name",
    "name_zh",
    "credit_code",
    "region",
    "industry",
    "size",
    "contact_name",
    "contact_phone",
    "contact_email",
)
# Who the enterprise is: once a district verified it, its vouchers, certificates and the
# providers' claims name it by these, and the district that verified it is the one that pays.
LOCKED_ONCE_VERIFIED = ("name", "name_zh", "credit_code", "region")


def locked_once_verified_message() -> str:
    return _(
        "The enterprise is verified: its name, Chinese name, unified social credit code and "
        "district can no longer be changed, because its vouchers and claims depend on them. "
        "If one of them is wrong, contact the district office."
    )


def credit_code_taken_message() -> str:
    return _(
        "Another open registration uses this unified social credit code. Check the code on "
        "the business licence; if it is right, contact the district office."
    )


def may_correct_registration(user, enterprise: Enterprise) -> bool:
    """Only the enterprise's own users correct its registration (officials decide on it)."""
    return bool(user.is_enterprise and user.enterprise_id == enterprise.pk)


def _limited(value: str, *, field: str) -> str:
    return text_within(value, limit=Enterprise._meta.get_field(field).max_length, field=field)


def _registration_value(field: str, value):
    """One field of the registration checked as sign-up checks it (names as a reader sees
    them, the code with its check character, the phone as people write one); a refusal names
    its field."""
    if field in ("name", "name_zh", "contact_name"):
        value = _limited(_shown_name(value, field=field), field=field)
        if not value and field == "name":
            raise ValidationFailed(_("Enter the enterprise's name."), field=field, code="required")
        if not value and field == "contact_name":
            raise ValidationFailed(
                _("Enter the name of the contact person."), field=field, code="required"
            )
        return value
    if field == "industry":
        message = _("Enter the enterprise's industry.")
        return _limited(required_text(value, field=field, message=message), field=field)
    if field == "credit_code":
        return clean_credit_code(value)
    if field == "region":
        if not isinstance(value, Region):
            raise ValidationFailed(_("Choose the district."), field=field)
        return value
    if field == "size":
        if value not in Enterprise.Size.values:
            raise ValidationFailed(_("Choose the enterprise's size."), field=field)
        return value
    if field == "contact_phone":
        return clean_phone(value)
    email = str(value or "").strip()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValidationFailed(
            _("Enter a valid e-mail address."), field=field, code="invalid_email"
        ) from None
    return _limited(email, field=field)


def _stored(field: str, value) -> str:
    """A value as the audit trail keeps it: the district by its code."""
    return value.code if isinstance(value, Region) else str(value)


@transaction.atomic(durable=True)
def enterprise_registration_correct(
    *, enterprise: Enterprise, actor: User, edited_from: str = "", **values
) -> Enterprise:
    """The enterprise's own users correct what it registered (`REGISTRATION_FIELDS`; those
    left out keep their values), with sign-up's checks. While the district has not verified
    it, refused or waiting, every field; once verified, not its identity
    (`LOCKED_ONCE_VERIFIED`: 409). The audit entry lists each change, before and after, which
    the district reads in its queue ("corrected since the refusal").

    A new district moves the registration to that district's queue: the officials of the
    old one no longer see it, those of the new one are told of a registration waiting.
    `edited_from`: the values the page was opened with (a colleague's save since is not
    undone)."""
    if not may_correct_registration(actor, enterprise):
        raise NotAllowed(_("Only the enterprise's own users may correct its registration."))
    unknown = set(values) - set(REGISTRATION_FIELDS)
    if unknown:
        raise TypeError(f"not fields of the registration: {sorted(unknown)}")
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    _refuse_closed(enterprise)
    check_not_edited_meanwhile(enterprise, REGISTRATION_FIELDS, edited_from)
    current = {field: getattr(enterprise, field) for field in REGISTRATION_FIELDS}
    # A value sent as it is stored is no change and is not checked again: a record loaded
    # before today's checks keeps its contact editable.
    cleaned = {
        field: _registration_value(field, value)
        for field, value in values.items()
        if _stored(field, value) != _stored(field, current[field])
    }
    changed = [
        field
        for field in REGISTRATION_FIELDS
        if field in cleaned and _stored(field, cleaned[field]) != _stored(field, current[field])
    ]
    if not changed:
        return enterprise
    if enterprise.is_verified:
        locked = [field for field in changed if field in LOCKED_ONCE_VERIFIED]
        if locked:
            raise InvalidTransition(
                locked_once_verified_message(), field=locked[0], code="locked_once_verified"
            )
    if "credit_code" in changed and (
        Enterprise.objects.filter(credit_code=cleaned["credit_code"], closed_at__isnull=True)
        .exclude(pk=enterprise.pk)
        .exists()
    ):
        raise ValidationFailed(
            credit_code_taken_message(), field="credit_code", code="duplicate_credit_code"
        )
    for field in changed:
        setattr(enterprise, field, cleaned[field])
    try:
        # A savepoint: a registration that took the code meanwhile rolls back only this save.
        with transaction.atomic():
            enterprise.save(update_fields=changed)
    except IntegrityError:
        raise ValidationFailed(
            credit_code_taken_message(), field="credit_code", code="duplicate_credit_code"
        ) from None
    audit_record(
        actor=actor,
        obj=enterprise,
        action=AuditEntry.Action.UPDATE,
        data={
            "changes": [
                {
                    "field": field,
                    "before": _stored(field, current[field]),
                    "after": _stored(field, cleaned[field]),
                }
                for field in changed
            ]
        },
    )
    if "region" in changed and not enterprise.is_rejected:
        region = enterprise.region
        notify_after_commit(
            recipients=official_emails(region.id),
            email="vouchers/enterprise_registered",
            context=lambda: {
                "name": enterprise.display_name,
                "code": enterprise.credit_code,
                "region": region.display_name,
                "url": portal_url("enterprises-to-verify"),
            },
        )
    if enterprise.is_verified and {"industry", "size"} & set(changed):
        statistics_changed()  # the open statistics count the enterprises served by both
    return enterprise


def registration_corrections(enterprises) -> dict[int, dict]:
    """What each enterprise's users corrected in its registration since the district last
    refused it (or since it registered, if never refused), as the district's queue shows it:
    {id: {"refused": bool, "changes": [{"field", "before", "after"}]}}, one change per field
    from the value before its first correction to the value now (a field corrected and put
    back is left out), the district by its name and the size by its label. One query."""
    ids = [str(enterprise.pk) for enterprise in enterprises]
    if not ids:
        return {}
    found = {int(pk): {"refused": False, "changes": {}} for pk in ids}
    entries = (
        AuditEntry.objects.filter(
            object_type=Enterprise._meta.label_lower,
            object_id__in=ids,
            action__in=[AuditEntry.Action.REJECT, AuditEntry.Action.UPDATE],
        )
        .order_by("at", "id")
        .values_list("object_id", "action", "data")
    )
    for object_id, action, data in entries:
        corrections = found[int(object_id)]
        if action == AuditEntry.Action.REJECT:
            corrections["refused"], corrections["changes"] = True, {}
            continue
        recorded = data.get("changes", []) if isinstance(data, dict) else []
        for change in recorded:
            field = change.get("field")
            first = corrections["changes"].get(field)
            corrections["changes"][field] = {
                "field": field,
                "before": first["before"] if first else change.get("before", ""),
                "after": change.get("after", ""),
            }
    regions = None
    for corrections in found.values():
        changes = [c for c in corrections["changes"].values() if c["before"] != c["after"]]
        if any(c["field"] == "region" for c in changes) and regions is None:
            regions = {r.code: r.display_name for r in Region.objects.all()}
        corrections["changes"] = [_shown_change(c, regions) for c in changes]
    return found


def _shown_change(change: dict, regions: dict | None) -> dict:
    def shown(value):
        if change["field"] == "region":
            return (regions or {}).get(value, value)
        if change["field"] == "size" and value in Enterprise.Size.values:
            return str(Enterprise.Size(value).label)
        return value

    return {**change, "before": shown(change["before"]), "after": shown(change["after"])}
