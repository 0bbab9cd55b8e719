"""An enterprise corrects what it registered. Until it is verified it may correct every
sign-up field (a refusal usually names a mistake in it); after that its identity stays as the
district verified it, and only its contact, industry and size change."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from portal.codes import clean_credit_code
from portal.edits import check_not_edited_meanwhile
from portal.errors import InvalidTransition, NotAllowed, ValidationFailed
from portal.links import portal_url
from portal.notifications import notify_after_commit
from providers.services.inputs import required_text, text_within
from regions.models import AuditEntry, Region, User
from regions.selectors import official_emails
from regions.services import audit_record
from regions.statistics import statistics_changed
from vouchers.models import Enterprise
from vouchers.services.enterprises import refuse_if_closed, shown_name
from vouchers.services.related_parties import clean_phone

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
        value = _limited(shown_name(value, field=field), field=field)
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
    refuse_if_closed(enterprise)
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
