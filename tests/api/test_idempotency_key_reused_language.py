"""A key reused with another request is refused (422) in the body of the API's other errors,
worded in the request's language."""

import struct

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]

RECORD = "/api/test/record/"
REUSED = (
    "This Idempotency-Key was already used for another request; use a new key for a new request."
)
# Not the committed catalogue's wording: this test's own, so that it shows the message is
# looked up in the reader's language whatever the catalogue says (or does not say yet).
REUSED_IN_TEST_CHINESE = "测试：此幂等键已用于另一个请求。"


def compiled_catalogue(messages: dict[str, str]) -> bytes:
    """A GNU .mo file of `messages` (what msgfmt writes), so the test needs no gettext."""
    messages = {
        "": "Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=1; plural=0;\n",
        **messages,
    }
    ids = sorted(messages)
    originals = [i.encode() for i in ids]
    translations = [messages[i].encode() for i in ids]
    count = len(ids)
    start = 7 * 4 + 16 * count  # the header, then the two tables of (length, offset)
    table, data = [], b""
    for text in originals + translations:
        table.append((len(text), start + len(data)))
        data += text + b"\0"
    header = struct.pack("<7I", 0x950412DE, 0, count, 28, 28 + 8 * count, 0, 0)
    return header + b"".join(struct.pack("<2I", *row) for row in table) + data


@pytest.fixture
def client(api_as, make_user):
    return api_as(make_user("alice"))


def post_twice_with_one_key(client, **extra):
    first = client.post(RECORD, {"note": "one"}, format="json", HTTP_IDEMPOTENCY_KEY="k", **extra)
    assert first.status_code == 201
    return client.post(RECORD, {"note": "two"}, format="json", HTTP_IDEMPOTENCY_KEY="k", **extra)


def test_it_answers_422_with_a_detail_and_a_code(client):
    response = post_twice_with_one_key(client, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 422
    assert response.json() == {"detail": REUSED, "code": "idempotency_key_reused"}


def test_it_answers_in_the_request_language(client, settings, tmp_path):
    folder = tmp_path / "zh_Hans" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "django.mo").write_bytes(compiled_catalogue({REUSED: REUSED_IN_TEST_CHINESE}))
    settings.LOCALE_PATHS = [tmp_path, *settings.LOCALE_PATHS]

    response = post_twice_with_one_key(client, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 422
    assert response.json() == {"detail": REUSED_IN_TEST_CHINESE, "code": "idempotency_key_reused"}
    assert response["Content-Language"] == "zh-hans"
