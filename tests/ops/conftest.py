"""Fixtures of the operations tests."""

import psycopg
import pytest
from django.db import connection

from tests.reliability.conftest import outage_worker, own_redis  # noqa: F401 (fixtures)
from tests.vouchers.conftest import approve, submit  # noqa: F401 (fixtures)


def database_url(name: str | None = None) -> str:
    """The test database's address (or another database's on the same server)."""
    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
        f"{name or db['NAME']}"
    )


@pytest.fixture
def unmigrated_database(db):
    """A database that exists and answers, with no migration applied."""
    name = f"{connection.settings_dict['NAME']}_unmigrated"[:63]
    admin = database_url("postgres").replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield database_url(name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
