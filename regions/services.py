"""Writes of the regions app: the audit trail, reconciliation and the first run.

Every state change in the portal calls `audit_record` inside its own transaction, so the
trail and the change commit or roll back together.
"""

import re

from django.db import models, transaction
from django.utils.translation import gettext_lazy

from regions.models import AuditEntry, ReconciliationReport, Region, User


def audit_record(
    *,
    actor: User | None,
    obj: models.Model,
    action: str,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    data: dict | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if (actor is not None and actor.pk) else None,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        action=action,
        from_status=from_status or "",
        to_status=to_status or "",
        reason=reason or "",
        data=data or {},
    )


def audit_action_label(action: str) -> str:
    """The action as the history tables show it; a value no longer in use is shown as stored."""
    try:
        return str(AuditEntry.Action(action).label)
    except ValueError:
        return action or ""


# Reasons the portal itself writes into the trail, stored in English like the codes beside
# them, and shown in the reader's language: (stored pattern, message with its named groups).
SYSTEM_REASONS = [
    (
        re.compile(r"Redemption #(?P<id>\d+) holds the last of the balance\."),
        gettext_lazy("Redemption #%(id)s holds the last of the balance."),
    ),
    (
        re.compile(r"Redemption #(?P<id>\d+) was rejected; its hold is available again\."),
        gettext_lazy("Redemption #%(id)s was rejected; its hold is available again."),
    ),
    (
        re.compile(r"Every transfer has a payment reference\."),
        gettext_lazy("Every transfer has a payment reference."),
    ),
    (re.compile(r"Nothing to transfer\."), gettext_lazy("Nothing to transfer.")),
    (
        re.compile(r"Replaced by rules published for the same first day\."),
        gettext_lazy("Replaced by rules published for the same first day."),
    ),
    (re.compile(r"deadline"), gettext_lazy("The demand's deadline passed.")),
    (
        re.compile(r"The voucher is revoked: nothing more can be claimed on it\."),
        gettext_lazy("The voucher is revoked: nothing more can be claimed on it."),
    ),
    (
        re.compile(r"The voucher is expired: nothing more can be claimed on it\."),
        gettext_lazy("The voucher is expired: nothing more can be claimed on it."),
    ),
    (
        re.compile(r"The official who gave it was deactivated\."),
        gettext_lazy("The official who gave it was deactivated."),
    ),
    (
        re.compile(r"The official who gave it was deactivated: (?P<reason>.*)", re.DOTALL),
        gettext_lazy("The official who gave it was deactivated: %(reason)s"),
    ),
]


def audit_reason_label(reason: str) -> str:
    """An entry's reason as the history tables show it: what a person wrote, as written; what
    the portal wrote, in the reader's language."""
    for pattern, message in SYSTEM_REASONS:
        match = pattern.fullmatch(reason or "")
        if match:
            return str(message) % match.groupdict() if match.groupdict() else str(message)
    return reason or ""


def audit_trail_for(obj: models.Model):
    # The actor's organisation too: a history names an account without a name by it
    # (audit_tags.who_acted), in this one query.
    return AuditEntry.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).select_related("actor", "actor__provider", "actor__enterprise", "actor__region")


def reconciliation_run() -> ReconciliationReport:
    """Re-check every money invariant with set-based queries and store what was found.

    A breach is reported (the admin's reconciliation page and an e-mail to operators),
    never silently fixed: fixing money needs a person who knows why it broke.
    """
    from django.db.models import DecimalField, ExpressionWrapper, F, Q, Sum, Value
    from django.db.models.functions import Coalesce

    from regions import sources
    from regions.models import (
        JournalLine,
        ProgrammeRules,
        ReconciliationReport,
        SettlementBatch,
        SettlementNetPosition,
        SettlementObligation,
    )

    money = DecimalField(max_digits=16, decimal_places=2)
    zero = Value(0, output_field=money)
    breaches: list[dict] = []

    unbalanced = (
        JournalLine.objects.values("entry_id")
        .annotate(diff=Sum("debit") - Sum("credit"))
        .exclude(diff=0)
        .values_list("entry_id", "diff")[:100]
    )
    for entry_id, diff in unbalanced:
        breaches.append(
            {"check": "journal_entry_balances", "entry": entry_id, "difference": str(diff)}
        )

    bad_balance = (
        sources.all_vouchers()
        .annotate(
            expected=ExpressionWrapper(
                F("face_value") - F("redeemed") - F("held"), output_field=money
            )
        )
        .exclude(balance=F("expected") - F("released"))
    )
    for serial, balance, expected, released in bad_balance.values_list(
        "serial", "balance", "expected", "released"
    )[:100]:
        breaches.append(
            {
                "check": "voucher_balance",
                "voucher": serial,
                "balance": str(balance),
                "expected": str(expected - released),
            }
        )

    sums = (
        sources.all_vouchers()
        .annotate(
            pending=Coalesce(
                Sum("redemptions__amount", filter=Q(redemptions__status="pending")), zero
            ),
            spent=Coalesce(
                Sum("redemptions__amount", filter=Q(redemptions__status__in=["approved", "paid"])),
                zero,
            ),
        )
        .filter(~Q(held=F("pending")) | ~Q(redeemed=F("spent")))
    )
    for serial, held, pending, redeemed, spent in sums.values_list(
        "serial", "held", "pending", "redeemed", "spent"
    )[:100]:
        breaches.append(
            {
                "check": "voucher_matches_redemptions",
                "voucher": serial,
                "held": str(held),
                "pending": str(pending),
                "redeemed": str(redeemed),
                "approved": str(spent),
            }
        )

    for rules in ProgrammeRules.objects.select_related("region"):
        issued = (
            sources.all_vouchers()
            .filter(issuing_region=rules.region_id, year=rules.year)
            .aggregate(
                committed=Coalesce(Sum(F("face_value") - F("released"), output_field=money), zero),
                redeemed=Coalesce(Sum("redeemed"), zero),
            )
        )
        if rules.committed > rules.annual_budget:
            breaches.append(
                {
                    "check": "committed_within_budget",
                    "region": rules.region.code,
                    "year": rules.year,
                }
            )
        if issued["committed"] != rules.committed:
            breaches.append(
                {
                    "check": "committed_matches_vouchers",
                    "region": rules.region.code,
                    "year": rules.year,
                    "committed": str(rules.committed),
                    "vouchers": str(issued["committed"]),
                }
            )
        if issued["redeemed"] != rules.redeemed:
            breaches.append(
                {
                    "check": "redeemed_matches_vouchers",
                    "region": rules.region.code,
                    "year": rules.year,
                    "redeemed": str(rules.redeemed),
                    "vouchers": str(issued["redeemed"]),
                }
            )

    totals = sources.settled_pair_totals()
    for item in sources.settlement_items_unlike_their_redemption():
        breaches.append({"check": "settlement_item_matches_redemption", **item})
    obligations = {
        (o.batch_id, o.from_region_id, o.to_region_id): o.amount
        for o in SettlementObligation.objects.filter(
            batch__status__in=["computed", "confirmed", "closed"]
        )
    }
    computed_batches = set(
        SettlementBatch.objects.filter(status__in=["computed", "confirmed", "closed"]).values_list(
            "id", flat=True
        )
    )
    for key in set(totals) | set(obligations):
        if key[0] in computed_batches and totals.get(key) != obligations.get(key):
            breaches.append(
                {
                    "check": "obligation_matches_redemptions",
                    "batch": key[0],
                    "from": key[1],
                    "to": key[2],
                    "obligation": str(obligations.get(key)),
                    "redemptions": str(totals.get(key)),
                }
            )
    for batch_id, total in (
        SettlementNetPosition.objects.values_list("batch_id")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
    ):
        breaches.append(
            {"check": "net_positions_sum_to_zero", "batch": batch_id, "sum": str(total)}
        )

    breaches.extend(_ledger_breaches())
    breaches.extend(_late_background_work_breaches())

    from regions.dashboards import flow_summary_breaches

    # The dashboards' monthly summary must agree with the redemptions it sums.
    breaches.extend(flow_summary_breaches()[:100])
    from regions.statistics_summary import district_summary_breaches, enterprise_summary_breaches

    # So must the open statistics' summaries.
    breaches.extend(enterprise_summary_breaches()[:100])
    breaches.extend(district_summary_breaches()[:100])

    checked = {
        "vouchers": sources.all_vouchers().count(),
        "journal_lines": JournalLine.objects.count(),
        "rules": ProgrammeRules.objects.count(),
        "batches": len(computed_batches),
    }
    report = ReconciliationReport.objects.create(
        ok=not breaches, breaches=breaches, checked=checked
    )
    if breaches:
        _notify_operators_of_breach(report)
    return report


def _late_background_work_breaches() -> list[dict]:
    """Work queued after a commit that has not happened OUTBOX_LATE_MINUTES later: outbox
    rows not done (the broker or the worker was away, or the task keeps failing) and
    certificates issued without their PDF."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from portal.outbox import stale_messages
    from regions import sources

    late = timedelta(minutes=settings.OUTBOX_LATE_MINUTES)
    breaches = [
        {
            "check": "outbox_message_done",
            "message": message.pk,
            "task": message.task_name,
            "created_at": message.created_at.isoformat(),
            "sent": message.sent_at is not None,
            "last_error": message.last_error[:200],
        }
        for message in stale_messages(older_than=late)[:100]
    ]
    issued_before = timezone.now() - late
    for serial in sources.vouchers_without_certificate(issued_before=issued_before)[:100]:
        breaches.append({"check": "voucher_certificate_drawn", "voucher": serial})
    for serial in sources.certificates_without_pdf(issued_before=issued_before)[:100]:
        breaches.append({"check": "provider_certificate_drawn", "certificate": serial})
    return breaches


def _ledger_breaches() -> list[dict]:
    """Every ledger account's balance against what the redemptions and batches say it holds.

    Debit-minus-credit expected per account (see regions/ledger.py for the postings):
    fund(A) = approved or paid redemptions of A's vouchers; payable(P) = -(approved, unpaid
    redemptions of P); cash(B) = -(paid redemptions of B's providers) - transfers B paid +
    transfers B received (confirmed batches); clearing(A, with B) = -(A->B) + (B->A) over
    the cross-region redemptions not yet in a confirmed batch. All set-based GROUP BYs.
    """
    from collections import defaultdict
    from decimal import Decimal

    from django.db.models import Q, Sum

    from regions import sources
    from regions.ledger import account_balances
    from regions.models import LedgerAccount, SettlementTransfer

    spent = Q(status__in=["approved", "paid"])
    settled_batches = ["confirmed", "closed"]
    expected: dict[tuple, Decimal] = defaultdict(Decimal)
    for region_id, total in (
        sources.all_redemptions()
        .filter(spent)
        .values_list("issuing_region_id")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        expected[("fund", region_id, None, None)] += total
    for region_id, provider_id, total in (
        sources.all_redemptions()
        .filter(status="approved")
        .values_list("provider_region_id", "provider_id")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        expected[("payable", region_id, None, provider_id)] -= total
    for region_id, total in (
        sources.all_redemptions()
        .filter(status="paid")
        .values_list("provider_region_id")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        expected[("cash", region_id, None, None)] -= total
    for from_id, to_id, total in (
        SettlementTransfer.objects.filter(batch__status__in=settled_batches)
        .values_list("from_region_id", "to_region_id")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        expected[("cash", from_id, None, None)] -= total
        expected[("cash", to_id, None, None)] += total
    for from_id, to_id, total in (
        sources.all_redemptions()
        .filter(spent, cross_region=True)
        .exclude(settlement_item__batch__status__in=settled_batches)
        .values_list("issuing_region_id", "provider_region_id")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        expected[("clearing", from_id, to_id, None)] -= total
        expected[("clearing", to_id, from_id, None)] += total

    balances = account_balances()
    actual: dict[tuple, Decimal] = {}
    for account in LedgerAccount.objects.all():
        key = (account.kind, account.region_id, account.counterparty_id, account.provider_id)
        actual[key] = balances.get(account.pk, Decimal("0.00"))
    breaches = []
    for key in sorted(set(expected) | set(actual), key=str):
        if expected.get(key, 0) != actual.get(key, 0):
            kind, region_id, counterparty_id, provider_id = key
            breaches.append(
                {
                    "check": "ledger_account_balance",
                    "kind": kind,
                    "region": region_id,
                    "counterparty": counterparty_id,
                    "provider": provider_id,
                    "balance": str(actual.get(key, Decimal("0.00"))),
                    "expected": str(expected.get(key, Decimal("0.00"))),
                }
            )
    total = sum(balances.values(), Decimal("0.00"))
    if total != 0:
        breaches.append({"check": "ledger_sums_to_zero", "sum": str(total)})
    return breaches[:100]


def _notify_operators_of_breach(report: ReconciliationReport) -> None:
    from django.utils import timezone

    from portal.notifications import notify_after_commit
    from regions.selectors import operator_emails

    notify_after_commit(
        recipients=operator_emails(),
        email="regions/reconciliation_breaches",
        context=lambda: {
            "breaches": len(report.breaches),
            "ran_at": f"{timezone.localtime(report.ran_at):%Y-%m-%d %H:%M}",
            "lines": "\n".join(str(b) for b in report.breaches[:50]),
        },
    )


# --- first run -------------------------------------------------------------------------------
# What a new installation needs before anyone can sign in: the four districts and one
# operator account. Called by `manage.py load_districts` and `manage.py create_operator`.


def four_districts() -> list[tuple[str, str, str, str, str, str]]:
    """The districts of the programme: (code, short code, name, Chinese name, province,
    Chinese province), as the data migration that first created them lists them."""
    import importlib

    return importlib.import_module("regions.migrations.0003_the_four_districts").DISTRICTS


@transaction.atomic
def districts_load() -> list[tuple[Region, bool]]:
    """Create the four districts, or put back their names if they were edited; no demo data.
    Idempotent. Returns each district with whether it was created."""
    loaded = []
    for code, short, name, name_zh, province, province_zh in four_districts():
        region, created = Region.objects.update_or_create(
            code=code,
            defaults={
                "short_code": short,
                "name": name,
                "name_zh": name_zh,
                "province": province,
                "province_zh": province_zh,
            },
        )
        loaded.append((region, created))
    return loaded


# The usernames people may be given (the operator from the command line, invited officials).
USERNAME_PATTERN = r"^[A-Za-z0-9.@+_-]{3,150}$"


def operator_input_errors(*, username: str, email: str) -> list[str]:
    """What is wrong with an operator's username and e-mail as written (not whether the
    name is taken): `create_operator` says it even when an operator exists already."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    username = (username or "").strip()
    errors = []
    if not username:
        errors.append("the username is empty")
    elif not re.fullmatch(USERNAME_PATTERN, username):
        errors.append("a username has 3 to 150 letters, digits and @ . + - _ only")
    try:
        validate_email((email or "").strip())
    except ValidationError:
        errors.append(f"{(email or '').strip()!r} is not an e-mail address")
    return errors


@transaction.atomic
def operator_create(*, username: str, email: str, password: str) -> User:
    """The programme operator's account (staff, for the admin site), with a checked password.

    Raises ValidationError (with every reason) for a bad username, e-mail or password."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    username = (username or "").strip()
    email = (email or "").strip()
    errors = operator_input_errors(username=username, email=email)
    if not errors and User.objects.filter(username__iexact=username).exists():
        errors.append(f"the username {username!r} is taken")
    candidate = User(username=username, email=email, role=User.Role.OPERATOR)
    try:
        validate_password(password or "", user=candidate)
    except ValidationError as error:
        errors.extend(error.messages)
    if errors:
        raise ValidationError(errors)
    user = User.objects.create_user(
        username=username,
        email=email,
        password=password,
        role=User.Role.OPERATOR,
        is_staff=True,
    )
    audit_record(actor=None, obj=user, action=AuditEntry.Action.CREATE, data={"role": "operator"})
    return user
