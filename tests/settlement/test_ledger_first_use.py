"""Two transactions using the same new ledger accounts for the first time, in opposite
orders, on PostgreSQL: they wait for each other in turn, never in a circle."""

import threading
import time
from itertools import permutations

import pytest
from django.db import connection, transaction

from regions import ledger
from regions.models import LedgerAccount, Region

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def fresh_pair():
    """Two districts whose clearing accounts with each other are not used yet."""
    for first, second in permutations(Region.objects.order_by("id"), 2):
        if not LedgerAccount.objects.filter(
            kind=LedgerAccount.Kind.CLEARING, region__in=[first, second],
            counterparty__in=[first, second],
        ).exists():  # fmt: skip
            return first, second
    pytest.skip("every pair of districts has its clearing accounts already")


def test_opposite_cross_region_approvals_do_not_deadlock_on_new_accounts(demo, monkeypatch):
    # Wujin -> Yangpu and Yangpu -> Wujin approved at once, the pair's clearing accounts not
    # yet used: each created them in its own order and waited on the other's insert, and
    # PostgreSQL failed one of the two (a 503 in the load test).
    a, b = fresh_pair()
    first_created, second_started = threading.Event(), threading.Event()
    original = ledger._account

    def account_then_pause(**lookup):
        made = original(**lookup)
        if threading.current_thread().name == "first" and not first_created.is_set():
            first_created.set()
            second_started.wait(5)
            time.sleep(0.5)  # the second is now inserting its first account
        return made

    monkeypatch.setattr(ledger, "_account", account_then_pause)
    errors = []

    def approve(name, lookups, before=None):
        try:
            if before is not None:
                before()
            with transaction.atomic():
                ledger.accounts(*lookups)
        except Exception as error:  # noqa: BLE001 - the test reports whatever broke
            errors.append((name, error))
        finally:
            connection.close()

    def after_the_first():
        first_created.wait(5)
        second_started.set()

    threads = [
        threading.Thread(
            name="first",
            target=approve,
            args=("first", [ledger.clearing(a, b), ledger.clearing(b, a)]),
        ),
        threading.Thread(
            name="second",
            target=approve,
            args=("second", [ledger.clearing(b, a), ledger.clearing(a, b)], after_the_first),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert (
        LedgerAccount.objects.filter(
            kind=LedgerAccount.Kind.CLEARING, region=a, counterparty=b
        ).count()
        == 1
    )
    assert (
        LedgerAccount.objects.filter(
            kind=LedgerAccount.Kind.CLEARING, region=b, counterparty=a
        ).count()
        == 1
    )
