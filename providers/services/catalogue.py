"""A provider's catalogue: the services (and shared instruments) it lists on its profile."""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.edits import check_not_edited_meanwhile
from portal.errors import InvalidTransition, NotAllowed, ValidationFailed
from portal.money import parse_money
from portal.security import shown_text
from providers import permissions
from providers.models import ServiceCategory, ServiceOffering
from providers.services.inputs import required_text
from regions.models import AuditEntry, User
from regions.services import audit_record

# What the edit page changes (`active` has its own switch on the list page).
OFFERING_FORM_FIELDS = [f for f in ServiceOffering.EDITABLE_FIELDS if f != "active"]

OFFERING_FIELDS = ServiceOffering.EDITABLE_FIELDS
# Said by this service and by the page's form, which refuses the same before it gets here.
LEAD_TIME_TOO_LONG = gettext_lazy("Enter a lead time of at most %(limit_value)s days (ten years).")
INSTRUMENT_HOURS_TOO_MANY = gettext_lazy(
    "A month has at most %(limit_value)s hours: enter the hours the instrument is open."
)


def _clean_offering(fields: dict) -> dict:
    cleaned = {}
    for key, value in fields.items():
        if key not in OFFERING_FIELDS:
            raise ValidationFailed(_("Unknown field."), field=key)
        cleaned[key] = value
    if "title" in cleaned:
        cleaned["title"] = required_text(
            cleaned["title"], field="title", message=_("Give the service a title.")
        )
    if "category" in cleaned and cleaned["category"] is None:
        raise ValidationFailed(_("Choose a service category."), field="category")
    if cleaned.get("indicative_price") not in (None, ""):
        cleaned["indicative_price"] = parse_money(
            cleaned["indicative_price"], field="indicative_price", allow_zero=True
        )
    elif "indicative_price" in cleaned:
        cleaned["indicative_price"] = None
    if cleaned.get("hourly_rate") not in (None, ""):
        cleaned["hourly_rate"] = parse_money(cleaned["hourly_rate"], field="hourly_rate")
    elif "hourly_rate" in cleaned:
        cleaned["hourly_rate"] = None
    for key in ("lead_time_days", "instrument_hours"):
        if key in cleaned and cleaned[key] is not None and int(cleaned[key]) < 0:
            raise ValidationFailed(_("Enter a number of zero or more."), field=key)
    if cleaned.get("lead_time_days") is not None:
        limit = ServiceOffering.LEAD_TIME_MAX_DAYS
        if int(cleaned["lead_time_days"]) > limit:
            raise ValidationFailed(
                LEAD_TIME_TOO_LONG % {"limit_value": limit},
                field="lead_time_days",
                code="max_value",
            )
    if "description" in cleaned:
        cleaned["description"] = shown_text(cleaned["description"], field="description")
    return cleaned


def _check_instrument_hours(is_instrument: bool, hours) -> None:
    """A shared instrument says how many hours a month it is open: its page showed "— hours
    a month", and enterprises could not tell whether it could be booked at all."""
    if is_instrument and not hours:
        raise ValidationFailed(
            _(
                "Say how many hours a month the shared instrument is open for bookings (at least 1)."
            ),
            field="instrument_hours",
        )
    limit = ServiceOffering.INSTRUMENT_HOURS_MAX
    if is_instrument and int(hours) > limit:
        raise ValidationFailed(
            INSTRUMENT_HOURS_TOO_MANY % {"limit_value": limit},
            field="instrument_hours",
            code="max_value",
        )


def publishing_refusal(provider) -> str:
    """Why the provider may not publish a new service, or "": a suspended or revoked
    provider takes no orders, and a new service would be listed for nobody to order. One
    still applying prepares its services. The pages say it instead of offering the form."""
    if provider.status in (provider.Status.SUSPENDED, provider.Status.REVOKED):
        return _("Your provider is %(status)s: it publishes no new services.") % {
            "status": provider.get_status_display().lower()
        }
    return ""


def _check_may_publish(provider) -> None:
    refusal = publishing_refusal(provider)
    if refusal:
        raise InvalidTransition(refusal, code="provider_not_certified")


@transaction.atomic(durable=True)
def offering_create(*, actor: User, category: ServiceCategory, title: str, **fields):
    """A provider adds a service (or a shared instrument with its monthly hours)."""
    if not permissions.can_manage_offerings(actor):
        raise NotAllowed(_("Only a provider can offer services."))
    _check_may_publish(actor.provider)
    cleaned = _clean_offering({"category": category, "title": title, **fields})
    if not cleaned.get("is_instrument"):
        cleaned["instrument_hours"] = None
        cleaned["hourly_rate"] = None
    _check_instrument_hours(cleaned.get("is_instrument"), cleaned.get("instrument_hours"))
    offering = ServiceOffering.objects.create(provider_id=actor.provider_id, **cleaned)
    audit_record(
        actor=actor, obj=offering, action=AuditEntry.Action.CREATE, data={"title": offering.title}
    )
    return offering


@transaction.atomic(durable=True)
def offering_update(
    *, offering: ServiceOffering, actor: User, edited_from: str = "", **fields
) -> ServiceOffering:
    """Change a listed service; `active=False` withdraws it from the profile (orders that
    named it keep their record). `edited_from`: the values the edit form was opened with."""
    if not permissions.can_manage_offering(actor, offering):
        raise NotAllowed(_("Only the provider of this service can change it."))
    offering = ServiceOffering.objects.select_for_update().get(pk=offering.pk)
    check_not_edited_meanwhile(offering, OFFERING_FORM_FIELDS, edited_from)
    cleaned = _clean_offering(fields)
    for key, value in cleaned.items():
        setattr(offering, key, value)
    if not offering.is_instrument:
        offering.instrument_hours = None
        offering.hourly_rate = None
    _check_instrument_hours(offering.is_instrument, offering.instrument_hours)
    offering.save()
    audit_record(
        actor=actor,
        obj=offering,
        action=AuditEntry.Action.UPDATE,
        data={k: str(getattr(v, "pk", v)) for k, v in cleaned.items()},
    )
    return offering
