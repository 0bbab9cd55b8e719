"""In a real browser: the Wujin official approves a new provider, which goes on public notice;
an enterprise objects on the public notice page, the official answers on the same page, and
when the period has ended (the beat's conclusion, the clock moved on) the provider is
certified and its certificate shows the notice dates."""

import pytest
from django.utils import timezone

from providers.models import Provider
from tests.browser.conftest import expect
from tests.browser.story_helpers import credit_code, open_person
from tests.providers.conftest import pass_notice

pytestmark = pytest.mark.browser


def applied_provider(site) -> Provider:
    from providers.models import ServiceCategory
    from regions.models import User

    provider = Provider.objects.create(
        name="Changzhou Notice Testing Lab",
        credit_code=credit_code("91320412MA1NT0001"),
        region=site.demo["regions"]["WUJIN"],
        kind=Provider.Kind.TESTING_LAB,
        description="Materials testing.",
        contact_email="notice-lab@example.com",
    )
    provider.categories.set(ServiceCategory.objects.filter(code="testing"))
    User.objects.create_user(
        username="provider-notice-lab",
        password=site.password,
        email="notice-lab-user@example.com",
        role=User.Role.PROVIDER,
        provider=provider,
    )
    return provider


def test_a_new_provider_passes_its_public_notice_with_one_objection_answered(site, new_context):
    provider = applied_provider(site)
    official = open_person(new_context, site, "en", "official-wujin", username="official-wujin")
    page = official.page

    official.go(f"/providers/{provider.pk}/")
    official.button("Approve and put on public notice").click()
    official.confirm_was_asked(
        "Approve this provider? It goes on public notice first and is certified when the "
        "notice ends with no objection left unanswered."
    )
    expect(page.locator("h1 .badge")).to_have_text("On public notice")
    notice = provider.notices.get()

    # Anyone reads the notice; a signed-in enterprise objects with a reason.
    enterprise = open_person(
        new_context, site, "en", "enterprise-jiangnan", username="enterprise-jiangnan"
    )
    enterprise.go("/provider-notices/")
    enterprise.check("notices", heading="Providers on public notice")
    enterprise.page.get_by_role("link", name="Changzhou Notice Testing Lab").click()
    enterprise.field("Your objection and its reason").fill(
        "The lab's CNAS accreditation expired last year."
    )
    enterprise.button("Object").click()
    expect(enterprise.page.locator(".messages")).to_contain_text("Your objection is recorded")
    expect(enterprise.page.locator("main")).to_contain_text("Awaiting the district's answer.")

    # The objection holds the certification even after the period.
    assert pass_notice(notice) is None
    provider.refresh_from_db()
    assert provider.status == Provider.Status.ON_NOTICE

    # The official answers on the notice page.
    official.go(f"/provider-notices/{notice.pk}/")
    official.check("notice", heading="Public notice: %(name)s", name=provider.name)
    official.field("Answer").fill("Renewed: CNAS L9876, valid until 2029; certificate checked.")
    official.button("Answer the objection").click()
    expect(page.locator(".messages")).to_contain_text("Your answer is recorded.")
    # An answer cannot be changed: the page asked first.
    assert any("cannot be changed" in question for question in official.confirmations)
    expect(page.locator("main")).to_contain_text("CNAS L9876")

    # The period ends: the beat certifies; the certificate records the notice dates.
    certificate = pass_notice(notice)
    assert certificate is not None
    official.go(f"/providers/{provider.pk}/")
    expect(page.locator("h1 .badge")).to_have_text("Certified")
    official.go(f"/verify/{certificate.serial}/")
    expect(page.locator("main")).to_contain_text("Public notice")
    expect(page.locator("main")).to_contain_text(
        timezone.localtime(notice.starts_at).date().isoformat()
    )
