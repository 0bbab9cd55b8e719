"""The whole seed story in a real browser, once in English and once in Chinese.

Five people, each in a browser context of their own, click through it: a new graphene
enterprise in Wujin signs up and applies, the Wujin official verifies it and approves, the
enterprise orders "Graphene powder preparation process optimization technology research" from
the Shanghai Institute of Technology (Yangpu), the institute accepts, completes with a PDF,
the enterprise confirms, the institute claims, Wujin approves the claim, Yangpu records the
payment, and the operator's settlement shows Wujin owing Yangpu exactly the claimed amount.
Every main page gets a screenshot and the axe-core check. A second test fills in and submits
the application form with the keyboard alone.
"""

import re
from decimal import Decimal

import pytest

from providers.models import ServiceCategory, ServiceOrder
from regions.management.commands.seed_demo import SEED_ORDER_TITLE
from regions.models import Region, SettlementBatch
from tests.browser.conftest import check_page, expect, log_in, tab_to
from tests.browser.story_helpers import (
    BROWSER_LOCALES,
    credit_code,
    evidence_pdf,
    in_language,
    open_person,
)
from tests.paperwork import complete_paperwork
from vouchers.models import Enterprise, Redemption, Voucher, VoucherApplication

pytestmark = pytest.mark.browser

REQUESTED = Decimal("80000.00")
CONTRACT = Decimal("100000.00")
# The demo rules' co-funding ratio is 0.5: the voucher pays half the contract.
CLAIMED = Decimal("50000.00")
CLAIMED_TEXT = "¥50,000.00"

# A new enterprise per language run: its own name, user and credit code (Wujin is 320412).
NEWCOMERS = {
    "en": {
        "username": "graphene-newco-en",
        "name": "Changzhou Wujin Graphene Newco Co., Ltd.",
        "credit_code": credit_code("91320412MA1GRPN0E"),
        "industry": "Graphene materials",
        "contact": "Li Wei",
    },
    "zh-hans": {
        "username": "graphene-newco-zh",
        "name": "常州武进新材石墨烯科技有限公司",
        "credit_code": credit_code("91320412MA1GRPN0H"),
        "industry": "石墨烯材料",
        "contact": "李伟",
    },
}
NEWCOMER_PASSWORD = "sea-lantern-4711"
SEARCH = {"en": "Shanghai Institute", "zh-hans": "上海应用技术"}


def language_param(language):
    return pytest.param(
        language,
        id=language,
        marks=pytest.mark.browser_context_args(locale=BROWSER_LOCALES[language]),
    )


@pytest.mark.parametrize("language", [language_param("en"), language_param("zh-hans")])
def test_it_runs_the_seed_story_from_sign_up_to_settlement(site, new_context, tmp_path, language):
    newcomer = NEWCOMERS[language]
    wujin = Region.objects.get(code="WUJIN")
    rnd = ServiceCategory.objects.get(code="rnd")

    # 1. The enterprise signs up: a new graphene company in Wujin.
    enterprise = open_person(new_context, site, language, "enterprise")
    e = enterprise.page
    enterprise.go("/login/")
    enterprise.link("Register your enterprise").click()
    enterprise.check("signup", heading="Register your enterprise")
    enterprise.field("User name").fill(newcomer["username"])
    enterprise.field("Your e-mail").fill(f"{newcomer['username']}@example.com")
    enterprise.field("Password").fill(NEWCOMER_PASSWORD)
    enterprise.field("Password again").fill(NEWCOMER_PASSWORD)
    enterprise.field("Enterprise name").fill(newcomer["name"])
    enterprise.field("Unified social credit code").fill(newcomer["credit_code"])
    enterprise.field("District").select_option(label=in_language(language, wujin))
    enterprise.field("Industry").fill(newcomer["industry"])
    enterprise.field("Size").select_option(label=enterprise.t("Small"))
    enterprise.field("Contact person").fill(newcomer["contact"])
    enterprise.field("Contact phone").fill("0519-86300000")
    enterprise.field("Contact e-mail").fill(f"{newcomer['username']}@example.com")
    enterprise.button("Register").click()

    expect(e).to_have_url(site.at("/enterprise/"))
    expect(e.get_by_role("heading", level=1)).to_have_text(newcomer["name"])
    expect(e.locator("main .badge")).to_have_text(enterprise.t("Waiting for verification"))
    enterprise.check("dashboard-unverified")
    company = Enterprise.objects.get(credit_code=newcomer["credit_code"])
    assert company.region == wujin and company.verified_at is None

    # ... the Wujin official verifies it ...
    official = open_person(new_context, site, language, "official-wujin", username="official-wujin")
    o = official.page
    official.check("dashboard")
    official.nav("Enterprises to verify")
    official.check("enterprises-to-verify", heading="Enterprises to verify")
    row = o.get_by_role("row").filter(has_text=newcomer["name"])
    expect(row).to_contain_text(newcomer["credit_code"])
    official.button("Verify", row, context="enterprise").click()
    official.confirm_was_asked("Verify this enterprise? It may then apply for vouchers.")
    expect(o.get_by_role("status")).to_contain_text(
        official.t("%(name)s is verified and may now apply.", name=newcomer["name"])
    )
    expect(o.get_by_role("row").filter(has_text=newcomer["name"])).to_have_count(0)

    # ... and the enterprise, logging in again with the account it made, applies.
    enterprise.button("Log out").click()
    log_in(e, site.url, newcomer["username"], NEWCOMER_PASSWORD)
    expect(e).to_have_url(site.at("/enterprise/"))
    expect(e.locator("main .badge").first).to_have_text(enterprise.t("Verified"))
    enterprise.check("dashboard-verified")
    enterprise.link("Apply for a voucher").click()
    enterprise.check("application-form", heading="Apply for a voucher")
    enterprise.field("Requested amount (CNY)").fill(str(REQUESTED))
    enterprise.field("Purpose: the technical need").fill(
        "Optimise the preparation process of graphene powder with a university partner."
    )
    enterprise.field("Intended service category").select_option(label=in_language(language, rnd))
    enterprise.button("Submit the application").click()

    expect(e).to_have_url(re.compile(r"/applications/\d+/$"))
    expect(e.locator("h1 .badge")).to_have_text(enterprise.t("Submitted"))
    expect(e.get_by_role("status")).to_contain_text(
        enterprise.t("Your application was submitted to the district office.")
    )
    enterprise.check("application-submitted")

    # 2. The Wujin official approves it in the review queue.
    official.nav("Applications")
    official.check("application-queue", heading="Voucher applications")
    row = o.locator("tr.decision").filter(has_text=newcomer["name"])
    expect(row.get_by_label(official.t("Approved amount (CNY)"))).to_have_value(str(REQUESTED))
    official.button("Approve", row).click()
    official.confirm_was_asked(
        "Approve this application? Below the four-eyes threshold the voucher is issued at "
        "once, which cannot be undone; at or above it, a second official of the district must "
        "approve too (you may still change your amount until then)."
    )
    expect(row.locator(".badge")).to_have_text(official.t("Approved"))
    serial = row.locator("code").inner_text()
    voucher = Voucher.objects.get(serial=serial)
    assert voucher.enterprise == company and voucher.face_value == REQUESTED
    assert VoucherApplication.objects.get(enterprise=company).status == "approved"
    official.check("application-approved")

    # 3. The enterprise finds the Shanghai Institute of Technology and orders from it.
    enterprise.nav("My vouchers")
    expect(e.locator("main")).to_contain_text(serial)
    enterprise.check("dashboard-voucher")
    enterprise.link("Find a provider").click()
    enterprise.check("provider-directory", heading="Certified service providers")
    e.get_by_role("search").get_by_label(enterprise.t("Search")).fill(SEARCH[language])
    enterprise.button("Find").click()
    cards = e.locator("article.provider-card")
    expect(cards).to_have_count(1)
    expect(cards).to_contain_text("上海应用技术大学")
    # The card is headed by the name in the reader's language.
    card_name = {"en": "Shanghai Institute of Technology", "zh-hans": "上海应用技术大学"}
    cards.get_by_role("link", name=card_name[language]).click()
    enterprise.check("provider-detail")
    enterprise.link("Order a service").click()
    enterprise.check(
        "order-form",
        heading="Order a service from %(name)s",
        name=card_name[language],
    )
    voucher_choice = enterprise.field("Voucher to use")
    expect(voucher_choice.locator("option:checked")).to_contain_text(serial)
    enterprise.field("Title").fill(SEED_ORDER_TITLE)
    enterprise.field("What you need").fill(
        "Optimise ball-milling and exfoliation parameters for few-layer graphene powder."
    )
    enterprise.field("Contract amount (CNY)").fill(str(CONTRACT))
    enterprise.button("Send the order").click()

    expect(e).to_have_url(re.compile(r"/orders/\d+/$"))
    expect(e.get_by_role("heading", level=1)).to_contain_text(SEED_ORDER_TITLE)
    expect(e.locator("h1 .badge")).to_have_text(enterprise.t("Requested"))
    enterprise.check("order-requested")
    order = ServiceOrder.objects.get(enterprise=company)
    assert order.voucher == voucher and order.provider.name == "Shanghai Institute of Technology"
    order_path = f"/orders/{order.pk}/"

    # 4. The provider accepts, then logs the completed service with a PDF as evidence.
    provider = open_person(new_context, site, language, "provider-sit", username="provider-sit")
    p = provider.page
    provider.check("dashboard")
    provider.nav("Orders")
    provider.check("orders")
    # The seed's own order (enterprise-jiangnan) has the same title: pick ours by enterprise.
    p.get_by_role("row").filter(has_text=newcomer["name"]).get_by_role(
        "link", name=SEED_ORDER_TITLE
    ).click()
    expect(p).to_have_url(site.at(order_path))
    provider.check("order-requested")
    provider.button("Accept the order").click()
    expect(p.locator("h1 .badge")).to_have_text(provider.t("Accepted"))
    provider.link("Log the completed service").click()
    provider.check("order-complete-form", heading="Log the completed service")
    provider.field("What was delivered").fill(
        "Ball-milling time and exfoliation temperature optimised; yield of few-layer powder up 18%."
    )
    provider.field("Deliverables").fill(
        "Process report; 500 g sample of few-layer graphene powder."
    )
    provider.field("Evidence files").set_input_files(evidence_pdf(tmp_path))
    provider.button("Log completion").click()

    expect(p).to_have_url(site.at(order_path))
    expect(p.locator("h1 .badge")).to_have_text(provider.t("Completed"))
    expect(p.get_by_role("link", name="process-report.pdf")).to_be_visible()
    provider.check("order-completed")

    # 5. The enterprise confirms delivery.
    enterprise.nav("My orders")
    enterprise.check("orders", heading="My orders")
    e.get_by_role("link", name=SEED_ORDER_TITLE).click()
    expect(e).to_have_url(site.at(order_path))
    expect(e.get_by_role("link", name="process-report.pdf")).to_be_visible()
    enterprise.button("Confirm delivery").click()
    enterprise.confirm_was_asked(
        "Confirm that the service was delivered? The provider can then claim the voucher."
    )
    expect(e.locator("h1 .badge")).to_have_text(enterprise.t("Confirmed"))
    enterprise.check("order-confirmed")

    # The contract, the invoice and the confirmed own share a claim needs (walked in a
    # browser in tests/browser/test_own_share.py), done here by the same services.
    complete_paperwork(order)

    # 6. The provider claims the redemption.
    provider.nav("Claims")
    provider.check("claims", heading="My claims")
    row = p.get_by_role("row").filter(has_text=newcomer["name"])
    provider.link("Claim", row).click()
    expect(p).to_have_url(site.at(f"/redemptions/claim/{order.pk}/"))
    provider.check("claim-form", heading="Claim a redemption")
    expect(p.locator("main dl")).to_contain_text(CLAIMED_TEXT)
    expect(provider.field("Amount to claim (CNY)")).to_have_value(str(CLAIMED))
    provider.button("Submit claim").click()
    provider.confirm_was_asked(
        "Submit this claim? The amount will be held on the voucher until the district decides."
    )
    expect(p).to_have_url(re.compile(r"/redemptions/\d+/$"))
    expect(p.locator("h1 .badge")).to_have_text(provider.t("Pending"))
    provider.check("redemption-pending")
    redemption = Redemption.objects.get(service_order=order)
    assert redemption.amount == CLAIMED and redemption.cross_region

    # 7. The Wujin official approves the redemption.
    official.nav("Redemptions to approve")
    official.check("redemptions-to-approve", heading="Redemptions to approve")
    row = o.locator("tr.decision").filter(has_text=serial)
    expect(row).to_contain_text(CLAIMED_TEXT)
    official.button("Approve", row).click()
    official.confirm_was_asked("Approve this redemption? The held amount will be spent.")
    expect(row.locator(".badge")).to_have_text(official.t("Approved"))

    # 8. The Yangpu official records the payment to its provider.
    yangpu = open_person(new_context, site, language, "official-yangpu", username="official-yangpu")
    y = yangpu.page
    yangpu.nav("Payments to record")
    yangpu.check("payments-to-record", heading="Payments to record")
    row = y.locator("tr.decision").filter(has_text=serial)
    expect(row).to_contain_text(CLAIMED_TEXT)
    row.get_by_label(yangpu.t("Payment reference")).fill("YP-2026-000123")
    yangpu.button("Record payment", row).click()
    yangpu.confirm_was_asked("Record this payment? It cannot be undone.")
    expect(row.locator(".badge")).to_have_text(yangpu.t("Paid"))
    expect(row).to_contain_text("YP-2026-000123")

    # 9. The operator runs settlement: Wujin owes Yangpu exactly the claimed amount.
    operator = open_person(new_context, site, language, "operator", username="operator")
    op = operator.page
    operator.check("dashboard")
    operator.nav("Settlement")
    operator.check("settlement-before", heading="Settlement between the districts")
    expect(op.locator("main")).to_contain_text(CLAIMED_TEXT)
    operator.button("Run settlement now").click()
    operator.confirm_was_asked("Start a settlement batch now, up to this moment?")
    expect(op).to_have_url(re.compile(r"/settlement/\d+/$"))
    batch = SettlementBatch.objects.get()
    if batch.status == SettlementBatch.Status.OPEN:  # a slower worker: the page polls; reload
        op.reload()
    expect(op.locator("#batch-progress .badge")).to_have_text(operator.t("Computed"))
    operator.check("settlement-batch", heading="Settlement batch #%(id)s", id=batch.pk)

    transfers = op.locator("table").filter(
        has=op.get_by_role("columnheader", name=operator.t("Payment reference"))
    )
    expect(transfers.locator("tbody tr")).to_have_count(1)
    cells = transfers.locator("tbody tr").first.locator("td")
    # Districts by name in the reader's language (杨浦区, not YANGPU).
    yangpu_district = Region.objects.get(code="YANGPU")
    expect(cells.nth(0)).to_have_text(in_language(language, wujin))
    expect(cells.nth(1)).to_have_text(in_language(language, yangpu_district))
    expect(cells.nth(2)).to_have_text(CLAIMED_TEXT)
    matrix = op.locator("table.matrix")
    wujin_row = matrix.locator("tbody tr").filter(
        has=op.get_by_role("rowheader", name=in_language(language, wujin))
    )
    expect(wujin_row.locator("td").last).to_have_text(CLAIMED_TEXT)

    transfer = batch.transfers.get()
    assert (transfer.from_region.code, transfer.to_region.code) == ("WUJIN", "YANGPU")
    assert transfer.amount == CLAIMED == redemption.amount
    redemption.refresh_from_db()
    assert redemption.settlement_batch_id == batch.pk and redemption.status == "paid"

    operator.nav("Settlement")
    expect(op.locator("main")).to_contain_text(operator.t("Latest batch #%(id)s", id=batch.pk))
    operator.check("settlement-after")


def test_it_takes_a_voucher_application_from_the_keyboard_alone(site, page):
    """A verified enterprise of the seed applies using Tab, typing, arrows and Space only."""
    log_in(page, site.url, "enterprise-yangpu", site.password)
    page.goto(site.at("/applications/new/"))
    amount = page.get_by_label("Requested amount (CNY)")
    purpose = page.get_by_label("Purpose: the technical need")
    category = page.get_by_label("Intended service category")
    attachments = page.get_by_label("Attachments")
    submit = page.get_by_role("button", name="Submit the application")

    tab_to(page, amount)  # from the top of the page: skip link, menu, language, log out ...
    page.keyboard.type("60000")
    page.keyboard.press("Tab")
    expect(purpose).to_be_focused()
    page.keyboard.type("Calibrate our MEMS pressure sensors against a national standard.")
    page.keyboard.press("Tab")
    expect(category).to_be_focused()
    page.keyboard.press("ArrowDown")  # from "Not decided yet" to the first category
    page.keyboard.press("Tab")
    expect(attachments).to_be_focused()
    page.keyboard.press("Tab")
    expect(submit).to_be_focused()
    check_page(page, "application-form-filled")
    with page.expect_navigation():
        page.keyboard.press("Space")

    expect(page).to_have_url(re.compile(r"/applications/\d+/$"))
    expect(page.get_by_role("status")).to_contain_text(
        "Your application was submitted to the district office."
    )
    application = VoucherApplication.objects.get(enterprise__users__username="enterprise-yangpu")
    assert application.requested_amount == Decimal("60000.00")
    assert application.service_category == ServiceCategory.objects.order_by("id").first()
    assert application.purpose.startswith("Calibrate our MEMS")
    check_page(page, "application-submitted")


def test_it_shows_a_missing_field_to_a_keyboard_user_who_submits_too_early(site, page):
    """Enter in the first field submits; the error is announced next to the empty field, and
    the form keeps what was typed."""
    log_in(page, site.url, "enterprise-yangpu", site.password)
    page.goto(site.at("/applications/new/"))
    amount = page.get_by_label("Requested amount (CNY)")
    tab_to(page, amount)
    page.keyboard.type("60000")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    purpose_field = page.locator(".field.has-error")
    expect(purpose_field).to_have_count(1)
    expect(purpose_field.get_by_role("alert")).to_contain_text("This field is required.")
    expect(page.get_by_label("Requested amount (CNY)")).to_have_value("60000")
    check_page(page, "application-form-error")
    assert not VoucherApplication.objects.filter(
        enterprise__users__username="enterprise-yangpu"
    ).exists()
