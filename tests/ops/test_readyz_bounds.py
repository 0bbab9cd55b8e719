"""/readyz/ answers within READYZ_TIMEOUT_SECONDS per dependency even when Redis accepts
connections and never answers (it took 6-7 s with a 1 s timeout), and says "static" is down
when the manifest storage is on without a collected manifest (every page answered 500 while
/readyz/ said ok); the web process says so once as it starts."""

import json
import os
import socket
import subprocess
import sys
import threading

import pytest

from tests.conftest import ROOT
from tests.ops.conftest import database_url

pytestmark = pytest.mark.postgres

LONG_KEY = "readyz-bounds-" + "k" * 50

TIMED_PROBE = """
import json, time
import django
django.setup()
from django.test import Client
client = Client()
client.get("/healthz/")  # the first request imports the URLs: not the checks' time
started = time.monotonic()
response = client.get("/readyz/")
print(json.dumps({"status": response.status_code, "body": response.json(),
                  "seconds": time.monotonic() - started}))
"""


def environment(**env) -> dict:
    """The portal's environment for a process of its own, as tests/ops/test_health.py has it."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("CELERY_", "CACHE_", "DEBUG", "SECURE_", "STATIC_", "DJANGO_ALLOW_ASYNC")
        )
    }
    environment.update(
        DEBUG="false",
        SECRET_KEY=LONG_KEY,
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="false",
        DATABASE_URL=database_url(),
        READYZ_TIMEOUT_SECONDS="1",
        LOG_LEVEL="ERROR",
    )
    environment.update(env)
    return environment


def readyz(**env) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", TIMED_PROBE],
        cwd=ROOT,
        env=environment(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def hanging_redis():
    """A port that accepts connections and never answers a byte: `redis://127.0.0.1:<port>`."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(timeout=5)
    for connection in held:
        connection.close()
    listener.close()


def test_a_hanging_redis_costs_each_check_the_timeout_at_most(db, hanging_redis):
    answer = readyz(
        CELERY_BROKER_URL=f"{hanging_redis}/0",
        CACHE_URL=f"{hanging_redis}/12",
        # The broker's and the cache's own timeouts are longer than the check's.
        CELERY_BROKER_SOCKET_TIMEOUT="5",
        CACHE_SOCKET_TIMEOUT="2",
    )
    assert answer["status"] == 503
    checks = answer["body"]["checks"]
    assert checks["redis"].startswith("down: ")
    assert checks["cache"].startswith("down: ")
    assert checks["database"] == "ok"
    # Redis and the cache at 1 s each, the database and the rest well under a second (the
    # broker's 5 s read timeout and the cache's two 2 s commands took 9 s).
    assert answer["seconds"] < 3.5, answer


def test_the_cache_check_stores_and_reads_back_on_a_redis_that_answers(db, own_redis):
    answer = readyz(CACHE_URL=own_redis.url.rsplit("/", 1)[0] + "/12")
    assert answer["body"]["checks"]["cache"] == "ok", answer


def test_a_missing_static_manifest_is_not_ready(db, tmp_path):
    answer = readyz(STATIC_MANIFEST="true", STATIC_ROOT=str(tmp_path / "never-collected"))
    assert answer["status"] == 503
    assert answer["body"]["checks"]["static"] == "down: RuntimeError"
    assert answer["body"]["checks"]["database"] == "ok"


def test_a_collected_manifest_is_ready(db, tmp_path):
    (tmp_path / "staticfiles.json").write_text(json.dumps({"version": "1.1", "paths": {}}))
    answer = readyz(STATIC_MANIFEST="true", STATIC_ROOT=str(tmp_path))
    assert answer["body"]["checks"]["static"] == "ok", answer


def start_web_process(**env) -> subprocess.CompletedProcess:
    """Import portal.wsgi as gunicorn's workers do."""
    return subprocess.run(
        [sys.executable, "-c", "import portal.wsgi"],
        cwd=ROOT,
        env=environment(LOG_LEVEL="INFO", LOG_FORMAT="text", **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_web_process_says_once_at_start_that_the_manifest_is_missing(tmp_path):
    result = start_web_process(STATIC_MANIFEST="true", STATIC_ROOT=str(tmp_path / "none"))
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "collectstatic" in line]
    assert len(lines) == 1, result.stderr
    assert "ERROR" in lines[0]
    assert str(tmp_path / "none" / "staticfiles.json") in lines[0]
    assert "Traceback" not in result.stderr


def test_the_web_process_says_nothing_without_the_manifest_storage(tmp_path):
    result = start_web_process(STATIC_ROOT=str(tmp_path / "none"))
    assert result.returncode == 0, result.stderr
    assert "collectstatic" not in result.stderr
