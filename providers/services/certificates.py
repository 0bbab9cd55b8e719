"""A provider's certificates: issued when an official certifies it (or the public notice
concludes), moved with its provider's later decisions, drawn as a PDF with a QR code that
verifies it.

They move only with their provider, so these run inside the provider decision's transaction
(not durable) on a certificate row that decision has locked.
"""

from datetime import date

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from portal.codes import certificate_serial
from portal.links import portal_url
from portal.outbox import enqueue
from portal.states import check_transition
from providers.models import Provider, ProviderCertificate, ProviderNotice
from regions.models import AuditEntry, Region, User
from regions.selectors import current_year
from regions.services import audit_record

CERTIFICATE_VALIDITY_YEARS = 3


def certificate_issue(
    provider: Provider, *, actor: User | None, notice: ProviderNotice | None = None
) -> ProviderCertificate:
    """Number the district's next certificate. Locking the district row makes two officials
    certifying at once take turns, so they can never both read the same count."""
    region = Region.objects.select_for_update().get(pk=provider.region_id)
    year = current_year()
    number = ProviderCertificate.objects.filter(provider__region_id=region.pk).count() + 1
    serial = certificate_serial(short_code=region.short_code, year=year, number=number)
    while ProviderCertificate.objects.filter(serial=serial).exists():
        number += 1
        serial = certificate_serial(short_code=region.short_code, year=year, number=number)
    certificate = ProviderCertificate.objects.create(
        provider=provider,
        serial=serial,
        issued_at=timezone.now(),
        valid_until=_years_later(timezone.localdate(), CERTIFICATE_VALIDITY_YEARS),
        status=ProviderCertificate.Status.VALID,
        notice_starts_at=notice.starts_at if notice else None,
        notice_ends_at=notice.ends_at if notice else None,
    )
    audit_record(
        actor=actor, obj=certificate, action=AuditEntry.Action.ISSUE, to_status=certificate.status
    )
    enqueue("providers.tasks.generate_provider_certificate", certificate_id=certificate.pk)
    return certificate


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _move_certificate(certificate, to_status, *, actor, action, reason=""):
    from_status = check_transition(certificate, to_status)
    certificate.status = to_status
    certificate.save(update_fields=["status"])
    audit_record(
        actor=actor,
        obj=certificate,
        action=action,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
    )
    return certificate


def certificate_reinstate(*, certificate: ProviderCertificate, actor: User):
    """Its provider is reinstated: the suspended certificate is valid again."""
    return _move_certificate(
        certificate,
        ProviderCertificate.Status.VALID,
        actor=actor,
        action=AuditEntry.Action.REINSTATE,
    )


def certificate_suspend(*, certificate: ProviderCertificate, actor: User, reason: str):
    return _move_certificate(
        certificate,
        ProviderCertificate.Status.SUSPENDED,
        actor=actor,
        action=AuditEntry.Action.SUSPEND,
        reason=reason,
    )


def certificate_revoke(*, certificate: ProviderCertificate, actor: User, reason: str):
    return _move_certificate(
        certificate,
        ProviderCertificate.Status.REVOKED,
        actor=actor,
        action=AuditEntry.Action.REVOKE,
        reason=reason,
    )


def certificate_verify_url(serial: str) -> str:
    return portal_url("verify", serial)


# Not durable: its task runs inside the outbox's transaction that marks the message done.
@transaction.atomic
def certificate_render_pdf(*, certificate_id: int) -> ProviderCertificate:
    """Draw and store the certificate PDF once; a second call (a retried task) does nothing."""
    certificate = (
        ProviderCertificate.objects.select_for_update(of=("self",))
        .select_related("provider", "provider__region")
        .get(pk=certificate_id)
    )
    if certificate.pdf:
        return certificate
    certificate.pdf.save(
        f"{certificate.serial}.pdf", ContentFile(certificate_pdf_content(certificate)), save=False
    )
    certificate.save(update_fields=["pdf"])
    return certificate


# A suspended or revoked certificate's PDF says so: the stored one (drawn once, while valid)
# still read "Valid until 2029" to whoever downloaded it, and only its QR code told the truth.
STATUS_ROWS = {
    ProviderCertificate.Status.SUSPENDED: (
        "状态",
        "Status",
        "已暂停，暂不有效 Suspended: not valid now",
    ),
    ProviderCertificate.Status.REVOKED: ("状态", "Status", "已撤销，无效 Revoked: not valid"),
}


def certificate_pdf_content(certificate: ProviderCertificate) -> bytes:
    """The certificate as a PDF, with a status row unless it is valid."""
    from portal.pdf import certificate_pdf

    provider = certificate.provider
    region = provider.region
    status_row = STATUS_ROWS.get(certificate.status)
    return certificate_pdf(
        title_zh="双创券服务机构认证证书",
        title_en="Certified Service Provider",
        rows=[
            ("证书编号", "Serial", certificate.serial),
            ("机构名称", "Provider", provider.name_zh or provider.name),
            ("", "", provider.name if provider.name_zh else ""),
            ("统一社会信用代码", "Credit code", provider.credit_code),
            ("所在地区", "District", f"{region.name_zh} {region.name}"),
            ("服务类别", "Categories", "、".join(c.name_zh for c in provider.categories.all())),
            ("发证日期", "Issued", timezone.localtime(certificate.issued_at).date().isoformat()),
            ("有效期至", "Valid until", certificate.valid_until.isoformat()),
            *_notice_rows(certificate),
            *([status_row] if status_row else []),
        ],
        verify_url=certificate_verify_url(certificate.serial),
    )


def _notice_rows(certificate: ProviderCertificate) -> list[tuple[str, str, str]]:
    """The public notice the provider passed, on its certificate (when it had one)."""
    if certificate.notice_starts_at is None or certificate.notice_ends_at is None:
        return []
    starts = timezone.localtime(certificate.notice_starts_at).date().isoformat()
    ends = timezone.localtime(certificate.notice_ends_at).date().isoformat()
    return [("公示期", "Public notice", f"{starts} - {ends}")]
