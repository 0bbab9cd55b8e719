"""The vouchers app's e-mails come from templates, in the reader's language."""

import pytest
from django.utils import translation

from portal.emails import render_email


def test_it_renders_the_subject_on_one_line_and_keeps_the_body_unescaped():
    claim = {
        "id": 7,
        "amount": "100.00",
        "serial": "WJ-1",
        "provider": "A & B",
        "order": "Test",
    }
    subject, body = render_email(
        "vouchers/redemptions_claimed",
        {"count": 1, "total": "100.00", "claims": [claim], "more": 0, "url": "https://x/y/"},
    )
    assert subject == "[Voucher portal] 1 new redemption to approve"
    assert body == (
        "Providers claimed 1 redemption, 100.00 CNY in all, since the last notice:\n\n"
        '- #7: A & B claims 100.00 CNY on voucher WJ-1 for the order "Test".\n\n'
        "https://x/y/\n"
    )


@pytest.mark.parametrize(
    "name, context, needle",
    [
        ("vouchers/application_rejected", {"id": 3, "note": "x"}, "【创新券平台】"),
        ("vouchers/redemption_paid", {"id": 3, "amount": "1.00", "reference": "P"}, "已向您支付"),
    ],
)
def test_it_translates_to_chinese(name, context, needle):
    with translation.override("zh-hans"):
        subject, body = render_email(name, context)
    assert needle in subject + body


@pytest.mark.django_db
def test_a_providers_claim_emails_link_the_claim_and_group_the_amount(
    demo, django_capture_on_commit_callbacks
):
    """They read "10000.00 元兑付申请已批准" with no link, where the others write ¥10,000.00."""
    from django.core import mail

    from tests.redemptions.factories import approved_redemption

    sit = demo["providers"]["provider-sit"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        redemption = approved_redemption(demo, demo["voucher"], sit, amount="1500.00", paid=True)
    bodies = [m.body for m in mail.outbox if "redemption" in m.subject.lower()]
    approved = next(b for b in bodies if "was approved" in b)
    paid = next(b for b in bodies if "were paid to you" in b)
    for body in (approved, paid):
        assert "¥1,500.00" in body
        assert f"/redemptions/{redemption.pk}/" in body


@pytest.mark.django_db
def test_the_officials_new_enterprise_email_links_the_verification_queue(
    client, demo, django_capture_on_commit_callbacks
):
    from django.core import mail

    from tests.vouchers.test_signup import form

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/signup/", form(demo)).status_code == 302
    (to_officials,) = [m for m in mail.outbox if "waits for verification" in m.body]
    assert "/official/enterprises/" in to_officials.body


@pytest.mark.django_db
def test_the_paying_districts_officials_are_asked_to_pay_a_cross_region_claim(
    demo, django_capture_on_commit_callbacks
):
    """They were sent the provider's "approved" e-mail, which said nothing of paying."""
    from django.core import mail

    from tests.redemptions.factories import approved_redemption, official_of

    sit = demo["providers"]["provider-sit"]
    assert demo["voucher"].issuing_region_id != sit.region_id
    paying = official_of(demo, sit.region.code)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        redemption = approved_redemption(demo, demo["voucher"], sit, amount="1500.00")
    (to_pay,) = [m for m in mail.outbox if "your district pays" in m.subject]
    assert paying.email in to_pay.to
    assert "/official/payments/" in to_pay.body and "¥1,500.00" in to_pay.body
    assert sit.display_name in to_pay.body
    approved = [m for m in mail.outbox if m.subject.endswith(f"#{redemption.pk} approved")]
    assert approved and all(paying.email not in m.to for m in approved)
