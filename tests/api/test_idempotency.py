"""The Idempotency-Key middleware against test-only views that write real rows."""

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.models import IdempotencyRecord
from regions.models import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]

RECORD = "/api/test/record/"


def entries(action="test.idempotency"):
    return AuditEntry.objects.filter(action=action).count()


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def client(api_as, alice):
    return api_as(alice)


def post(client, path, body, key, **extra):
    return client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key, **extra)


def test_it_replays_the_first_response_and_changes_nothing(client):
    first = post(client, RECORD, {"note": "one"}, "key-1")
    second = post(client, RECORD, {"note": "one"}, "key-1")

    assert first.status_code == 201
    assert second.status_code == 201
    assert second.json() == first.json()
    assert second["Location"] == "/here/"
    # What describes the answer comes back too (DRF's Allow, the negotiation's Vary).
    for header in ("Allow", "Vary", "Content-Type", "Content-Language"):
        assert second[header] == first[header], header
    assert second["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert entries() == 1


def test_a_replay_is_in_the_language_of_the_first_answer(client):
    first = post(client, RECORD, {"note": "one"}, "key-lang", HTTP_ACCEPT_LANGUAGE="zh-hans")
    again = post(client, RECORD, {"note": "one"}, "key-lang", HTTP_ACCEPT_LANGUAGE="en")

    assert first["Content-Language"] == "zh-hans"
    assert again["Idempotent-Replayed"] == "true"
    assert again["Content-Language"] == "zh-hans"
    assert again.content == first.content


def test_it_stores_the_final_response(client, alice):
    response = post(client, RECORD, {"note": "one"}, "key-1")

    record = IdempotencyRecord.objects.get(user=alice, key="key-1")
    assert record.response_status == 201
    assert record.method == "POST"
    assert record.path == RECORD
    assert record.response_body["content_type"] == "application/json"
    assert record.response_body["text"] == response.content.decode()


def test_it_refuses_the_same_key_with_another_body(client):
    post(client, RECORD, {"note": "one"}, "key-1")
    response = post(client, RECORD, {"note": "two"}, "key-1")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert response.json()["detail"]
    assert entries() == 1


def test_it_replays_the_same_json_with_its_keys_in_another_order(client):
    first = client.post(
        RECORD,
        '{"note": "one", "extra": [1, 2]}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="key-1",
    )
    second = client.post(
        RECORD,
        '{"extra":[1,2],"note":"one"}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="key-1",
    )

    assert first.status_code == 201
    assert second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert entries() == 1


def test_it_refuses_the_same_key_on_another_path(client):
    post(client, RECORD, {"note": "one"}, "key-1")
    response = post(client, "/api/test/conflict/", {"note": "one"}, "key-1")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"


def test_it_scopes_keys_per_user(client, api_as, make_user):
    first = post(client, RECORD, {"note": "one"}, "shared-key")
    other = post(api_as(make_user("bob")), RECORD, {"note": "one"}, "shared-key")

    assert other.status_code == 201
    assert other.json()["id"] != first.json()["id"]
    assert not other.has_header("Idempotent-Replayed")
    assert entries() == 2


def test_it_runs_every_request_without_a_key(client):
    post_plain = client.post(RECORD, {"note": "one"}, format="json")
    post_again = client.post(RECORD, {"note": "one"}, format="json")

    assert post_plain.status_code == post_again.status_code == 201
    assert entries() == 2
    assert not IdempotencyRecord.objects.exists()


def test_it_ignores_the_key_on_anonymous_requests(api_client, alice):
    body = {"username": "alice", "password": "x-pass-2026"}
    first = post(api_client, "/api/auth/token/", body, "anon-key")
    second = post(api_client, "/api/auth/token/", body, "anon-key")

    malformed = post(api_client, "/api/auth/token/", body, "k" * 300)

    assert first.status_code == second.status_code == malformed.status_code == 200
    assert not second.has_header("Idempotent-Replayed")
    assert not IdempotencyRecord.objects.exists()


def test_it_rejects_a_malformed_key(client):
    too_long = post(client, RECORD, {"note": "one"}, "k" * 256)
    with_space = post(client, RECORD, {"note": "one"}, "two words")

    assert too_long.status_code == with_space.status_code == 400
    assert too_long.json()["code"] == "idempotency_key_invalid"
    assert entries() == 0


def test_it_stores_a_4xx_decision_and_replays_it(client):
    first = post(client, "/api/test/conflict/", {}, "key-409")
    second = post(client, "/api/test/conflict/", {}, "key-409")

    assert first.status_code == second.status_code == 409
    assert second.json() == {"detail": "Already decided.", "code": "invalid_transition"}
    assert second["Idempotent-Replayed"] == "true"


def test_it_does_not_store_a_5xx_so_a_retry_runs_again(client, alice):
    from tests.api.urls import FailingOnceView

    FailingOnceView.runs = 0
    client.raise_request_exception = False
    failed = post(client, "/api/test/failing-once/", {"note": "pay"}, "key-5xx")

    assert failed.status_code == 500
    assert not IdempotencyRecord.objects.filter(user=alice, key="key-5xx").exists()

    retried = post(client, "/api/test/failing-once/", {"note": "pay"}, "key-5xx")
    assert retried.status_code == 201
    assert not retried.has_header("Idempotent-Replayed")
    assert FailingOnceView.runs == 2
    assert IdempotencyRecord.objects.get(user=alice, key="key-5xx").response_status == 201


def test_it_answers_409_while_the_first_request_still_runs(client, alice, settings):
    settings.IDEMPOTENCY_WAIT_SECONDS = 0.2
    post(client, RECORD, {"note": "one"}, "busy")
    _as_if_still_running("busy")

    response = post(client, RECORD, {"note": "one"}, "busy")

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_in_progress"
    assert response["Retry-After"] == "1"
    assert entries() == 1


def test_it_takes_over_a_record_abandoned_by_a_dead_worker(client, alice, settings):
    settings.IDEMPOTENCY_STALE_SECONDS = 60
    post(client, RECORD, {"note": "one"}, "orphan")
    _as_if_still_running("orphan", since=timezone.now() - timedelta(minutes=5))

    response = post(client, RECORD, {"note": "one"}, "orphan")

    assert response.status_code == 201
    assert not response.has_header("Idempotent-Replayed")
    assert entries() == 2
    assert IdempotencyRecord.objects.get(user=alice, key="orphan").response_status == 201


def test_it_ignores_other_methods_and_paths(client, alice):
    response = client.get("/api/regions/", HTTP_IDEMPOTENCY_KEY="key-get")

    assert response.status_code == 200
    assert not IdempotencyRecord.objects.exists()


def test_it_does_not_record_a_session_post_that_fails_the_csrf_check(alice):
    from rest_framework.test import APIClient

    strict = APIClient(enforce_csrf_checks=True)
    strict.force_login(alice)
    refused = post(strict, RECORD, {"note": "one"}, "csrf-key")
    assert refused.status_code == 403
    assert not IdempotencyRecord.objects.exists()

    relaxed = APIClient()
    relaxed.force_login(alice)
    accepted = post(relaxed, RECORD, {"note": "one"}, "csrf-key")
    assert accepted.status_code == 201
    assert IdempotencyRecord.objects.get(user=alice, key="csrf-key").response_status == 201


def _multipart(boundary: str, content: bytes) -> bytes:
    return (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nreport\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="evidence"; filename="r.pdf"\r\n'
            f"Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )


def test_it_replays_a_multipart_retry_encoded_with_another_boundary(client, settings):
    # Larger than the in-memory body limit: the middleware must not trip over it.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    content = b"%PDF-1.4\n" + bytes(range(256)) * 400

    def upload(boundary):
        return client.generic(
            "POST",
            "/api/test/upload/",
            _multipart(boundary, content),
            content_type=f"multipart/form-data; boundary={boundary}",
            HTTP_IDEMPOTENCY_KEY="upload-key",
        )

    first = upload("----first7MA4YWxkTrZu0gW")
    second = upload("----retry9Qz2LkP0aB8cDe")

    assert first.status_code == 201, first.content
    assert first.json()["size"] == len(content)
    assert first.json()["note"] == "report"
    assert second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert entries("test.upload") == 1


def test_it_refuses_a_multipart_retry_with_another_file(client):
    def upload(content):
        return client.generic(
            "POST",
            "/api/test/upload/",
            _multipart("b0undary", content),
            content_type="multipart/form-data; boundary=b0undary",
            HTTP_IDEMPOTENCY_KEY="upload-key",
        )

    assert upload(b"%PDF-1.4 first").status_code == 201
    assert upload(b"%PDF-1.4 other").status_code == 422


def _as_if_still_running(key, since=None):
    """Make a stored record look like its first request has not answered yet."""
    IdempotencyRecord.objects.filter(key=key).update(
        response_status=None, response_body=None, created_at=since or timezone.now()
    )
