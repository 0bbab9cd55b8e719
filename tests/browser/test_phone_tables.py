"""On a phone (390x844) the programme operator's dashboard and the settlement pages show their
tables as cards, one line per cell with its column's name beside the value, in the reader's
language. They were tables of six to eight columns that scrolled sideways inside their wraps:
a batch's gross total sat 300 px right of its number, the districts' budgets right of their
names. The monthly chart opens on its latest months, and its legend and scale are there too
(they were drawn at its left end, scrolled out of view)."""

import pytest

from tests.browser.conftest import AXE_JS, check_page, log_in
from tests.browser.test_phone_layout import PHONE, overflow

pytestmark = pytest.mark.browser

LANGUAGES = ["en", "zh-hans"]

# Every cell of every table in the page's main (the history excepted: a shared table, which
# still scrolls in its wrap), and what a reader sees of it. A cell's column is its position
# in the row counted with colspans, its header that column's header cell.
CELLS_JS = r"""() => {
  document.querySelectorAll("main details").forEach((d) => { d.open = true; });
  const cells = [];
  for (const table of document.querySelectorAll("main table.data")) {
    if (table.closest(".audit-trail")) continue;
    const headers = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    const wrap = table.closest(".table-wrap");
    for (const row of table.querySelectorAll("tbody tr")) {
      let column = 0;
      for (const cell of row.children) {
        if (cell.tagName === "TD") {
          const style = getComputedStyle(cell);
          const label = cell.getAttribute("data-label");
          // An amount's characters, and the lines they fall on (a broken "¥1,234" / ".00").
          const lines = [];
          const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            for (const match of node.data.matchAll(/¥[\d,]+\.\d\d/g)) {
              const range = document.createRange();
              range.setStart(node, match.index);
              range.setEnd(node, match.index + match[0].length);
              lines.push(new Set([...range.getClientRects()].map((b) => Math.round(b.top))).size);
            }
          }
          cells.push({
            table: table.className,
            text: cell.textContent.trim().replace(/\s+/g, " ").slice(0, 40),
            header: headers[column] || "",
            label: label,
            shown: cell.getClientRects().length > 0,
            display: style.display,
            before: getComputedStyle(cell, "::before").content,
            // A label of two lines beside a value of one makes its line taller.
            labelFits: parseFloat(getComputedStyle(cell, "::before").height) <= cell.clientHeight,
            num: cell.classList.contains("num"),
            align: style.textAlign,
            amountLines: lines,
            wrapScrolls: wrap ? wrap.scrollWidth > wrap.clientWidth + 1 : false,
          });
        }
        column += cell.colSpan || 1;
      }
    }
  }
  return cells;
}"""


def table_problems(page) -> list[str]:
    """What keeps a table of the page from reading as cards on a phone: a cell without its
    column's name, a card without its labels, a table still scrolling, an amount broken."""
    cells = page.evaluate(CELLS_JS)
    assert cells, f"{page.url}: no table to check"
    problems = []
    for cell in cells:
        where = f"{page.url} <table.{cell['table'].replace(' ', '.')}> {cell['text']!r}"
        label = cell["label"]
        # The label names the cell's column: its header, or the matrices' "→ district".
        if not label or cell["header"] not in label:
            problems.append(f"{where}: data-label {label!r}, its column is {cell['header']!r}")
        if cell["wrapScrolls"]:
            problems.append(f"{where}: the table scrolls sideways in its wrap")
        if any(lines > 1 for lines in cell["amountLines"]):
            problems.append(f"{where}: an amount breaks over two lines")
        if "stack" not in cell["table"].split() or not cell["shown"]:
            continue
        # A line of the card (flow-root: it holds its floated label), the label before it.
        if cell["display"] not in ("block", "flow-root") or cell["before"] != f'"{label}"':
            problems.append(
                f"{where}: a {cell['display']} cell showing {cell['before']!r}, not its label"
            )
        if not cell["labelFits"]:
            problems.append(f"{where}: its label runs over the next line")
        if cell["num"] and cell["align"] != "right":
            problems.append(f"{where}: an amount aligned {cell['align']}")
    return problems


@pytest.fixture
def phone(browser, browser_context_args):
    contexts = []

    def make(site, user, language):
        context = browser.new_context(**{**browser_context_args, "viewport": PHONE})
        context.add_init_script(path=str(AXE_JS))
        context.add_cookies([{"name": "django_language", "value": language, "url": site.url}])
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        log_in(page, site.url, user, site.password)
        return page

    yield make
    for context in contexts:
        context.close()


def settled_batch(demo):
    """A computed batch of cross-region claims between all four districts."""
    from regions.settlement.services import settlement_batch_create, settlement_run
    from tests.settlement.factories import spread

    spread(demo, 12)
    batch = settlement_batch_create(actor=demo["users"]["operator"])
    settlement_run(batch_id=batch.pk)
    assert batch.transfers.exists()
    return batch


def assert_reads_as_cards(page, path, name):
    page.goto(path)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert overflow(page) == []
    assert table_problems(page) == []
    check_page(page, name)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_operators_tables_read_as_cards_on_a_phone(site, phone, language):
    from providers.services.integrity import file_integrity_check
    from regions.services import reconciliation_run

    batch = settled_batch(site.demo)
    reconciliation_run()
    file_integrity_check()

    page = phone(site, "operator", language)
    page.goto(site.at("/dashboard/"))
    assert page.url.endswith("/operator/")
    for path, name in (
        ("/operator/", "operator-dashboard"),
        ("/settlement/", "settlement"),
        (f"/settlement/{batch.pk}/", "settlement-batch"),
        ("/official/statements/", "statements"),
        ("/settlement/reconciliation/", "reconciliation"),
    ):
        assert_reads_as_cards(page, site.at(path), name)

    # The districts' card: the district's name on top, then its budget's figures.
    page.goto(site.at("/operator/"))
    card = page.locator("main table.data tbody tr").first
    heading = card.locator("th[scope=row]")
    assert heading.evaluate("(th) => getComputedStyle(th).display") == "block"
    assert heading.bounding_box()["y"] < card.locator("td").first.bounding_box()["y"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_officials_settlement_pages_read_as_cards_on_a_phone(site, phone, language):
    from regions.settlement.transfers import settlement_transfer_confirm

    batch = settled_batch(site.demo)
    # One of her district's transfers paid, under a bank's 32-character reference.
    region = site.demo["users"]["official-wujin"].region
    transfer = (
        batch.transfers.filter(from_region=region) | batch.transfers.filter(to_region=region)
    )[0]
    settlement_transfer_confirm(
        batch_id=batch.pk,
        from_region=transfer.from_region.code,
        to_region=transfer.to_region.code,
        payment_reference="ICBC-20261207-000123456789012345",
        actor=site.demo["users"]["operator"],
    )
    page = phone(site, "official-wujin", language)
    for path, name in (
        ("/official/statements/", "statements"),
        (f"/settlement/{batch.pk}/", "settlement-batch"),
    ):
        assert_reads_as_cards(page, site.at(path), name)
    # Her district's transfers carry no form (the operator records them): cards too.
    assert page.locator("main table.data.transfers.stack").count() == 1


# Where each of the monthly chart's parts is: inside the card's visible box (the card scrolls
# the chart), inside the chart's own box (which clips what runs past its edge: "Redeemec"),
# and on the screen.
CHART_JS = """(card) => {
  const inside = (box, clip) => box.left >= clip.left - 0.5 && box.right <= clip.right + 0.5;
  const frame = card.getBoundingClientRect();
  const visible = {left: frame.left + card.clientLeft, right: frame.left + card.clientLeft + card.clientWidth};
  const chart = card.querySelector("svg.chart").getBoundingClientRect();
  const screen = {left: 0, right: window.innerWidth};
  const part = (element) => {
    if (!element) return null;
    const box = element.getBoundingClientRect();
    return {inCard: inside(box, visible), inChart: inside(box, chart), onScreen: inside(box, screen)};
  };
  const months = card.querySelectorAll(".axis-label");
  return {
    scrolls: card.scrollWidth > card.clientWidth,
    legend: part(card.querySelector(".chart-legend")),
    scale: part(card.querySelector(".chart-scale")),
    latestMonth: part(months[months.length - 1]),
  };
}"""


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_monthly_charts_legend_and_scale_are_on_a_phones_screen(site, phone, language):
    page = phone(site, "official-wujin", language)
    # The district's dashboard, and the statistics page, which draws the same chart.
    for path, name in (("/official/", "official-dashboard"), ("/statistics/", "statistics")):
        page.goto(site.at(path))
        card = page.locator(".chart-card[data-opens-at-end]")
        found = card.evaluate(CHART_JS)
        assert found["scrolls"]  # still drawn at a readable size: it scrolls on a phone
        seen = {"inCard": True, "inChart": True, "onScreen": True}
        assert found["legend"] == seen, path
        assert found["scale"] == seen, path
        assert found["latestMonth"] == seen, path  # and it still opens on the latest months
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        check_page(page, name)
