"""Fixtures of the reliability tests: a Redis of the test's own that it can stop and start,
and a real Celery worker on it.

The shared Redis (TEST_CELERY_BROKER_URL) is never stopped: other test runs use it.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from portal.celery import app as celery_app
from tests.conftest import ROOT, _missing
from tests.providers.conftest import make_provider  # noqa: F401 (a fixture)
from tests.vouchers.conftest import approve, submit  # noqa: F401 (fixtures)


def free_port() -> int:
    """A port nobody listens on: connecting to it is refused at once, like a stopped Redis."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OwnRedis:
    """A throwaway redis-server without persistence, stopped and started on one port."""

    def __init__(self, port: int, workdir: Path):
        self.port = port
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.answers():
                return
            time.sleep(0.05)
        pytest.fail(f"redis-server did not start on port {self.port}", pytrace=False)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=10)
        self.process = None

    def answers(self) -> bool:
        import redis

        try:
            return redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping()
        except redis.exceptions.RedisError:
            return False


@pytest.fixture
def own_redis(tmp_path):
    if not shutil.which("redis-server"):
        _missing("redis-server is not installed")
    server = OwnRedis(free_port(), tmp_path)
    server.start()
    yield server
    if server.process is not None:
        server.stop()


def _use_broker(url: str):
    """Point this process's Celery app at `url`, dropping connections to the old broker."""
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def outage_worker(own_redis, transactional_db, settings, tmp_path):
    """A real `celery worker` on `own_redis`, reading the test database, writing PDFs under
    the test's MEDIA_ROOT and e-mails as files (one per message) under `mail_dir`."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        _missing("the worker tests need PostgreSQL (set DATABASE_URL)")
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    database_url = (
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": own_redis.url,
        "CELERY_RESULT_BACKEND": own_redis.url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "CONN_MAX_AGE": "0",
        # The queue this test process publishes to (its own under pytest-xdist).
        "CELERY_DEFAULT_QUEUE": celery_app.conf.task_default_queue,
    }
    log_path = ROOT / ".pytest-outage-worker.log"
    log = open(log_path, "ab")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--concurrency=2",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"outage-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    previous = celery_app.conf.broker_url
    _use_broker(own_redis.url)
    celery_app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + 30
        while not celery_app.control.ping(timeout=1):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the outage worker did not start; see {log_path}", pytrace=False)
        yield {"process": process, "mail_dir": mail_dir, "redis": own_redis}
    finally:
        celery_app.conf.task_always_eager = True
        _use_broker(previous)
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


@pytest.fixture
def cache_away(settings):
    """CACHE_URL on a Redis that is down (nothing listens on a free port)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/1",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
