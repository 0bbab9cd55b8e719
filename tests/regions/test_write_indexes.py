"""Indexes that every claim, decision or POST would write and no read uses are not there."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

NOT_INDEXED_ALONE = [
    ("vouchers_redemption", "claimed_by_id"),
    ("vouchers_redemption", "decided_by_id"),
    ("vouchers_redemption", "first_approved_by_id"),
    ("vouchers_voucherapplication", "decided_by_id"),
    ("vouchers_voucherapplication", "first_approved_by_id"),
    # The unique (user_id, key) index leads with it.
    ("regions_idempotencyrecord", "user_id"),
]


def _indexed_column_lists(table: str) -> list[list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [c["columns"] for c in constraints.values() if c["index"] or c["unique"]]


@pytest.mark.parametrize(("table", "column"), NOT_INDEXED_ALONE)
def test_who_acted_has_no_index_of_its_own(table, column):
    indexed = _indexed_column_lists(table)

    assert [column] not in indexed
    if column == "user_id":
        assert ["user_id", "key"] in indexed  # what serves the lookups by user instead
