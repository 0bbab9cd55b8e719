"""The providers' e-mails: text from templates, in the active language, never HTML-escaped."""

import pytest
from django.core import mail
from django.utils import translation

from portal.emails import render_email
from providers import services

pytestmark = pytest.mark.django_db


def test_it_renders_subject_and_body_without_escaping():
    subject, body = render_email(
        "providers/order_declined",
        {"id": "7", "title": "R&D <test>", "provider": "A & B", "reason": "Busy", "url": "u"},
    )
    assert subject == "[Voucher portal] Order #7 declined: R&D <test>"
    assert body == "A & B declined your order. Reason: Busy\nu\n"


def test_it_renders_in_chinese_from_the_catalogue():
    with translation.override("zh-hans"):
        subject, body = render_email(
            "providers/provider_suspended", {"name": "江南检测", "reason": "投诉"}
        )
    assert subject == "【创新券平台】江南检测 已被暂停"
    assert body == "理由：投诉\n恢复之前不能承接新订单。\n"


def test_a_suspended_provider_hears_why(demo, sit, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.provider_suspend(
            provider=sit, actor=demo["users"]["official-yangpu"], reason="Late reports"
        )
    (message,) = mail.outbox
    assert message.subject == f"[Voucher portal] {sit.name} is suspended"
    assert message.body == "Reason: Late reports\nYou take no new orders until reinstated.\n"
