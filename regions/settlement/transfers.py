"""Recording settlement transfers: the operator types in the bank's payment reference of each
transfer a computed batch proposes; the last one confirms the batch and closes it.

A reference the paying district recorded before is refused until the operator confirms it
(`ReferenceRecordedBefore`): recording cannot be undone.
"""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import ApplicationError, InvalidTransition, NotAllowed, ValidationFailed
from portal.links import portal_url
from portal.notifications import notify_after_commit
from portal.templatetags.portal import cny
from regions.ledger import clean_payment_reference
from regions.models import (
    AuditEntry,
    NotificationPreference,
    Region,
    SettlementBatch,
    SettlementTransfer,
    User,
)
from regions.permissions import can_run_settlement
from regions.selectors import official_emails, operator_emails
from regions.services import audit_record
from regions.settlement.selectors import normalised_reference, transfers_recorded_with_reference
from regions.settlement.services import settlement_batch_close, settlement_batch_confirm

Status = SettlementBatch.Status

# The first key of the advisory lock that serialises the recording of one paying district's
# reference (the others: providers.services.risk, regions.accounts).
TRANSFER_REFERENCE_LOCK = 18021


class ReferenceRecordedBefore(ApplicationError):
    """The paying district's transfer was recorded under this reference before (any batch):
    perhaps the same bank transfer recorded twice. Recorded only when the operator confirms
    that the bank gave the reference again (`confirm_reused_reference`)."""

    status = 409
    code = "reference_recorded_before"


def _region_by_code(code, *, field: str) -> Region:
    typed = str(code or "").replace("\x00", "").strip()
    region = Region.objects.filter(code=typed.upper()).first()
    if region is None:
        # Named as the API's other code fields name it (portal.api.CodeField).
        known = ", ".join(Region.objects.order_by("code").values_list("code", flat=True))
        raise ValidationFailed(
            _("There is no code “%(value)s”: use one of %(known)s.")
            % {"value": typed[:40], "known": known},
            field=field,
        )
    return region


def _reference_recorded_before(earlier: list[SettlementTransfer]) -> ReferenceRecordedBefore:
    """The refusal naming the latest transfer recorded under the reference; the API body
    lists them all (`earlier_transfers`)."""
    last = earlier[0]
    programme_time = ZoneInfo(settings.TIME_ZONE)  # the bank's day, in China

    def day(transfer):
        if transfer.confirmed_at is None:  # a reference typed in through the admin
            return "—"
        return f"{timezone.localtime(transfer.confirmed_at, programme_time):%Y-%m-%d}"

    return ReferenceRecordedBefore(
        _(
            "This reference was already recorded for batch #%(batch)s's transfer "
            "%(from)s→%(to)s of %(amount)s on %(date)s. Record it again only if the bank "
            "really gave this reference to a second transfer."
        )
        % {
            "batch": last.batch_id,
            "from": last.from_region.display_name,
            "to": last.to_region.display_name,
            "amount": cny(last.amount),
            "date": day(last),
        },
        field="payment_reference",
        extra={
            "earlier_transfers": [
                {
                    "batch": t.batch_id,
                    "from_region": t.from_region.code,
                    "to_region": t.to_region.code,
                    "amount": f"{t.amount:.2f}",
                    "payment_reference": t.payment_reference,
                    "confirmed_at": t.confirmed_at.isoformat() if t.confirmed_at else None,
                }
                for t in earlier
            ]
        },
    )


def _wait_for_others_recording(debtor: Region, payment_reference: str) -> None:
    """Two operators recording one reference for two batches at the same instant each held
    only their own batch's lock, so both read "not recorded before" and both passed. On
    PostgreSQL the second now waits here, until commit, for the first, and then reads its
    transfer. Taken before the batch row lock, so whoever waits holds nothing another could
    wait for. SQLite (local runs) serialises writes anyway."""
    if connection.vendor != "postgresql":
        return
    key = f"{debtor.pk}:{normalised_reference(payment_reference)}"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [TRANSFER_REFERENCE_LOCK, key]
        )


@transaction.atomic(durable=True)
def settlement_transfer_confirm(
    *,
    batch_id: int,
    from_region: str,
    to_region: str,
    payment_reference: str,
    actor: User,
    confirm_reused_reference: bool = False,
) -> SettlementTransfer:
    """The operator records the payment reference of one transfer; the last one confirms the
    batch and closes it.

    A reference the paying district's transfers were recorded under before (in any batch,
    compared as `normalised_reference` does) is refused with `ReferenceRecordedBefore`,
    unless `confirm_reused_reference`: recording cannot be undone, and the same bank transfer
    recorded for two batches would close the second one unpaid.
    """
    if not can_run_settlement(actor):
        raise NotAllowed(_("Only the programme operator records settlement transfers."))
    payment_reference = clean_payment_reference(payment_reference)
    debtor = _region_by_code(from_region, field="from_region")
    creditor = _region_by_code(to_region, field="to_region")
    _wait_for_others_recording(debtor, payment_reference)
    batch = SettlementBatch.objects.select_for_update().filter(pk=batch_id).first()
    if batch is None:
        raise Http404(_("No such settlement batch."))
    if batch.status == Status.CLOSED:
        # "(this one is Closed)" did not say that this transfer had been recorded already.
        raise InvalidTransition(
            _("This batch is closed: every transfer of it is recorded already.")
        )
    if batch.status != Status.COMPUTED:
        raise InvalidTransition(
            _("Transfers are recorded on a computed batch (this one is %(status)s).")
            % {"status": str(batch.get_status_display()).lower()}
        )
    transfer = batch.transfers.filter(from_region=debtor, to_region=creditor).first()
    if transfer is None:
        raise ValidationFailed(
            _("This batch has no transfer from %(from)s to %(to)s.")
            % {"from": debtor.display_name, "to": creditor.display_name},
            field="to_region",
        )
    if transfer.payment_reference:
        raise InvalidTransition(_("This transfer is already recorded."))
    earlier = transfers_recorded_with_reference(
        paying_region_id=debtor.pk, reference=payment_reference, besides=transfer.pk
    )
    if earlier and not confirm_reused_reference:
        raise _reference_recorded_before(earlier)
    transfer.payment_reference = payment_reference
    transfer.confirmed_at = timezone.now()
    transfer.confirmed_by = actor
    transfer.save(update_fields=["payment_reference", "confirmed_at", "confirmed_by"])
    audit_record(
        actor=actor,
        obj=batch,
        action=AuditEntry.Action.CONFIRM_TRANSFER,
        reason=payment_reference,
        data={
            "from": debtor.code,
            "to": creditor.code,
            "amount": str(transfer.amount),
            # Recorded again on the operator's word: the transfers that carried it before.
            **({"reference_recorded_before": [t.pk for t in earlier]} if earlier else {}),
        },
    )
    if not batch.transfers.filter(payment_reference="").exists():
        settlement_batch_confirm(batch=batch, actor=actor)
        settlement_batch_close(batch=batch, actor=actor)
        notify_after_commit(
            recipients=operator_emails()
            + official_emails(debtor.pk)
            + official_emails(creditor.pk),
            kind=NotificationPreference.Kind.SETTLEMENT,
            email="regions/settlement_closed",
            context=lambda: {"batch": batch.pk, "url": portal_url("settlement-batch", batch.pk)},
        )
    return transfer
