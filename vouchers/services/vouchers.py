"""Vouchers: issued on approval, revoked by the issuing district, expired by the daily sweep;
revocation and expiry give the unspent part back to the district's budget. Their certificate.

Lock order (see CONVENTIONS): ProgrammeRules row -> Voucher row.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.codes import voucher_serial
from portal.errors import InvalidTransition, NotAllowed, ValidationFailed
from portal.links import portal_url
from portal.notifications import notify_after_commit
from portal.outbox import enqueue
from portal.pdf import certificate_pdf, money
from portal.security import shown_text
from portal.states import check_transition
from providers.services.delivery import orders_cancel_for_ended_voucher
from regions.models import AuditEntry, ProgrammeRules, User
from regions.rules import rules_apply_due, rules_version_id_of
from regions.services import audit_record
from regions.statistics import statistics_changed
from regions.statistics_summary import district_summary_issued
from vouchers import permissions
from vouchers.models import Voucher, VoucherApplication


def _programme_date(moment: datetime) -> date:
    """The day of `moment` in the programme's time zone. Not the request's current zone: the
    API reads times in UTC (portal.api.ApiTimesInUtc), and a voucher issued through it at
    23:45 UTC (07:45 in Shanghai) must tell the enterprise the same dates as the page does."""
    return timezone.localtime(moment, ZoneInfo(settings.TIME_ZONE)).date()


def programme_rules(region_id: int, year: int, *, lock: bool = False) -> ProgrammeRules:
    """The district's rules of the year (locked when `lock`), or an InvalidTransition."""
    rules = ProgrammeRules.objects.select_related("region")
    if lock:
        rules = rules.select_for_update(of=("self",))
    found = rules.filter(region_id=region_id, year=year).first()
    if found is None:
        raise InvalidTransition(
            _("The district has no programme rules for %(year)s yet.") % {"year": year},
            code="no_rules",
        )
    if lock:
        # A version whose date has come applies now, even before the daily task runs.
        rules_apply_due(found)
    return found


def voucher_issue(
    *, application: VoucherApplication, rules: ProgrammeRules, amount: Decimal, actor: User
) -> Voucher:
    """Issue the voucher of an application being approved.

    Not a transaction of its own: it runs inside `application_approve`, which holds the
    locked rules row and has already checked the budget and the cap.
    """
    now = timezone.now()
    rules.last_voucher_number += 1
    rules.committed += amount
    rules.save(update_fields=["last_voucher_number", "committed"])
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
        rules_version_id=rules_version_id_of(rules),
        issued_at=now,
        expires_at=now + timedelta(days=rules.validity_days),
    )
    audit_record(
        actor=actor,
        obj=voucher,
        action=AuditEntry.Action.ISSUE,
        to_status=voucher.status,
        data={"face_value": str(amount), "committed": str(rules.committed)},
    )
    enqueue("vouchers.tasks.generate_voucher_certificate", voucher_id=voucher.pk)
    notify_after_commit(
        recipients=[application.enterprise.contact_email],
        email="vouchers/voucher_issued",
        context=lambda: {
            "id": application.pk,
            "requested": money(application.requested_amount),
            "note": f"\n\n{application.decision_note}" if application.decision_note else "",
            "serial": voucher.serial,
            "amount": money(amount),
            "name": application.enterprise.display_name,
            "region": rules.region.display_name,
            "expires": _programme_date(voucher.expires_at).isoformat(),
            "url": portal_url("voucher-detail", voucher.serial),
        },
    )
    district_summary_issued(voucher=voucher, application=application)  # the statistics' summary
    statistics_changed()  # the open statistics count it
    return voucher


def _release(voucher: Voucher, rules: ProgrammeRules) -> Decimal:
    """Give the unspent, unheld balance back to the district's budget (both rows locked)."""
    released = voucher.balance
    voucher.released += released
    voucher.balance = Decimal("0.00")
    rules.committed -= released
    rules.save(update_fields=["committed"])
    return released


def _locked_voucher(voucher_id: int) -> Voucher:
    return (
        Voucher.objects.select_for_update(of=("self",))
        .select_related("enterprise")
        .get(pk=voucher_id)
    )


@transaction.atomic(durable=True)
def voucher_revoke(*, voucher: Voucher, actor: User, reason: str) -> Voucher:
    """An official of the issuing district revokes an active or exhausted voucher.

    An exhausted voucher can still have pending claims (held); revoking it stops it becoming
    active again when such a claim is rejected.
    """
    if not permissions.can_revoke_voucher(actor, voucher):
        raise NotAllowed(_("Only an official of the issuing district may revoke a voucher."))
    reason = shown_text(reason, field="reason")
    if not reason:
        raise ValidationFailed(_("Give the reason for revoking the voucher."), field="reason")
    rules = programme_rules(voucher.issuing_region_id, voucher.year, lock=True)
    voucher = _locked_voucher(voucher.pk)
    from_status = check_transition(voucher, Voucher.Status.REVOKED)
    released = _release(voucher, rules)
    voucher.status = Voucher.Status.REVOKED
    voucher.status_reason = reason
    voucher.save(update_fields=["balance", "released", "status", "status_reason"])
    cancelled = orders_cancel_for_ended_voucher(voucher=voucher, actor=actor, reason=reason)
    audit_record(
        actor=actor,
        obj=voucher,
        action=AuditEntry.Action.REVOKE,
        from_status=from_status,
        to_status=voucher.status,
        reason=reason,
        data={"released": str(released), "held": str(voucher.held), "orders_cancelled": cancelled},
    )
    notify_after_commit(
        recipients=[voucher.enterprise.contact_email],
        email="vouchers/voucher_revoked",
        # What the voucher's page says too: what went back to the budget, and that claims
        # already made are still decided (it said only the reason).
        context=lambda: {
            "serial": voucher.serial,
            "reason": reason,
            "released": f"{released:,.2f}",
            "held": f"{voucher.held:,.2f}" if voucher.held > 0 else "",
            "url": portal_url("voucher-detail", voucher.serial),
        },
    )
    # The certificate is drawn again with its status: a revoked voucher's PDF looked valid.
    enqueue("vouchers.tasks.generate_voucher_certificate", voucher_id=voucher.pk)
    return voucher


@transaction.atomic(durable=True)
def voucher_expire(*, voucher_id: int, now=None) -> bool:
    """Expire one voucher if it is active and past its expiry; True if it did.

    Its own short transaction: a crash part-way through a run loses nothing, and a rerun
    finds the already expired ones no longer active. A voucher that may not become expired
    (already expired, revoked, or exhausted with its balance all held or spent) is skipped,
    not refused: the sweep runs over many vouchers.
    """
    now = now or timezone.now()
    head = Voucher.objects.filter(pk=voucher_id).values("issuing_region_id", "year").first()
    if head is None:
        return False
    rules = programme_rules(head["issuing_region_id"], head["year"], lock=True)
    voucher = _locked_voucher(voucher_id)
    if voucher.expires_at > now:
        return False
    try:
        from_status = check_transition(voucher, Voucher.Status.EXPIRED)
    except InvalidTransition:
        return False
    released = _release(voucher, rules)
    voucher.status = Voucher.Status.EXPIRED
    voucher.status_reason = _("Expired on %(date)s.") % {
        "date": _programme_date(voucher.expires_at).isoformat()
    }
    voucher.save(update_fields=["balance", "released", "status", "status_reason"])
    cancelled = orders_cancel_for_ended_voucher(
        voucher=voucher, actor=None, reason=voucher.status_reason
    )
    audit_record(
        actor=None,
        obj=voucher,
        action=AuditEntry.Action.EXPIRE,
        from_status=from_status,
        to_status=voucher.status,
        reason=voucher.status_reason,
        data={"released": str(released), "held": str(voucher.held), "orders_cancelled": cancelled},
    )
    notify_after_commit(
        recipients=[voucher.enterprise.contact_email],
        email="vouchers/voucher_expired",
        context=lambda: {"serial": voucher.serial, "released": money(released)},
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
            # Both names, as the district row has both (a name_zh may be blank).
            (
                "持券企业",
                "Holder",
                " ".join(filter(None, [voucher.enterprise.name_zh, voucher.enterprise.name])),
            ),
            ("统一社会信用代码", "Credit code", voucher.enterprise.credit_code),
            ("券号", "Serial", voucher.serial),
            ("面额", "Face value", money(voucher.face_value)),
            (
                "有效期",
                "Valid",
                f"{_programme_date(voucher.issued_at):%Y-%m-%d} – "
                f"{_programme_date(voucher.expires_at):%Y-%m-%d}",
            ),
            ("发券地区", "Issuing district", f"{region.name_zh} {region.name}"),
            ("跨区域使用", "Cross-region", "是 Yes" if voucher.cross_region else "否 No"),
            *(
                [("状态", "Status", "已撤销，不可使用 Revoked: it pays for nothing")]
                if voucher.status == Voucher.Status.REVOKED
                else []
            ),
        ],
        verify_url=portal_url("verify", voucher.serial),
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
