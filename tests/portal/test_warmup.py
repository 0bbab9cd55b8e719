"""A web process imports its views and loads its catalogues as it boots (portal/warmup.py),
not in its first request, and boots while the database is away."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
import portal.wsgi  # noqa: F401 - what gunicorn loads
from django.urls import get_resolver
from django.utils.translation import trans_real
print(json.dumps({
    "views_imported": "vouchers.api.redemptions" in sys.modules,
    "patterns_resolved": "url_patterns" in get_resolver().__dict__,
    "catalogues": sorted(trans_real._translations),
}))
"""


def test_a_web_process_is_ready_before_its_first_request_even_without_a_database():
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        # Nothing listens on port 1: the warm-up must not need the database.
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/nowhere",
    }
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["views_imported"] is True
    assert probe["patterns_resolved"] is True
    assert {"en", "zh-hans"} <= set(probe["catalogues"])
