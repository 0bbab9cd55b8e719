"""/healthz/ says the process is alive whatever its dependencies; /readyz/ names each one and
answers 503 when one is down: the database, Redis, every Celery worker, or a migration.

Each case runs the portal in a process of its own whose environment points at what is down
(a port nobody listens on, a Redis no worker consumes, a database never migrated), as an
operator's misconfigured or failing machine would be.
"""

import json
import subprocess
import sys

import pytest

from portal.celery import app as celery_app
from tests.conftest import ROOT, _missing
from tests.ops.conftest import database_url
from tests.reliability.conftest import free_port
from tests.subprocess_env import child_environment

pytestmark = pytest.mark.postgres

PROBE = """
import json
import django
django.setup()
from django.test import Client
client = Client()
for path in ("/healthz/", "/readyz/"):
    response = client.get(path)
    print(json.dumps({"path": path, "status": response.status_code, "body": response.json()}))
"""


def probe(**env) -> dict:
    """GET /healthz/ and /readyz/ in a fresh process of the portal: {path: (status, body)}."""
    environment = child_environment(
        without=("CELERY_", "CACHE_", "DEBUG", "SECURE_"),
        **{
            "DEBUG": "false",
            "SECRET_KEY": "readyz-test-" + "k" * 50,
            "ALLOWED_HOSTS": "testserver",
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": database_url(),
            "READYZ_TIMEOUT_SECONDS": "1",
            "LOG_LEVEL": "ERROR",
            **env,
        },
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return {answer["path"]: (answer["status"], answer["body"]) for answer in answers}


def test_eager_demo_says_eager_not_that_a_worker_answered(db):
    answers = probe()  # no CELERY_BROKER_URL: tasks run in-process
    assert answers["/healthz/"] == (200, {"status": "ok"})
    status, body = answers["/readyz/"]
    assert status == 200, body
    assert body["checks"] == {
        "database": "ok",
        "redis": "eager",
        "cache": "ok",
        "celery": "eager",
        "migrations": "ok",
        "static": "ok",
    }
    assert set(body["outbox"]) == {"pending", "oldest_seconds"}


def test_database_down(db):
    answers = probe(DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/nothing")
    # Alive: the process answers without asking the database.
    assert answers["/healthz/"] == (200, {"status": "ok"})
    status, body = answers["/readyz/"]
    assert status == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "down: OperationalError"
    assert body["checks"]["migrations"] == "unknown"
    # Not asked through Django's connection, which has no connect timeout.
    assert body["outbox"] == "unknown"


def test_redis_down(db):
    answers = probe(CELERY_BROKER_URL=f"redis://127.0.0.1:{free_port()}/0")
    assert answers["/healthz/"][0] == 200
    status, body = answers["/readyz/"]
    assert status == 503
    assert body["checks"]["redis"].startswith("down: ")
    # No broker, no ping: the worker's state is not known, and not claimed.
    assert body["checks"]["celery"] == "unknown"
    assert body["checks"]["database"] == body["checks"]["migrations"] == "ok"


def test_no_celery_worker(db, own_redis):
    """Redis answers, but no worker consumes it."""
    answers = probe(CELERY_BROKER_URL=own_redis.url)
    assert answers["/healthz/"][0] == 200
    status, body = answers["/readyz/"]
    assert status == 503
    assert body["checks"]["redis"] == "ok"
    assert body["checks"]["celery"] == "down: RuntimeError"


def test_unapplied_migrations(unmigrated_database):
    answers = probe(DATABASE_URL=unmigrated_database)
    assert answers["/healthz/"][0] == 200
    status, body = answers["/readyz/"]
    assert status == 503
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["migrations"] == "down: RuntimeError"


@pytest.mark.worker
def test_ready_when_a_worker_answers(outage_worker, client):
    if celery_app.conf.task_always_eager:
        _missing("the worker fixture did not switch Celery off eager mode")
    response = client.get("/readyz/")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == dict.fromkeys(
        ["database", "redis", "cache", "celery", "migrations", "static"], "ok"
    )
    assert client.get("/healthz/").json() == {"status": "ok"}
