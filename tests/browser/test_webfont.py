"""Chinese text renders with the portal's own web font on a machine without any CJK font.

Chromium rejected the bundled .ttc ("OTS parsing error: FFTM: misaligned table"), so such a
reader saw a box for every Chinese character. The browser here is started with a fontconfig
that knows no CJK font (only DejaVu, where present), which the test first proves by drawing
Chinese and getting the same boxes as for code points no font has."""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, shot

SUBSET = Path(settings.BASE_DIR) / "static" / "fonts" / "wqy-microhei-subset.woff2"
CHINESE = "创新券申请"
NO_FONT_HAS = "\ue000\ue001\ue002\ue003\ue004"  # private use: drawn as .notdef boxes

# Draw `text` in `font` on a canvas, return its pixels as a data URL (equal pictures, equal
# strings). The web font is loaded first when the family is one of the page's.
DRAW = """async ([text, font]) => {
  await document.fonts.load(font, text);
  const canvas = document.createElement("canvas");
  canvas.width = 400; canvas.height = 60;
  const context = canvas.getContext("2d");
  context.font = font; context.fillStyle = "#000"; context.fillText(text, 4, 44);
  return canvas.toDataURL();
}"""


@pytest.fixture
def browser_without_cjk_fonts(playwright, tmp_path):
    dirs = "".join(
        f"<dir>{d}</dir>" for d in ["/usr/share/fonts/truetype/dejavu"] if Path(d).is_dir()
    )
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">'
        f"<fontconfig>{dirs}<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>"
    )
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=CHROMIUM_ARGS,
        env={**os.environ, "FONTCONFIG_FILE": str(config)},
    )
    yield browser
    browser.close()


pytestmark = pytest.mark.browser


def test_chinese_renders_with_the_web_font_where_the_system_has_no_cjk_font(
    site, browser_without_cjk_fonts
):
    context = browser_without_cjk_fonts.new_context(
        locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": site.url}])
    page = context.new_page()
    failed = []
    page.on("console", lambda m: failed.append(m.text) if "OTS" in m.text else None)
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.goto(site.at("/"))
    page.evaluate("document.fonts.ready")

    # The premise: this browser has no font for Chinese, so plain sans-serif draws boxes.
    assert page.evaluate(DRAW, [CHINESE, "32px sans-serif"]) == page.evaluate(
        DRAW, [NO_FONT_HAS, "32px sans-serif"]
    ), "this browser still finds a system CJK font; the test would prove nothing"

    # The page's web font loads (Chromium accepts it) and draws glyphs, not boxes.
    faces = page.evaluate(
        "Array.from(document.fonts).map((f) => [f.family.replace(/\"/g, ''), f.status])"
    )
    assert ["Portal CJK", "loaded"] in faces, faces
    with_font = page.evaluate(DRAW, [CHINESE, '32px "Portal CJK"'])
    assert with_font != page.evaluate(DRAW, [NO_FONT_HAS, '32px "Portal CJK"'])
    assert failed == [], failed

    # And the page's own heading is drawn with it: every glyph from the web font.
    heading = page.locator("main h1").first
    text = heading.inner_text()
    cjk = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    assert cjk, f"the heading {text!r} has no Chinese to check"
    cdp = context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "main h1"})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    web = [f for f in fonts if f["isCustomFont"]]
    assert web and web[0]["familyName"] == "WenQuanYi Micro Hei", fonts
    assert sum(f["glyphCount"] for f in web) >= len(cjk), fonts
    shot(page, "home-without-system-cjk-font")
    context.close()


def test_the_web_font_has_every_chinese_character_the_portal_shows():
    """A new translation with a character the subset lacks would show a box to readers
    without a CJK font: rebuild it with `manage.py build_cjk_webfont`."""
    from fontTools.ttLib import TTFont

    from portal.management.commands.build_cjk_webfont import portal_characters

    cmap = TTFont(str(SUBSET)).getBestCmap()
    missing = sorted(c for c in portal_characters(Path(settings.BASE_DIR)) if ord(c) not in cmap)
    assert missing == [], "".join(missing)
    assert SUBSET.stat().st_size < 2_000_000


def test_the_page_asks_for_the_woff2_not_the_ttc():
    css = (Path(settings.BASE_DIR) / "static" / "css" / "portal.css").read_text()
    faces = re.findall(r"@font-face\s*{[^}]*}", css)
    assert faces and all("wqy-microhei-subset.woff2" in f and ".ttc" not in f for f in faces)
