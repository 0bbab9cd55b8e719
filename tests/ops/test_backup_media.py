"""`ops/backup.sh` refuses a MEDIA_ROOT that does not exist (a misspelt one wrote an empty
archive and exited 0), and with MEDIA_STORAGE=s3 writes no media archive but says so, in its
output and its MANIFEST; `ops/restore.sh` restores such a backup's database."""

import os
import subprocess
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.conftest import ROOT
from tests.ops.test_backup import _url, restore_database  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def backup(tmp_path, **env) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "DATABASE_URL": _url(connection.settings_dict["NAME"]),
        "BACKUP_DIR": str(tmp_path / "backups"),
        **env,
    }
    return subprocess.run(
        ["bash", "ops/backup.sh"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_media_root_that_does_not_exist_is_refused(tmp_path):
    missing = tmp_path / "meida"
    result = backup(tmp_path, MEDIA_ROOT=str(missing), MEDIA_STORAGE="local")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"backup: MEDIA_ROOT {missing} does not exist; set MEDIA_ROOT to the portal's media "
        "folder (the one its settings use)"
    )
    assert not (tmp_path / "backups").exists()


def test_media_in_the_object_store_is_not_archived_and_the_backup_says_so(
    tmp_path,
    restore_database,  # noqa: F811
):
    result = backup(tmp_path, MEDIA_STORAGE="s3", MEDIA_ROOT=str(tmp_path / "no-media-here"))
    assert result.returncode == 0, result.stderr
    assert "media not included: MEDIA_STORAGE=s3, the files are in the object store" in (
        result.stderr
    )
    folder = Path(result.stdout.strip().splitlines()[-1])
    assert {p.name for p in folder.iterdir()} == {"db.dump", "SHA256SUMS", "MANIFEST"}
    manifest = (folder / "MANIFEST").read_text().splitlines()
    assert "media=not included: MEDIA_STORAGE=s3, the files are in the object store" in manifest

    restored = subprocess.run(
        ["bash", "ops/restore.sh", str(folder)],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": _url(restore_database),
            "MEDIA_ROOT": str(tmp_path / "restored-media"),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert restored.returncode == 0, restored.stderr
    assert "media not included" in restored.stdout
    assert not (tmp_path / "restored-media").exists()
    with psycopg.connect(_url(restore_database), autocommit=True) as conn:
        assert conn.execute("select count(*) from django_migrations").fetchone()[0] > 0
