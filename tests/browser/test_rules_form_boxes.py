"""The rules form's two lone checkboxes ("Cross-region use", the own share before a claim)
sit under their labels at the start of the line: as grid items they stretched across the
field, the box drawn in the middle, away from its label."""

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_a_lone_checkbox_stays_a_box_under_its_label(site, page):
    log_in(page, site.url, "operator", site.password)
    page.goto(site.at("/rules/publish/"))
    for box_id in ("id_cross_region", "id_requires_own_share"):
        box = page.locator(f"#{box_id}").bounding_box()
        label = page.locator(f"label[for={box_id}]").bounding_box()
        assert box["width"] < 40, (box_id, box)
        assert abs(box["x"] - label["x"]) < 4, (box_id, box, label)
