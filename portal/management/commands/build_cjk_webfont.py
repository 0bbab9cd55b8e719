"""Build static/fonts/wqy-microhei-subset.woff2, the CJK web font the pages use.

Chromium refuses the bundled WenQuanYi Micro Hei .ttc ("OTS parsing error: FFTM: misaligned
table"), so a reader without a system CJK font saw every Chinese character as a box. This
keeps the glyphs the portal needs, in a WOFF2 the browser accepts:
- every CJK character and full-width mark of the Chinese catalogue, the templates and the
  code (seed data, district and category names, chart units 万/亿/月);
- the 6,763 characters of GB 2312, for what people type: names, titles, reasons;
- CJK punctuation and full-width forms.
Run it again after adding Chinese text with new characters;
tests/browser/test_webfont.py fails while the font lacks a character the portal uses.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

SUBSET = Path(settings.BASE_DIR) / "static" / "fonts" / "wqy-microhei-subset.woff2"
SCANNED = ("locale", "templates", "portal", "regions", "providers", "vouchers")
SUFFIXES = {".po", ".html", ".txt", ".py"}
# CJK radicals to unified ideographs, compatibility ideographs, vertical and small forms,
# full-width forms: what the web font is asked for (its unicode-range in portal.css).
CJK_RANGES = [
    (0x2E80, 0x2FDF),
    (0x3000, 0x303F),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),
]


def is_cjk(char: str) -> bool:
    return any(low <= ord(char) <= high for low, high in CJK_RANGES)


def portal_characters(root: Path) -> set[str]:
    """Every CJK character in the portal's own text files."""
    chars = set()
    for folder in SCANNED:
        for path in (root / folder).rglob("*"):
            if path.suffix in SUFFIXES and ".venv" not in path.parts:
                chars.update(c for c in path.read_text(encoding="utf-8") if is_cjk(c))
    return chars


def common_characters() -> set[str]:
    """GB 2312 (rows 16-87): the 6,763 common simplified characters."""
    chars = set()
    for row in range(0xB0, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                chars.add(bytes([row, cell]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def punctuation() -> set[str]:
    return {chr(c) for c in range(0x3000, 0x3040)} | {chr(c) for c in range(0xFF01, 0xFF5F)}


class Command(BaseCommand):
    help = "Build the subset WOFF2 of WenQuanYi Micro Hei that the pages load for Chinese text."

    def handle(self, *args, **options):
        import logging

        from fontTools import subset

        logging.getLogger("fontTools").setLevel(logging.WARNING)
        from fontTools.ttLib import TTCollection

        root = Path(settings.BASE_DIR)
        wanted = portal_characters(root) | common_characters() | punctuation()
        font = TTCollection(str(settings.CJK_FONT_PATH)).fonts[0]  # not the Mono face
        options = subset.Options()
        options.flavor = "woff2"
        options.layout_features = ["*"]
        options.name_IDs = ["*"]  # keeps the copyright and licence records
        options.hinting = False  # a screen font at CSS sizes: smaller without
        options.drop_tables += ["FFTM"]  # FontForge's timestamps, what Chromium rejects
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=[ord(c) for c in wanted])
        subsetter.subset(font)
        font.flavor = "woff2"
        font.save(str(SUBSET))
        self.stdout.write(
            f"{SUBSET.relative_to(root)}: {len(wanted)} characters, {SUBSET.stat().st_size:,} bytes"
        )
