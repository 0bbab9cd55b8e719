"""Settings that read but cannot work stop the start with one line naming the variable, as
tests/portal/test_settings_input.py checks for the others; and an empty value (what
docker-compose.yml passes for a variable the operator did not set) is the default."""

import json
import os
import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.ops.test_static_and_settings import load_settings
from tests.portal.test_env_example import _in_readme
from tests.portal.test_settings_input import check


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CACHE_SOCKET_TIMEOUT", "0"),
        ("CELERY_BROKER_SOCKET_TIMEOUT", "0"),
        ("SENTRY_TRACES_SAMPLE_RATE", "2"),
        ("SENTRY_TRACES_SAMPLE_RATE", "-0.5"),
        ("SETTLEMENT_STALL_SECONDS", "0"),
        ("OUTBOX_RESEND_AFTER_SECONDS", "0"),
        ("OUTBOX_KEEP_DAYS", "0"),
        ("READYZ_TIMEOUT_SECONDS", "0"),
        ("PORTAL_BASE_URL", "notaurl"),
        ("PORTAL_BASE_URL", "ftp://portal.example.gov.cn"),
        ("PORTAL_BASE_URL", "https://"),
    ],
)
def test_a_value_that_cannot_work_stops_the_start_naming_it(name, value):
    # CACHE_SOCKET_TIMEOUT is read with a CACHE_URL only (nothing connects to it here).
    result = check(**{name: value, "CACHE_URL": "redis://127.0.0.1:1/12"})
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"manage.py: {name} must ") and repr(value) in lines[0], lines[0]


def test_an_empty_default_queue_is_refused():
    result = check(CELERY_DEFAULT_QUEUE=" ")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "manage.py: CELERY_DEFAULT_QUEUE must name a queue, such as celery."
    )


@pytest.mark.parametrize(
    ("dsn", "reason"),
    [
        ("notadsn", "Unsupported scheme"),
        ("https://0123456789abcdef@sentry.example.gov.cn", "Invalid project"),
        ("https://sentry.example.gov.cn/4", "Missing public key"),
    ],
)
def test_a_sentry_dsn_that_is_not_one_is_refused_in_one_line(dsn, reason):
    result = check(SENTRY_DSN=dsn)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "BadDsn" not in result.stderr
    line = result.stderr.strip()
    assert line.startswith("manage.py: SENTRY_DSN is not a Sentry DSN ("), line
    assert reason in line and "https://KEY@HOST/PROJECT_ID" in line
    # The key is not repeated.
    assert "0123456789abcdef" not in line


@pytest.mark.parametrize("password", ["pa/ss", "pa#ss", "pa?ss"])
def test_a_password_that_cuts_the_database_url_says_to_percent_encode_it(password):
    result = check(DATABASE_URL=f"postgres://portal:{password}@db:5432/portal")
    assert result.returncode == 1
    line = result.stderr.strip()
    assert line.startswith("manage.py: DATABASE_URL is not a database address"), line
    assert "must be percent-encoded (%2F, %23, %3F, %25)" in line
    assert password not in line


def test_a_percent_encoded_password_is_read():
    result = load_settings(
        "from django.conf import settings; print(settings.DATABASES['default']['PASSWORD'])",
        DATABASE_URL="postgres://portal:pa%2Fs%23s@db:5432/portal",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "pa/s#s"


SETTINGS_AS_JSON = (
    "import json\nfrom django.conf import settings\n"
    "print(json.dumps({k: repr(getattr(settings, k)) for k in dir(settings) if k.isupper()}))"
)
# docker-compose.yml passes this one as a fixed name, never empty: an empty one is refused.
NEVER_EMPTY = {"CELERY_DEFAULT_QUEUE"}


def _settings_read(names: set[str], value: str | None) -> subprocess.CompletedProcess:
    """The settings as read with each of `names` unset (None) or set to `value`."""
    environment = {k: v for k, v in os.environ.items() if k not in names}
    if value is not None:
        environment.update(dict.fromkeys(names, value))
    # The same order of sets in both runs.
    environment.update(DJANGO_SETTINGS_MODULE="portal.settings", PYTHONHASHSEED="0")
    return subprocess.run(
        [sys.executable, "-c", f"import django\ndjango.setup()\n{SETTINGS_AS_JSON}"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_empty_variable_is_its_default():
    names = _in_readme() - NEVER_EMPTY
    unset = _settings_read(names, None)
    empty = _settings_read(names, "")
    assert unset.returncode == 0, unset.stderr
    assert empty.returncode == 0, empty.stderr
    read_unset = json.loads(unset.stdout.strip().splitlines()[-1])
    read_empty = json.loads(empty.stdout.strip().splitlines()[-1])
    differ = {
        k
        for k in read_unset
        # Not an object's address, which differs from one process to the next.
        if read_unset[k] != read_empty.get(k) and " at 0x" not in read_unset[k]
    }
    assert differ == set(), {k: (read_unset[k], read_empty.get(k)) for k in differ}
    assert re.search(r"script-src 'self'", read_empty["CONTENT_SECURITY_POLICY"])
