"""`.env.example` and the README's configuration table name every variable the settings
read, and nothing they do not: an operator never meets an undocumented knob."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
# Read by settings only to let tests and benchmarks swap URL configurations.
NOT_FOR_OPERATORS = {"ROOT_URLCONF"}


def _read_by_settings() -> set[str]:
    source = "\n".join(path.read_text() for path in (ROOT / "portal" / "settings").glob("*.py"))
    return set(
        re.findall(
            r'(?:os\.environ\.get|env_bool|env_int|env_float|env_list|env_rate)\(\s*"([A-Z0-9_]+)"',
            source,
        )
    )


def _listed() -> set[str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    return {line.split("=", 1)[0] for line in lines if re.match(r"^[A-Z0-9_]+=", line)}


def _commented_out() -> set[str]:
    """Variables .env.example shows but leaves unset on purpose (`# NAME=value`): copied to
    .env for docker-compose, a set line is set in every service."""
    lines = (ROOT / ".env.example").read_text().splitlines()
    return {match[1] for line in lines if (match := re.match(r"^# ([A-Z0-9_]+)=", line))}


def _compose_app_environment() -> dict:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return compose["x-app"]["environment"]


def _readme_table() -> list[str]:
    """The first cells of the rows of the table under the README's "## Configuration"."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert rows, "the README's Configuration section has no table"
    return [row.split("|")[1] for row in rows]


def _in_readme() -> set[str]:
    return {name for cell in _readme_table() for name in re.findall(r"`([^`]+)`", cell)}


def test_the_settings_read_some_variables():
    # The scan itself works: a broken pattern would make every other test pass on nothing.
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "CACHE_URL", "CONN_MAX_AGE"} <= (
        _read_by_settings()
    )


def test_every_variable_the_settings_read_is_listed():
    assert _read_by_settings() - NOT_FOR_OPERATORS - _listed() - _commented_out() == set()


def test_the_mail_backend_and_the_static_manifest_are_left_to_their_defaults():
    """Set in .env, the console backend sent no mail from compose and STATIC_MANIFEST=false
    served every service's pages without the image's hashed files."""
    assert {"EMAIL_BACKEND", "STATIC_MANIFEST"} <= _commented_out()
    assert not {"EMAIL_BACKEND", "STATIC_MANIFEST"} & _listed()


def test_compose_passes_every_variable_of_the_readme_table():
    """An operator's LOGIN_ADDRESS_FAILURE_LIMIT, SENTRY_RELEASE or OUTBOX_* in .env reached
    no container."""
    assert _in_readme() - set(_compose_app_environment()) == set()


def test_nothing_is_listed_that_the_settings_ignore():
    assert _listed() - _read_by_settings() == set()


def test_the_readme_table_names_every_variable_the_settings_read():
    assert _read_by_settings() - NOT_FOR_OPERATORS - _in_readme() == set()


def test_the_readme_table_names_nothing_the_settings_ignore():
    assert _in_readme() - _read_by_settings() == set()


def test_the_readme_table_names_each_variable_whole():
    """No `SECURE_HSTS_*` or "...": a wildcard hides which variables exist."""
    names = _in_readme()
    assert not [name for name in names if not re.fullmatch(r"[A-Z0-9_]+", name)], names
