"""Production settings pass Django's deployment checks, and every page sends our headers."""

import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import ROOT


def run_check_deploy(**env):
    environment = {
        key: value
        for key, value in os.environ.items()
        # The test run's own DJANGO_ALLOW_ASYNC_UNSAFE (for the browser tests) is no part of
        # a production environment.
        if not key.startswith(("SECURE_", "SESSION_", "CSRF_", "DEBUG", "DJANGO_ALLOW_ASYNC"))
    }
    environment.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="portal.example",
        DATABASE_URL=f"sqlite:///{Path(tempfile.gettempdir()) / 'check-deploy.sqlite3'}",
        **env,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_without_warnings():
    result = run_check_deploy()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_check_catches_a_weakened_production_setting():
    result = run_check_deploy(SECURE_SSL_REDIRECT="false")

    assert result.returncode != 0
    assert "security.W008" in result.stdout + result.stderr


@pytest.mark.django_db
def test_a_page_sends_the_security_headers(client):
    response = client.get("/login/")

    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert "'unsafe-inline'" not in directives["default-src"]
    assert directives["frame-ancestors"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_an_api_response_sends_them_too(client):
    response = client.get("/api/regions/")

    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_no_template_holds_an_inline_script_or_event_handler():
    import re

    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\bhx-on", re.IGNORECASE)
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates").rglob("*.html")
        if inline.search(path.read_text(encoding="utf-8"))
    ]

    assert offenders == []


@pytest.mark.django_db
def test_the_api_docs_load_their_start_up_script_from_a_file(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert "<script>" not in response.text
    assert client.get("/api/docs/?script").status_code == 200
