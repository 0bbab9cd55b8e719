"""`.env.example` names every variable the settings read, and nothing they do not."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Read by settings only to let tests and benchmarks swap URL configurations.
NOT_FOR_OPERATORS = {"ROOT_URLCONF"}


def _read_by_settings() -> set[str]:
    source = (ROOT / "portal" / "settings.py").read_text()
    return set(
        re.findall(r'(?:os\.environ\.get|env_bool|env_int|env_list)\(\s*"([A-Z0-9_]+)"', source)
    )


def _listed() -> set[str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    return {line.split("=", 1)[0] for line in lines if re.match(r"^[A-Z0-9_]+=", line)}


def test_every_variable_the_settings_read_is_listed():
    assert _read_by_settings() - NOT_FOR_OPERATORS - _listed() == set()


def test_nothing_is_listed_that_the_settings_ignore():
    assert _listed() - _read_by_settings() == set()
