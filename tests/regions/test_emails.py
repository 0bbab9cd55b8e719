"""Settlement and reconciliation e-mails come from templates, in English and in Chinese."""

from django.utils import translation

from portal.emails import render_email

COMPUTED = {"batch": 7, "cutoff": "2026-12-01 18:00", "redemptions": 3, "gross": "450.00"}


def test_the_computed_batch_e_mail_counts_its_transfers():
    subject, body = render_email("regions/settlement_computed", {**COMPUTED, "transfers": 1})
    assert subject == "[Voucher portal] Settlement batch #7 computed"
    assert "with 1 transfer. Its statements" in body
    _, body = render_email("regions/settlement_computed", {**COMPUTED, "transfers": 2})
    assert "with 2 transfers." in body


def test_the_e_mails_read_in_chinese():
    with translation.override("zh-hans"):
        subject, body = render_email("regions/settlement_closed", {"batch": 7})
        assert subject == "【创新券平台】结算批次 #7 已关闭"
        assert "已关闭" in body
        subject, body = render_email(
            "regions/reconciliation_breaches",
            {"breaches": 2, "ran_at": "2026-12-01 03:00", "lines": "{'check': 'x'}"},
        )
        assert subject == "【创新券平台】对账发现 2 处异常"
        assert body.endswith("{'check': 'x'}\n")
