"""The accessibility check itself: it must fail on a page with serious problems, or a green
run of the page tests would mean nothing."""

import pytest

from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.browser

BROKEN = """<!doctype html><html><head><title>Broken</title></head><body><main>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<form><input type="text" name="q"><button></button></form>
<p style="color:#bbb;background:#fff">Pale grey text nobody can read.</p>
</main></body></html>"""


def test_it_fails_on_serious_violations(page):
    page.set_content(BROKEN)

    with pytest.raises(pytest.fail.Exception) as failure:
        assert_accessible(page, "broken")

    message = str(failure.value)
    for rule in ("image-alt", "label", "button-name", "html-has-lang", "color-contrast"):
        assert rule in message


def test_it_can_skip_a_rule_named_with_a_reason(page):
    page.set_content(
        '<!doctype html><html lang="en"><head><title>t</title></head><body><main>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></main></body></html>'
    )

    assert_accessible(page, "image", ignore=("image-alt",))
