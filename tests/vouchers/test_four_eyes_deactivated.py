"""A deactivated official is no longer one of the four eyes: the first approvals they gave
that still wait for a second are withdrawn as the account is switched off (audited), and the
row waits for a first approval again. A colleague completed a deactivated (or taken over)
official's first approval, and the page said nothing of it."""

from decimal import Decimal

import pytest

from regions.accounts import account_deactivate
from regions.models import AuditEntry, JournalEntry, User
from tests.vouchers.four_eyes import large_redemption, set_threshold
from vouchers import services
from vouchers.models import Redemption, VoucherApplication

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _threshold(demo):
    set_threshold("YANGPU")


def withdrawals(row) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            object_type=row._meta.label_lower,
            object_id=str(row.pk),
            action=AuditEntry.Action.FIRST_APPROVAL_WITHDRAWN,
        )
    )


def test_deactivating_an_official_withdraws_their_first_approval_of_a_claim(users, demo):
    redemption = large_redemption(demo)
    services.redemption_approve(redemption_id=redemption.pk, actor=users["official-yangpu"])

    account_deactivate(
        actor=users["operator"], account=users["official-yangpu"], reason="Left the office."
    )

    redemption.refresh_from_db()
    assert redemption.first_approved_by_id is None and redemption.first_approved_at is None
    [entry] = withdrawals(redemption)
    assert entry.actor == users["operator"]
    assert entry.data == {"official": "official-yangpu"}
    assert entry.reason == "The official who gave it was deactivated: Left the office."

    # The colleague's approval is now the first of two: no money moves.
    services.redemption_approve(redemption_id=redemption.pk, actor=users["official-yangpu-2"])
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.PENDING
    assert redemption.first_approved_by == users["official-yangpu-2"]
    assert not JournalEntry.objects.filter(redemption=redemption).exists()


def test_deactivating_an_official_withdraws_their_first_approval_of_an_application(users, submit):
    application = submit("enterprise-yangpu", "250000.00")
    services.application_approve(
        application=application, actor=users["official-yangpu"], approved_amount="250000.00"
    )

    account_deactivate(
        actor=users["operator"], account=users["official-yangpu"], reason="Suspected compromise."
    )

    application.refresh_from_db()
    assert application.first_approved_by_id is None
    assert application.first_approved_amount is None
    assert len(withdrawals(application)) == 1
    voucher = services.application_approve(
        application=application,
        actor=users["official-yangpu-2"],
        approved_amount="240000.00",
        note="The testing part is priced lower.",
    )
    assert voucher is None  # a first approval again, of the amount the colleague chose
    application.refresh_from_db()
    assert application.status == VoucherApplication.Status.SUBMITTED
    assert application.first_approved_amount == Decimal("240000.00")


def test_an_account_switched_off_elsewhere_does_not_count_either(users, demo):
    """Switched off without the portal's deactivation (the admin, a script): the second
    approval finds the first official inactive and counts as a first approval itself."""
    redemption = large_redemption(demo)
    services.redemption_approve(redemption_id=redemption.pk, actor=users["official-yangpu"])
    User.objects.filter(pk=users["official-yangpu"].pk).update(is_active=False)

    services.redemption_approve(redemption_id=redemption.pk, actor=users["official-yangpu-2"])

    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.PENDING
    assert redemption.first_approved_by == users["official-yangpu-2"]
    [entry] = withdrawals(redemption)
    assert entry.actor is None


def test_other_officials_first_approvals_and_decided_rows_stay(users, demo):
    waiting = large_redemption(demo)
    services.redemption_approve(redemption_id=waiting.pk, actor=users["official-yangpu-2"])
    decided = large_redemption(demo, amount="260000.00")
    services.redemption_approve(redemption_id=decided.pk, actor=users["official-yangpu"])
    services.redemption_approve(redemption_id=decided.pk, actor=users["official-yangpu-2"])

    account_deactivate(
        actor=users["operator"], account=users["official-yangpu"], reason="Left the office."
    )

    waiting.refresh_from_db()
    decided.refresh_from_db()
    assert waiting.first_approved_by == users["official-yangpu-2"]
    assert decided.status == Redemption.Status.APPROVED
    assert decided.first_approved_by == users["official-yangpu"]
    assert withdrawals(waiting) == [] and withdrawals(decided) == []


def test_the_history_says_why_in_the_readers_language(client, users, demo):
    redemption = large_redemption(demo)
    services.redemption_approve(redemption_id=redemption.pk, actor=users["official-yangpu"])
    account_deactivate(actor=users["operator"], account=users["official-yangpu"], reason="离职")
    client.force_login(users["official-yangpu-2"])

    english = client.get(f"/redemptions/{redemption.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.get(f"/redemptions/{redemption.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert "Awaiting second approval" not in english.content.decode()
    assert "first approval withdrawn" in english.content.decode()
    assert "The official who gave it was deactivated: 离职" in english.content.decode()
    assert "The official who gave it was deactivated" not in chinese.content.decode()
    assert "离职" in chinese.content.decode()
