"""Tamper evidence for stored files: every evidence file and order document carries the
SHA-256 of its bytes from upload; the nightly check reads each stored file again and reports
any whose bytes changed or that went missing (a FileIntegrityCheck row, shown on the
operator's reconciliation page, and an e-mail to the operators). It repairs nothing."""

from django.db import transaction
from django.utils import timezone

from portal.files import sha256_of
from portal.notifications import notify_after_commit
from providers.models import EvidenceFile, FileIntegrityCheck, OrderDocument
from regions.selectors import operator_emails


def _finding(kind: str, record, problem: str, found: str = "") -> dict:
    order_id = getattr(record, "order_id", None) or getattr(record, "service_order_id", None)
    return {
        "kind": kind,
        "id": record.pk,
        "order": order_id,
        "name": record.original_name,
        "problem": problem,
        "expected": record.sha256,
        "found": found,
    }


def _check(kind: str, record) -> dict | None:
    try:
        with record.file.open("rb") as stored:
            found = sha256_of(stored)
    except (OSError, ValueError):
        return _finding(kind, record, "missing")
    if record.sha256 and found != record.sha256:
        return _finding(kind, record, "changed", found)
    return None


@transaction.atomic(durable=True)
def file_integrity_check() -> FileIntegrityCheck:
    """Re-hash every stored evidence file and order document against its recorded hash."""
    findings, checked = [], 0
    sources = (
        (
            "evidence",
            EvidenceFile.objects.only("id", "order_id", "file", "original_name", "sha256"),
        ),
        (
            "document",
            OrderDocument.objects.only("id", "service_order_id", "file", "original_name", "sha256"),
        ),
    )
    for kind, records in sources:
        for record in records.order_by("id").iterator(chunk_size=500):
            checked += 1
            finding = _check(kind, record)
            if finding is not None:
                findings.append(finding)
    result = FileIntegrityCheck.objects.create(
        checked_at=timezone.now(), files_checked=checked, findings=findings
    )
    if findings:
        notify_after_commit(
            recipients=operator_emails(),
            email="providers/file_integrity_findings",
            context=lambda: {
                "count": len(findings),
                "checked": checked,
                "ran_at": f"{timezone.localtime(result.checked_at):%Y-%m-%d %H:%M}",
                "lines": "\n".join(
                    f"{f['problem']}: {f['kind']} #{f['id']} ({f['name']}), order #{f['order']}"
                    for f in findings[:50]
                ),
            },
        )
    return result
