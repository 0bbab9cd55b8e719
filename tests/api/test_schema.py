"""The committed schema.yml is exactly what the code generates, and it documents our rules."""

from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from portal import files

ROOT = Path(__file__).resolve().parent.parent.parent
COMMITTED = ROOT / "schema.yml"


@pytest.fixture(scope="module")
def generated(tmp_path_factory, django_db_blocker):
    """What `make schema` would write."""
    target = tmp_path_factory.mktemp("schema") / "schema.yml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--file", str(target), "--validate", stderr=StringIO())
    return target.read_text(encoding="utf-8")


def test_the_committed_schema_is_up_to_date(generated):
    committed = COMMITTED.read_text(encoding="utf-8") if COMMITTED.exists() else ""
    assert generated == committed, (
        "schema.yml differs from the schema the code generates: run `make schema` and commit it"
    )


@pytest.fixture(scope="module")
def schema(generated):
    return yaml.safe_load(generated)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def test_every_operation_documents_its_error_bodies(schema):
    for path, method, operation in operations(schema):
        expected = {"400", "401", "403", "404", "429"}
        if method != "get":
            expected.add("409")
        if method == "post":
            expected.add("422")
        assert expected <= set(operation["responses"]), f"{method.upper()} {path}"


def test_the_error_body_has_detail_and_code(schema):
    body = schema["components"]["schemas"]["ErrorBody"]
    assert set(body["properties"]) == {"detail", "code"}
    assert body["required"] == ["detail"]
    conflict = schema["paths"]["/api/auth/token/"]["post"]["responses"]["409"]
    assert conflict["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }
    assert "Retry-After" in conflict["headers"]


def test_every_post_takes_an_idempotency_key(schema):
    posts = [(path, op) for path, method, op in operations(schema) if method == "post"]
    assert posts
    for path, operation in posts:
        header = [p for p in operation.get("parameters", []) if p["name"] == "Idempotency-Key"]
        assert len(header) == 1, path
        assert header[0]["in"] == "header"
        assert header[0]["required"] is False
        assert header[0]["schema"]["maxLength"] == 255


def test_reads_take_no_idempotency_key(schema):
    for path, method, operation in operations(schema):
        if method == "get":
            names = {p["name"] for p in operation.get("parameters", [])}
            assert "Idempotency-Key" not in names, path


@pytest.mark.parametrize(
    ("path", "kinds"),
    [
        ("/api/service-orders/{id}/documents/{document_id}/", "DOCUMENT_KINDS"),
        ("/api/service-orders/{id}/evidence/{file_id}/", "EVIDENCE_KINDS"),
    ],
)
def test_a_download_documents_every_type_an_upload_is_served_as(schema, path, kinds):
    # The download answers with the type the upload was stored as (a PNG invoice is
    # image/png): each of them must be in the schema, or a client trusting it is misled.
    documented = set(schema["paths"][path]["get"]["responses"]["200"]["content"])
    assert {kind.content_type for kind in getattr(files, kinds)} <= documented
