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
from regions.ledger import clean_payment_reference
from regions.models import AuditEntry, NotificationPreference, User
from regions.services import audit_record
from regions.statistics import statistics_changed
from regions.statistics_summary import district_summary_paid
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
    if not actor.is_official:
        raise NotAllowed(_("Only a district official records payments."))
    payment_reference = clean_payment_reference(payment_reference)
    _check_payer(ids, actor, provider_id)
    claims = list(Redemption.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(ids) == 1:
        check_transition(claims[0], Redemption.Status.PAID)  # its own words for a retry
    else:
        _check_all_payable(claims)
    paid_at = timezone.now()
    first = claims[0]
    payable, cash = ledger.accounts(
        ledger.payable(first.provider), ledger.cash(first.provider_region_id)
    )
    for claim in claims:
        claim.status = Redemption.Status.PAID
        claim.paid_at = paid_at
        claim.payment_reference = payment_reference
        claim.save(update_fields=["status", "paid_at", "payment_reference"])
        district_summary_paid(redemption=claim)  # the statistics' monthly summary
        ledger.post_entry(
            reference=f"redemption:{claim.pk}:pay",
            description=f"Redemption #{claim.pk} paid, reference {payment_reference}",
            lines=[(payable, claim.amount, 0), (cash, 0, claim.amount)],
            redemption=claim,
        )
        audit_record(
            actor=actor,
            obj=claim,
            action=AuditEntry.Action.MARK_PAID,
            from_status=Redemption.Status.APPROVED,
            to_status=Redemption.Status.PAID,
            reason=payment_reference,
        )
    statistics_changed()  # the open statistics' time from claim to payment
    _tell_provider(claims, payment_reference)
    return claims


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
