from decimal import Decimal

import pytest

from regions import ledger
from regions.models import JournalEntry, JournalLine

pytestmark = pytest.mark.django_db


def test_it_posts_a_balanced_entry_once(demo):
    fund = ledger.fund_account(demo["regions"]["WUJIN"])
    cash = ledger.cash_account(demo["regions"]["WUJIN"])
    lines = [(fund, Decimal("5.00"), 0), (cash, 0, Decimal("5.00"))]
    first = ledger.post_entry(reference="test:1", description="t", lines=lines)
    second = ledger.post_entry(reference="test:1", description="t", lines=lines)
    assert first.pk == second.pk
    assert JournalLine.objects.filter(entry=first).count() == 2


@pytest.mark.parametrize(
    "amounts",
    [
        [("5.00", 0), (0, "4.99")],
        [("5.00", "5.00"), (0, "5.00")],
        [(0, 0), (0, 0)],
        [("-5.00", 0), (0, "-5.00")],
        [("5.00", 0)],
    ],
)
def test_it_refuses_an_unbalanced_entry(demo, amounts):
    accounts = [ledger.fund_account(1), ledger.cash_account(1)]
    lines = [(accounts[i], Decimal(d), Decimal(c)) for i, (d, c) in enumerate(amounts)]
    with pytest.raises(ledger.UnbalancedEntry):
        ledger.post_entry(reference="bad", description="t", lines=lines)
    assert not JournalEntry.objects.exists()


def test_accounts_are_made_once(demo):
    assert ledger.clearing_account(1, 2).pk == ledger.clearing_account(1, 2).pk
    assert ledger.clearing_account(1, 2).pk != ledger.clearing_account(2, 1).pk
    provider = demo["providers"]["provider-sit"]
    assert ledger.payable_account(provider).pk == ledger.payable_account(provider).pk
