"""A contract or an invoice in the old Office container may be Word or Excel, not PowerPoint;
evidence may be any of the three."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.errors import ValidationFailed
from portal.files import DOCUMENT_KINDS, EVIDENCE_KINDS, check_upload

OLE_BYTES = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600


def ole(name):
    return SimpleUploadedFile(name, OLE_BYTES, content_type="application/octet-stream")


@pytest.mark.parametrize("name", ["contract.doc", "invoice.xls"])
def test_word_and_excel_documents_pass(name):
    assert check_upload(ole(name), allowed=DOCUMENT_KINDS).name == "ole"


def test_a_powerpoint_document_is_refused_and_not_offered():
    with pytest.raises(ValidationFailed) as refused:
        check_upload(ole("deck.ppt"), allowed=DOCUMENT_KINDS)
    assert refused.value.field == "file"
    assert refused.value.message.startswith("“deck.ppt” is a .ppt file, which is not accepted")
    with pytest.raises(ValidationFailed) as refused:
        check_upload(SimpleUploadedFile("notes.txt", b"plain text"), allowed=DOCUMENT_KINDS)
    assert ".ppt" not in refused.value.message and ".doc" in refused.value.message


def test_a_powerpoint_evidence_file_passes():
    assert check_upload(ole("slides.ppt"), allowed=EVIDENCE_KINDS).name == "ole"
