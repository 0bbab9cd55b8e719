"""Applying for certification and the officials' decisions on a provider: certify (or
reinstate), reject, suspend, revoke. The certificates those decisions issue and move are in
providers.services.certificates.

A provider's certificates follow its decisions: suspending the provider suspends its valid
certificate, reinstating it makes that certificate valid again, revoking it revokes them all.
"""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.codes import clean_credit_code
from portal.errors import InvalidTransition, NotAllowed, ValidationFailed
from portal.files import DOCUMENT_KINDS, check_upload, original_name
from portal.links import portal_url
from portal.notifications import notify_after_commit
from portal.security import refuse_hidden_controls, shown_text
from portal.states import check_transition
from providers import permissions
from providers.models import (
    Provider,
    ProviderCertificate,
    ProviderNotice,
    ProviderQualification,
    ServiceCategory,
)
from providers.selectors import provider_emails
from providers.services.certificates import (
    certificate_issue,
    certificate_reinstate,
    certificate_revoke,
    certificate_suspend,
    certificate_verify_url,
)
from providers.services.delivery import orders_cancel_for_revoked_provider
from providers.services.inputs import required_reason, required_text, stored_name, text_within
from providers.services.notices import notice_open, notice_withdraw
from regions.accounts import check_email_unused, clean_username
from regions.models import AuditEntry, Region, User
from regions.selectors import official_emails
from regions.services import audit_record
from vouchers.services.related_parties import clean_phone

# --- applying --------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def provider_apply(
    *,
    actor: User,
    name: str,
    credit_code: str,
    region: Region,
    kind: str,
    categories: list[ServiceCategory],
    name_zh: str = "",
    description: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    qualifications: list = (),
) -> Provider:
    """A provider user without a provider applies for certification by its district."""
    return _apply(
        actor=actor,
        name=name,
        credit_code=credit_code,
        region=region,
        kind=kind,
        categories=categories,
        name_zh=name_zh,
        description=description,
        contact_email=contact_email,
        contact_phone=contact_phone,
        qualifications=qualifications,
    )


def _apply(
    *,
    actor: User,
    name: str,
    credit_code: str,
    region: Region,
    kind: str,
    categories: list[ServiceCategory],
    name_zh: str,
    description: str,
    contact_email: str,
    contact_phone: str,
    qualifications: list,
) -> Provider:
    """Applying, inside the transaction of provider_apply or provider_register."""
    if not (actor and actor.is_authenticated and actor.is_provider):
        raise NotAllowed(_("Only a provider account can apply for certification."))
    caller = actor
    actor = User.objects.select_for_update().get(pk=actor.pk)
    if actor.provider_id is not None:
        raise InvalidTransition(
            _("This account already belongs to a provider."), code="already_applied"
        )
    name = refuse_hidden_controls(
        required_text(name, field="name", message=_("Enter the provider's legal name.")),
        field="name",
    )
    name_zh = refuse_hidden_controls((name_zh or "").strip(), field="name_zh")
    code = clean_credit_code(credit_code)
    if _credit_code_taken(code):
        raise _duplicate_credit_code()
    if kind not in Provider.Kind.values:
        raise ValidationFailed(_("Choose the kind of provider."), field="kind")
    if region is None:
        raise ValidationFailed(_("Choose the district."), field="region")
    categories = list(categories or [])
    if not categories:
        raise ValidationFailed(
            _("Choose at least one service category."), field="categories", code="required"
        )
    description = text_within(
        shown_text(description, field="description"),
        limit=Provider.DESCRIPTION_MAX_LENGTH,
        field="description",
    )
    kinds = [
        check_upload(f, allowed=DOCUMENT_KINDS, field="qualifications") for f in qualifications
    ]

    try:
        with transaction.atomic():
            provider = Provider.objects.create(
                name=name,
                name_zh=name_zh,
                credit_code=code,
                region=region,
                kind=kind,
                description=description,
                contact_email=(contact_email or "").strip(),
                contact_phone=clean_phone(contact_phone),
                status=Provider.Status.APPLIED,
            )
    except IntegrityError:
        # The same code applied for at the same moment: the constraint chose the first.
        raise _duplicate_credit_code() from None
    provider.categories.set(categories)
    for upload, file_kind in zip(qualifications, kinds, strict=True):
        qualification = ProviderQualification(
            provider=provider,
            title=upload.name[:200],
            original_name=original_name(upload),
            content_type=file_kind.content_type,
            size=upload.size,
        )
        qualification.file.save(stored_name(file_kind), upload, save=False)
        qualification.save()
    actor.provider = provider
    actor.save(update_fields=["provider"])
    caller.provider = provider  # the request's user object sees its provider at once
    audit_record(
        actor=actor,
        obj=provider,
        action=AuditEntry.Action.APPLY,
        to_status=Provider.Status.APPLIED,
        data={"qualifications": [u.name for u in qualifications]},
    )
    notify_after_commit(
        recipients=official_emails(region.pk),
        email="providers/provider_applied",
        context=lambda: {
            "name": provider.display_name,
            "region": region.display_name,
            "url": portal_url("provider-detail", provider.pk),
        },
    )
    return provider


@transaction.atomic(durable=True)
def provider_register(
    *, username: str, email: str, password: str, **application
) -> tuple[User, Provider]:
    """An anonymous visitor: create the provider user account and apply in one go."""
    username = clean_username(
        required_text(username, field="username", message=_("Choose a user name."))
    )
    email = required_text(email, field="email", message=_("Enter your e-mail address."))
    check_email_unused(email)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed(
            _("This user name is taken; choose another."), field="username", code="taken"
        )
    user = User(username=username, email=email, role=User.Role.PROVIDER)
    try:
        validate_password(password, user)
    except DjangoValidationError as error:
        raise ValidationFailed(" ".join(error.messages), field="password") from error
    user.set_password(password)
    user.save()
    application = {
        "name_zh": "",
        "description": "",
        "contact_email": "",
        "contact_phone": "",
        "qualifications": (),
        **application,
    }
    provider = _apply(actor=user, **application)
    user.refresh_from_db()
    return user, provider


# --- the officials' decisions ----------------------------------------------------------------


def _lock_for_decision(provider: Provider, actor: User) -> Provider:
    if not permissions.can_decide_provider(actor, provider):
        raise NotAllowed(_("Only an official of the provider's district can decide on it."))
    return Provider.objects.select_for_update().get(pk=provider.pk)


def _notify_provider(provider: Provider, name: str, context: dict) -> None:
    notify_after_commit(
        recipients=provider_emails(provider.pk),
        email=f"providers/{name}",
        context=lambda: {"name": provider.display_name, **context},
    )


@transaction.atomic(durable=True)
def provider_certify(*, provider: Provider, actor: User) -> ProviderNotice | ProviderCertificate:
    """The official's "certify" decision (page and API). An applied provider is put on public
    notice (returns the notice): it is certified when the notice passes (`notice_conclude`).
    A suspended one is reinstated at once (returns its certificate)."""
    provider = _lock_for_decision(provider, actor)
    if provider.status == Provider.Status.APPLIED:
        return notice_open(provider=provider, actor=actor)
    return _reinstate(provider, actor)


@transaction.atomic(durable=True)
def provider_put_on_notice(*, provider: Provider, actor: User) -> ProviderNotice:
    """applied -> on notice: the public notice starts (the edge on its own)."""
    return notice_open(provider=_lock_for_decision(provider, actor), actor=actor)


@transaction.atomic(durable=True)
def provider_reinstate(*, provider: Provider, actor: User) -> ProviderCertificate:
    """suspended -> certified (the edge on its own)."""
    return _reinstate(_lock_for_decision(provider, actor), actor)


def _reinstate(provider: Provider, actor: User) -> ProviderCertificate:
    """Reinstate a suspended provider: its suspended certificate is valid again while it is in
    date, else a new one is issued. A provider on notice waits for its notice instead."""
    if provider.status == Provider.Status.ON_NOTICE:
        raise InvalidTransition(
            _("This provider is on public notice; it is certified when the notice ends."),
            code="on_notice",
        )
    from_status = check_transition(provider, Provider.Status.CERTIFIED)
    provider.status = Provider.Status.CERTIFIED
    provider.decided_at = timezone.now()
    provider.status_reason = ""
    provider.save(update_fields=["status", "decided_at", "status_reason"])
    reinstating = from_status == Provider.Status.SUSPENDED
    certificate = None
    if reinstating:
        certificate = (
            provider.certificates.select_for_update()
            .filter(
                status=ProviderCertificate.Status.SUSPENDED,
                valid_until__gte=timezone.localdate(),
            )
            .order_by("-issued_at", "-id")
            .first()
        )
    if certificate is None:
        certificate = certificate_issue(provider, actor=actor)
    else:
        certificate_reinstate(certificate=certificate, actor=actor)
    audit_record(
        actor=actor,
        obj=provider,
        action=AuditEntry.Action.REINSTATE if reinstating else AuditEntry.Action.CERTIFY,
        from_status=from_status,
        to_status=provider.status,
        data={"certificate": certificate.serial},
    )
    _notify_provider(
        provider,
        "provider_certified",
        {
            "serial": certificate.serial,
            "until": certificate.valid_until.isoformat(),
            "url": certificate_verify_url(certificate.serial),
        },
    )
    return certificate


def certify_after_notice(*, provider: Provider, notice: ProviderNotice) -> ProviderCertificate:
    """The notice passed (`notice_conclude`, inside its transaction, the provider row locked):
    certify the provider and issue the certificate that records the notice's dates."""
    from_status = check_transition(provider, Provider.Status.CERTIFIED)
    provider.status = Provider.Status.CERTIFIED
    provider.decided_at = timezone.now()
    provider.save(update_fields=["status", "decided_at"])
    certificate = certificate_issue(provider, actor=None, notice=notice)
    audit_record(
        actor=None,
        obj=provider,
        action=AuditEntry.Action.CERTIFY,
        from_status=from_status,
        to_status=provider.status,
        data={"certificate": certificate.serial, "notice": notice.pk},
    )
    _notify_provider(
        provider,
        "provider_certified",
        {
            "serial": certificate.serial,
            "until": certificate.valid_until.isoformat(),
            "url": certificate_verify_url(certificate.serial),
        },
    )
    return certificate


def _decide_with_reason(*, provider: Provider, actor: User, reason: str, to_status: str, action):
    reason = required_reason(reason)
    provider = _lock_for_decision(provider, actor)
    from_status = check_transition(provider, to_status)
    provider.status = to_status
    provider.decided_at = timezone.now()
    provider.status_reason = reason
    provider.save(update_fields=["status", "decided_at", "status_reason"])
    audit_record(
        actor=actor,
        obj=provider,
        action=action,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
    )
    return provider


@transaction.atomic(durable=True)
def provider_reject(*, provider: Provider, reason: str, actor: User) -> Provider:
    provider = _decide_with_reason(
        provider=provider,
        actor=actor,
        reason=reason,
        to_status=Provider.Status.REJECTED,
        action=AuditEntry.Action.REJECT,
    )
    notice_withdraw(provider=provider, actor=actor, reason=provider.status_reason)
    _notify_provider(provider, "provider_rejected", {"reason": provider.status_reason})
    return provider


@transaction.atomic(durable=True)
def provider_suspend(*, provider: Provider, reason: str, actor: User) -> Provider:
    """A suspended provider takes no new orders; its certificate shows as suspended."""
    provider = _decide_with_reason(
        provider=provider,
        actor=actor,
        reason=reason,
        to_status=Provider.Status.SUSPENDED,
        action=AuditEntry.Action.SUSPEND,
    )
    for certificate in provider.certificates.select_for_update().filter(
        status=ProviderCertificate.Status.VALID
    ):
        certificate_suspend(certificate=certificate, actor=actor, reason=provider.status_reason)
    _notify_provider(provider, "provider_suspended", {"reason": provider.status_reason})
    return provider


@transaction.atomic(durable=True)
def provider_revoke(*, provider: Provider, reason: str, actor: User) -> Provider:
    provider = _decide_with_reason(
        provider=provider,
        actor=actor,
        reason=reason,
        to_status=Provider.Status.REVOKED,
        action=AuditEntry.Action.REVOKE,
    )
    for certificate in provider.certificates.select_for_update().filter(
        status__in=[ProviderCertificate.Status.VALID, ProviderCertificate.Status.SUSPENDED]
    ):
        certificate_revoke(certificate=certificate, actor=actor, reason=provider.status_reason)
    orders_cancel_for_revoked_provider(
        provider=provider, actor=actor, reason=provider.status_reason
    )
    _notify_provider(provider, "provider_revoked", {"reason": provider.status_reason})
    return provider


def _credit_code_taken(code: str) -> bool:
    """By a provider not rejected: a rejected application leaves the code free."""
    return (
        Provider.objects.filter(credit_code=code).exclude(status=Provider.Status.REJECTED).exists()
    )


def _duplicate_credit_code() -> ValidationFailed:
    return ValidationFailed(
        _("A provider with this credit code has already applied."),
        field="credit_code",
        code="duplicate_credit_code",
    )
