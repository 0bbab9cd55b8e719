"""Four eyes: an application (its approved amount) or a redemption (its amount) at or above the
district's `four_eyes_threshold` needs the approval of two different officials.

The first official's approval is recorded on the row (`first_approved_by`, `first_approved_at`)
with an audit entry and moves no money; the second, by another official of the district, runs
the normal approval. Once a first approval is recorded, every later approval is its second,
whatever the amount or the threshold now: the same official is refused (409 `same_official`),
unless, for an application, it approves again with another amount, which changes its first
approval to that amount; for an application another official's amount must be the one the
first approved (409 `amount_differs`); an amount below the threshold is no way round either. A database
constraint makes an approved row's two officials differ. Both run inside the approval's
transaction on the row it has locked, so two second approvals at once approve once.
"""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import InvalidTransition
from portal.links import portal_url
from portal.notifications import notify_after_commit
from portal.pdf import money
from portal.security import shown_text
from regions.models import AuditEntry, NotificationPreference, User
from regions.selectors import official_emails
from regions.services import audit_record


def needs_two_officials(amount: Decimal, threshold: Decimal | None) -> bool:
    return threshold is not None and amount >= threshold


def first_approval_recorded(
    *, row, actor: User, amount: Decimal, threshold, note: str = ""
) -> bool:
    """Inside the caller's transaction on the locked `row`: True when this approval was the
    first of two (recorded; the caller stops there), False when the caller approves now (no
    second approval needed, or this is the second).

    A recorded first approval is checked before the threshold: otherwise an amount below it
    (or a threshold lowered since) would pass as a fresh single approval, and the row would
    read as two officials approving what the first never approved."""
    if row.first_approved_by_id is not None and not _first_approver_active(row):
        # Deactivated since (`first_approvals_withdraw` clears these as it happens; this
        # guards an account switched off elsewhere): a switched-off or compromised account
        # is no longer one of the four eyes.
        _withdraw_first_approval(
            row, actor=None, reason="The official who gave it was deactivated."
        )
    if row.first_approved_by_id is not None:
        if _first_amount_changed(row=row, actor=actor, amount=amount, note=note):
            return True
        _check_second_approval(row=row, actor=actor, amount=amount)
        return False
    if not needs_two_officials(amount, threshold):
        return False
    row.first_approved_by = actor
    _record_first_approval(
        row, actor, amount, note, {"amount": str(amount), "threshold": str(threshold)}
    )
    return True


def _record_first_approval(row, actor: User, amount: Decimal, note: str, data: dict) -> None:
    """Save the row's first approval (its official set by the caller) and audit it."""
    row.first_approved_at = timezone.now()
    fields = ["first_approved_by", "first_approved_at"]
    if hasattr(row, "first_approved_amount"):
        row.first_approved_amount = amount
        fields.append("first_approved_amount")
    row.save(update_fields=fields)
    audit_record(
        actor=actor,
        obj=row,
        action=AuditEntry.Action.FIRST_APPROVE,
        from_status=row.status,
        to_status=row.status,
        reason=shown_text(note, field="note"),
        data=data,
    )
    _ask_for_the_second_approval(row, actor, amount)


def _ask_for_the_second_approval(row, actor: User, amount: Decimal) -> None:
    """Tell the district's other officials that a row waits for their approval: until then
    the first approval waited for one of them to open the queue, or for the next day's
    reminder."""
    is_redemption = hasattr(row, "issuing_region_id")
    region_id = row.issuing_region_id if is_redemption else row.region_id
    recipients = [email for email in official_emails(region_id) if email != actor.email]
    notify_after_commit(
        recipients=recipients,
        kind=(
            NotificationPreference.Kind.REDEMPTION_DECISIONS
            if is_redemption
            else NotificationPreference.Kind.APPLICATION_DECISIONS
        ),
        email="vouchers/second_approval_needed",
        context=lambda: {
            "redemption": is_redemption,
            "id": row.pk,
            "amount": money(amount),
            "first": actor.get_full_name() or actor.get_username(),
            "url": portal_url(
                "redemption-detail" if is_redemption else "application-detail", row.pk
            ),
        },
    )


def _first_amount_changed(*, row, actor: User, amount: Decimal, note: str) -> bool:
    """The official who gave an application's first approval approves again with another
    amount: the first approval now stands for that amount, and the second official must
    approve exactly it. Without this a first approval that no longer fitted the district's
    budget left only rejection (the second official was refused the amount, and any other)."""
    first_amount = getattr(row, "first_approved_amount", None)
    if first_amount is None or row.first_approved_by_id != actor.pk or amount == first_amount:
        return False
    _record_first_approval(
        row, actor, amount, note, {"amount": str(amount), "replaces": str(first_amount)}
    )
    return True


def _check_second_approval(*, row, actor: User, amount: Decimal) -> None:
    """The second approval of a row with a first one recorded: by another official, and for
    an application (which records the amount) for exactly the amount the first approved."""
    first_amount = getattr(row, "first_approved_amount", None)
    if row.first_approved_by_id == actor.pk:
        if first_amount is None:  # a redemption: its amount is fixed by the claim
            message = _(
                "You gave the first approval; another official of the district must give "
                "the second."
            )
        else:
            message = _(
                "You gave the first approval, of %(amount)s: another official of the district "
                "must approve exactly %(amount)s. To change it, approve again with another "
                "amount; an official may also reject the application."
            ) % {"amount": money(first_amount)}
        raise InvalidTransition(message, code="same_official")
    if first_amount is not None and first_amount != amount:
        raise InvalidTransition(
            _(
                "The first official approved %(amount)s; approve that amount, or reject "
                "the application."
            )
            % {"amount": money(first_amount)},
            code="amount_differs",
        )


def _first_approver_active(row) -> bool:
    return User.objects.filter(pk=row.first_approved_by_id, is_active=True).exists()


def _withdraw_first_approval(row, *, actor: User | None, reason: str) -> None:
    """The row's first approval no longer counts: it waits for a first approval again."""
    official = row.first_approved_by
    row.first_approved_by = None
    row.first_approved_at = None
    fields = ["first_approved_by", "first_approved_at"]
    if hasattr(row, "first_approved_amount"):
        row.first_approved_amount = None
        fields.append("first_approved_amount")
    row.save(update_fields=fields)
    audit_record(
        actor=actor,
        obj=row,
        action=AuditEntry.Action.FIRST_APPROVAL_WITHDRAWN,
        from_status=row.status,
        to_status=row.status,
        reason=reason,
        data={"official": official.get_username()},
    )


def first_approvals_withdraw(*, actor: User, official: User, reason: str) -> int:
    """Inside the transaction that deactivates `official`: the first approvals they gave that
    still wait for a second no longer count, and each row waits for a first approval again
    (audited). A deactivated official's approval was completed by a colleague: an account
    switched off, or taken over, stayed one of the four eyes. Returns how many."""
    from vouchers.models import Redemption, VoucherApplication

    withdrawn = 0
    for rows in (
        VoucherApplication.objects.filter(status=VoucherApplication.Status.SUBMITTED),
        Redemption.objects.filter(status=Redemption.Status.PENDING),
    ):
        for row in rows.filter(first_approved_by=official).select_for_update().order_by("pk"):
            _withdraw_first_approval(row, actor=actor, reason=reason)
            withdrawn += 1
    return withdrawn
