"""Payments: the provider's home district records that it paid approved claims (approved ->
paid), one claim at a time or several claims of one provider paid by one bank transfer. Each
claim gets its own journal entry, audit row and statistics; the provider gets one e-mail per
transfer. All or nothing: a transfer whose claims cannot all be recorded records none."""

from decimal import Decimal

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.errors import InvalidTransition, NotAllowed, ValidationFailed
from portal.links import portal_url
from portal.notifications import notify_after_commit
from portal.states import check_transition
from providers.selectors import provider_emails
from regions import ledger
from regions.ledger import ZERO, clean_payment_reference
from regions.models import AuditEntry, JournalEntry, JournalLine, NotificationPreference, User
from regions.statistics import statistics_changed

# The summary's own upsert and wait in microseconds, to add a whole transfer in one statement
# where `district_summary_paid` adds one claim.
from regions.statistics_summary import _district_add, _microseconds
from vouchers.models import Redemption

# One bank transfer pays at most this many claims: its statement line still names them, and
# the transaction that records them stays short.
CLAIMS_PER_TRANSFER_MAX = 200


@transaction.atomic(durable=True)
def redemption_mark_paid(*, redemption_id: int, payment_reference: str, actor: User) -> Redemption:
    """The provider's home district records that it paid the provider one claim."""
    return _record_payment([redemption_id], payment_reference, actor)[0]


@transaction.atomic(durable=True)
def redemptions_mark_paid(
    *, redemption_ids: list[int], payment_reference: str, actor: User, provider_id=None
) -> list[Redemption]:
    """The provider's home district records one bank transfer that paid several approved
    claims of one provider, all under the transfer's reference. `provider_id`: the provider
    the official's page is about, whose claims alone it may record."""
    ids = list(dict.fromkeys(redemption_ids))
    if not ids:
        raise ValidationFailed(_("Choose the claims this transfer paid."), field="redemptions")
    if len(ids) > CLAIMS_PER_TRANSFER_MAX:
        raise ValidationFailed(
            _("One transfer records at most %(max)d claims.") % {"max": CLAIMS_PER_TRANSFER_MAX},
            field="redemptions",
        )
    return _record_payment(ids, payment_reference, actor, provider_id=provider_id)


def _record_payment(
    ids: list[int], payment_reference: str, actor: User, *, provider_id=None
) -> list[Redemption]:
    """Every claim's rows written together, so that the statements sent do not grow with
    the number of claims (a 200-claim transfer sent about 1,600 in one transaction): one
    UPDATE of the claims, one upsert of the monthly summary per month and district, one
    INSERT of the journal entries, one of their lines, one of the audit rows. The rows are
    those the claim-by-claim writing gave (tests/redemptions/test_transfer_in_bulk.py
    compares them)."""
    if not actor.is_official:
        raise NotAllowed(_("Only a district official records payments."))
    payment_reference = clean_payment_reference(payment_reference)
    _check_payer(ids, actor, provider_id)
    # Lock order (CONVENTIONS: ... -> redemption -> settlement batch): the claims by id, so
    # two transfers sharing claims wait for each other instead of deadlocking.
    claims = list(Redemption.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(ids) == 1:
        check_transition(claims[0], Redemption.Status.PAID)  # its own words for a retry
    else:
        _check_all_payable(claims)
    first = claims[0]
    # The accounts before the summary's row, in the order the claim-by-claim writing took
    # them (their first use inserts them).
    payable, cash = ledger.accounts(
        ledger.payable(first.provider), ledger.cash(first.provider_region_id)
    )
    paid_at = timezone.now()
    reference_key = Redemption.reference_key(payment_reference)
    for claim in claims:
        claim.status = Redemption.Status.PAID
        claim.paid_at = paid_at
        claim.payment_reference = payment_reference
        claim.payment_reference_key = reference_key
    Redemption.objects.filter(pk__in=[claim.pk for claim in claims]).update(
        status=Redemption.Status.PAID,
        paid_at=paid_at,
        payment_reference=payment_reference,
        payment_reference_key=reference_key,
    )
    _add_to_monthly_summary(claims)
    _post_payment_entries(claims, payment_reference, payable=payable, cash=cash)
    AuditEntry.objects.bulk_create(
        AuditEntry(
            actor=actor if actor.pk else None,
            object_type=Redemption._meta.label_lower,
            object_id=str(claim.pk),
            action=AuditEntry.Action.MARK_PAID,
            from_status=Redemption.Status.APPROVED,
            to_status=Redemption.Status.PAID,
            reason=payment_reference,
            data={},
        )
        for claim in claims
    )
    statistics_changed()  # the open statistics' time from claim to payment
    _tell_provider(claims, payment_reference)
    return claims


def _add_to_monthly_summary(claims: list[Redemption]) -> None:
    """The statistics' monthly summary (`district_summary_paid`, claim by claim before): one
    upsert per month and paying district, adding the claims' count and the sum of their
    waits, each wait in whole microseconds as that function counts it. The claims of one
    transfer share their paying district and their moment: one upsert."""
    added: dict[tuple, list] = {}
    for claim in claims:
        local = timezone.localtime(claim.paid_at)
        row = added.setdefault(
            (local.year, local.month, claim.provider_region_id), [claim.paid_at, 0, 0]
        )
        row[1] += 1
        row[2] += _microseconds(claim.paid_at - claim.claimed_at if claim.claimed_at else None)
    for (_year, _month, region_id), (when, count, waited) in added.items():
        _district_add(
            when=when, region_id=region_id, values={"payments": count, "payment_wait_us": waited}
        )


def _post_payment_entries(
    claims: list[Redemption], payment_reference: str, *, payable, cash
) -> None:
    """Each claim's journal entry, Dr payable(provider) / Cr cash(paying district), as
    `ledger.post_entry` writes it one at a time, in two INSERTs: the entries, then their
    lines. Balanced by construction (a claim's amount is positive: a check constraint). An
    entry already posted under a claim's reference is kept, not posted again, as
    `post_entry` would."""
    references = {claim.pk: f"redemption:{claim.pk}:pay" for claim in claims}
    posted = set(
        JournalEntry.objects.filter(reference__in=references.values()).values_list(
            "reference", flat=True
        )
    )
    due = [claim for claim in claims if references[claim.pk] not in posted]
    if not due:
        return
    entries = JournalEntry.objects.bulk_create(
        JournalEntry(
            reference=references[claim.pk],
            description=f"Redemption #{claim.pk} paid, reference {payment_reference}"[:255],
            redemption=claim,
        )
        for claim in due
    )
    JournalLine.objects.bulk_create(
        line
        for entry, claim in zip(entries, due, strict=True)
        for line in (
            JournalLine(entry=entry, account=payable, debit=claim.amount, credit=ZERO),
            JournalLine(entry=entry, account=cash, debit=ZERO, credit=claim.amount),
        )
    )


def _check_payer(ids: list[int], actor: User, provider_id=None) -> None:
    """Every claim exists and is seen by the actor's district, which pays its provider; and a
    transfer pays one provider (`provider_id`'s, when given). Read before locking, so a
    refusal locks nothing."""
    rows = {
        row["pk"]: row
        for row in Redemption.objects.filter(pk__in=ids).values(
            "pk", "provider_id", "provider_region_id", "issuing_region_id"
        )
    }
    # The issuing district sees its claims and is told whose payment it is rather than that
    # the claim does not exist; other districts are not told that it exists.
    unseen = [
        pk
        for pk in ids
        if pk not in rows
        or actor.region_id not in (rows[pk]["provider_region_id"], rows[pk]["issuing_region_id"])
    ]
    if unseen:
        if len(ids) == 1:
            raise Http404(_("No such redemption."))
        raise Http404(_("No such redemption: %(ids)s.") % {"ids": _numbers(unseen)})
    if any(row["provider_region_id"] != actor.region_id for row in rows.values()):
        raise NotAllowed(
            _("Only an official of the provider's district records its payment to the provider.")
        )
    others = [
        pk for pk in ids if provider_id is not None and rows[pk]["provider_id"] != provider_id
    ]
    if others:
        raise ValidationFailed(
            _("Not of this provider: %(ids)s. One transfer pays one provider.")
            % {"ids": _numbers(others)},
            field="redemptions",
            code="several_providers",
        )
    if len({row["provider_id"] for row in rows.values()}) > 1:
        raise ValidationFailed(
            _("One transfer pays one provider: these claims are of several providers."),
            field="redemptions",
            code="several_providers",
        )


def _check_all_payable(claims: list[Redemption]) -> None:
    """Each claim not waiting for payment named with what it is: paid already (under which
    reference: a colleague may have recorded it meanwhile) or not yet approved."""
    waiting = [claim for claim in claims if claim.status != Redemption.Status.APPROVED]
    if waiting:
        states = "; ".join(
            _("#%(id)s paid already, reference %(reference)s")
            % {"id": claim.pk, "reference": claim.payment_reference}
            if claim.status == Redemption.Status.PAID
            else _("#%(id)s %(status)s")
            % {"id": claim.pk, "status": claim.get_status_display().lower()}
            for claim in waiting
        )
        raise InvalidTransition(
            ngettext(
                "Nothing was recorded: a claim is not waiting for payment (%(states)s).",
                "Nothing was recorded: %(count)d claims are not waiting for payment (%(states)s).",
                len(waiting),
            )
            % {"count": len(waiting), "states": states}
        )


def _numbers(ids) -> str:
    return ", ".join(f"#{pk}" for pk in ids)


def _tell_provider(claims: list[Redemption], payment_reference: str) -> None:
    if len(claims) == 1:
        claim = claims[0]
        notify_after_commit(
            recipients=provider_emails(claim.provider_id),
            kind=NotificationPreference.Kind.REDEMPTION_DECISIONS,
            email="vouchers/redemption_paid",
            context=lambda: {
                "id": claim.pk,
                "amount": f"{claim.amount:,.2f}",
                "reference": payment_reference,
                "url": portal_url("redemption-detail", claim.pk),
            },
        )
        return
    total = sum((claim.amount for claim in claims), Decimal("0"))
    notify_after_commit(
        recipients=provider_emails(claims[0].provider_id),
        kind=NotificationPreference.Kind.REDEMPTION_DECISIONS,
        email="vouchers/redemptions_paid",
        context=lambda: {
            "count": len(claims),
            "total": f"{total:,.2f}",
            "reference": payment_reference,
            "claims": [
                {
                    "id": claim.pk,
                    "amount": f"{claim.amount:,.2f}",
                    "url": portal_url("redemption-detail", claim.pk),
                }
                for claim in claims
            ],
        },
    )
