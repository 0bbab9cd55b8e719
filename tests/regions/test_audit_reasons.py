"""The history tables show the reasons the portal writes in the reader's language, and what a
person wrote as written."""

from django.utils import translation

from regions.services import audit_reason_label


def test_a_portal_reason_reads_in_chinese():
    with translation.override("zh-hans"):
        assert (
            audit_reason_label("Redemption #12 holds the last of the balance.")
            == "兑付申请 #12 占用了余额的最后部分。"
        )
        assert audit_reason_label("Nothing to transfer.") == "没有需要划转的款项。"


def test_a_portal_reason_reads_as_stored_in_english():
    with translation.override("en"):
        stored = "Redemption #7 was rejected; its hold is available again."
        assert audit_reason_label(stored) == stored


def test_what_a_person_wrote_is_shown_as_written():
    with translation.override("zh-hans"):
        assert audit_reason_label("Redemption #12 holds the last of it") == (
            "Redemption #12 holds the last of it"
        )
        assert audit_reason_label("发票与合同不符") == "发票与合同不符"
        assert audit_reason_label("") == ""
        assert audit_reason_label(None) == ""
