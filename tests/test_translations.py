"""The Chinese catalogue: complete, compiled, and (once turned on) up to date with the source."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "locale"))
import translate_check  # noqa: E402

PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"

# Turn on once every page's strings are written: then a string marked for translation but
# missing from the committed catalogue (nobody ran `make messages`) fails the suite.
REQUIRE_CURRENT_CATALOGUE = True


def test_it_has_a_translation_for_every_message_of_the_catalogue():
    assert translate_check.problems(PO) == []


def test_it_ships_the_compiled_catalogue():
    # A fresh machine must not need gettext to show Chinese.
    assert PO.with_suffix(".mo").exists()


def test_it_renders_chinese_with_the_compiled_catalogue():
    template = Template('{% load i18n %}{% translate "Log in" %} · {% translate "Verify" %}')
    with translation.override("zh-hans"):
        assert template.render(Context()) == "登录 · 真伪查验"
    with translation.override("en"):
        assert template.render(Context()) == "Log in · Verify"


def test_it_shows_audit_actions_in_the_reader_language_and_unknown_ones_as_recorded():
    template = Template("{% load audit_tags %}{{ a|audit_action }} · {{ b|audit_action }}")
    context = {"a": "mark_paid", "b": "test.something"}
    with translation.override("zh-hans"):
        assert template.render(Context(context)) == "登记付款 · test.something"
    with translation.override("en"):
        assert template.render(Context(context)) == "marked paid · test.something"


def test_it_names_the_transfer_columns_apart_from_the_audit_status_columns():
    template = Template(
        '{% load i18n %}{% translate "From" context "transfer" %} {% translate "From" %}'
    )
    with translation.override("zh-hans"):
        assert template.render(Context()) == "付款方 原状态"


def _new_strings(tmp_path: Path) -> list[str]:
    """Run `makemessages` on a copy of the source and list what it finds untranslated."""
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "node_modules", "media", "staticfiles", ".ci", "*.sqlite3", "*.png"
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-obsolete",
            "--ignore=build",
            "--ignore=tests",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    po = copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    return [p for p in translate_check.problems(po) if not p.endswith("run `make messages`")]


def test_it_has_every_marked_string_of_the_source_in_the_catalogue(tmp_path):
    if not shutil.which("xgettext") or not shutil.which("msgmerge"):
        pytest.skip("gettext is not installed (apt-get install gettext)")
    new = _new_strings(tmp_path)
    if new and not REQUIRE_CURRENT_CATALOGUE:
        pytest.skip(
            f"{len(new)} marked string(s) not translated yet; run `make messages`, translate "
            "locale/zh_Hans/LC_MESSAGES/django.po, then set REQUIRE_CURRENT_CATALOGUE"
        )
    assert new == []
