"""Every page each demo role reaches, read in Chinese, has nothing left in English but what
people typed (names, titles, purposes, reasons), codes, serials and e-mail addresses."""

import pytest

from tests.browser.conftest import shot
from tests.browser.crawl import crawl, slug
from tests.browser.translation_scan import untranslated_words

pytestmark = pytest.mark.browser

# Every demo user of seed_demo: each role, and each district's official (their pages show
# their own district's name).
ROLES = [
    "enterprise-jiangnan",
    "enterprise-hefei",
    "provider-sit",
    "provider-weikai",
    "official-wujin",
    "official-yangpu",
    "operator",
    "expert-demo",
    "manager-demo",
]

# What people typed, shown as they typed it (in whichever language they used).
TYPED = {
    "vouchers.Enterprise": [
        "name",
        "industry",
        "contact_name",
        "legal_representative",
        "registered_address",
    ],
    "vouchers.RelatedParty": ["name"],
    "vouchers.VoucherApplication": ["purpose", "decision_note"],
    "vouchers.ApplicationAttachment": ["original_name"],
    "vouchers.Voucher": ["status_reason"],
    "vouchers.Redemption": ["decision_note", "payment_reference"],
    "providers.Provider": [
        "name",
        "description",
        "status_reason",
        "legal_representative",
        "registered_address",
    ],
    "providers.RiskFlag": ["clear_reason"],
    "providers.ProviderQualification": ["title", "original_name"],
    "providers.ServiceOffering": ["title", "description"],
    "providers.ServiceOrder": [
        "title",
        "description",
        "completion_summary",
        "deliverables",
        "dispute_reason",
        "status_reason",
    ],
    "providers.EvidenceFile": ["original_name"],
    "providers.Demand": ["title", "description"],
    "providers.Proposal": ["approach"],
    "providers.ProposalAttachment": ["original_name"],
    "providers.Expert": ["name", "field", "organisation", "titles", "bio"],
    "providers.TechnologyManager": ["name", "organisation"],
    "regions.AuditEntry": ["reason"],
    "regions.SettlementTransfer": ["payment_reference"],
    "regions.User": ["username"],
    "providers.ExpertAssignment": ["note"],
    "providers.ExpertComment": ["body"],
    # An official correcting a notice sees its texts in the form as they were typed.
    "regions.Notice": ["title", "body"],
}


def typed_content() -> set[str]:
    from django.apps import apps

    phrases = set()
    for label, fields in TYPED.items():
        for row in apps.get_model(label).objects.values_list(*fields):
            for value in row:
                if value:
                    # A text of several lines is also allowed line by line: a form's textarea
                    # shows it one line a text node.
                    phrases.add(value)
                    phrases.update(line for line in str(value).splitlines() if line.strip())
    return phrases


@pytest.mark.parametrize("username", ROLES)
def test_every_page_a_role_reaches_reads_in_chinese(site, page, username):
    allowed = typed_content()
    findings = {}

    def visit(page, path):
        words = untranslated_words(page, allowed)
        if words:
            findings[path] = words
            shot(page, f"{username}-{slug(path)}-untranslated")

    seen, broken = crawl(page, site, username, "zh-hans", visit)
    assert broken == [], f"{username}: broken links\n" + "\n".join(broken)
    assert len(seen) > 3, f"{username} reached only {sorted(seen)}"
    assert findings == {}, f"{username}: English left on Chinese pages\n" + "\n".join(
        f"{path}: {words}" for path, words in findings.items()
    )


def test_the_scan_finds_english_left_on_a_page(page):
    """The scan itself: a district name in English is found; a serial, an e-mail address,
    a typed name and CSV are not."""
    page.set_content(
        "<header>创新券</header><main><h1>创新券申请 · Wujin District</h1>"
        "<p>WJ-2026-000001-7 · someone@example.com · 导出 CSV · Changzhou Jiangnan Co., Ltd.</p>"
        "<p>Next</p></main>"
    )
    assert untranslated_words(page, {"Changzhou Jiangnan Co., Ltd."}) == ["Wujin District", "Next"]
