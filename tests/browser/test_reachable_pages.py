"""Every page a demo user can reach by following links from their landing page answers, and
passes the accessibility check. New pages join the crawl as soon as a link leads to them."""

import pytest

from tests.browser.conftest import check_page
from tests.browser.crawl import crawl, slug

pytestmark = pytest.mark.browser

# Each role in one language, so that both are crawled without doubling the time.
ROLES = [
    ("enterprise-jiangnan", "zh-hans"),
    ("provider-sit", "en"),
    ("official-wujin", "zh-hans"),
    ("operator", "en"),
]


@pytest.mark.parametrize(("username", "language"), ROLES)
def test_every_page_a_role_reaches_answers_and_is_accessible(site, page, username, language):
    crawl(
        page,
        site,
        username,
        language,
        lambda page, path: check_page(page, f"{username}-{slug(path)}"),
    )
