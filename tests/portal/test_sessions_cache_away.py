"""SESSION_STORE=cached_db keeps working when its cache (Redis) is away: sign-in, signed-in
pages and sign-out are served from the database (Django's own cached_db store answered 500).

The cache is a real Redis client pointed at a port nobody listens on (connection refused at
once; the cache's socket timeouts bound anything slower)."""

import logging

import pytest
from django.contrib.sessions.models import Session

from tests.ops.test_static_and_settings import load_settings
from tests.reliability.conftest import free_port

PASSWORD = "cached-db-pass-2026"


@pytest.fixture
def cached_db_sessions_cache_away(settings, monkeypatch):
    monkeypatch.setattr("portal.sessions._last_warning", None)
    settings.SESSION_ENGINE = "portal.sessions"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/12",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


@pytest.fixture
def official(db):
    from regions.models import User

    return User.objects.create_user(username="cached-db-user", password=PASSWORD)


def test_session_store_cached_db_is_the_portals_store():
    result = load_settings(
        "from django.conf import settings; print(settings.SESSION_ENGINE)",
        SESSION_STORE="cached_db",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "portal.sessions"


def test_it_signs_in_and_serves_pages_with_the_cache_away(
    cached_db_sessions_cache_away, official, client, caplog
):
    with caplog.at_level(logging.WARNING, logger="portal.sessions"):
        response = client.post("/login/", {"username": official.username, "password": PASSWORD})
        assert response.status_code == 302, response.content[:500]
        # The session is in the database, and read back from there.
        key = client.cookies["sessionid"].value
        assert Session.objects.filter(session_key=key).exists()
        page = client.get("/account/password/")
        assert page.status_code == 200
        assert page.wsgi_request.user == official

        assert client.post("/logout/").status_code in (200, 302)
        assert not Session.objects.filter(session_key=key).exists()
        assert client.get("/account/password/").url.startswith("/login/")

    warnings = [r for r in caplog.records if r.name == "portal.sessions"]
    # Said, but not at every request.
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "the cache failed" in warnings[0].getMessage()


def test_it_reads_and_writes_the_cache_when_it_answers(settings, official, client):
    """With the cache there the store is Django's cached_db: the session is in both."""
    from django.core.cache import cache

    settings.SESSION_ENGINE = "portal.sessions"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    client.post("/login/", {"username": official.username, "password": PASSWORD})
    key = client.cookies["sessionid"].value
    cached = cache.get(f"django.contrib.sessions.cached_db{key}")
    assert cached and cached["_auth_user_id"] == str(official.pk)
    assert client.get("/account/password/").status_code == 200
