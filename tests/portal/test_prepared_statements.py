"""Prepared statements (DATABASE_PREPARED_STATEMENTS): on in the web processes, which load
portal/wsgi.py, off in the workers and commands unless asked for; and on PostgreSQL a
statement the web process repeats is really prepared, planned once."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, os, sys
if sys.argv[1] == "web":
    import portal.wsgi  # noqa: F401 - what gunicorn loads
else:
    import django
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()
from django.db import connection
options = connection.settings_dict.get("OPTIONS", {})
result = {"server_side_binding": options.get("server_side_binding") is True}
if len(sys.argv) > 2:
    from regions.models import Region
    for _ in range(7):
        list(Region.objects.filter(code="WUJIN").values_list("id", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        result["prepared"] = cursor.fetchone()[0]
print(json.dumps(result))
"""


def probe(kind: str, *, query: bool = False, **env) -> dict:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    environment.pop("DATABASE_PREPARED_STATEMENTS", None)
    environment.update(env)
    result = subprocess.run(
        [sys.executable, "-c", PROBE, kind, *(["query"] if query else [])],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.postgres
def test_the_web_process_binds_on_the_server_and_a_worker_does_not():
    assert probe("web")["server_side_binding"] is True
    assert probe("worker")["server_side_binding"] is False
    assert probe("web", DATABASE_PREPARED_STATEMENTS="false")["server_side_binding"] is False
    assert probe("worker", DATABASE_PREPARED_STATEMENTS="true")["server_side_binding"] is True


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_statement_the_web_process_repeats_is_prepared():
    # The probe reads the test database through its own connection (DATABASE_URL names the
    # server; the regions come from a migration, in every database).
    from django.db import connection

    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
    assert probe("web", query=True, DATABASE_URL=url)["prepared"] >= 1
    assert probe("worker", query=True, DATABASE_URL=url)["prepared"] == 0
