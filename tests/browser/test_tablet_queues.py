"""The decision tables on a tablet (768x1024) and a phone (390x844): every action box and
button of a row is on the screen, not past the right edge of a table that scrolls inside its
wrap. At 768 px the claims queue's 批准/驳回 sat at x=773-823 in a 736 px wrap, with nothing
showing that the table scrolled, and its evidence column was three characters wide; the
operator's "Record transfer" on a phone's settlement page sat off the screen the same way.
A table with forms in its rows is cards in a wrap of up to 975 px; at 1024 px (where it fits)
and at 1366 px the queues are still tables."""

from decimal import Decimal

import pytest

from tests.browser.conftest import AXE_JS, check_page, expect, log_in, shot
from tests.browser.test_phone_layout import PHONE, overflow
from tests.redemptions.factories import approved_redemption, delivered_claim
from tests.vouchers.factories import make_voucher

pytestmark = pytest.mark.browser

TABLET = {"width": 768, "height": 1024}
LANDSCAPE = {"width": 1024, "height": 768}
LAPTOP = {"width": 1366, "height": 768}
LANGUAGES = ["en", "zh-hans"]

# Why `element` cannot be seen without scrolling sideways: past the viewport's edges, or
# outside a box between it and the page that clips or scrolls its overflow (a .table-wrap).
HIDDEN_JS = """(element) => {
  const box = element.getBoundingClientRect();
  const problems = [];
  if (box.width === 0 || box.height === 0) problems.push("not rendered");
  if (box.left < -0.5 || box.right > window.innerWidth + 0.5) {
    problems.push(`${Math.round(box.left)}-${Math.round(box.right)} outside the viewport (${window.innerWidth})`);
  }
  for (let up = element.parentElement; up && up !== document.body; up = up.parentElement) {
    if (getComputedStyle(up).overflowX === "visible") continue;
    const clip = up.getBoundingClientRect();
    if (box.left < clip.left - 0.5 || box.right > clip.right + 0.5) {
      problems.push(`${Math.round(box.left)}-${Math.round(box.right)} outside <${up.tagName.toLowerCase()}.${[...up.classList].join(".")}> (${Math.round(clip.left)}-${Math.round(clip.right)})`);
    }
  }
  return problems;
}"""


@pytest.fixture
def sized(browser, browser_context_args):
    """A page of the given size in the given language, axe-core loaded."""
    contexts = []

    def make(viewport, site, language="en"):
        context = browser.new_context(**{**browser_context_args, "viewport": viewport})
        context.add_init_script(path=str(AXE_JS))
        context.add_cookies([{"name": "django_language", "value": language, "url": site.url}])
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def pending_application(demo):
    """A submitted application of a Wujin enterprise, written directly (submitting is not what
    this test is about, and the yearly cap might refuse a second one)."""
    from regions.selectors import current_year
    from vouchers.models import VoucherApplication

    enterprise = demo["enterprises"]["enterprise-jiangnan"]
    return VoucherApplication.objects.create(
        enterprise=enterprise,
        region=enterprise.region,
        year=current_year(),
        requested_amount=Decimal("120000.00"),
        purpose="Graphene dispersion tests for a new coating line: sheet resistance and "
        "thickness measured by a third party across ten production batches.",
    )


def assert_all_on_screen(page, controls, where):
    """Every box and button in `controls` (a locator) is visible without scrolling sideways."""
    assert controls.count() >= 2, f"{where}: no action boxes or buttons found"
    hidden = {}
    for i in range(controls.count()):
        control = controls.nth(i)
        expect(control).to_be_visible()
        problems = control.evaluate(HIDDEN_JS)
        if problems:
            name = control.evaluate("c => c.textContent.trim() || c.name")
            hidden[f"{name} #{i}"] = problems
    assert hidden == {}, f"{where}: {hidden}"


def row_controls(row):
    return row.locator("button[type=submit], input:not([type=hidden])")


def wrap_of(locator):
    return locator.locator(
        "xpath=ancestor::div[contains(concat(' ', @class, ' '), ' table-wrap ')][1]"
    )


def assert_no_sideways_scroll(page, where, row=None):
    """The row's table (or the page's first) fits its wrap, and the page fits the screen."""
    wrap = wrap_of(row) if row is not None else page.locator("main .table-wrap").first
    widths = wrap.evaluate("(box) => [box.scrollWidth, box.clientWidth]")
    assert widths[0] <= widths[1] + 1, f"{where}: the table scrolls ({widths[0]} in {widths[1]})"
    assert overflow(page) == [], f"{where}: the page is wider than the screen"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_queues_buttons_are_on_a_tablets_and_a_phones_screen(site, sized, language):
    claim = delivered_claim(site.demo)
    application = pending_application(site.demo)

    for label, viewport in (("tablet", TABLET), ("phone", PHONE)):
        page = sized(viewport, site, language)
        log_in(page, site.url, "official-wujin", site.password)

        page.goto(site.at("/official/redemptions/"))
        row = page.locator(f"#redemption-{claim.pk}")
        assert row.evaluate("(tr) => getComputedStyle(tr).display") == "block"  # a card
        assert_all_on_screen(page, row_controls(row), f"claims queue, {label}")
        assert row.locator("button[type=submit]").count() == 2  # approve and reject
        assert_no_sideways_scroll(page, f"claims queue, {label}", row)
        # The evidence has most of the card's width (it had 80 px: three characters a line).
        evidence = row.locator("td").nth(2)
        value = evidence.evaluate(
            """(td) => { const s = getComputedStyle(td);
                return td.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight); }"""
        )
        assert value >= 0.5 * row.bounding_box()["width"], f"the evidence is {value} px wide"
        check_page(page, f"claims-queue-{label}")

        page.goto(site.at("/official/applications/"))
        row = page.locator(f"#application-{application.pk}")
        assert row.evaluate("(tr) => getComputedStyle(tr).display") == "block"
        assert_all_on_screen(page, row_controls(row), f"applications queue, {label}")
        assert row.locator("button[type=submit]").count() == 2
        assert_no_sideways_scroll(page, f"applications queue, {label}", row)
        check_page(page, f"applications-queue-{label}")

        # The district's official sees the district's people; only the operator may deactivate
        # an account (regions.accounts.can_manage_account), so the boxes are the operator's.
        page.goto(site.at("/people/"))
        assert_no_sideways_scroll(page, f"people as the official, {label}")

        operator = sized(viewport, site, language)
        log_in(operator, site.url, "operator", site.password)
        operator.goto(site.at("/people/"))
        forms = operator.locator("main table.data form")
        assert forms.count() >= 2
        assert_all_on_screen(
            operator,
            operator.locator("main table.data form").locator(
                "button[type=submit], input:not([type=hidden])"
            ),
            f"people as the operator, {label}",
        )
        assert_no_sideways_scroll(operator, f"people as the operator, {label}")
        check_page(operator, f"people-{label}")


def test_the_queues_are_tables_on_a_landscape_tablet_and_a_laptop(site, sized):
    claim = delivered_claim(site.demo)
    application = pending_application(site.demo)

    # English needs the most room (a 1024 px screen leaves its claims queue some 75 px).
    for label, viewport, language in (
        ("landscape", LANDSCAPE, "en"),
        ("laptop", LAPTOP, "zh-hans"),
    ):
        page = sized(viewport, site, language)
        log_in(page, site.url, "official-wujin", site.password)
        for path, row_id in (
            ("/official/redemptions/", f"#redemption-{claim.pk}"),
            ("/official/applications/", f"#application-{application.pk}"),
        ):
            where = f"{path} at {viewport['width']}"
            page.goto(site.at(path))
            row = page.locator(row_id)
            assert row.evaluate("(tr) => getComputedStyle(tr).display") == "table-row", where
            header = page.locator("main table.data thead th").first
            expect(header).to_be_visible()
            assert header.evaluate("(th) => getComputedStyle(th).display") == "table-cell"
            assert_all_on_screen(page, row_controls(row), where)
            assert_no_sideways_scroll(page, where, row)
            shot(page, f"{label}{path.replace('/', '-').rstrip('-')}")


def test_the_providers_orders_and_the_payments_queue_on_a_tablet(site, sized):
    """The other tables with a form in their rows: a provider's new orders (Accept, and
    Decline with its reason) and the payments queue of the provider's district."""
    demo = site.demo
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"])
    claim = approved_redemption(demo, voucher, demo["providers"]["provider-sit"], "800.00")

    page = sized(TABLET, site)
    log_in(page, site.url, "provider-sit", site.password)
    page.goto(site.at("/provider/"))
    row = page.locator(f"#order-{demo['order'].pk}")
    assert row.evaluate("(tr) => getComputedStyle(tr).display") == "block"
    assert_all_on_screen(page, row_controls(row), "the provider's new orders")
    assert_no_sideways_scroll(page, "the provider's new orders", row)
    shot(page, "provider-orders-tablet")

    page = sized(TABLET, site)
    log_in(page, site.url, "official-yangpu", site.password)
    page.goto(site.at("/official/payments/"))
    row = page.locator(f"#redemption-{claim.pk}")
    assert row.evaluate("(tr) => getComputedStyle(tr).display") == "block"
    assert_all_on_screen(page, row_controls(row), "the payments queue")
    assert_no_sideways_scroll(page, "the payments queue", row)
    shot(page, "payments-queue-tablet")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_transfer_form_is_on_a_phones_screen(site, sized, language):
    from regions.settlement.services import settlement_batch_create, settlement_run
    from tests.settlement.factories import spread

    spread(site.demo, 8)
    batch = settlement_batch_create(actor=site.demo["users"]["operator"])
    settlement_run(batch_id=batch.pk)
    assert batch.transfers.exists()

    page = sized(PHONE, site, language)
    log_in(page, site.url, "operator", site.password)
    for path in (f"/settlement/{batch.pk}/", "/settlement/"):
        page.goto(site.at(path))
        forms = page.locator("main form[action*='/transfers/']")
        assert forms.count() >= 1, f"{path}: no transfer to record"
        assert_all_on_screen(
            page,
            forms.locator("button[type=submit], input:not([type=hidden])"),
            f"{path} transfers",
        )
        wrap = wrap_of(forms.first)
        widths = wrap.evaluate("(box) => [box.scrollWidth, box.clientWidth]")
        assert widths[0] <= widths[1] + 1, f"{path}: the transfers scroll ({widths})"
        # Each transfer still reads from, to and amount on one line, in the header's columns.
        header = page.locator("main table.data:has(form[action*='/transfers/']) thead th")
        cells = forms.first.locator("xpath=ancestor::tr[1]/td")
        assert [round(cells.nth(i).bounding_box()["x"]) for i in range(3)] == [
            round(header.nth(i).bounding_box()["x"]) for i in range(3)
        ]
        assert len({round(cells.nth(i).bounding_box()["y"]) for i in range(3)}) == 1
        assert overflow(page) == []
        check_page(page, f"transfers{path.replace('/', '-').rstrip('-')}")

    # A laptop keeps the four columns of a table.
    page.set_viewport_size(LAPTOP)
    page.goto(site.at(f"/settlement/{batch.pk}/"))
    row = page.locator("main form[action*='/transfers/']").first.locator("xpath=ancestor::tr[1]")
    assert row.evaluate("(tr) => getComputedStyle(tr).display") == "table-row"
    shot(page, "transfers-laptop")


def test_a_table_that_still_scrolls_shows_it(site, sized):
    """The statistics' flows between districts (four columns, no form) scroll on a phone: the
    wrap has a tab stop and a shadow on its right edge; scrolled to the end, the shadow moves
    left. (It was a batch's settled redemptions, which are cards now.)"""
    from tests.settlement.factories import spread

    spread(site.demo, 8)  # claims between all four districts: a row for each pair

    page = sized(PHONE, site)
    log_in(page, site.url, "operator", site.password)
    page.goto(site.at("/statistics/"))
    wrap = page.locator(".table-wrap:has(> table#flows)")
    expect(wrap).to_have_attribute("tabindex", "0")
    background = wrap.evaluate("(box) => getComputedStyle(box).backgroundImage")
    assert background.count("radial-gradient") == 2
    assert wrap.evaluate(
        "(box) => getComputedStyle(box.querySelector('table')).backgroundColor"
    ) in (
        "rgba(0, 0, 0, 0)",
        "transparent",
    )
    wrap.scroll_into_view_if_needed()
    shot(page, "scrolling-table-start")
    wrap.evaluate("(box) => { box.scrollLeft = box.scrollWidth; }")
    shot(page, "scrolling-table-end")
