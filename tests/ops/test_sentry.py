"""The error tracker: with SENTRY_DSN set, a view that raises reaches a real HTTP server
standing in for Sentry as an envelope naming the exception; without it the SDK stays off.

Each case runs in a fresh process, since the SDK is set up when the settings load."""

import gzip
import json
import os
import subprocess
import sys
import threading
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import ROOT

FAIL_A_REQUEST = """
import django, sys
django.setup()
import sentry_sdk
from django.test import Client
print("ACTIVE=" + str(sentry_sdk.get_client().is_active()), flush=True)
if len(sys.argv) > 1:
    response = Client(raise_request_exception=False).get(
        "/test-sentry-failure/", {"marker": sys.argv[1]}
    )
    print("STATUS=" + str(response.status_code), flush=True)
    sentry_sdk.flush(timeout=10)
"""


class _Collector(BaseHTTPRequestHandler):
    received: list

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":  # the SDK prefers brotli when the package is installed
            import brotli

            body = brotli.decompress(body)
        self.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_server():
    received: list = []
    handler = type("Collector", (_Collector,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], received
    server.shutdown()
    server.server_close()


def _run(tmp_path, extra_env, *args):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "ROOT_URLCONF": "tests.ops.sentry_urls",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **extra_env,
    }
    env.pop("CELERY_BROKER_URL", None)
    if "SENTRY_DSN" not in extra_env:
        env.pop("SENTRY_DSN", None)
    result = subprocess.run(
        [sys.executable, "-c", FAIL_A_REQUEST, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_with_a_dsn_a_failing_view_reaches_the_error_tracker(tmp_path, sentry_server):
    port, received = sentry_server
    marker = uuid.uuid4().hex
    out = _run(
        tmp_path,
        {"SENTRY_DSN": f"http://publickey@127.0.0.1:{port}/42", "SENTRY_ENVIRONMENT": "test"},
        marker,
    )
    assert "ACTIVE=True" in out
    assert "STATUS=500" in out
    envelopes = [body for path, body in received if path.startswith("/api/42/envelope/")]
    assert envelopes, f"nothing reached the server: {received!r}"
    events = []
    for body in envelopes:
        lines = body.split(b"\n")
        # An envelope: a header line, then item header / item payload pairs.
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                events.append(json.loads(payload))
    assert len(events) == 1
    event = events[0]
    exception = event["exception"]["values"][-1]
    assert exception["type"] == "RuntimeError"
    assert exception["value"] == f"sentry check {marker}"
    assert event["environment"] == "test"
    assert event["transaction"] == "/test-sentry-failure/"  # named by the Django integration
    assert event["tags"]["service"] == "portal"
    assert {"django", "celery"} <= set(event["sdk"]["integrations"])


def test_without_a_dsn_the_error_tracker_is_off(tmp_path):
    assert "ACTIVE=False" in _run(tmp_path, {})
