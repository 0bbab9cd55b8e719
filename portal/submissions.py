"""One submission per rendered form: a double tap on "Send order" creates one order, not two.

A form that creates something carries `{% submission_key %}`: a hidden field with a new random
key each time the form is rendered. Its view is decorated with `@submitted_once`, which does
for the browser what `Idempotency-Key` does for the API (portal/idempotency.py), on the same
records: the first POST with a key runs the view; a second POST of the same form with the same
contents (a double click, a reload that re-sends, a phone that retries on a bad connection)
does not run it again but gets the first one's redirect, to the order the first POST created.

Differences from the API's promise, because a person is behind the form:
- only a redirect (the form's success) is kept; a form shown again with its errors gives the
  key back, and the corrected form carries a new key anyway;
- the same key with other contents (back, change a field, send again) runs the view: the
  person meant a second, different submission, which is itself counted once (the record's
  key holds the contents' fingerprint);
- when the first POST is still running after `IDEMPOTENCY_WAIT_SECONDS`, the second goes back
  to the form with a message instead of creating a duplicate;
- the same contents sent again under ANOTHER key within `SAME_CONTENTS_WINDOW` (send, press
  Back: the browser fetches the form anew, with a new key, and puts the typed values back;
  send again) land on what the first created, with a message saying so, instead of making a
  second identical application or order. After the window the same contents are a new
  submission: someone ordering the same test again tomorrow means it.
Without JavaScript, from any browser, the key works the same: it is plain HTML.
"""

import functools
import hashlib
import secrets
from datetime import timedelta

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from portal.errors import ValidationFailed
from portal.idempotency import (
    BUSY,
    REPLAY,
    REUSED,
    claim_key,
    response_for_storage,
    store_response,
    stored_response,
)
from portal.idempotency import valid_key as _valid_key
from portal.models import IdempotencyRecord
from portal.money import as_typed_on_a_page, parse_money

FIELD = "submission_key"
# Records of forms share the table with the API's keys: the prefix keeps the two apart.
PREFIX = "form:"
CONTENTS_PREFIX = "form-contents:"
SAME_CONTENTS_WINDOW = timedelta(minutes=10)
CHUNK = 64 * 1024


def new_submission_key() -> str:
    return secrets.token_urlsafe(24)


def submission_key_input() -> str:
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_submission_key())


def form_fingerprints(request) -> tuple[str, str]:
    """sha256 of the path, the fields (but the CSRF token) and each file's name and bytes;
    and the same without the submission key: the contents alone."""
    head = request.method.encode() + b"\n" + request.get_full_path().encode()
    digest, contents = hashlib.sha256(head), hashlib.sha256(head)
    for name in sorted(request.POST):
        if name == "csrfmiddlewaretoken":
            continue
        for value in request.POST.getlist(name):
            digest.update(f"\n{name}={len(value)}:{value}".encode())
            if name != FIELD:
                value = _as_read(value)
                contents.update(f"\n{name}={len(value)}:{value}".encode())
    for name in sorted(request.FILES):
        for upload in request.FILES.getlist(name):
            for target in (digest, contents):
                target.update(f"\nfile {name}={upload.name}:{upload.size}\n".encode())
            for chunk in upload.chunks(CHUNK):
                digest.update(chunk)
                contents.update(chunk)
            upload.seek(0)
    return digest.hexdigest(), contents.hexdigest()


def _as_read(value: str) -> str:
    """A field's value as the form reads it, for comparing contents: surrounding spaces
    off, and an amount as its number ("2,000", "¥2,000.00" and "2000" are the same
    request, sent again after Back with the amount retyped)."""
    value = value.strip()
    try:
        return str(parse_money(as_typed_on_a_page(value), allow_zero=True))
    except ValidationFailed:
        return value


def form_fingerprint(request) -> str:
    return form_fingerprints(request)[0]


def contents_key(contents: str) -> str:
    """The record of the last successful submission of these contents by the user."""
    return f"{CONTENTS_PREFIX}{contents}"


def _recent_same_contents(user, contents: str):
    since = timezone.now() - SAME_CONTENTS_WINDOW
    return IdempotencyRecord.objects.filter(
        user=user, key=contents_key(contents), created_at__gte=since, response_status__isnull=False
    ).first()


def _remember_contents(request, contents: str, response) -> None:
    """Keep (or renew) the record of these contents' successful submission."""
    body = response_for_storage(response)
    values = {
        "method": request.method,
        "path": request.path[:255],
        "request_hash": contents,
        "response_status": response.status_code,
        "response_body": body,
        "created_at": timezone.now(),
    }
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.update_or_create(
                user=request.user, key=contents_key(contents), defaults=values
            )
    except IntegrityError:
        pass  # a twin sent at the same moment recorded it: either record serves


def record_key(key: str, fingerprint: str) -> str:
    """The record of a form's submission: its key and its contents' fingerprint. The same form
    sent again with other contents (back, change a field, send) is a submission of its own,
    itself counted once."""
    return f"{PREFIX}{key}:{fingerprint[:32]}"


def submitted_once(view=None, *, same_contents: bool = True):
    """Run `view` once per submission key and user; see the module's docstring.

    `@submitted_once(same_contents=False)` for a form whose same contents may rightly be sent
    again soon (a button without fields, "Run settlement now"): only its key counts."""
    if view is None:
        return functools.partial(submitted_once, same_contents=same_contents)

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method != "POST" or not request.user.is_authenticated:
            return view(request, *args, **kwargs)
        key = request.POST.get(FIELD, "").strip()
        if not _valid_key(key) or len(key) > 200:
            return view(request, *args, **kwargs)
        fingerprint, contents = form_fingerprints(request)
        earlier = _recent_same_contents(request.user, contents) if same_contents else None
        if earlier is not None:
            messages.info(
                request,
                _("You sent this form with the same contents a moment ago: here is what it made."),
            )
            return stored_response(earlier)
        record, outcome = claim_key(
            user=request.user,
            key=record_key(key, fingerprint),
            request=request,
            fingerprint=fingerprint,
        )
        if outcome == REPLAY:
            return stored_response(record)
        if outcome == REUSED:
            # The same key and fingerprint prefix with other contents: as good as never
            # (128 bits), and then simply a submission of its own, unguarded.
            return view(request, *args, **kwargs)
        if outcome == BUSY:
            messages.info(
                request,
                _(
                    "Your first submission of this form is still being processed; look again in a moment."
                ),
            )
            back = request.META.get("HTTP_REFERER", "")
            safe = url_has_allowed_host_and_scheme(
                back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            )
            return redirect(back if safe else "dashboard")
        try:
            response = view(request, *args, **kwargs)
        except BaseException:
            store_response(record, None, stored=False)
            raise
        succeeded = 300 <= response.status_code < 400
        store_response(record, response, stored=succeeded)
        if succeeded and same_contents:
            _remember_contents(request, contents, response)
        return response

    return wrapper
