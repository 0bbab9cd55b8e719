"""A setting the portal cannot read stops the start with one line naming the variable: no
traceback, and no silent default (REQUIRE_2FA=enabled was read as off)."""

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def check(**env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("REQUIRE_2FA", "enabled"),
        ("SECURE_SSL_REDIRECT", "y"),
        ("SESSION_COOKIE_SECURE", "t"),
        ("PRODUCTION", "y"),
        ("CONN_MAX_AGE", "abc"),
        ("UPLOAD_MAX_BYTES", "20MB"),
        ("LOGIN_FAILURE_LIMIT", "five"),
        ("CELERY_VISIBILITY_TIMEOUT", "1h"),
        ("READYZ_TIMEOUT_SECONDS", "nan"),
        ("SETTLEMENT_PARTS", "0"),
        ("AUDIT_SEAL_EVERY_SECONDS", "-5"),
        ("LOG_LEVEL", "LOUD"),
        ("CACHE_URL", "127.0.0.1:6379/7"),
        ("CELERY_BROKER_URL", "notaurl"),
        ("METRICS_ALLOWED_NETWORKS", "notacidr"),
        ("TRUSTED_PROXY_IPS", "1.2.3"),
        # Numbers that read but cannot work: every login locked out, every JSON body refused.
        ("LOGIN_FAILURE_LIMIT", "0"),
        ("LOGIN_COOLOFF_MINUTES", "0"),
        ("API_JSON_MAX_DEPTH", "0"),
        ("UPLOAD_MAX_BYTES", "0"),
        ("OUTBOX_MAX_ATTEMPTS", "0"),
        ("CELERY_VISIBILITY_TIMEOUT", "0"),
        ("THROTTLE_ANON", "0/minute"),
    ],
)
def test_an_unreadable_setting_stops_the_start_naming_it(name, value):
    # The HTTPS switches are read with DEBUG off only.
    result = check(**{name: value, "DEBUG": "false", "SECRET_KEY": "s" * 64})
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert name in last and repr(value) in last, last


@pytest.mark.parametrize("value", ["true", "FALSE", "1", "0", "yes", "No", "on", "off", ""])
def test_the_switch_words_are_read(value):
    assert check(REQUIRE_2FA=value).returncode == 0


def test_hsts_preload_is_asked_for_not_assumed(settings):
    from portal.settings.environment import env_bool

    assert env_bool("SECURE_HSTS_PRELOAD_UNSET_IN_THIS_TEST", False) is False
