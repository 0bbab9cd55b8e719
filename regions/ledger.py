"""The double-entry ledger: every money movement is one balanced, append-only journal entry.

Postings of the programme (amounts in CNY):
- a redemption of district A's voucher with a provider of district A is approved:
  Dr fund(A) / Cr payable(provider);
- the same with a provider of district B (cross-region):
  Dr fund(A) / Cr clearing(A, with B)  and  Dr clearing(B, with A) / Cr payable(provider);
- district B pays its provider: Dr payable(provider) / Cr cash(B);
- a settlement batch is confirmed (every transfer paid): each obligation A->B of the batch is
  reversed out of the clearing accounts (Dr clearing(A, with B) / Cr clearing(B, with A)) and
  each transfer X->Y moves cash (Dr cash(Y) / Cr cash(X)).

So at any time: fund(A) carries what A's vouchers have spent, payable(P) what is owed to P,
clearing(A, with B) the not yet settled difference between A and B, and cash(B) what B paid
out. Reconciliation recomputes each of these from the redemptions and batches.
"""

import unicodedata
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from portal.errors import ValidationFailed
from portal.security import shown_text
from regions.models import JournalEntry, JournalLine, LedgerAccount, Region

ZERO = Decimal("0.00")


class UnbalancedEntry(ValueError):
    """A programming error: an entry whose debits and credits differ is never written."""


def _region_id(region: Region | int) -> int:
    return region if isinstance(region, int) else region.pk


def _account(**lookup) -> LedgerAccount:
    account = LedgerAccount.objects.filter(**lookup).first()
    if account is not None:
        return account
    try:
        # The partial unique constraints make a concurrent first use of an account safe:
        # the loser of the race reads the winner's row.
        with transaction.atomic():
            return LedgerAccount.objects.create(**lookup)
    except IntegrityError:
        return LedgerAccount.objects.get(**lookup)


def _order_of(lookup: dict) -> tuple:
    return (
        str(lookup["kind"]),
        lookup["region_id"],
        lookup.get("counterparty_id") or 0,
        lookup.get("provider_id") or 0,
    )


def accounts(*lookups: dict) -> list[LedgerAccount]:
    """The accounts of `lookups` (from `fund`, `cash`, `clearing`, `payable`), in that
    order; missing ones are created in one fixed order, whatever the caller's.

    A first use inserts the account's row, and a concurrent first use waits on that insert's
    unique-index entry until its transaction ends. Two approvals of cross-region claims in
    opposite directions (Wujin -> Yangpu, Yangpu -> Wujin) each created the pair's two
    clearing accounts in their own order and waited on each other: PostgreSQL broke the
    deadlock by failing one (a 503 under load). In one order, the second waits for the first
    and then reads its rows."""
    found = {}
    for index in sorted(range(len(lookups)), key=lambda i: _order_of(lookups[i])):
        found[index] = _account(**lookups[index])
    return [found[index] for index in range(len(lookups))]


def _lookup(kind, region_id: int, *, counterparty_id=None, provider_id=None) -> dict:
    return {
        "kind": kind,
        "region_id": region_id,
        "counterparty_id": counterparty_id,
        "provider_id": provider_id,
    }


def fund(region: Region | int) -> dict:
    return _lookup(LedgerAccount.Kind.FUND, _region_id(region))


def cash(region: Region | int) -> dict:
    return _lookup(LedgerAccount.Kind.CASH, _region_id(region))


def clearing(region: Region | int, counterparty: Region | int) -> dict:
    return _lookup(
        LedgerAccount.Kind.CLEARING, _region_id(region), counterparty_id=_region_id(counterparty)
    )


def payable(provider) -> dict:
    return _lookup(LedgerAccount.Kind.PAYABLE, provider.region_id, provider_id=provider.pk)


def fund_account(region: Region | int) -> LedgerAccount:
    return accounts(fund(region))[0]


def cash_account(region: Region | int) -> LedgerAccount:
    return accounts(cash(region))[0]


def clearing_account(region: Region | int, counterparty: Region | int) -> LedgerAccount:
    return accounts(clearing(region, counterparty))[0]


def payable_account(provider) -> LedgerAccount:
    return accounts(payable(provider))[0]


def post_entry(
    *,
    reference: str,
    description: str,
    lines: list[tuple[LedgerAccount, Decimal, Decimal]],
    redemption=None,
    settlement_batch=None,
) -> JournalEntry:
    """Write one balanced entry, or return the entry already posted under `reference`.

    `lines` are `(account, debit, credit)` with exactly one side positive. The unique
    `reference` names the event (`redemption:42:approve`), so a retried task or request posts
    it once; the caller's transaction makes the entry and the state change one unit.
    """
    if len(lines) < 2:
        raise UnbalancedEntry(f"{reference}: an entry needs at least two lines")
    debits = credits = ZERO
    for _account, debit, credit in lines:
        debit, credit = Decimal(debit), Decimal(credit)
        if debit < 0 or credit < 0 or (debit > 0) == (credit > 0):
            raise UnbalancedEntry(
                f"{reference}: each line is a positive debit or a positive credit"
            )
        debits += debit
        credits += credit
    if debits != credits:
        raise UnbalancedEntry(f"{reference}: debits {debits} != credits {credits}")

    existing = JournalEntry.objects.filter(reference=reference).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            entry = JournalEntry.objects.create(
                reference=reference,
                description=description[:255],
                redemption=redemption,
                settlement_batch=settlement_batch,
            )
            JournalLine.objects.bulk_create(
                JournalLine(entry=entry, account=account, debit=debit, credit=credit)
                for account, debit, credit in lines
            )
    except IntegrityError:
        # Posted concurrently by another transaction that committed first.
        return JournalEntry.objects.get(reference=reference)
    return entry


def account_balances() -> dict[int, Decimal]:
    """Debit minus credit of every account that has lines, by account id (one GROUP BY)."""
    from django.db.models import Sum

    return {
        row["account_id"]: (row["debit"] or ZERO) - (row["credit"] or ZERO)
        for row in JournalLine.objects.values("account_id").annotate(
            debit=Sum("debit"), credit=Sum("credit")
        )
    }


def clean_payment_reference(value: str | None) -> str:
    """The bank reference of a payment or a transfer: required, at most 100 characters, and
    shown as typed (a direction override would print another reference on the statements)."""
    reference = shown_text(value, field="payment_reference")
    if not reference:
        raise ValidationFailed(_("Enter the payment reference."), field="payment_reference")
    if len(reference) > 100:
        raise ValidationFailed(
            _("A payment reference has at most 100 characters."), field="payment_reference"
        )
    # One line as the bank prints it: a line break (or Unicode's line and paragraph
    # separators, U+2028/2029) split the cell across two rows of a statement or an export,
    # and the ledger's description kept only its first line.
    if any(unicodedata.category(character) in ("Cc", "Zl", "Zp") for character in reference):
        raise ValidationFailed(
            _("A payment reference is one line, without line breaks or tabs."),
            field="payment_reference",
            code="control_characters",
        )
    # An invisible character (a zero-width space, U+200B) makes two references that read
    # alike differ: a reconciliation against the bank statement would not find the one.
    if any(unicodedata.category(character) == "Cf" for character in reference):
        raise ValidationFailed(
            _("A payment reference holds no invisible characters, such as a zero-width space."),
            field="payment_reference",
            code="invisible_characters",
        )
    return reference
