"""In a real browser, the seed story started from a technology demand.

The first test, in English and in Chinese: the Wujin graphene company publishes a demand, the
Shanghai Institute of Technology proposes, the company compares the proposals side by side and
accepts, and the service order appears, pre-filled from the proposal.

The second runs the whole story from a demand: the company, in Chinese on a
390 px phone, publishes its powder-process problem; the Yangpu institute and the Wujin graphene
institute propose; the company accepts the Yangpu institute's proposal; the order is delivered,
papered (contract, invoice, own share), claimed, approved by two Wujin officials (the claim is
at the four-eyes threshold), paid by Yangpu and settled by the operator; then anyone, not
logged in, reads the demand resolved and the Wujin-to-Yangpu flow on the open statistics page,
each figure as the database rows say. Everything is done through the pages.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from portal.templatetags.portal import cny
from providers.models import Demand, RiskFlag, ServiceCategory, ServiceOrder
from regions.models import Region, SettlementBatch
from regions.selectors import current_year
from tests.browser.conftest import AXE_JS, expect, shot
from tests.browser.story_helpers import BROWSER_LOCALES, evidence_pdf, in_language, open_person
from tests.browser.test_phone_layout import PHONE, overflow
from vouchers.models import Redemption

pytestmark = pytest.mark.browser

TITLE = "Graphene slurry viscosity control"
STATISTICS_LINK = "Open statistics: what the vouchers did, district by district"


def language_param(language):
    return pytest.param(
        language,
        id=language,
        marks=pytest.mark.browser_context_args(locale=BROWSER_LOCALES[language]),
    )


@pytest.mark.parametrize("language", [language_param("en"), language_param("zh-hans")])
def test_a_demand_becomes_an_order(site, new_context, language):
    enterprise = open_person(
        new_context, site, language, "enterprise-jiangnan", username="enterprise-jiangnan"
    )
    page = enterprise.page
    enterprise.nav("My demands")
    enterprise.check("my-demands", heading="My demands")
    enterprise.link("Publish a demand").first.click()
    enterprise.check("publish", heading="Publish a technology demand")
    enterprise.field("Title").fill(TITLE)
    enterprise.field("The technical problem").fill(
        "Our water-based graphene slurry thickens within a week; keep it stable for 30 days."
    )
    category = enterprise.field("Service category")
    category.select_option(index=2)
    enterprise.field("Lowest budget (CNY)").fill("100000")
    enterprise.field("Highest budget (CNY)").fill("250000")
    deadline = (timezone.localdate() + timedelta(days=30)).isoformat()
    enterprise.field("Deadline for proposals").fill(deadline)
    enterprise.button("Publish the demand").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    demand = Demand.objects.get(title=TITLE)
    enterprise.check("demand")

    provider = open_person(new_context, site, language, "provider-sit", username="provider-sit")
    provider.nav("Demands")
    provider.check("demands", heading="Technology demands")
    provider.page.get_by_role("link", name=TITLE).click()
    provider.link("Propose a solution").click()
    provider.check("propose", heading="Propose a solution")
    provider.field("Your approach").fill("Dispersant screen and high-shear mixing trials.")
    provider.field("Price (CNY)").fill("180000")
    provider.field("Duration (days)").fill("75")
    provider.button("Send the proposal").click()
    expect(provider.button("Withdraw the proposal")).to_be_visible()

    enterprise.go(f"/demands/{demand.pk}/")
    table = page.locator("table.compare")
    expect(table).to_contain_text("¥180,000.00")
    enterprise.check("compare")
    enterprise.button("Accept this proposal", table).click()
    order = ServiceOrder.objects.get(proposal__demand=demand)
    expect(page).to_have_url(site.at(f"/orders/{order.pk}/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    expect(page.locator("main")).to_contain_text("¥180,000.00")
    assert order.provider.users.filter(username="provider-sit").exists()
    assert order.status == "requested"


# --- the seed story from a demand to the open statistics ------------------------------------

STORY_TITLE = "石墨烯粉体制备工艺优化 · Graphene powder preparation process"
# The Yangpu institute's price; the demo rules' co-funding ratio is 0.5, so the voucher pays
# half, ¥200,000: all of the Wujin voucher's balance, and at Wujin's four-eyes threshold.
SIT_PRICE = Decimal("400000.00")
CLAIMED = Decimal("200000.00")
CLAIMED_TEXT = "¥200,000.00"


@pytest.fixture
def phone_in_chinese(browser, browser_context_args):
    """Browser contexts of a Chinese reader on a 390 px phone (the enterprise, the public)."""
    contexts = []

    def make():
        context = browser.new_context(
            **{
                **browser_context_args,
                "locale": BROWSER_LOCALES["zh-hans"],
                "viewport": PHONE,
                "is_mobile": True,
            }
        )
        context.add_init_script(path=str(AXE_JS))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def propose(site, new_context, username, price, days, approach):
    """A provider finds the demand in the list and sends a proposal led by its expert."""
    provider = open_person(new_context, site, "en", username, username=username)
    p = provider.page
    provider.nav("Demands")
    p.get_by_role("link", name=STORY_TITLE).click()
    provider.link("Propose a solution").click()
    provider.field("Your approach").fill(approach)
    provider.field("Price (CNY)").fill(str(price))
    provider.field("Duration (days)").fill(str(days))
    provider.field("Leading expert").select_option(index=1)
    provider.button("Send the proposal").click()
    expect(provider.button("Withdraw the proposal")).to_be_visible()
    return provider


def test_the_seed_story_runs_from_a_demand_to_the_open_statistics(
    site, new_context, phone_in_chinese, tmp_path
):
    wujin, yangpu = Region.objects.get(code="WUJIN"), Region.objects.get(code="YANGPU")
    rnd = ServiceCategory.objects.get(code="rnd")

    # 1. The Wujin graphene company, in Chinese on a phone, publishes its powder problem.
    enterprise = open_person(
        phone_in_chinese, site, "zh-hans", "enterprise", username="enterprise-jiangnan"
    )
    e = enterprise.page
    enterprise.nav("My demands")
    enterprise.link("Publish a demand").first.click()
    enterprise.check("publish", heading="Publish a technology demand")
    enterprise.field("Title").fill(STORY_TITLE)
    enterprise.field("The technical problem").fill(
        "石墨烯粉体球磨剥离后团聚严重，需要优化制备工艺参数，少层粉体收率提高15%以上。"
    )
    enterprise.field("Service category").select_option(label=in_language("zh-hans", rnd))
    enterprise.field("Lowest budget (CNY)").fill("200000")
    enterprise.field("Highest budget (CNY)").fill("400000")
    deadline = timezone.localdate() + timedelta(days=45)
    enterprise.field("Deadline for proposals").fill(deadline.isoformat())
    enterprise.button("Publish the demand").click()
    expect(e.get_by_role("heading", level=1)).to_contain_text(STORY_TITLE)
    demand = Demand.objects.get(title=STORY_TITLE)
    assert demand.region == wujin and demand.status == Demand.Status.OPEN

    # 2. Two providers propose: the Yangpu institute, and the graphene institute in Wujin.
    sit = propose(
        site,
        new_context,
        "provider-sit",
        SIT_PRICE,
        120,
        "Ball-milling and liquid-phase exfoliation trials with a surfactant screen.",
    )
    propose(
        site,
        new_context,
        "provider-graphene",
        Decimal("320000.00"),
        90,
        "Characterise the powder, then tune ultrasonic dispersion on our pilot line.",
    )

    # 3. The company compares the two side by side and accepts the Yangpu institute's.
    enterprise.nav("My demands")
    e.get_by_role("link", name=STORY_TITLE).click()
    table = e.locator("table.compare")
    providers = table.locator("thead th")
    expect(providers).to_have_count(3)  # the row headers' column, then one per proposal
    enterprise.check("compare")
    names = providers.all_inner_texts()
    column = names.index("上海应用技术大学")
    expect(table.locator("tbody tr").nth(1).locator("td").nth(column - 1)).to_have_text(
        "¥400,000.00"
    )
    expert_row = table.locator("tbody tr").filter(has_text=enterprise.t("Leading expert"))
    expect(expert_row.locator("td").nth(column - 1)).to_contain_text("张敏")
    assert overflow(e) == [], "the comparison sticks out of a 390 px phone"
    accept_row = table.locator("tbody tr").last
    enterprise.button("Accept this proposal", accept_row.locator("td").nth(column - 1)).click()
    order = ServiceOrder.objects.get(proposal__demand=demand)
    order_path = f"/orders/{order.pk}/"
    expect(e).to_have_url(site.at(order_path))
    expect(e.locator("main")).to_contain_text("¥400,000.00")
    assert order.provider.users.filter(username="provider-sit").exists()
    assert order.contract_amount == SIT_PRICE
    demand.refresh_from_db()
    assert demand.status == Demand.Status.AWARDED
    assert sorted(demand.proposals.values_list("status", flat=True)) == ["accepted", "declined"]

    # 4. The institute accepts the order, then logs the completed service with a PDF.
    s = sit.page
    sit.nav("Orders")
    s.get_by_role("link", name=STORY_TITLE).click()
    expect(s).to_have_url(site.at(order_path))
    sit.button("Accept the order").click()
    expect(s.locator("h1 .badge")).to_have_text("Accepted")
    sit.link("Log the completed service").click()
    sit.field("What was delivered").fill("Process window for few-layer powder; yield up 18%.")
    sit.field("Evidence files").set_input_files(evidence_pdf(tmp_path))
    sit.button("Log completion").click()
    expect(s.locator("h1 .badge")).to_have_text("Completed")

    # 5. The company confirms delivery, uploads the signed contract and records its own share.
    enterprise.nav("My orders")
    e.get_by_role("link", name=STORY_TITLE).click()
    expect(e.get_by_role("link", name="process-report.pdf")).to_be_visible()
    enterprise.button("Confirm delivery").click()
    expect(e.locator("h1 .badge")).to_have_text(enterprise.t("Confirmed"))
    upload = e.get_by_role("group", name=enterprise.t("Upload the signed contract"))
    enterprise.field("Document", upload).select_option("contract")
    enterprise.field("File", upload).set_input_files(evidence_pdf(tmp_path, "contract.pdf"))
    enterprise.button("Upload", upload).click()
    expect(e.locator("#documents")).to_contain_text("contract.pdf")
    record = e.get_by_role("group", name=enterprise.t("Record your payment"))
    expect(enterprise.field("Amount paid (yuan)", record)).to_have_value(str(SIT_PRICE - CLAIMED))
    enterprise.field("Payment reference", record).fill("ICBC-20261203-0419")
    enterprise.button("Record the payment", record).click()
    expect(e.locator("#own-share")).to_contain_text("ICBC-20261203-0419")
    enterprise.check("order-papered")
    assert overflow(e) == [], "the order page sticks out of a 390 px phone"

    # 6. The institute uploads its invoice, confirms the own share and claims the voucher.
    s.reload()
    upload = s.get_by_role("group", name="Upload the signed contract or the invoice")
    sit.field("Document", upload).select_option("invoice")
    sit.field("File", upload).set_input_files(evidence_pdf(tmp_path, "invoice.pdf"))
    sit.field("Invoice code", upload).fill("031001900111")
    sit.field("Invoice number", upload).fill("20261203")
    sit.button("Upload", upload).click()
    expect(s.locator("#documents")).to_contain_text("20261203")
    sit.button("Confirm the payment").click()
    expect(s.locator("#own-share")).to_contain_text("Confirmed")
    sit.link("Claim a redemption").click()
    expect(sit.field("Amount to claim (CNY)")).to_have_value(str(CLAIMED))
    sit.button("Submit claim").click()
    expect(s).to_have_url(re.compile(r"/redemptions/\d+/$"))
    expect(s.locator("h1 .badge")).to_have_text("Pending")
    redemption = Redemption.objects.get(service_order=order)
    assert redemption.amount == CLAIMED and redemption.cross_region

    # 7. Wujin approves with four eyes: the claim is at the district's threshold. (The order
    # alone reaches the threshold, so the split-contract check leaves it unflagged.)
    assert not RiskFlag.objects.filter(service_order=order).exists()
    official = open_person(new_context, site, "en", "official-wujin", username="official-wujin")
    o = official.page
    official.nav("Redemptions to approve")
    o.get_by_role("link", name=f"#{redemption.pk}", exact=True).click()
    expect(o.get_by_role("heading", level=1)).to_contain_text(f"Redemption #{redemption.pk}")
    official.button("Approve", o.get_by_role("group", name="Approve the claim")).click()
    expect(o.locator(".four-eyes")).to_contain_text("Awaiting second approval")

    second = open_person(new_context, site, "en", "official-wujin-2", username="official-wujin-2")
    second.nav("Redemptions to approve")
    second.page.get_by_role("link", name=f"#{redemption.pk}", exact=True).click()
    second.button("Approve", second.page.get_by_role("group", name="Approve the claim")).click()
    expect(second.page.locator("h1 .badge")).to_have_text("Approved")

    # 8. Yangpu records the payment to its institute.
    payer = open_person(new_context, site, "en", "official-yangpu", username="official-yangpu")
    y = payer.page
    payer.nav("Payments to record")
    row = y.locator("tr.decision").filter(has_text=order.voucher.serial)
    expect(row).to_contain_text(CLAIMED_TEXT)
    row.get_by_label("Payment reference").fill("YP-2026-000419")
    payer.button("Record payment", row).click()
    expect(row.locator(".badge")).to_have_text("Paid")

    # 9. The operator runs settlement: Wujin owes Yangpu the claimed amount.
    operator = open_person(new_context, site, "en", "operator", username="operator")
    op = operator.page
    operator.nav("Settlement")
    operator.button("Run settlement now").click()
    expect(op).to_have_url(re.compile(r"/settlement/\d+/$"))
    batch = SettlementBatch.objects.get()
    if batch.status == SettlementBatch.Status.OPEN:  # a slower worker: the page polls; reload
        op.reload()
    expect(op.locator("#batch-progress .badge")).to_have_text("Computed")
    transfer = batch.transfers.get()
    assert (transfer.from_region, transfer.to_region, transfer.amount) == (wujin, yangpu, CLAIMED)
    redemption.refresh_from_db()
    assert redemption.status == "paid" and redemption.settlement_batch_id == batch.pk

    # 10. Anyone, not logged in, in Chinese on a phone: the open statistics show the demand
    # resolved and the flow from Wujin to Yangpu, each figure as the rows in the database say.
    public = open_person(phone_in_chinese, site, "zh-hans", "public")
    public.go("/")
    public.page.get_by_role("link", name=public.t(STATISTICS_LINK)).click()
    expect(public.page.get_by_role("heading", level=1)).to_have_text(public.t("Open statistics"))
    year = current_year()
    resolved = Demand.objects.filter(status="awarded", closed_at__year=year)
    published = Demand.objects.filter(created_at__year=year)
    expect(public.page.locator("[data-figure=demands_resolved]")).to_have_text(
        str(resolved.count())
    )
    expect(public.page.locator("[data-figure=demands_published]")).to_have_text(
        str(published.count())
    )
    assert demand in resolved
    flows = Redemption.objects.filter(
        status__in=["approved", "paid"],
        decided_at__year=year,
        issuing_region=wujin,
        provider_region=yangpu,
    )
    flow = public.page.locator("#flows tr[data-from=WUJIN][data-to=YANGPU]")
    expect(flow.locator("td")).to_have_text(
        [
            in_language("zh-hans", wujin),
            in_language("zh-hans", yangpu),
            str(flows.count()),
            cny(flows.aggregate(total=Sum("amount"))["total"]),
        ]
    )
    assert redemption in flows
    shot(public.page, "statistics")
