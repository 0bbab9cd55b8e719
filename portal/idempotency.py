"""`Idempotency-Key` for every POST under /api/: a retry returns the first response, once.

A client that sends `Idempotency-Key: <1-255 printable ASCII characters, a UUID is best>` with
a POST gets this promise: however often it retries with the same key and the same request,
the view runs at most once and every retry receives the first response (status and body) with
the header `Idempotent-Replayed: true`. The same key with another method, path or body answers
422 `{"detail", "code": "idempotency_key_reused"}` (the IETF idempotency-key draft's status for
a reused key), shaped like the API's other errors and worded in the request's language.

Why a middleware and not a DRF mixin: it then covers every API endpoint, whoever writes it,
without touching their views. Because DRF authenticates only inside the view, the middleware
authenticates the request itself with DRF's configured authenticators (token, then session
with its CSRF check) so that keys are scoped per user: two users never see each other's
responses. Anonymous POSTs (only `/api/auth/token/` today) ignore the header: scoping them "by
nothing" would let one anonymous client replay another's response, token included.

Exactly once under concurrency: the `IdempotencyRecord` row (unique per user and key) is
inserted and committed BEFORE the view runs. The request that loses that insert race waits
up to `IDEMPOTENCY_WAIT_SECONDS` for the winner's response and replays it, or answers 409
`{"code": "idempotency_in_progress"}` with `Retry-After`. Only final answers are stored: a
5xx, a 429 (throttled) or a 401 deletes the record so that a retry runs the view again. A
record left without a response for `IDEMPOTENCY_STALE_SECONDS` (its worker died) is taken
over by the next retry. Records are kept at least 24 hours (`purge_idempotency_keys`).
"""

import base64
import functools
import hashlib
import io
import json
import tempfile
import time
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.urls import Resolver404, get_urlconf, resolve
from django.utils import timezone, translation
from django.utils.translation import gettext
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.settings import api_settings

from portal.models import IdempotencyRecord

HEADER = "Idempotency-Key"
KEY_MAX_LENGTH = 255
RETENTION = timedelta(hours=24)
# Answers that mean "the view did not run to a final decision": never replayed.
NOT_STORED = {401, 429}
# Headers of the first response that describe it (not the connection or the moment): a
# replay carries them too, so that a retry cannot tell the answers apart but for
# `Idempotent-Replayed`. (The middlewares outside this one add theirs to a replay as to the
# first answer: Vary's Cookie and Accept-Language, the security headers.)
REPLAYED_HEADERS = ("Location", "Allow", "Vary", "Content-Language", "Content-Disposition")
CHUNK = 64 * 1024
# Larger JSON bodies are compared byte for byte: parsing them twice is not worth it.
JSON_CANONICAL_MAX_BYTES = 1024 * 1024


def _wait_seconds() -> float:
    return float(getattr(settings, "IDEMPOTENCY_WAIT_SECONDS", 5.0))


def _stale_seconds() -> float:
    return float(getattr(settings, "IDEMPOTENCY_STALE_SECONDS", 300.0))


def error(status: int, code: str, detail: str, **headers) -> JsonResponse:
    """An answer of the middleware's own, in the body the API's errors have (portal.api's
    exception_handler). LocaleMiddleware, outside this one, has already activated the
    request's language, so `detail` comes translated with `gettext`."""
    response = JsonResponse({"detail": detail, "code": code}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def valid_key(key: str) -> bool:
    return 0 < len(key) <= KEY_MAX_LENGTH and all("!" <= ch <= "~" for ch in key)


def canonical_json(raw: bytes) -> bytes | None:
    """The JSON document with sorted keys and no spacing, or None when `raw` is not one.

    A client that rebuilds its JSON body on retry may order the keys differently; that is
    still the same request and must replay, not answer 422."""
    if len(raw) > JSON_CANONICAL_MAX_BYTES:
        return None
    try:
        document = json.loads(raw)
        return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, RecursionError):
        return None


def request_fingerprint(request) -> str:
    """sha256 of method, path with query and body, read without breaking later parsing.

    A JSON body is hashed in its canonical form (`canonical_json`), any other body as sent.

    The body is copied chunk by chunk into a spooled file that then replaces the request's
    stream, so Django and DRF parse it as usual, and large multipart uploads neither hit
    DATA_UPLOAD_MAX_MEMORY_SIZE nor sit in memory. A multipart boundary is random per encoding,
    so a client library re-encoding the same form on retry must still match: it is replaced by
    a constant before hashing.
    """
    head = request.method.encode() + b"\n" + request.get_full_path().encode() + b"\n"
    content_type = request.META.get("CONTENT_TYPE", "")
    if not content_type.startswith("multipart/") and _small_body(request):
        # A JSON body of a few hundred bytes (every claim, approval, application): read once
        # into memory, where Django and DRF parse it from; no spooled file.
        raw = request.body
        canonical = canonical_json(raw) if content_type.startswith("application/json") else None
        if canonical is not None:
            return hashlib.sha256(head + b"json\n" + canonical).hexdigest()
        return hashlib.sha256(head + raw).hexdigest()
    digest = hashlib.sha256(head)
    boundary = b""
    if content_type.startswith("multipart/"):
        for part in content_type.split(";"):
            name, _, value = part.strip().partition("=")
            if name.lower() == "boundary" and value:
                boundary = b"--" + value.strip('"').encode("latin-1")
    already_read = hasattr(request, "_body")
    source = io.BytesIO(request._body) if already_read else request._stream
    spool = tempfile.SpooledTemporaryFile(max_size=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    pending = b""
    while True:
        chunk = source.read(CHUNK)
        if not chunk:
            break
        spool.write(chunk)
        if not boundary:
            digest.update(chunk)
            continue
        pending = (pending + chunk).replace(boundary, b"--BOUNDARY")
        # Keep a tail that might be the start of a boundary split across two chunks.
        cut = len(pending) - len(boundary) + 1
        if cut > 0:
            digest.update(pending[:cut])
            pending = pending[cut:]
    digest.update(pending)
    if content_type.startswith("application/json"):
        spool.seek(0)
        canonical = canonical_json(spool.read(JSON_CANONICAL_MAX_BYTES + 1))
        if canonical is not None:
            digest = hashlib.sha256(head + b"json\n" + canonical)
    if not already_read:
        spool.seek(0)
        request._stream = spool
    return digest.hexdigest()


def _small_body(request) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return 0 <= length <= JSON_CANONICAL_MAX_BYTES


def authenticated_user(request):
    """The user DRF would see in the view, or None (anonymous, bad token, failed CSRF)."""
    drf_request = Request(request)
    for authenticator_class in api_settings.DEFAULT_AUTHENTICATION_CLASSES:
        try:
            result = authenticator_class().authenticate(drf_request)
        except APIException:
            # The view will answer 401/403 itself; nothing to record.
            return None
        if result is not None:
            return result[0]
    return None


def stored_response(record: IdempotencyRecord) -> HttpResponse:
    body = record.response_body or {}
    if "base64" in body:
        content = base64.b64decode(body["base64"])
    else:
        content = body.get("text", "").encode("utf-8")
    response = HttpResponse(
        content, status=record.response_status, content_type=body.get("content_type")
    )
    for name, value in body.get("headers", {}).items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


def response_for_storage(response) -> dict | None:
    if response.streaming:
        return None
    content = response.content
    body = {"content_type": response.get("Content-Type", "")}
    try:
        body["text"] = content.decode("utf-8")
    except UnicodeDecodeError:
        body["base64"] = base64.b64encode(content).decode("ascii")
    headers = {name: response[name] for name in REPLAYED_HEADERS if response.has_header(name)}
    # LocaleMiddleware, outside this one, names the language only after the answer is stored;
    # the answer is in the language active now, and a replay must say so whatever language
    # the retry asks for (the middleware keeps a Content-Language already set).
    headers.setdefault("Content-Language", translation.get_language())
    body["headers"] = headers
    return body


def _resolves(path: str) -> bool:
    # Cached: resolving walks the URL patterns in order, which Django does again for the view
    # (a fifth of the key's cost on a claim). Patterns never change while a process runs;
    # the key names the URLconf in force (tests override it).
    return _resolves_in(settings.ROOT_URLCONF, get_urlconf(), path)


@functools.lru_cache(maxsize=4096)
def _resolves_in(root_urlconf: str, urlconf, path: str) -> bool:
    try:
        resolve(path, urlconf)
    except Resolver404:
        return False
    return True


# Two statements run on every POST with a key, written once here: through the ORM their
# building cost about a third of the key's CPU on a claim. Values are prepared by the fields
# themselves (the datetime and the JSON as each database stores them).
_TABLE = IdempotencyRecord._meta.db_table
_INSERT_SQL = (
    f'INSERT INTO "{_TABLE}" ("user_id", "key", "method", "path", "request_hash", "created_at")'
    ' VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING "id"'
)
_ANSWER_SQL = f'UPDATE "{_TABLE}" SET "response_status" = %s, "response_body" = %s WHERE "id" = %s'


def _insert_record(*, user, key: str, method: str, path: str, request_hash: str):
    """The new record, or None when (user, key) has one already.

    Committed at once, so that a concurrent twin sees it before either view has written
    anything: one INSERT in autocommit, no BEGIN and COMMIT round trips around it. A key
    already taken inserts nothing instead of failing, which leaves an enclosing transaction
    (ATOMIC_REQUESTS, a test's) usable without a savepoint."""
    now = timezone.now()
    created_at = IdempotencyRecord._meta.get_field("created_at").get_db_prep_value(now, connection)
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_SQL, [user.pk, key, method, path, request_hash, created_at])
        row = cursor.fetchone()
    if row is None:
        return None
    return IdempotencyRecord(
        id=row[0],
        user_id=user.pk,
        key=key,
        method=method,
        path=path,
        request_hash=request_hash,
        created_at=now,
    )


# What `claim_key` found instead of a fresh record of its own.
CLAIMED, REPLAY, REUSED, BUSY = "claimed", "replay", "reused", "busy"


def claim_key(*, user, key: str, request, fingerprint: str) -> tuple[IdempotencyRecord | None, str]:
    """Insert the record for (user, key), committed before the view runs.

    Returns (the new record, CLAIMED): run the view; (the first request's record, REPLAY):
    answer what it answered; (None, REUSED): the key came with another request; (None, BUSY):
    the first request is still running after `IDEMPOTENCY_WAIT_SECONDS`."""
    deadline = time.monotonic() + _wait_seconds()
    while True:
        record = _insert_record(
            user=user,
            key=key,
            method=request.method,
            path=request.path[:255],
            request_hash=fingerprint,
        )
        if record is not None:
            return record, CLAIMED
        existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if existing is not None:
            if existing.request_hash != fingerprint:
                return None, REUSED
            if existing.response_status is not None:
                return existing, REPLAY
            if (timezone.now() - existing.created_at).total_seconds() > _stale_seconds():
                # Its worker died before answering: let this retry run the view.
                IdempotencyRecord.objects.filter(
                    pk=existing.pk, response_status__isnull=True
                ).delete()
                continue
        if time.monotonic() >= deadline:
            return None, BUSY
        if existing is not None:
            time.sleep(0.05)
        # else: the first attempt failed (5xx) and gave the key back; claim it now.


def store_response(record: IdempotencyRecord, response, *, stored: bool) -> None:
    """Keep the view's answer on its record for the retries, or give the key back."""
    body = response_for_storage(response) if stored else None
    if body is None:
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
        return
    stored_body = IdempotencyRecord._meta.get_field("response_body").get_db_prep_value(
        body, connection
    )
    with connection.cursor() as cursor:
        cursor.execute(_ANSWER_SQL, [response.status_code, stored_body, record.pk])


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None or not request.path.startswith("/api/"):
            return self.get_response(request)
        if not _resolves(request.path_info):
            # No view (a URL without its slash, which answers 308): nothing runs, nothing is
            # recorded, so the client following the redirect uses its key there.
            return self.get_response(request)
        fingerprint = request_fingerprint(request)
        user = authenticated_user(request)
        if user is None:
            return self.get_response(request)
        key = key.strip()
        if not valid_key(key):
            return error(
                400,
                "idempotency_key_invalid",
                gettext(
                    "Idempotency-Key must be 1 to %(max)s printable ASCII characters "
                    "without spaces (a UUID is best)."
                )
                % {"max": KEY_MAX_LENGTH},
            )

        record, outcome = claim_key(user=user, key=key, request=request, fingerprint=fingerprint)
        if outcome == REUSED:
            return error(
                422,
                "idempotency_key_reused",
                gettext(
                    "This Idempotency-Key was already used for another request; "
                    "use a new key for a new request."
                ),
            )
        if outcome == BUSY:
            return error(
                409,
                "idempotency_in_progress",
                gettext(
                    "A request with this Idempotency-Key is still being processed; retry shortly."
                ),
                Retry_After="1",
            )
        if outcome == REPLAY:
            return stored_response(record)
        try:
            response = self.get_response(request)
        except BaseException:
            store_response(record, None, stored=False)
            raise
        final = response.status_code < 500 and response.status_code not in NOT_STORED
        store_response(record, response, stored=final)
        return response


def purge_idempotency_records(*, older_than: timedelta = RETENTION) -> int:
    """Delete records older than `older_than` (never less than the promised 24 hours)."""
    cutoff = timezone.now() - max(older_than, RETENTION)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


@shared_task(name="portal.idempotency.purge_idempotency_keys")
def purge_idempotency_keys(hours: float = 24) -> int:
    return purge_idempotency_records(older_than=timedelta(hours=hours))
