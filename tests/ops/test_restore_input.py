"""`ops/restore.sh` refuses a DATABASE_URL that is not PostgreSQL with its own message, as
`ops/backup.sh` does (it connected to the local socket and printed psql's error)."""

import os
import subprocess

from tests.conftest import ROOT


def test_a_database_url_that_is_not_postgresql_is_named(tmp_path):
    result = subprocess.run(
        ["bash", "ops/restore.sh", str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": "sqlite:///x.db"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "restore: DATABASE_URL is not PostgreSQL; only PostgreSQL is restored by this script"
    )
