"""Every page a demo user can reach by following links from their landing page answers, and
passes the accessibility check. New pages join the crawl as soon as a link leads to them."""

import re
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import check_page, log_in

pytestmark = pytest.mark.browser

# Each role in one language, so that both are crawled without doubling the time.
ROLES = [
    ("enterprise-jiangnan", "zh-hans"),
    ("provider-sit", "en"),
    ("official-wujin", "zh-hans"),
    ("operator", "en"),
]
NOT_CRAWLED = re.compile(r"^/(admin|api|i18n|logout|static)/|/logout/")
MAX_PAGES = 40


def kind(path: str) -> str:
    """/providers/4/ and /providers/2/ are the same page for this purpose: any path segment
    with a digit in it (an id, a serial) stands for its kind."""
    return re.sub(r"/[^/]*\d[^/]*(?=/)", "/*", path)


def slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", kind(path).replace("*", "id").lower()).strip("-") or "root"


@pytest.mark.parametrize(("username", "language"), ROLES)
def test_every_page_a_role_reaches_answers_and_is_accessible(site, page, username, language):
    page.context.add_cookies([{"name": "django_language", "value": language, "url": site.url}])
    log_in(page, site.url, username, site.password)
    start = urlsplit(page.url).path
    queue, seen, broken = [(start, "login")], set(), []
    while queue and len(seen) < MAX_PAGES:
        path, found_on = queue.pop(0)
        if kind(path) in seen:
            continue
        seen.add(kind(path))
        try:
            response = page.goto(site.at(path))
        except Exception as error:  # a file download is not a page
            if "Download is starting" not in str(error):
                raise
            answer = page.request.get(site.at(path))
            if not answer.ok:
                broken.append(f"{path} (linked from {found_on}) answers {answer.status}")
            continue
        if response.status >= 400:
            broken.append(f"{path} (linked from {found_on}) answers {response.status}")
            continue
        check_page(page, f"{username}-{slug(path)}")
        for href in page.eval_on_selector_all(
            "main a[href], nav a[href]", "links => links.map((a) => a.href)"
        ):
            if not href.startswith(site.url):
                continue
            target = urlsplit(href).path  # query-string variants are the same page
            if kind(target) not in seen and not NOT_CRAWLED.search(target):
                queue.append((target, path))

    assert broken == [], f"{username}: broken links\n" + "\n".join(broken)
    assert len(seen) > 3, f"{username} reached only {sorted(seen)}"
