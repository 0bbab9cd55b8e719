"""Phone layout: at 390x844 no page scrolls sideways, for every demo role (and a visitor), in
both languages, and the menu folds behind one button. The same test keeps a picture of every
main page (the landing page and those the menu leads to), phone and desktop (1280x800),
English and Chinese, under .ci/artifacts/screenshots/ as
`test_every_page_fits_a_phone-{phone,desktop}-<user>-<page>-<lang>.png` (the Chinese phone
crawl pictures every page it reaches).

One test per role: each test costs a flush and a reload of the demo, so the four passes of a
role share one; the crawls only read."""

import pytest

from tests.browser.conftest import AXE_JS, assert_accessible, expect, log_in, shot
from tests.browser.crawl import NOT_CRAWLED, crawl, kind, slug

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# Every role of seed_demo, and no one signed in.
USERS = [None, "enterprise-jiangnan", "provider-sit", "official-wujin", "operator"]
LANGUAGES = ["en", "zh-hans"]

# What sticks out past the right edge of the viewport, skipping what a scrolling (or
# clipping) box that fits holds: a wide table in its .table-wrap is fine, the page is not.
# Only the outermost culprit of each overflow is named (its parent fits).
OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  const fits = (el) => el.getBoundingClientRect().right <= width + 1;
  const escapes = (style) => style.position === "absolute" || style.position === "fixed";
  const sticksOut = (el) => {
    if (el === document.body) return false;  // the body is the page: its children are named
    const box = el.getBoundingClientRect();
    if ((box.width === 0 && box.height === 0) || fits(el)) return false;
    // An absolute box is clipped only by the scrolling boxes from its containing block up.
    let outOfFlow = escapes(getComputedStyle(el));
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const style = getComputedStyle(up);
      const positioned = style.position !== "static";
      if ((!outOfFlow || positioned) && style.overflowX !== "visible" && fits(up)) return false;
      if (positioned) outOfFlow = escapes(style);
    }
    return true;
  };
  const describe = (el) => {
    const box = el.getBoundingClientRect();
    const classes = el.classList.length ? "." + [...el.classList].join(".") : "";
    const text = (el.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 40);
    return `<${el.tagName.toLowerCase()}${classes}> right edge at ${Math.round(box.right)}px: "${text}"`;
  };
  const culprits = [...document.body.querySelectorAll("*")]
    .filter((el) => sticksOut(el) && !(el.parentElement && sticksOut(el.parentElement)))
    .map(describe);
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width, culprits};
}"""


def overflow(page) -> list[str]:
    found = page.evaluate(OVERFLOW_JS)
    problems = found["culprits"][:8]
    if found["scrollWidth"] > found["innerWidth"]:
        problems.insert(0, f"the page is {found['scrollWidth']}px wide")
    return problems


def menu_paths(page) -> list[str]:
    return page.eval_on_selector_all(
        ".main-nav a[href]:not([download])", "links => links.map((a) => a.pathname)"
    )


@pytest.fixture
def sized(browser, browser_context_args):
    """A page of the given size; axe-core only when asked for (the crawls do not run it on
    each page: test_reachable_pages does)."""
    contexts = []

    def make(viewport, *, axe=False):
        context = browser.new_context(**{**browser_context_args, "viewport": viewport})
        if axe:
            context.add_init_script(path=str(AXE_JS))
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def check_menu(page, username):
    """On a phone the menu is one button; it opens and closes, and an official's groups open
    inside it. `page` shows a page in English, with axe-core loaded."""
    menu = page.get_by_role("navigation", name="Main")
    toggle = page.get_by_role("button", name="Menu")
    expect(menu).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(menu).to_be_visible()
    tools = page.locator("#site-menu")
    if username:
        expect(tools.get_by_role("button", name="Log out")).to_be_visible()
    else:
        expect(tools.get_by_role("link", name="Log in")).to_be_visible()
    if username == "official-wujin":
        approve = menu.get_by_role("link", name="Redemptions to approve")
        expect(approve).to_be_hidden()
        menu.get_by_text("Money", exact=True).click()
        expect(approve).to_be_visible()
    assert overflow(page) == [], "the open menu sticks out"
    shot(page, f"phone-{username or 'visitor'}-menu-open")
    assert_accessible(page, f"phone-{username or 'visitor'}-menu-open")
    toggle.click()
    expect(menu).to_be_hidden()


@pytest.mark.parametrize("username", USERS)
def test_every_page_fits_a_phone(site, sized, username):
    """The Chinese crawl checks and pictures every page; then the main pages are checked in
    English too, and pictured on a desktop in both languages."""
    who = username or "visitor"
    findings, main = [], []

    def visit(page, path):
        if not main:  # the landing page, then the portal's pages its menu leads to
            menu = [p for p in menu_paths(page) if not NOT_CRAWLED.search(p)]
            main.extend(dict.fromkeys([path, *menu]))
        findings.extend(f"{path} (zh-hans): {problem}" for problem in overflow(page))
        shot(page, f"phone-{who}-{slug(path)}")

    seen, broken = crawl(sized(PHONE), site, username, "zh-hans", visit)
    assert broken == [], f"{who}: broken links\n" + "\n".join(broken)
    assert len(seen) >= (3 if username else 2), f"{who} reached only {sorted(seen)}"
    assert {kind(path) for path in main} <= seen

    def main_pages(viewport, language, *, axe=False):
        page = sized(viewport, axe=axe)
        page.context.add_cookies([{"name": "django_language", "value": language, "url": site.url}])
        if username:
            log_in(page, site.url, username, site.password)
        for path in main:
            response = page.goto(site.at(path))
            assert response.ok, f"{path} answers {response.status}"
            yield page, path

    for page, path in main_pages(PHONE, "en", axe=True):
        findings.extend(f"{path} (en): {problem}" for problem in overflow(page))
        shot(page, f"phone-{who}-{slug(path)}")
    assert findings == [], f"{who} at 390px:\n" + "\n".join(findings)
    page.goto(site.at(main[0]))
    check_menu(page, username)

    for language in LANGUAGES:
        for page, path in main_pages(DESKTOP, language):
            shot(page, f"desktop-{who}-{slug(path)}")


def on_screen(locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_a_rows_button_is_on_a_phones_screen(site, sized):
    # A table scrolled inside its box, and a row's button sat 700 px to the right with
    # nothing showing that it was there: on a phone each row of these tables is a card.
    page = sized(PHONE)
    log_in(page, site.url, "provider-sit", site.password)
    page.goto(site.at("/provider/"))
    accept = page.get_by_role("button", name="Accept").first
    expect(accept).to_be_visible()
    assert on_screen(accept)
    # The provider's own name is no column of its rows.
    assert "Provider" not in page.locator("table.stack thead").first.inner_text()

    page = sized(PHONE)
    log_in(page, site.url, "enterprise-jiangnan", site.password)
    page.goto(site.at(f"/providers/{site.demo['order'].provider_id}/"))
    order = page.get_by_role("link", name="Order", exact=True).first
    expect(order).to_be_visible()
    assert on_screen(order)
    page.goto(site.at("/enterprise/"))
    status = page.locator("table.stack td[data-label='Status']").first
    expect(status).to_be_visible()
    assert on_screen(status)


# The cells of a card (table.stack) whose label is taller than the cell.
LABELS_OVERFLOWING_JS = """(row) => [...row.querySelectorAll("td[data-label]")]
  .filter((td) => parseFloat(getComputedStyle(td, "::before").height) > td.clientHeight)
  .map((td) => td.dataset.label)"""


def test_a_claims_approve_button_is_on_a_phones_screen(site, sized):
    # The claims queue was a 766 px table in a 358 px box: Approve sat at x=554, and the
    # official scrolled the table sideways to reach it. Its rows are cards now, and so are
    # the claims list's.
    from tests.redemptions.factories import delivered_claim

    claim = delivered_claim(site.demo)
    page = sized(PHONE)
    log_in(page, site.url, "official-wujin", site.password)
    page.goto(site.at("/official/redemptions/"))
    row = page.locator(f"#redemption-{claim.pk}")
    for name in ("Approve", "Reject"):
        button = row.get_by_role("button", name=name, exact=True)
        expect(button).to_be_visible()
        assert on_screen(button), f"{name} at {button.bounding_box()}"
    wrap = page.locator(".table-wrap").first
    assert wrap.evaluate("(box) => box.scrollWidth <= box.clientWidth"), "the queue scrolls"
    # A label of two lines beside a value of one ("Amount claimed", "¥1,000.00") makes its
    # cell taller, rather than running over the next cell's label.
    assert row.evaluate(LABELS_OVERFLOWING_JS) == []
    assert overflow(page) == []
    shot(page, "claims-queue")

    page.goto(site.at("/redemptions/"))
    status = page.locator("table.stack td[data-label='Status']").first
    expect(status).to_be_visible()
    assert on_screen(status)
    wrap = page.locator(".table-wrap").first
    assert wrap.evaluate("(box) => box.scrollWidth <= box.clientWidth"), "the list scrolls"
    shot(page, "claims-list")


def test_the_certification_queue_and_a_history_are_cards_on_a_phone(site, sized):
    """The queue was a 653 px table: Decide and the qualification files sat off to the
    right; a history squeezed its six columns into one word per line, the new state and
    the reason off screen."""
    from django.utils import timezone

    from providers.models import Provider

    Provider.objects.filter(pk=site.demo["providers"]["provider-graphene"].pk).update(
        status=Provider.Status.APPLIED, applied_at=timezone.now()
    )
    page = sized(PHONE)
    log_in(page, site.url, "official-wujin", site.password)
    page.goto(site.at("/providers/to-certify/"))
    decide = page.get_by_role("link", name="Decide").first
    expect(decide).to_be_visible()
    assert on_screen(decide)
    files = page.locator("table.stack td[data-label='Qualifications']").first
    assert on_screen(files)
    assert overflow(page) == []

    page.goto(site.at(f"/orders/{site.demo['order'].pk}/"))
    history = page.locator(".audit-trail table.stack")
    expect(history).to_be_visible()
    for label in ("When", "Who", "Action", "To", "Why"):
        cell = history.locator(f"td[data-label='{label}']").first
        assert on_screen(cell), label
    assert overflow(page) == []
