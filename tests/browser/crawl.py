"""The crawl every role-wide browser test shares: log in as a demo user in one language, then
follow every link in `main` and `nav` from the landing page, one page per kind of path.

    crawl(page, site, username, language, visit) -> list of the paths visited

`visit(page, path)` is called on each page once it has loaded (screenshots, checks); the
crawl itself fails the test on a broken link or when the role reaches hardly any page."""

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from tests.browser.conftest import log_in

NOT_CRAWLED = re.compile(r"^/(admin|api|i18n|logout|static)/|/logout/")
MAX_PAGES = 40


def kind(path: str) -> str:
    """/providers/4/ and /providers/2/ are the same page for this purpose: any path segment
    with a digit in it (an id, a serial) stands for its kind."""
    return re.sub(r"/[^/]*\d[^/]*(?=/)", "/*", path)


def slug(path: str) -> str:
    """A file-name-safe name for the kind of page (`official-applications-id`)."""
    return re.sub(r"[^a-z0-9]+", "-", kind(path).replace("*", "id").lower()).strip("-") or "root"


def crawl(page, site, username: str, language: str, visit: Callable) -> list[str]:
    page.context.add_cookies([{"name": "django_language", "value": language, "url": site.url}])
    log_in(page, site.url, username, site.password)
    start = urlsplit(page.url).path
    queue, seen, visited, broken = [(start, "login")], set(), [], []
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
        visited.append(path)
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
    return visited
