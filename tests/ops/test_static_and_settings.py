"""Production settings: what they refuse, where media goes, and static files served by
gunicorn itself (WhiteNoise) with DEBUG off, as the compose `web` service runs."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import ROOT
from tests.ops.conftest import database_url
from tests.reliability.conftest import free_port
from tests.subprocess_env import child_environment

LONG_KEY = "k" * 60


# The test run's own settings that a production process must not inherit.
NOT_INHERITED = ("DEBUG", "SECRET_KEY", "PRODUCTION", "MEDIA_", "STATIC_", "AWS_", "SECURE_")


def load_settings(code: str = "", **env) -> subprocess.CompletedProcess:
    """Import the settings (and run `code` after django.setup()) in a fresh process."""
    return subprocess.run(
        [sys.executable, "-c", f"import django\ndjango.setup()\n{code}"],
        cwd=ROOT,
        env=child_environment(
            without=NOT_INHERITED, DJANGO_SETTINGS_MODULE="portal.settings", **env
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "false"}, "SECRET_KEY must be set when DEBUG is off"),
        (
            {"DEBUG": "false", "SECRET_KEY": "insecure-development-key-only-for-debug"},
            "SECRET_KEY is a published default",
        ),
        ({"DEBUG": "false", "SECRET_KEY": "change-me"}, "SECRET_KEY is a published default"),
        ({"PRODUCTION": "true", "SECRET_KEY": LONG_KEY}, "DEBUG must be false"),
        (
            {"PRODUCTION": "true", "DEBUG": "true", "SECRET_KEY": LONG_KEY},
            "DEBUG must be false",
        ),
        (
            {"PRODUCTION": "true", "DEBUG": "false", "SECRET_KEY": "short-but-not-public"},
            "at least 50 characters",
        ),
        ({"MEDIA_STORAGE": "s3"}, "MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME"),
        ({"MEDIA_STORAGE": "ftp"}, "MEDIA_STORAGE must be 'local' or 's3'"),
        ({"THROTTLE_VERIFY": "30/fortnight"}, "THROTTLE_VERIFY must be a rate such as 30/minute"),
        ({"THROTTLE_ANON": "lots"}, "THROTTLE_ANON must be a rate such as 30/minute"),
    ],
)
def test_settings_refuse_to_start(env, message):
    result = load_settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_settings_start_with_a_real_key():
    result = load_settings(
        "from django.conf import settings; print(settings.DEBUG, settings.PRODUCTION)",
        PRODUCTION="true",
        DEBUG="false",
        SECRET_KEY=LONG_KEY,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]


def test_media_on_s3_compatible_storage_is_private_and_signed():
    """MEDIA_STORAGE=s3: the default storage is the bucket; its links are signed (no
    request leaves the machine: boto3 signs locally)."""
    code = (
        "from django.core.files.storage import storages\ns = storages['default']\n"
        "print(type(s).__module__ + '.' + type(s).__name__)\n"
        "print(s.bucket_name, s.default_acl, s.file_overwrite)\n"
        "print(s.url('private/vouchers/WJ-1.pdf'))\n"
    )
    result = load_settings(
        code,
        MEDIA_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="voucher-media",
        AWS_S3_ENDPOINT_URL="http://127.0.0.1:9000",
        AWS_S3_REGION_NAME="cn-east-1",
        AWS_ACCESS_KEY_ID="test-access",
        AWS_SECRET_ACCESS_KEY="test-secret",
    )
    assert result.returncode == 0, result.stderr
    backend, options, url = result.stdout.splitlines()
    assert backend == "storages.backends.s3.S3Storage"
    assert options.split() == ["voucher-media", "private", "False"]
    assert url.startswith("http://127.0.0.1:9000/voucher-media/private/vouchers/WJ-1.pdf?")
    assert "Signature=" in url or "X-Amz-Signature=" in url


def test_media_on_local_disk_by_default(tmp_path):
    code = (
        "from django.core.files.storage import storages\ns = storages['default']\n"
        "print(type(s).__name__, s.location)\n"
    )
    result = load_settings(code, MEDIA_ROOT=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["FileSystemStorage", str(tmp_path)]


# --- gunicorn with DEBUG off serves the static files -------------------------------------


def fetch(url: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def gunicorn(db):
    """`gunicorn(env)` -> base URL of a gunicorn with DEBUG off on the test database."""
    started = []

    def start(**env) -> str:
        port = free_port()
        environment = child_environment(
            without=NOT_INHERITED,
            DEBUG="false",
            SECRET_KEY=LONG_KEY,
            ALLOWED_HOSTS="127.0.0.1",
            SECURE_SSL_REDIRECT="false",
            DATABASE_URL=database_url(),
            LOG_LEVEL="WARNING",
            **env,
        )
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
            ],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        started.append(process)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited: {process.stderr.read().decode()[-2000:]}")
            try:
                if fetch(f"{base}/healthz/")[0] == 200:
                    return base
            except OSError:
                time.sleep(0.2)
        pytest.fail("gunicorn did not answer /healthz/ in 60 s")

    yield start
    for process in started:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


@pytest.mark.postgres
def test_collected_static_files_are_served_hashed_and_cached_for_a_year(tmp_path, gunicorn):
    static_root = tmp_path / "static"
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=child_environment(
            without=NOT_INHERITED,
            DEBUG="false",
            SECRET_KEY=LONG_KEY,
            STATIC_ROOT=str(static_root),
            STATIC_MANIFEST="true",
        ),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collect.returncode == 0, collect.stderr
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    base = gunicorn(STATIC_ROOT=str(static_root))

    login = fetch(f"{base}/login/")
    assert login[0] == 200
    for name, content_type in (("css/portal.css", "text/css"), ("js/htmx.min.js", "javascript")):
        hashed = manifest[name]
        assert hashed != name
        # Pages link the hashed name, which is cached for a year and never revalidated.
        assert f"/static/{hashed}".encode() in login[2]
        status, headers, body = fetch(f"{base}/static/{hashed}")
        assert status == 200
        assert content_type in headers["Content-Type"]
        assert "max-age=315360000" in headers["Cache-Control"]
        assert "immutable" in headers["Cache-Control"]
        # The collected file (a stylesheet's url()s point at hashed names too).
        assert body == (static_root / hashed).read_bytes()
        # Compressed when the browser takes it.
        status, headers, _ = fetch(f"{base}/static/{hashed}", **{"Accept-Encoding": "gzip"})
        assert status == 200 and headers.get("Content-Encoding") == "gzip"
        # The plain name still answers (an old link), with a short cache.
        status, headers, _ = fetch(f"{base}/static/{name}")
        assert status == 200
        assert "immutable" not in headers.get("Cache-Control", "")


@pytest.mark.postgres
def test_without_collectstatic_the_source_files_are_served(tmp_path, gunicorn):
    """DEBUG off on a checkout that never ran collectstatic: no page loses its CSS."""
    base = gunicorn(STATIC_ROOT=str(tmp_path / "never-collected"))
    for name in ("css/portal.css", "js/htmx.min.js"):
        status, _, body = fetch(f"{base}/static/{name}")
        assert status == 200
        assert body == (ROOT / "static" / name).read_bytes()
    assert b'href="/static/css/portal.css"' in fetch(f"{base}/login/")[2]
    assert fetch(f"{base}/static/css/nothing-here.css")[0] == 404
