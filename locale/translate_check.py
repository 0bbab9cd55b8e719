#!/usr/bin/env python3
"""Fail when a catalogue in locale/ has an untranslated or fuzzy message, or a translation
that lost or invented a placeholder, or when a compiled .mo does not match its .po.

Usage: `python locale/translate_check.py [path/to/django.po ...]` (default: every
locale/*/LC_MESSAGES/*.po). Exit status 1 lists the problems. Standard library only, so it
runs on a machine without gettext; tests/test_translations.py runs it in the test suite.
"""

import ast
import gettext
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

LOCALE = Path(__file__).resolve().parent
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdfirx]|%[sd]|\{\w*\}")


@dataclass
class Entry:
    line: int
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def label(self) -> str:
        text = self.msgid if len(self.msgid) <= 70 else self.msgid[:67] + "..."
        return f"line {self.line}: {text!r}"


def parse_po(path: Path) -> list[Entry]:
    """The live entries of a .po file (obsolete `#~` entries are skipped), header excluded."""
    entries: list[Entry] = []
    entry: Entry | None = None
    current: tuple[str, int | None] | None = None
    flags: set[str] = set()

    def finish():
        if entry is not None and (entry.msgid or entry.msgctxt):
            entries.append(entry)

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            if entry is None or current is None:
                raise ValueError(f"{path}:{number}: a string outside an entry")
            _append(entry, current, ast.literal_eval(line))
            continue
        if keyword in ("msgctxt", "msgid") and (
            entry is None or keyword == "msgctxt" or current[0] != "msgctxt"
        ):
            finish()
            entry = Entry(line=number, flags=flags)
            flags = set()
        if entry is None:
            raise ValueError(f"{path}:{number}: {keyword} before msgid")
        match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if match:
            current = ("msgstr", int(match.group(1)))
        elif keyword in ("msgctxt", "msgid", "msgid_plural", "msgstr"):
            current = (keyword, 0 if keyword == "msgstr" else None)
        else:
            raise ValueError(f"{path}:{number}: unknown keyword {keyword!r}")
        if current[0] in ("msgctxt", "msgid_plural"):
            setattr(entry, current[0], "")
        _append(entry, current, ast.literal_eval(rest))
    finish()
    return entries


def _append(entry: Entry, current: tuple[str, int | None], text: str) -> None:
    name, index = current
    if name == "msgstr":
        entry.msgstr[index] = entry.msgstr.get(index, "") + text
    else:
        setattr(entry, name, (getattr(entry, name) or "") + text)


def problems(path: Path) -> list[str]:
    found = []
    entries = parse_po(path)
    for entry in entries:
        if "fuzzy" in entry.flags:
            found.append(f"fuzzy: {entry.label}")
            continue
        if not entry.msgstr or not all(entry.msgstr.values()):
            found.append(f"untranslated: {entry.label}")
            continue
        sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural else [])
        wanted = set().union(*(PLACEHOLDER.findall(s) for s in sources))
        if "python-format" not in entry.flags and "python-brace-format" not in entry.flags:
            wanted = set()
        for translation in entry.msgstr.values():
            got = set(PLACEHOLDER.findall(translation)) if wanted else set()
            if got - wanted or (not entry.msgid_plural and wanted - got):
                found.append(f"placeholders {sorted(got)} != {sorted(wanted)}: {entry.label}")
            if entry.msgid.endswith("\n") != translation.endswith("\n"):
                found.append(f"trailing newline differs: {entry.label}")
    found.extend(stale_mo(path, entries))
    return found


def stale_mo(path: Path, entries: list[Entry]) -> list[str]:
    """The compiled .mo must say what the .po says (compared by content: a fresh clone's file
    times mean nothing)."""
    mo = path.with_suffix(".mo")
    if not mo.exists():
        return [f"{mo} is missing: run `make messages`"]
    with mo.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog
    for entry in entries:
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt is not None else entry.msgid
        if entry.msgid_plural is not None:
            compiled = {i: catalog.get((key, i)) for i in entry.msgstr}
        else:
            compiled = {0: catalog.get(key)}
        translated = entry.msgstr and all(entry.msgstr.values())
        if translated and "fuzzy" not in entry.flags and compiled != entry.msgstr:
            return [f"{mo} does not match {path.name} ({entry.label}): run `make messages`"]
    return []


def catalogues() -> list[Path]:
    return sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or catalogues()
    if not paths:
        print("no catalogue under locale/", file=sys.stderr)
        return 1
    failed = False
    for path in paths:
        found = problems(path)
        count = len(parse_po(path))
        if found:
            failed = True
            print(f"{path}: {len(found)} problem(s) in {count} messages")
            for problem in found:
                print(f"  {problem}")
        else:
            print(f"{path}: all {count} messages translated")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
