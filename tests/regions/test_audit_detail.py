"""The history tables say what an entry records beyond its action and states: the amount
(and the amount a changed first approval replaces), the kind of document uploaded."""

from django.utils import translation

from regions.models import AuditEntry
from regions.templatetags.audit_tags import audit_detail


def entry(**data) -> AuditEntry:
    return AuditEntry(action=AuditEntry.Action.FIRST_APPROVE, data=data)


def test_an_amount_is_shown_as_money():
    assert audit_detail(entry(amount="250000.00", threshold="200000.00")) == "¥250,000.00"
    assert audit_detail(entry(approved_amount="8000")) == "¥8,000.00"


def test_a_changed_amount_says_what_it_replaces():
    changed = entry(amount="210000.00", replaces="250000.00")
    assert audit_detail(changed) == "¥210,000.00 (was ¥250,000.00)"
    with translation.override("zh-hans"):
        assert "¥250,000.00" in audit_detail(changed) and "was" not in audit_detail(changed)


def test_an_upload_names_its_document():
    assert audit_detail(entry(document=3, kind="contract", sha256="ab")) == "Signed contract"
    with translation.override("zh-hans"):
        assert audit_detail(entry(kind="invoice")) != "Invoice"


def test_nothing_to_add_is_nothing():
    assert audit_detail(entry()) == ""
    assert audit_detail(entry(amount="not money")) == ""
    assert audit_detail(AuditEntry(action=AuditEntry.Action.CLAIM, data=None)) == ""
