"""Uploaded files: checked by their content (not only their name), limited in size, stored
privately, and streamed only by views that have already checked who is reading."""

import hashlib
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.http import FileResponse
from django.utils.translation import gettext as _

from portal.errors import ValidationFailed


@dataclass(frozen=True)
class FileKind:
    name: str
    content_type: str
    extensions: tuple[str, ...]


PDF = FileKind("pdf", "application/pdf", (".pdf",))
PNG = FileKind("png", "image/png", (".png",))
JPEG = FileKind("jpeg", "image/jpeg", (".jpg", ".jpeg"))
GIF = FileKind("gif", "image/gif", (".gif",))
WEBP = FileKind("webp", "image/webp", (".webp",))
DOCX = FileKind(
    "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)
)
XLSX = FileKind(
    "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)
)
PPTX = FileKind(
    "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", (".pptx",)
)
OLE = FileKind("ole", "application/msword", (".doc", ".xls", ".ppt"))
# The same container without PowerPoint: a contract or an invoice is no slide deck.
OLE_WORD_EXCEL = FileKind("ole", "application/msword", (".doc", ".xls"))
ZIP = FileKind("zip", "application/zip", (".zip",))

EVIDENCE_KINDS = (PDF, PNG, JPEG, GIF, WEBP, DOCX, XLSX, PPTX, OLE, ZIP)
DOCUMENT_KINDS = (PDF, PNG, JPEG, DOCX, XLSX, OLE_WORD_EXCEL)


def sniff(head: bytes, file) -> FileKind | None:
    """What the bytes are, whatever the file is called."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return OLE
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        file.seek(0)
        try:
            names = set(zipfile.ZipFile(file).namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        finally:
            file.seek(0)
        if "[Content_Types].xml" in names:
            if any(n.startswith("word/") for n in names):
                return DOCX
            if any(n.startswith("xl/") for n in names):
                return XLSX
            if any(n.startswith("ppt/") for n in names):
                return PPTX
        return ZIP
    return None


def megabytes_apart(size: int, limit: int) -> tuple[str, str]:
    """`size` and `limit` in MB with the fewest decimals (one to six) that tell them apart:
    a file a few bytes over 20 MB read "20.0 MB; the limit is 20.0 MB"."""
    for places in range(1, 7):
        shown = f"{size / 1048576:.{places}f}", f"{limit / 1048576:.{places}f}"
        if shown[0] != shown[1]:
            return shown
    return shown


def check_upload(upload, *, allowed=EVIDENCE_KINDS, field: str = "file") -> FileKind:
    """Refuse an empty, too large or disguised file with a message that says which and why."""
    name = getattr(upload, "name", "") or "file"
    size = getattr(upload, "size", 0) or 0
    limit = settings.UPLOAD_MAX_BYTES
    if size == 0:
        raise ValidationFailed(
            _("“%(name)s” is empty.") % {"name": name}, field=field, code="empty_file"
        )
    if size > limit:
        shown_size, shown_limit = megabytes_apart(size, limit)
        raise ValidationFailed(
            _("“%(name)s” is %(size)s MB; the limit is %(limit)s MB per file.")
            % {"name": name, "size": shown_size, "limit": shown_limit},
            field=field,
            code="file_too_large",
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = sniff(head, upload)
    if kind is OLE:
        # Word, Excel and PowerPoint share the old Office container: the kinds allowed here
        # say which of its names pass.
        kind = next((k for k in allowed if k.name == OLE.name), kind)
    allowed_names = ", ".join(sorted({ext for k in allowed for ext in k.extensions}))
    if kind is None or kind not in allowed:
        raise ValidationFailed(
            _(
                "“%(name)s” is not an accepted file type (%(allowed)s); its content was checked, not only its name."
            )
            % {"name": name, "allowed": allowed_names},
            field=field,
            code="file_type",
        )
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if kind.name == OLE.name and extension in OLE.extensions and extension not in kind.extensions:
        # The old Office container holds this program's file, which is not accepted here.
        raise ValidationFailed(
            _("“%(name)s” is a %(ext)s file, which is not accepted here (%(allowed)s).")
            % {"name": name, "ext": extension, "allowed": allowed_names},
            field=field,
            code="file_type",
        )
    if extension not in kind.extensions:
        raise ValidationFailed(
            _("“%(name)s” is named like %(ext)s but its content is %(kind)s.")
            % {"name": name, "ext": extension or _("no known type"), "kind": kind.name.upper()},
            field=field,
            code="file_type_mismatch",
        )
    return kind


def original_name(upload, limit: int = 255) -> str:
    """The name a person gave the file, within `limit` characters: a longer one loses the end
    of its stem, not its extension, so the download still opens with the right program."""
    name = upload.name or ""
    if len(name) <= limit:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 16:
        return name[:limit]
    return stem[: limit - len(extension) - 1] + "." + extension


def sha256_of(file) -> str:
    """The SHA-256 of a file's bytes (an upload or a stored file), read in chunks, from its
    start; the file is left at its start for whoever reads it next."""
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(1 << 20), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def private_file_response(
    field_file, *, filename: str, content_type: str | None = None
) -> FileResponse:
    """Stream a stored private file as a download. Callers check the reader first."""
    return private_download(field_file.open("rb"), filename=filename, content_type=content_type)


def private_download(stream, *, filename: str, content_type: str | None = None) -> FileResponse:
    """A private download of an open file or a BytesIO (a document drawn for the request)."""
    response = FileResponse(stream, as_attachment=True, filename=filename)
    if content_type:
        response["Content-Type"] = content_type
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
