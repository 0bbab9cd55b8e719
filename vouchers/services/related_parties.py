"""Related parties: who an enterprise and a provider are (legal representative, registered
address, contact phone), the relations an enterprise declares or an official of its district
finds, and the comparison the order check makes between the two parties' details.

A declared relation refuses orders between the two (providers/services/orders.py); shared
details only raise a `related_party` risk flag for an official to clear (providers/services/risk.py).
"""

import re
import unicodedata

from django.db import IntegrityError, transaction
from django.db.models import Subquery
from django.db.models.functions import Trim, Upper
from django.http import Http404
from django.utils.translation import gettext as _

from portal.codes import normalise_credit_code
from portal.edits import check_not_edited_meanwhile
from portal.errors import InvalidTransition, NotAllowed, ValidationFailed
from regions.models import AuditEntry, User
from regions.services import audit_record
from vouchers.models import Enterprise, RelatedParty

# The details both kinds of party record, with their limits (the models' max_length).
PARTY_DETAIL_LIMITS = {
    "legal_representative": 100,
    "registered_address": 300,
    "contact_phone": 32,
}


# A phone as people write one in China: digits with spaces, +, -, parentheses, slashes or
# dots between them, and an extension after 转 or "ext"; full-width forms count as their
# half-width ones. Anything else (markup, letters) is not a phone and would only blur the
# related-party comparison, which reads the digits.
PHONE = re.compile(r"\+?[0-9][0-9 ()./-]*(?:\s*(?:转|ext\.?|x)\s*[0-9]+)?", re.IGNORECASE)


def has_format_characters(value: str) -> bool:
    """Invisible format characters (Unicode category Cf): right-to-left overrides that make a
    name read as another, zero-width spaces that make two equal names differ."""
    return any(unicodedata.category(ch) == "Cf" for ch in value)


def clean_phone(value, *, field: str = "contact_phone") -> str:
    """A contact phone, normalised to half-width and single spaces; empty is allowed."""
    phone = " ".join(unicodedata.normalize("NFKC", str(value or "")).split())
    if len(phone) > PARTY_DETAIL_LIMITS["contact_phone"]:
        raise ValidationFailed(
            _("At most %(limit)s characters.") % {"limit": PARTY_DETAIL_LIMITS["contact_phone"]},
            field=field,
        )
    if phone and not PHONE.fullmatch(phone):
        raise ValidationFailed(
            _("Enter a phone number: digits, with spaces, +, - or brackets between them."),
            field=field,
            code="invalid_phone",
        )
    return phone


def clean_party_details(**values) -> dict[str, str]:
    """The three details, stripped and within their limits (400 naming the field if not)."""
    cleaned = {}
    for field, limit in PARTY_DETAIL_LIMITS.items():
        value = " ".join(str(values.get(field) or "").split())
        if "\x00" in value:
            raise ValidationFailed(_("This value contains a NUL character."), field=field)
        if has_format_characters(value):
            raise ValidationFailed(
                _("This value contains invisible formatting characters."), field=field
            )
        if len(value) > limit:
            raise ValidationFailed(
                _("At most %(limit)s characters.") % {"limit": limit}, field=field
            )
        cleaned[field] = clean_phone(value, field=field) if field == "contact_phone" else value
    return cleaned


def party_details_record(*, party, actor: User, values: dict):
    """Store on a locked enterprise or provider row the details that changed, and audit them
    (before and after); nothing changed writes nothing. `values["edited_from"]`: the details
    the page was opened with (a colleague's save since is not undone)."""
    values = dict(values)
    check_not_edited_meanwhile(party, PARTY_DETAIL_LIMITS, values.pop("edited_from", ""))
    cleaned = clean_party_details(**values)
    before = {field: getattr(party, field) for field in cleaned}
    changed = {field: value for field, value in cleaned.items() if before[field] != value}
    if changed:
        for field, value in changed.items():
            setattr(party, field, value)
        party.save(update_fields=list(changed))
        audit_record(
            actor=actor,
            obj=party,
            action=AuditEntry.Action.RECORD,
            data={"before": {field: before[field] for field in changed}, "after": changed},
        )
    return party


# --- comparing the two parties -------------------------------------------------------------


def _folded(value: str) -> str:
    """Full-width to half-width, case folded, without spaces or punctuation: 上海市 杨浦区
    and 上海市杨浦区, "Zhang Wei" and "zhang  wei." compare equal."""
    text = unicodedata.normalize("NFKC", value or "").casefold()
    return "".join(ch for ch in text if ch.isalnum())


def normalise_phone(value: str) -> str:
    """Digits only, without the country code and the trunk zero: "+86 21 6512-3456",
    "021 65123456" and "(86) 021-6512 3456" compare equal."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", value or ""))
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) >= 12:
        digits = digits[2:]
    return digits.lstrip("0")


NORMALISERS = {
    "legal_representative": _folded,
    "registered_address": _folded,
    "contact_phone": normalise_phone,
}


def shared_details(enterprise, provider) -> list[dict]:
    """The details an enterprise and a provider have in common once normalised (empty values
    never match): [{"field", "enterprise", "provider"}], the values as each party recorded them."""
    shared = []
    for field, normalise in NORMALISERS.items():
        ours, theirs = getattr(enterprise, field, ""), getattr(provider, field, "")
        if normalise(ours) and normalise(ours) == normalise(theirs):
            shared.append({"field": field, "enterprise": ours, "provider": theirs})
    return shared


# --- writes ---------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def enterprise_details_update(*, enterprise: Enterprise, actor: User, **values) -> Enterprise:
    """The enterprise's own users record its legal representative, address and phone."""
    if not (actor.is_enterprise and actor.enterprise_id == enterprise.pk):
        raise NotAllowed(_("Only the enterprise's own users may change its details."))
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    return party_details_record(party=enterprise, actor=actor, values=values)


def _enterprise_in_scope(actor: User, enterprise_id) -> Enterprise:
    """The enterprise a relation is declared for: the actor's own, or one of the official's
    district (404 outside it, as for every object a user may not see)."""
    if actor.is_enterprise:
        if not actor.enterprise_id or (enterprise_id and int(enterprise_id) != actor.enterprise_id):
            raise Http404(_("No such enterprise."))
        return Enterprise.objects.select_for_update().get(pk=actor.enterprise_id)
    if actor.is_official:
        if not enterprise_id:
            raise ValidationFailed(_("Choose the enterprise."), field="enterprise")
        enterprise = (
            Enterprise.objects.select_for_update()
            .filter(pk=enterprise_id, region_id=actor.region_id)
            .first()
        )
        if enterprise is None:
            raise Http404(_("No such enterprise."))
        return enterprise
    raise NotAllowed(_("Only the enterprise or an official of its district records relations."))


def is_related_party(*, enterprise_id: int, provider_id: int) -> bool:
    """Has the enterprise (or an official of its district) declared this provider related?
    One query: the provider's credit code is compared as normalise_credit_code writes it."""
    from providers.models import Provider

    code = Provider.objects.filter(pk=provider_id).values("credit_code")[:1]
    return RelatedParty.objects.filter(
        enterprise_id=enterprise_id, credit_code=Upper(Trim(Subquery(code)))
    ).exists()


def related_party_refusal(provider) -> str:
    """Why a claim or an approval is refused once the two parties are declared related: the
    declaration holds for orders placed before it too."""
    return _(
        "%(name)s is a declared related party of the enterprise that ordered; its vouchers "
        "cannot pay it."
    ) % {"name": provider.display_name}


@transaction.atomic(durable=True)
def related_party_declare(
    *, actor: User, provider, relation: str, enterprise_id: int | None = None
) -> RelatedParty:
    """An enterprise declares a provider it is related to, or an official of the enterprise's
    district records one found. From then on the enterprise's vouchers cannot pay it: its
    orders with the provider not yet delivered are cancelled, both parties told."""
    from providers.services.delivery import orders_cancel_for_related_party

    if relation not in RelatedParty.Relation.values:
        raise ValidationFailed(_("Choose the kind of relation."), field="relation")
    if provider is None:
        raise ValidationFailed(_("Choose the provider."), field="provider")
    enterprise = _enterprise_in_scope(actor, enterprise_id)
    code = normalise_credit_code(provider.credit_code)
    if code == normalise_credit_code(enterprise.credit_code):
        raise ValidationFailed(
            _("The provider has the enterprise's own credit code: it is the same party."),
            field="provider",
            code="own_provider",
        )
    exists = _("%(name)s is already recorded as a related party of %(enterprise)s.") % {
        "name": provider.display_name,
        "enterprise": enterprise.display_name,
    }
    if exists.endswith(".."):  # "... Co., Ltd.." : the name's full stop ends the sentence
        exists = exists[:-1]
    if RelatedParty.objects.filter(enterprise=enterprise, credit_code=code).exists():
        raise InvalidTransition(exists, code="already_related")
    try:
        with transaction.atomic():
            party = RelatedParty.objects.create(
                enterprise=enterprise,
                provider=provider,
                credit_code=code,
                name=provider.name,
                relation=relation,
                declared_by=actor,
            )
    except IntegrityError:
        raise InvalidTransition(exists, code="already_related") from None
    cancelled = orders_cancel_for_related_party(
        enterprise_id=enterprise.pk, provider=provider, actor=actor
    )
    audit_record(
        actor=actor,
        obj=enterprise,
        action=AuditEntry.Action.DECLARE,
        reason=provider.name,
        data={
            "related_party": party.pk,
            "provider": provider.pk,
            "credit_code": code,
            "relation": relation,
            "orders_cancelled": cancelled,
        },
    )
    return party
