"""/readyz/ answers within READYZ_TIMEOUT_SECONDS per dependency even when Redis accepts
connections and never answers (it took 6-7 s with a 1 s timeout), when PostgreSQL does the
same (260 s) or another session locks a table it reads (as long as the lock); it says
"static" is down when the manifest storage is on without a collected manifest (every page
answered 500 while /readyz/ said ok); the web process says so once as it starts."""

import json
import socket
import subprocess
import sys
import threading

import psycopg
import pytest
from django.db import connection

from tests.conftest import ROOT
from tests.ops.conftest import database_url
from tests.subprocess_env import child_environment

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
    return child_environment(
        without=("CELERY_", "CACHE_", "DEBUG", "SECURE_", "STATIC_"),
        **{
            "DEBUG": "false",
            "SECRET_KEY": LONG_KEY,
            "ALLOWED_HOSTS": "testserver",
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": database_url(),
            "READYZ_TIMEOUT_SECONDS": "1",
            "LOG_LEVEL": "ERROR",
            **env,
        },
    )


def readyz(*, timeout: float = 120, **env) -> dict:
    """GET /readyz/ in a fresh process: its status, body and seconds. `timeout`: how long the
    test waits for the process (a probe that hangs fails the test then)."""
    result = subprocess.run(
        [sys.executable, "-c", TIMED_PROBE],
        cwd=ROOT,
        env=environment(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def hanging_server():
    """A port that accepts connections and never answers a byte: `127.0.0.1:<port>`, a
    stalled Redis or PostgreSQL."""
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
    yield f"127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(timeout=5)
    for accepted in held:
        accepted.close()
    listener.close()


def test_a_hanging_redis_costs_each_check_the_timeout_at_most(db, hanging_server):
    answer = readyz(
        CELERY_BROKER_URL=f"redis://{hanging_server}/0",
        CACHE_URL=f"redis://{hanging_server}/12",
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


def test_a_database_that_accepts_and_never_answers_is_down_within_the_connect_timeout(
    db, hanging_server
):
    """It held /readyz/ 260 s: psycopg's own 130 s connect timeout, for the database check
    and again for the outbox backlog."""
    answer = readyz(timeout=30, DATABASE_URL=f"postgres://portal@{hanging_server}/portal")
    assert answer["status"] == 503
    checks = answer["body"]["checks"]
    assert checks["database"] == "down: ConnectionTimeout"
    assert checks["migrations"] == "unknown"
    assert answer["body"]["outbox"] == "unknown"
    # Connecting waits 2 s at least (psycopg's floor), whatever READYZ_TIMEOUT_SECONDS says.
    assert answer["seconds"] < 4, answer


@pytest.fixture
def locked_table(db):
    """`locked_table(name)`: another session holds the table ACCESS EXCLUSIVE, as a migration
    that rewrites it or a VACUUM FULL does, until the test ends."""
    sessions = []

    def lock(name: str) -> None:
        session = psycopg.connect(database_url())
        session.execute(f'LOCK TABLE "{name}" IN ACCESS EXCLUSIVE MODE')
        sessions.append(session)

    yield lock
    for session in sessions:
        session.rollback()
        session.close()


def test_a_locked_migrations_table_costs_the_check_the_timeout_not_the_lock(locked_table):
    """The migrations check waited for the lock, however long it was held."""
    locked_table("django_migrations")
    answer = readyz(timeout=30)
    assert answer["status"] == 503
    checks = answer["body"]["checks"]
    assert checks["migrations"] == "down: OperationalError"
    assert checks["database"] == "ok"
    assert answer["seconds"] < 3, answer


def test_a_locked_outbox_leaves_the_backlog_unknown_within_the_timeout(locked_table):
    from portal.models import OutboxMessage

    locked_table(OutboxMessage._meta.db_table)
    answer = readyz(timeout=30)
    assert answer["body"]["outbox"] == "unknown: OperationalError"
    assert answer["body"]["checks"]["database"] == "ok"
    assert answer["seconds"] < 3, answer


def statement_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


def test_the_statement_timeout_ends_with_the_check(db, client):
    """The checks run in a transaction of their own that rolls back, so SET LOCAL never
    reaches the connection's later work, even inside the test's own transaction."""
    before = statement_timeout()
    assert client.get("/readyz/").json()["checks"]["database"] == "ok"
    assert statement_timeout() == before


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
