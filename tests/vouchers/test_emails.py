"""The vouchers app's e-mails come from templates, in the reader's language."""

import pytest
from django.utils import translation

from portal.emails import render_email


def test_it_renders_the_subject_on_one_line_and_keeps_the_body_unescaped():
    subject, body = render_email(
        "vouchers/redemption_claimed",
        {"id": 7, "provider": "A & B", "amount": "100.00", "serial": "WJ-1", "order": "Test"},
    )
    assert subject == "[Voucher portal] Redemption #7 to approve"
    assert body == 'A & B claims 100.00 CNY on voucher WJ-1 for the order "Test".\n'


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
