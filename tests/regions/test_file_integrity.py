"""Tamper evidence for stored files: each evidence file's and order document's SHA-256 is
recorded at upload; the nightly check re-hashes them and reports any that changed or went
missing (a FileIntegrityCheck row on the reconciliation page, an e-mail to the operators)."""

import hashlib
import os

import pytest
from django.core import mail

from providers.models import EvidenceFile, FileIntegrityCheck, OrderDocument
from providers.services.documents import order_document_upload
from providers.tasks import check_file_integrity
from tests.providers.conftest import PDF_BYTES, pdf_upload

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def completed(demo):
    from providers import services

    provider = demo["users"]["provider-sit"]
    order = services.order_accept(order=demo["order"], actor=provider)
    return services.order_complete(
        order=order, actor=provider, summary="Done.", evidence=[pdf_upload()]
    )


@pytest.fixture
def contract(demo):
    return order_document_upload(
        order=demo["order"],
        kind="contract",
        file=pdf_upload("contract.pdf"),
        actor=demo["users"]["enterprise-jiangnan"],
    )


def test_evidence_records_its_hash_at_upload(completed):
    evidence = EvidenceFile.objects.get(order=completed)

    assert evidence.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()


def test_untouched_files_pass(completed, contract):
    result = check_file_integrity.delay().get()

    check = FileIntegrityCheck.objects.get(pk=result["check"])
    assert check.ok
    assert check.files_checked >= 2
    assert result["findings"] == 0


def test_a_changed_evidence_file_is_reported_and_mailed(
    completed, contract, django_capture_on_commit_callbacks
):
    evidence = EvidenceFile.objects.get(order=completed)
    with open(evidence.file.path, "ab") as stored:
        stored.write(b"% edited afterwards\n")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        result = check_file_integrity.delay().get()
    check = FileIntegrityCheck.objects.get(pk=result["check"])

    assert not check.ok
    (finding,) = check.findings
    assert finding["kind"] == "evidence"
    assert finding["id"] == evidence.pk
    assert finding["problem"] == "changed"
    assert finding["expected"] == evidence.sha256
    assert finding["found"] != evidence.sha256
    assert any("changed or went missing" in m.subject for m in mail.outbox)


def test_a_missing_document_is_reported(contract):
    os.remove(contract.file.path)

    check = FileIntegrityCheck.objects.get(pk=check_file_integrity.delay().get()["check"])

    (finding,) = check.findings
    assert (finding["kind"], finding["id"], finding["problem"]) == (
        "document",
        contract.pk,
        "missing",
    )
    assert OrderDocument.objects.filter(pk=contract.pk).exists()  # reported, not repaired


def test_the_reconciliation_page_shows_the_findings(client, demo, password, contract):
    os.remove(contract.file.path)
    check_file_integrity.delay().get()
    client.login(username="operator", password=password)

    body = client.get("/settlement/reconciliation/").content.decode()

    assert "contract.pdf" in body
    assert f"/orders/{demo['order'].pk}/" in body


def test_the_check_runs_nightly():
    from django.conf import settings

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "providers.tasks.check_file_integrity" in tasks


def test_the_district_statement_lists_the_evidence_hashes(demo):
    import csv
    import io

    from regions.exports import statement_csv_lines
    from regions.settlement.services import settlement_batch_create, settlement_run
    from tests.redemptions.factories import delivered_claim
    from vouchers.services import redemption_approve

    redemption = delivered_claim(demo)
    redemption_approve(redemption_id=redemption.pk, actor=demo["users"]["official-wujin"])
    batch = settlement_batch_create(actor=demo["users"]["operator"])
    settlement_run(batch_id=batch.pk)
    batch.refresh_from_db()

    text = "".join(statement_csv_lines(batch, demo["regions"]["WUJIN"]))
    rows = list(csv.DictReader(io.StringIO(text)))

    row = next(r for r in rows if r["redemption"] == str(redemption.pk))
    assert row["evidence_sha256"] == hashlib.sha256(PDF_BYTES).hexdigest()
