"""The API's shared pieces: pagination, the one exception handler, the schema hook."""

import copy
import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portal.errors import ApplicationError

# Digits beyond which a page number or page size is read as "very large".
MAX_DIGITS = 18


class PortalPagination(PageNumberPagination):
    """`?page=` and `?page_size=` are whole numbers from 1; anything else is a 400 naming the
    parameter (DRF would quietly use the default page size). A page past the last is 404, a
    page size above 200 is served as 200."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        if raw in self.last_page_strings:
            return paginator.num_pages
        return self._whole_number(self.page_query_param, raw)

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        return min(self._whole_number(self.page_size_query_param, raw), self.max_page_size)

    @staticmethod
    def _whole_number(parameter: str, raw: str) -> int:
        # ASCII digits only: int() would also take " 5", "+5", "1_0" and other scripts' digits.
        if not re.fullmatch(r"[0-9]+", raw) or int(raw[:MAX_DIGITS]) < 1:
            raise ValidationError({parameter: ["A whole number of at least 1 is required."]})
        # A number too long to be a page (or a sane page size) is still one: past the last.
        return int(raw) if len(raw) <= MAX_DIGITS else 10**MAX_DIGITS

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Results per page, {self.page_size} by default; values above "
                    f"{self.max_page_size} are served as {self.max_page_size}."
                )
            else:
                parameter["description"] = "Page number from 1; past the last page -> 404."
        return parameters


def exception_handler(exc, context):
    """Domain errors become 400/409 bodies `{"detail", "code"}`; never a 500 for bad input.

    Every error body is JSON, also on an operation whose success is a PDF or CSV file
    (`?format=pdf` of an absent voucher is a JSON 404, not a 404 "PDF").
    """
    response = _error_response(exc, context)
    request = context.get("request")
    if response is not None and request is not None:
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type
    return response


def _error_response(exc, context):
    if isinstance(exc, ApplicationError):
        body = {"detail": exc.message, "code": exc.code}
        if exc.field and exc.status == 400:
            body = {exc.field: [exc.message], "code": exc.code}
        return Response(body, status=exc.status)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        # A database constraint refused a second effect (a race the service lost).
        return Response(
            {
                "detail": "This conflicts with the current state; reload and retry.",
                "code": "conflict",
            },
            status=status.HTTP_409_CONFLICT,
        )
    return drf_exception_handler(exc, context)


# The error bodies every operation may answer, described once for the whole schema.
ERROR_BODY = {
    "type": "object",
    "description": "An error: a human message and, for domain errors, a stable code.",
    "properties": {
        "detail": {"type": "string"},
        "code": {
            "type": "string",
            "description": "Stable machine-readable reason, e.g. `insufficient_balance`.",
        },
    },
    "required": ["detail"],
}
VALIDATION_ERROR_BODY = {
    "type": "object",
    "description": (
        "Invalid input: `{field: [messages]}` per field (`non_field_errors` for the whole "
        "request), or `{detail, code}`."
    ),
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "additionalProperties": {},
}
ERROR_RESPONSES = {
    "400": ("ValidationErrorBody", "Invalid input.", None),
    "401": ("ErrorBody", "Not logged in, or a bad token.", None),
    "403": ("ErrorBody", "Your role may never do this (or the CSRF check failed).", None),
    "404": ("ErrorBody", "Absent, or outside your scope.", None),
    "409": (
        "ErrorBody",
        "A state conflict: already decided, balance or budget too small, or a request with "
        "the same Idempotency-Key still running (`idempotency_in_progress`, with Retry-After).",
        {"write"},
    ),
    "422": (
        "ErrorBody",
        "This Idempotency-Key was already used with another request (`idempotency_key_reused`).",
        {"post"},
    ),
    "429": ("ErrorBody", "Too many requests; retry after `Retry-After` seconds.", None),
}
RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer"},
        "description": "Seconds to wait before retrying.",
    }
}
IDEMPOTENCY_KEY_PARAMETER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
    "description": (
        "A unique key per intended request (a UUID). A retry with the same key and body returns "
        "the first response (header `Idempotent-Replayed: true`) and changes nothing; the same "
        "key with another body answers 422. Keys are per user and kept 24 hours; ignored on "
        "anonymous requests."
    ),
}


def document_errors_and_idempotency(result, generator, request, public):
    """drf-spectacular postprocessing hook: covers every endpoint, whoever wrote it.

    Adds the error responses of API.md (400/401/403/404/409/422/429, with `ErrorBody`
    components) where an operation does not describe them itself, and the optional
    `Idempotency-Key` header to every POST.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ErrorBody", copy.deepcopy(ERROR_BODY))
    schemas.setdefault("ValidationErrorBody", copy.deepcopy(VALIDATION_ERROR_BODY))
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "put", "post", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for status_code, (component, description, only) in ERROR_RESPONSES.items():
                if only == {"write"} and method == "get":
                    continue
                if only == {"post"} and method != "post":
                    continue
                if status_code in responses:
                    continue
                response = {
                    "description": description,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/{component}"}
                        }
                    },
                }
                if status_code in {"409", "429"}:
                    response["headers"] = copy.deepcopy(RETRY_AFTER)
                responses[status_code] = response
            if method == "post":
                parameters = operation.setdefault("parameters", [])
                if not any(p.get("name") == "Idempotency-Key" for p in parameters):
                    parameters.append(copy.deepcopy(IDEMPOTENCY_KEY_PARAMETER))
    return result


# portal.security refuses a NUL character anywhere in the path or the query string (400).
NO_NUL = "^[^\\x00]*$"


def document_no_nul_in_parameters(result, generator, request, public):
    """drf-spectacular postprocessing hook: every free-text path and query parameter is
    documented as holding no NUL character, which the portal answers with 400."""
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if (
                    parameter.get("in") in {"path", "query"}
                    and schema.get("type") == "string"
                    and "enum" not in schema
                    and "pattern" not in schema
                ):
                    schema["pattern"] = NO_NUL
    return result


class ApiTimesInUtc:
    """The REST contract gives times in ISO 8601 UTC; pages show them in Asia/Shanghai."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        from datetime import UTC

        from django.utils import timezone

        with timezone.override(UTC):
            return self.get_response(request)
