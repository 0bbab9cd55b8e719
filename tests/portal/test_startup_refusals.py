"""A refused setting stops gunicorn, the Celery worker and beat as it stops manage.py: one
line naming the variable on stderr and a non-zero exit, never a traceback (they printed 70-90
lines); and Django's own commands say in one line that the database cannot be reached."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.reliability.conftest import free_port
from tests.subprocess_env import child_environment

REFUSAL = "REQUIRE_2FA must be true or false (1/0, yes/no, on/off), not 'enabled'."
BIN = Path(sys.executable).parent


def run(argv, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        argv,
        cwd=ROOT,
        env=child_environment(without=("CELERY_",), **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_gunicorn_stops_with_one_line():
    result = run(
        [str(BIN / "gunicorn"), "portal.wsgi:application", "--bind", f"127.0.0.1:{free_port()}"],
        REQUIRE_2FA="enabled",
    )
    # gunicorn's "App failed to load": it stops instead of booting workers forever.
    assert result.returncode == 4, result.stderr
    assert "Traceback" not in result.stderr
    assert f"portal.wsgi: {REFUSAL}" in result.stderr.splitlines()


@pytest.mark.parametrize("command", ["worker", "beat"])
def test_celery_stops_with_one_line(command):
    result = run(
        [str(BIN / "celery"), "-A", "portal", command, "--loglevel=INFO"],
        REQUIRE_2FA="enabled",
        CELERY_BROKER_URL=f"redis://127.0.0.1:{free_port()}/12",
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip() == f"celery: {REFUSAL}"


@pytest.mark.parametrize("command", ["migrate", "showmigrations"])
def test_djangos_commands_say_the_database_cannot_be_reached(command):
    port = free_port()
    result = run(
        [sys.executable, "manage.py", command],
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/nothing",
    )
    assert result.returncode == 1
    line = result.stderr.strip()
    assert "\n" not in line and "Traceback" not in line, result.stderr
    assert line.startswith("manage.py: The database cannot be reached (")
    assert f"port {port} failed" in line
    assert line.endswith(
        "check DATABASE_URL and that the database server runs and holds that database."
    )
