"""A claim costs the queries its writes need, and no more: two locking reads and the
three writes (redemption, voucher, audit row). Its officials hear of it in the minute's claim
notice, which the claim does not queue (vouchers/services/claim_notices.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.redemptions.factories import make_order, provider_user
from vouchers.services import redemption_claim

# The row locks (FOR UPDATE) are part of what is counted: PostgreSQL only.
pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def _statements(queries) -> list[str]:
    """`SELECT vouchers_voucher FOR UPDATE`, `INSERT regions_auditentry`, ... per query;
    the savepoint the test's transaction turns the claim's transaction into is left out."""
    found = []
    for query in queries:
        sql = " ".join(query["sql"].split())  # hand-written SQL spans lines
        verb = sql.split()[0]
        if verb in ("SAVEPOINT", "RELEASE", "ROLLBACK"):
            continue
        while "(SELECT" in sql:  # subqueries out: the table is the outer query's
            start = sql.index("(SELECT")
            depth, end = 0, start
            for end in range(start, len(sql)):
                depth += {"(": 1, ")": -1}.get(sql[end], 0)
                if depth == 0:
                    break
            sql = sql[:start] + sql[end + 1 :]
        marker = {"SELECT": " FROM ", "INSERT": "INSERT INTO ", "UPDATE": "UPDATE "}[verb]
        table = sql.split(marker, 1)[1].split()[0].strip('"')
        found.append(f"{verb} {table}" + (" FOR UPDATE" if "FOR UPDATE" in sql else ""))
    return found


def test_one_claim_runs_exactly_the_queries_its_writes_need(demo):
    provider = demo["providers"]["provider-graphene"]
    order = make_order(demo["voucher"], provider, contract="1000.00")
    actor = provider_user(demo, provider)

    with CaptureQueriesContext(connection) as queries:
        redemption_claim(service_order_id=order.pk, amount="250.00", actor=actor)

    assert _statements(queries.captured_queries) == [
        "SELECT vouchers_voucher FOR UPDATE",  # found through the order, with the ratio
        "SELECT providers_serviceorder FOR UPDATE",  # with its provider and live claim
        "INSERT vouchers_redemption",
        "UPDATE vouchers_voucher",
        "INSERT regions_auditentry",
    ]


def test_a_refused_claim_stops_after_the_locking_reads(demo):
    from portal.errors import AlreadyRedeemed

    provider = demo["providers"]["provider-graphene"]
    order = make_order(demo["voucher"], provider, contract="1000.00")
    actor = provider_user(demo, provider)
    redemption_claim(service_order_id=order.pk, amount="250.00", actor=actor)

    with CaptureQueriesContext(connection) as queries, pytest.raises(AlreadyRedeemed):
        redemption_claim(service_order_id=order.pk, amount="250.00", actor=actor)

    assert _statements(queries.captured_queries) == [
        "SELECT vouchers_voucher FOR UPDATE",
        "SELECT providers_serviceorder FOR UPDATE",
    ]
