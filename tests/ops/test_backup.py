"""`ops/backup.sh` and `ops/restore.sh` on PostgreSQL: the demo plus a settlement backed up,
restored into a fresh database and a fresh media folder, reconciled clean there, and every
total (vouchers, redemptions, journal sums, media checksums) the same as in the source."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import dj_database_url
import psycopg
import pytest
from django.conf import settings
from django.db import connection

from regions.settlement.services import settlement_batch_create, settlement_run
from tests.conftest import ROOT
from tests.settlement.factories import spread

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# One grouped figure per question; compared between the source and the restored database.
TOTALS = {
    "vouchers": "select count(*), coalesce(sum(face_value), 0), coalesce(sum(balance), 0) "
    "from vouchers_voucher",
    "redemptions": "select status, count(*), sum(amount) from vouchers_redemption "
    "group by status order by status",
    "journal": "select count(distinct entry_id), sum(debit), sum(credit) from regions_journalline",
    "journal_by_account": "select account_id, sum(debit) - sum(credit) from regions_journalline "
    "group by account_id order by account_id",
    "settlement": "select id, status, redemption_count, gross_total from regions_settlementbatch "
    "order by id",
    "obligations": "select batch_id, from_region_id, to_region_id, amount "
    "from regions_settlementobligation order by 1, 2, 3",
    "users": "select count(*) from regions_user",
}


def _url(name: str) -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    )


def _restore_database_name() -> str:
    # Beside the developer's own database (DATABASE_URL), never one of another run.
    base = dj_database_url.parse(os.environ["DATABASE_URL"])["NAME"]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return f"{base}_restore" + (f"_{worker}" if worker else "")


def _totals(url: str) -> dict:
    with psycopg.connect(url, autocommit=True) as conn:
        return {key: conn.execute(sql).fetchall() for key, sql in TOTALS.items()}


def _checksums(folder: Path) -> dict:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _run(args, env, check=True):
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if check and result.returncode != 0:
        pytest.fail(f"{args} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture
def restore_database():
    name = _restore_database_name()
    admin = _url("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
        conn.execute(f'create database "{name}"')
    yield name
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


def test_backup_then_restore_into_a_fresh_database_is_identical_and_reconciles(
    demo, restore_database, tmp_path
):
    # Money moved beyond the seed: redemptions in every district pair, settled.
    spread(demo, 12)
    batch = settlement_batch_create(actor=demo["users"]["operator"])
    settlement_run(batch_id=batch.pk)
    media = Path(settings.MEDIA_ROOT)
    source_files = _checksums(media)
    assert source_files, "the demo writes certificates and evidence files"

    source_url = _url(connection.settings_dict["NAME"])
    backups = tmp_path / "backups"
    env = {**os.environ, "DATABASE_URL": source_url, "MEDIA_ROOT": str(media)}
    made = _run(["make", "-s", "backup", f"BACKUP_DIR={backups}"], env)
    folder = Path(made.stdout.strip().splitlines()[-1])
    assert folder.parent == backups
    assert {p.name for p in folder.iterdir()} == {
        "db.dump",
        "media.tar.gz",
        "SHA256SUMS",
        "MANIFEST",
    }
    # Password hashes and personal data: readable by the owner only, whatever the umask.
    for name in ("db.dump", "media.tar.gz"):
        assert (folder / name).stat().st_mode & 0o077 == 0, name

    restored_url = _url(restore_database)
    restored_media = tmp_path / "restored-media"
    restore_env = {**os.environ, "DATABASE_URL": restored_url, "MEDIA_ROOT": str(restored_media)}
    _run(["make", "-s", "restore", f"BACKUP={folder}"], restore_env)

    reconcile = _run([sys.executable, "manage.py", "reconcile"], restore_env)
    assert "Reconciliation clean" in reconcile.stdout
    source, restored = _totals(source_url), _totals(restored_url)
    assert source == restored
    assert source["settlement"] and source["journal"][0][0] > 0
    assert _checksums(restored_media) == source_files

    # A second restore over the now populated database is refused and changes nothing.
    again = _run(["bash", "ops/restore.sh", str(folder)], restore_env, check=False)
    assert again.returncode == 3
    assert "refusing to restore over a database that is not empty" in again.stderr
    assert _totals(restored_url) == source

    # With --force it replaces what is there: a change made after the restore is undone.
    with psycopg.connect(restored_url, autocommit=True) as conn:
        conn.execute("delete from regions_settlementtransfer")
    (restored_media / "stray.txt").write_text("not in the backup")
    _run(["bash", "ops/restore.sh", str(folder), "--force"], restore_env)
    assert _totals(restored_url) == source
    assert _checksums(restored_media) == source_files


def test_a_damaged_backup_is_refused_before_anything_is_touched(demo, restore_database, tmp_path):
    media = Path(settings.MEDIA_ROOT)
    env = {
        **os.environ,
        "DATABASE_URL": _url(connection.settings_dict["NAME"]),
        "MEDIA_ROOT": str(media),
        "BACKUP_DIR": str(tmp_path),
    }
    folder = Path(_run(["bash", "ops/backup.sh"], env).stdout.strip().splitlines()[-1])
    with open(folder / "db.dump", "r+b") as dump:
        dump.seek(-10, os.SEEK_END)
        dump.write(b"0123456789")
    restore_env = {
        **os.environ,
        "DATABASE_URL": _url(restore_database),
        "MEDIA_ROOT": str(tmp_path / "m"),
    }
    refused = _run(["bash", "ops/restore.sh", str(folder)], restore_env, check=False)
    assert refused.returncode == 2
    assert "does not match its SHA256SUMS" in refused.stderr
    with psycopg.connect(_url(restore_database), autocommit=True) as conn:
        assert conn.execute(
            "select count(*) from pg_tables where schemaname = 'public'"
        ).fetchone() == (0,)
    assert not (tmp_path / "m").exists()
