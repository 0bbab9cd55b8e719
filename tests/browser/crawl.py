"""The crawl of the pages a demo user reaches by following links, shared by the browser tests
that look at every page (answers and accessibility, phone layout, screenshots).

`crawl(page, site, username, language, visit)` logs `username` in (no one: `None`) with the
interface in `language`, then follows the links of the main content and the menu, breadth
first, from the landing page. Each kind of page (see `kind`) is opened once, and
`visit(page, path)` is called on it. Returns the kinds of page seen and the broken links."""

import re
from urllib.parse import urlsplit

from tests.browser.conftest import log_in

NOT_CRAWLED = re.compile(r"^/(admin|api|i18n|logout|static)/|/logout/")
MAX_PAGES = 40


def kind(path: str) -> str:
    """/providers/4/ and /providers/2/ are the same page for this purpose: any path segment
    with a digit in it (an id, a serial) stands for its kind."""
    return re.sub(r"/[^/]*\d[^/]*(?=/)", "/*", path)


def slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", kind(path).replace("*", "id").lower()).strip("-") or "root"


def crawl(page, site, username, language, visit) -> tuple[set[str], list[str]]:
    page.context.add_cookies([{"name": "django_language", "value": language, "url": site.url}])
    if username:
        log_in(page, site.url, username, site.password)
    else:
        page.goto(site.at("/"))
    start = urlsplit(page.url).path
    queue, seen, broken = [(start, "login" if username else "start")], set(), []
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
        visit(page, path)
        for href in page.eval_on_selector_all(
            "main a[href], nav a[href]", "links => links.map((a) => a.href)"
        ):
            if not href.startswith(site.url):
                continue
            target = urlsplit(href).path  # query-string variants are the same page
            if kind(target) not in seen and not NOT_CRAWLED.search(target):
                queue.append((target, path))
    return seen, broken
