"""Writes of the providers app: applying and certification, certificates, the catalogue,
and the life of a service order.

Every function is one action in one transaction: it locks the row it moves, checks the edge
against the model's TRANSITIONS, writes the audit entry, and queues e-mail and Celery work
to run only after commit. Refusals are domain errors (portal.errors), never half-writes.
"""

import uuid
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.codes import certificate_serial, normalise_credit_code, validate_credit_code
from portal.errors import InvalidTransition, NotAllowed, ValidationFailed
from portal.files import DOCUMENT_KINDS, EVIDENCE_KINDS, check_upload
from portal.notifications import notify_after_commit
from portal.outbox import enqueue
from providers import permissions
from providers.models import (
    EvidenceFile,
    Provider,
    ProviderCertificate,
    ProviderQualification,
    ServiceCategory,
    ServiceOffering,
    ServiceOrder,
)
from regions.models import AuditEntry, Region, User
from regions.selectors import current_year, official_emails
from regions.services import audit_record

CERTIFICATE_VALIDITY_YEARS = 3


# --- small shared pieces -------------------------------------------------------------------


def _required_text(value: str | None, *, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(message, field=field, code="required")
    return value


def _reason(value: str | None) -> str:
    return _required_text(value, field="reason", message=_("Please give a reason."))


def _check_edge(obj, to_status: str) -> str:
    """Refuse an edge that the model's TRANSITIONS does not list; return the old status."""
    if to_status not in type(obj).TRANSITIONS.get(obj.status, set()):
        raise InvalidTransition(
            _("This is %(status)s and cannot become %(to)s.")
            % {"status": obj.get_status_display().lower(), "to": to_status}
        )
    return obj.status


def _provider_emails(provider: Provider) -> list[str]:
    users = provider.users.filter(is_active=True).exclude(email="")
    return [provider.contact_email, *users.values_list("email", flat=True)]


def _enterprise_emails(enterprise) -> list[str]:
    users = enterprise.users.filter(is_active=True).exclude(email="")
    return [enterprise.contact_email, *users.values_list("email", flat=True)]


def _order_url(order: ServiceOrder) -> str:
    return f"{settings.PORTAL_BASE_URL}/orders/{order.pk}/"


def _stored_name(upload, kind) -> str:
    """A server-side name that is unique and safe whatever the uploader called the file."""
    return f"{uuid.uuid4().hex}{kind.extensions[0]}"


def clean_credit_code(value: str | None) -> str:
    code = normalise_credit_code(value)
    try:
        validate_credit_code(code)
    except DjangoValidationError as error:
        raise ValidationFailed(
            " ".join(error.messages), field="credit_code", code="credit_code"
        ) from error
    return code


def _clean_money(value, *, field: str, allow_zero: bool = False) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError) as error:
        raise ValidationFailed(_("Enter an amount in CNY."), field=field) from error
    if amount < 0 or (amount == 0 and not allow_zero) or not amount.is_finite():
        raise ValidationFailed(_("The amount must be more than zero."), field=field)
    if amount >= Decimal("1000000000000"):
        raise ValidationFailed(_("The amount is too large."), field=field)
    return amount


# --- applying and certification ------------------------------------------------------------


@transaction.atomic
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
    if not (actor and actor.is_authenticated and actor.is_provider):
        raise NotAllowed(_("Only a provider account can apply for certification."))
    caller = actor
    actor = User.objects.select_for_update().get(pk=actor.pk)
    if actor.provider_id is not None:
        raise InvalidTransition(
            _("This account already belongs to a provider."), code="already_applied"
        )
    name = _required_text(name, field="name", message=_("Enter the provider's legal name."))
    code = clean_credit_code(credit_code)
    if Provider.objects.filter(credit_code=code).exists():
        raise ValidationFailed(
            _("A provider with this credit code has already applied."),
            field="credit_code",
            code="duplicate_credit_code",
        )
    if kind not in Provider.Kind.values:
        raise ValidationFailed(_("Choose the kind of provider."), field="kind")
    if region is None:
        raise ValidationFailed(_("Choose the district."), field="region")
    categories = list(categories or [])
    if not categories:
        raise ValidationFailed(
            _("Choose at least one service category."), field="categories", code="required"
        )
    kinds = [
        check_upload(f, allowed=DOCUMENT_KINDS, field="qualifications") for f in qualifications
    ]

    provider = Provider.objects.create(
        name=name,
        name_zh=(name_zh or "").strip(),
        credit_code=code,
        region=region,
        kind=kind,
        description=(description or "").strip(),
        contact_email=(contact_email or "").strip(),
        contact_phone=(contact_phone or "").strip(),
        status=Provider.Status.APPLIED,
    )
    provider.categories.set(categories)
    for upload, file_kind in zip(qualifications, kinds, strict=True):
        qualification = ProviderQualification(
            provider=provider,
            title=upload.name[:200],
            original_name=upload.name[:255],
            content_type=file_kind.content_type,
            size=upload.size,
        )
        qualification.file.save(_stored_name(upload, file_kind), upload, save=False)
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
        subject=_("[Voucher portal] New provider to certify: %(name)s") % {"name": provider.name},
        body=_("%(name)s applied for certification in %(region)s.\n%(url)s\n")
        % {
            "name": provider.name,
            "region": region.name,
            "url": f"{settings.PORTAL_BASE_URL}/providers/{provider.pk}/",
        },
    )
    return provider


@transaction.atomic
def provider_register(
    *, username: str, email: str, password: str, **application
) -> tuple[User, Provider]:
    """An anonymous visitor: create the provider user account and apply in one go."""
    username = _required_text(username, field="username", message=_("Choose a user name."))
    email = _required_text(email, field="email", message=_("Enter your e-mail address."))
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
    provider = provider_apply(actor=user, **application)
    user.refresh_from_db()
    return user, provider


def _lock_for_decision(provider: Provider, actor: User) -> Provider:
    if not permissions.can_decide_provider(actor, provider):
        raise NotAllowed(_("Only an official of the provider's district can decide on it."))
    return Provider.objects.select_for_update().get(pk=provider.pk)


def _issue_certificate(provider: Provider) -> ProviderCertificate:
    """Number the district's next certificate. Locking the district row makes two officials
    certifying at once take turns, so they can never both read the same count."""
    region = Region.objects.select_for_update().get(pk=provider.region_id)
    year = current_year()
    number = ProviderCertificate.objects.filter(provider__region_id=region.pk).count() + 1
    serial = certificate_serial(short_code=region.short_code, year=year, number=number)
    while ProviderCertificate.objects.filter(serial=serial).exists():
        number += 1
        serial = certificate_serial(short_code=region.short_code, year=year, number=number)
    today = timezone.localdate()
    return ProviderCertificate.objects.create(
        provider=provider,
        serial=serial,
        issued_at=timezone.now(),
        valid_until=_years_later(today, CERTIFICATE_VALIDITY_YEARS),
        status=ProviderCertificate.Status.VALID,
    )


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _notify_provider(provider: Provider, subject: str, body: str) -> None:
    notify_after_commit(recipients=_provider_emails(provider), subject=subject, body=body)


@transaction.atomic
def provider_certify(*, provider: Provider, actor: User) -> ProviderCertificate:
    """Certify an applied provider (a new certificate) or reinstate a suspended one (its
    suspended certificate becomes valid again while it is in date, else a new one)."""
    provider = _lock_for_decision(provider, actor)
    from_status = _check_edge(provider, Provider.Status.CERTIFIED)
    certificate = None
    if from_status == Provider.Status.SUSPENDED:
        certificate = (
            provider.certificates.select_for_update()
            .filter(
                status=ProviderCertificate.Status.SUSPENDED,
                valid_until__gte=timezone.localdate(),
            )
            .order_by("-issued_at", "-id")
            .first()
        )
    new_certificate = certificate is None
    if new_certificate:
        certificate = _issue_certificate(provider)
    else:
        certificate.status = ProviderCertificate.Status.VALID
        certificate.save(update_fields=["status"])
    provider.status = Provider.Status.CERTIFIED
    provider.decided_at = timezone.now()
    provider.status_reason = ""
    provider.save(update_fields=["status", "decided_at", "status_reason"])
    action = (
        AuditEntry.Action.REINSTATE
        if from_status == Provider.Status.SUSPENDED
        else AuditEntry.Action.CERTIFY
    )
    audit_record(
        actor=actor,
        obj=provider,
        action=action,
        from_status=from_status,
        to_status=provider.status,
        data={"certificate": certificate.serial},
    )
    audit_record(
        actor=actor,
        obj=certificate,
        action=AuditEntry.Action.ISSUE if new_certificate else AuditEntry.Action.REINSTATE,
        to_status=certificate.status,
    )
    if new_certificate:
        enqueue("providers.tasks.generate_provider_certificate", certificate_id=certificate.pk)
    _notify_provider(
        provider,
        _("[Voucher portal] %(name)s is certified") % {"name": provider.name},
        _("Certificate %(serial)s is valid until %(until)s. Verify: %(url)s\n")
        % {
            "serial": certificate.serial,
            "until": certificate.valid_until.isoformat(),
            "url": certificate_verify_url(certificate.serial),
        },
    )
    return certificate


def _decide_with_reason(
    *, provider: Provider, actor: User, reason: str, to_status: str, action: str
) -> Provider:
    reason = _reason(reason)
    provider = _lock_for_decision(provider, actor)
    from_status = _check_edge(provider, to_status)
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


def _set_certificates(
    provider: Provider, *, from_statuses, to_status, action, actor, reason
) -> None:
    for certificate in provider.certificates.select_for_update().filter(status__in=from_statuses):
        old = certificate.status
        certificate.status = to_status
        certificate.save(update_fields=["status"])
        audit_record(
            actor=actor,
            obj=certificate,
            action=action,
            from_status=old,
            to_status=to_status,
            reason=reason,
        )


@transaction.atomic
def provider_reject(*, provider: Provider, reason: str, actor: User) -> Provider:
    provider = _decide_with_reason(
        provider=provider,
        actor=actor,
        reason=reason,
        to_status=Provider.Status.REJECTED,
        action=AuditEntry.Action.REJECT,
    )
    _notify_provider(
        provider,
        _("[Voucher portal] Certification of %(name)s refused") % {"name": provider.name},
        _("Reason: %(reason)s\n") % {"reason": provider.status_reason},
    )
    return provider


@transaction.atomic
def provider_suspend(*, provider: Provider, reason: str, actor: User) -> Provider:
    """A suspended provider takes no new orders; its certificate shows as suspended."""
    provider = _decide_with_reason(
        provider=provider,
        actor=actor,
        reason=reason,
        to_status=Provider.Status.SUSPENDED,
        action=AuditEntry.Action.SUSPEND,
    )
    _set_certificates(
        provider,
        from_statuses=[ProviderCertificate.Status.VALID],
        to_status=ProviderCertificate.Status.SUSPENDED,
        action=AuditEntry.Action.SUSPEND,
        actor=actor,
        reason=provider.status_reason,
    )
    _notify_provider(
        provider,
        _("[Voucher portal] %(name)s is suspended") % {"name": provider.name},
        _("Reason: %(reason)s\nYou take no new orders until reinstated.\n")
        % {"reason": provider.status_reason},
    )
    return provider


@transaction.atomic
def provider_revoke(*, provider: Provider, reason: str, actor: User) -> Provider:
    provider = _decide_with_reason(
        provider=provider,
        actor=actor,
        reason=reason,
        to_status=Provider.Status.REVOKED,
        action=AuditEntry.Action.REVOKE,
    )
    _set_certificates(
        provider,
        from_statuses=[ProviderCertificate.Status.VALID, ProviderCertificate.Status.SUSPENDED],
        to_status=ProviderCertificate.Status.REVOKED,
        action=AuditEntry.Action.REVOKE,
        actor=actor,
        reason=provider.status_reason,
    )
    _notify_provider(
        provider,
        _("[Voucher portal] Certification of %(name)s revoked") % {"name": provider.name},
        _("Reason: %(reason)s\n") % {"reason": provider.status_reason},
    )
    return provider


def certificate_verify_url(serial: str) -> str:
    return f"{settings.PORTAL_BASE_URL}/verify/{serial}/"


@transaction.atomic
def certificate_render_pdf(*, certificate_id: int) -> ProviderCertificate:
    """Draw and store the certificate PDF once; a second call (a retried task) does nothing."""
    from portal.pdf import certificate_pdf

    certificate = (
        ProviderCertificate.objects.select_for_update(of=("self",))
        .select_related("provider", "provider__region")
        .get(pk=certificate_id)
    )
    if certificate.pdf:
        return certificate
    provider = certificate.provider
    region = provider.region
    content = certificate_pdf(
        title_zh="双创券服务机构认证证书",
        title_en="Certified Service Provider",
        rows=[
            ("证书编号", "Serial", certificate.serial),
            ("机构名称", "Provider", provider.name_zh or provider.name),
            ("", "", provider.name if provider.name_zh else ""),
            ("统一社会信用代码", "Credit code", provider.credit_code),
            ("所在地区", "District", f"{region.name_zh} {region.name}"),
            ("服务类别", "Categories", ", ".join(c.name_zh for c in provider.categories.all())),
            ("发证日期", "Issued", timezone.localtime(certificate.issued_at).date().isoformat()),
            ("有效期至", "Valid until", certificate.valid_until.isoformat()),
        ],
        verify_url=certificate_verify_url(certificate.serial),
    )
    certificate.pdf.save(f"{certificate.serial}.pdf", ContentFile(content), save=False)
    certificate.save(update_fields=["pdf"])
    return certificate


# --- the catalogue ---------------------------------------------------------------------------

OFFERING_FIELDS = (
    "category",
    "title",
    "description",
    "indicative_price",
    "lead_time_days",
    "is_instrument",
    "instrument_hours",
    "active",
)


def _clean_offering(fields: dict) -> dict:
    cleaned = {}
    for key, value in fields.items():
        if key not in OFFERING_FIELDS:
            raise ValidationFailed(_("Unknown field."), field=key)
        cleaned[key] = value
    if "title" in cleaned:
        cleaned["title"] = _required_text(
            cleaned["title"], field="title", message=_("Give the service a title.")
        )
    if "category" in cleaned and cleaned["category"] is None:
        raise ValidationFailed(_("Choose a service category."), field="category")
    if cleaned.get("indicative_price") not in (None, ""):
        cleaned["indicative_price"] = _clean_money(
            cleaned["indicative_price"], field="indicative_price", allow_zero=True
        )
    elif "indicative_price" in cleaned:
        cleaned["indicative_price"] = None
    for key in ("lead_time_days", "instrument_hours"):
        if key in cleaned and cleaned[key] is not None and int(cleaned[key]) < 0:
            raise ValidationFailed(_("Enter a number of zero or more."), field=key)
    if "description" in cleaned:
        cleaned["description"] = (cleaned["description"] or "").strip()
    return cleaned


@transaction.atomic
def offering_create(*, actor: User, category: ServiceCategory, title: str, **fields):
    """A provider adds a service (or a shared instrument with its monthly hours)."""
    if not permissions.can_manage_offerings(actor):
        raise NotAllowed(_("Only a provider can offer services."))
    cleaned = _clean_offering({"category": category, "title": title, **fields})
    if not cleaned.get("is_instrument"):
        cleaned["instrument_hours"] = None
    offering = ServiceOffering.objects.create(provider_id=actor.provider_id, **cleaned)
    audit_record(
        actor=actor, obj=offering, action=AuditEntry.Action.CREATE, data={"title": offering.title}
    )
    return offering


@transaction.atomic
def offering_update(*, offering: ServiceOffering, actor: User, **fields) -> ServiceOffering:
    if not permissions.can_manage_offering(actor, offering):
        raise NotAllowed(_("Only the provider of this service can change it."))
    offering = ServiceOffering.objects.select_for_update().get(pk=offering.pk)
    cleaned = _clean_offering(fields)
    for key, value in cleaned.items():
        setattr(offering, key, value)
    if not offering.is_instrument:
        offering.instrument_hours = None
    offering.save()
    audit_record(
        actor=actor,
        obj=offering,
        action=AuditEntry.Action.UPDATE,
        data={k: str(getattr(v, "pk", v)) for k, v in cleaned.items()},
    )
    return offering


def offering_deactivate(*, offering: ServiceOffering, actor: User) -> ServiceOffering:
    """Withdrawn from the profile page; orders that named it keep their record."""
    return offering_update(offering=offering, actor=actor, active=False)


# --- service orders --------------------------------------------------------------------------


def _lock_order(order: ServiceOrder) -> ServiceOrder:
    return (
        ServiceOrder.objects.select_for_update(of=("self",))
        .select_related("enterprise", "provider", "voucher")
        .get(pk=order.pk)
    )


def _move_order(order: ServiceOrder, to_status: str, *, actor: User, action: str, reason=""):
    from_status = _check_edge(order, to_status)
    order.status = to_status
    audit_record(
        actor=actor,
        obj=order,
        action=action,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
    )


def _tell(order: ServiceOrder, *, enterprise: bool, subject: str, body: str, extra=()) -> None:
    """E-mail the enterprise side (enterprise=True) or the provider side of an order."""
    recipients = (
        _enterprise_emails(order.enterprise) if enterprise else _provider_emails(order.provider)
    )
    notify_after_commit(
        recipients=[*recipients, *extra],
        subject=subject % {"title": order.title, "id": order.pk},
        body=f"{body}\n{_order_url(order)}\n",
    )


@transaction.atomic
def order_create(
    *,
    actor: User,
    provider: Provider,
    voucher,
    title: str,
    contract_amount,
    description: str = "",
    offering: ServiceOffering | None = None,
) -> ServiceOrder:
    """An enterprise orders a service from a certified provider, to be paid with one of its
    active vouchers. The fraud rules (own credit code, declared related parties) and the
    voucher's cross-region rule are checked here, once, for the page and the API."""
    from vouchers.models import RelatedParty, Voucher

    if not (actor.is_authenticated and actor.is_enterprise and actor.enterprise_id):
        raise NotAllowed(_("Only an enterprise can order services."))
    if voucher.enterprise_id != actor.enterprise_id:
        raise NotAllowed(_("This voucher belongs to another enterprise."))
    title = _required_text(title, field="title", message=_("Give the order a title."))
    amount = _clean_money(contract_amount, field="contract_amount")
    voucher = (
        Voucher.objects.select_for_update(of=("self",))
        .select_related("enterprise", "issuing_region")
        .get(pk=voucher.pk)
    )
    provider = Provider.objects.select_related("region").get(pk=provider.pk)
    enterprise = voucher.enterprise
    if not provider.takes_orders:
        raise InvalidTransition(
            _("This provider is not certified (%(status)s) and takes no orders.")
            % {"status": provider.get_status_display().lower()},
            code="provider_not_certified",
            field="provider",
        )
    if voucher.status != Voucher.Status.ACTIVE or voucher.expires_at <= timezone.now():
        raise InvalidTransition(
            _("Voucher %(serial)s is not active and cannot pay for an order.")
            % {"serial": voucher.serial},
            code="voucher_not_active",
            field="voucher",
        )
    if normalise_credit_code(provider.credit_code) == normalise_credit_code(enterprise.credit_code):
        raise ValidationFailed(
            _(
                "An enterprise cannot pay itself with its voucher: the provider has its credit code."
            ),
            field="provider",
            code="own_provider",
        )
    if RelatedParty.objects.filter(
        enterprise_id=enterprise.pk, credit_code=normalise_credit_code(provider.credit_code)
    ).exists():
        raise ValidationFailed(
            _("%(name)s is a declared related party of your enterprise; vouchers cannot pay it.")
            % {"name": provider.name},
            field="provider",
            code="related_party",
        )
    if provider.region_id != voucher.issuing_region_id and not voucher.cross_region:
        raise ValidationFailed(
            _("Voucher %(serial)s can only be used with providers in %(region)s.")
            % {"serial": voucher.serial, "region": voucher.issuing_region.name},
            field="voucher",
            code="not_cross_region",
        )
    if offering is not None and (offering.provider_id != provider.pk or not offering.active):
        raise ValidationFailed(_("This service is not offered by this provider."), field="offering")
    order = ServiceOrder.objects.create(
        enterprise=enterprise,
        provider=provider,
        voucher=voucher,
        offering=offering,
        title=title,
        description=(description or "").strip(),
        contract_amount=amount,
        status=ServiceOrder.Status.REQUESTED,
    )
    audit_record(
        actor=actor,
        obj=order,
        action=AuditEntry.Action.REQUEST,
        to_status=order.status,
        data={"voucher": voucher.serial, "contract_amount": str(amount)},
    )
    _tell(
        order,
        enterprise=False,
        subject=_("[Voucher portal] New order #%(id)s: %(title)s"),
        body=_("%(enterprise)s ordered “%(title)s” (contract ¥%(amount)s). Accept or decline it.")
        % {"enterprise": enterprise.name, "title": order.title, "amount": amount},
    )
    return order


def _provider_side(order: ServiceOrder, actor: User) -> None:
    if not permissions.is_order_provider(actor, order):
        raise NotAllowed(_("Only the provider of this order can do this."))


def _enterprise_side(order: ServiceOrder, actor: User) -> None:
    if not permissions.is_order_enterprise(actor, order):
        raise NotAllowed(_("Only the enterprise that placed this order can do this."))


@transaction.atomic
def order_accept(*, order: ServiceOrder, actor: User) -> ServiceOrder:
    _provider_side(order, actor)
    order = _lock_order(order)
    _check_edge(order, ServiceOrder.Status.ACCEPTED)
    if not order.provider.takes_orders:
        raise InvalidTransition(
            _("A provider that is not certified cannot accept orders."),
            code="provider_not_certified",
        )
    _move_order(order, ServiceOrder.Status.ACCEPTED, actor=actor, action=AuditEntry.Action.ACCEPT)
    order.accepted_at = timezone.now()
    order.save(update_fields=["status", "accepted_at"])
    _tell(
        order,
        enterprise=True,
        subject=_("[Voucher portal] Order #%(id)s accepted: %(title)s"),
        body=_("%(provider)s accepted your order.") % {"provider": order.provider.name},
    )
    return order


@transaction.atomic
def order_decline(*, order: ServiceOrder, reason: str, actor: User) -> ServiceOrder:
    _provider_side(order, actor)
    reason = _reason(reason)
    order = _lock_order(order)
    _move_order(
        order,
        ServiceOrder.Status.DECLINED,
        actor=actor,
        action=AuditEntry.Action.DECLINE,
        reason=reason,
    )
    order.status_reason = reason
    order.save(update_fields=["status", "status_reason"])
    _tell(
        order,
        enterprise=True,
        subject=_("[Voucher portal] Order #%(id)s declined: %(title)s"),
        body=_("%(provider)s declined your order. Reason: %(reason)s")
        % {"provider": order.provider.name, "reason": reason},
    )
    return order


@transaction.atomic
def order_complete(
    *,
    order: ServiceOrder,
    summary: str,
    evidence: list,
    actor: User,
    deliverables: str = "",
) -> ServiceOrder:
    """The provider logs the finished service: what was delivered and at least one evidence
    file. Every file is checked before any is stored. A disputed order comes back here."""
    _provider_side(order, actor)
    order = _lock_order(order)
    from_status = _check_edge(order, ServiceOrder.Status.COMPLETED)
    summary = _required_text(
        summary, field="summary", message=_("Summarise the service you delivered.")
    )
    evidence = [f for f in (evidence or []) if f is not None]
    if not evidence:
        raise ValidationFailed(
            _("Attach at least one evidence file (report, photos, test results)."),
            field="evidence",
            code="required",
        )
    kinds = [check_upload(f, allowed=EVIDENCE_KINDS, field="evidence") for f in evidence]
    now = timezone.now()
    for upload, kind in zip(evidence, kinds, strict=True):
        record = EvidenceFile(
            order=order,
            original_name=upload.name[:255],
            content_type=kind.content_type,
            size=upload.size,
            uploaded_at=now,
            uploaded_by=actor,
        )
        record.file.save(_stored_name(upload, kind), upload, save=False)
        record.save()
    order.status = ServiceOrder.Status.COMPLETED
    order.completion_summary = summary
    order.deliverables = (deliverables or "").strip()
    order.completed_at = now
    order.save(update_fields=["status", "completion_summary", "deliverables", "completed_at"])
    audit_record(
        actor=actor,
        obj=order,
        action=AuditEntry.Action.COMPLETE,
        from_status=from_status,
        to_status=order.status,
        data={"evidence": [u.name for u in evidence]},
    )
    _tell(
        order,
        enterprise=True,
        subject=_("[Voucher portal] Order #%(id)s completed: %(title)s"),
        body=_("%(provider)s logged the completed service. Confirm delivery or dispute it.")
        % {"provider": order.provider.name},
    )
    return order


@transaction.atomic
def order_confirm(*, order: ServiceOrder, actor: User) -> ServiceOrder:
    """The enterprise confirms delivery; the provider may then claim the voucher."""
    _enterprise_side(order, actor)
    order = _lock_order(order)
    _move_order(order, ServiceOrder.Status.CONFIRMED, actor=actor, action=AuditEntry.Action.CONFIRM)
    order.confirmed_at = timezone.now()
    order.save(update_fields=["status", "confirmed_at"])
    _tell(
        order,
        enterprise=False,
        subject=_("[Voucher portal] Order #%(id)s confirmed: %(title)s"),
        body=_("%(enterprise)s confirmed delivery. You can now claim the voucher.")
        % {"enterprise": order.enterprise.name},
    )
    return order


@transaction.atomic
def order_dispute(*, order: ServiceOrder, reason: str, actor: User) -> ServiceOrder:
    _enterprise_side(order, actor)
    reason = _reason(reason)
    order = _lock_order(order)
    _move_order(
        order,
        ServiceOrder.Status.DISPUTED,
        actor=actor,
        action=AuditEntry.Action.DISPUTE,
        reason=reason,
    )
    order.dispute_reason = reason
    order.save(update_fields=["status", "dispute_reason"])
    _tell(
        order,
        enterprise=False,
        subject=_("[Voucher portal] Order #%(id)s disputed: %(title)s"),
        body=_("%(enterprise)s disputes the delivery. Reason: %(reason)s")
        % {"enterprise": order.enterprise.name, "reason": reason},
        extra=official_emails(order.provider.region_id),
    )
    return order


@transaction.atomic
def order_cancel(*, order: ServiceOrder, actor: User, reason: str = "") -> ServiceOrder:
    """Either party may cancel before the service is completed."""
    by_enterprise = permissions.is_order_enterprise(actor, order)
    if not (by_enterprise or permissions.is_order_provider(actor, order)):
        raise NotAllowed(_("Only the two parties of an order can cancel it."))
    reason = (reason or "").strip()
    order = _lock_order(order)
    _move_order(
        order,
        ServiceOrder.Status.CANCELLED,
        actor=actor,
        action=AuditEntry.Action.CANCEL,
        reason=reason,
    )
    order.cancelled_at = timezone.now()
    order.status_reason = reason
    order.save(update_fields=["status", "cancelled_at", "status_reason"])
    _tell(
        order,
        enterprise=not by_enterprise,
        subject=_("[Voucher portal] Order #%(id)s cancelled: %(title)s"),
        body=_("%(party)s cancelled the order. %(reason)s")
        % {
            "party": order.enterprise.name if by_enterprise else order.provider.name,
            "reason": reason,
        },
    )
    return order
