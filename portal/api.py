"""The API's shared pieces: pagination, the one exception handler, the schema hook."""

import copy
import functools
import re

from django.core.exceptions import EmptyResultSet
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import EmptyPage, InvalidPage
from django.core.paginator import Paginator as DjangoPaginator
from django.db import IntegrityError, models
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portal.errors import ApplicationError
from portal.files import FileKind
from portal.renderers import PortalJSONRenderer


class TextField(serializers.CharField):
    """A text field that takes a JSON string alone. DRF's own also takes a number and stores
    Python's spelling of it: `{"payment_reference": 1e30}` paid a claim under "1e+30",
    irreversibly, where money fields refuse numbers already."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


# DRF's, with the text of a model's CharField and TextField taken as `TextField`. (No
# docstring: drf-spectacular would give it to every serializer without one of its own.)
class ModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: TextField,
        models.TextField: TextField,
    }


class CodeField(serializers.SlugRelatedField):
    """A district or category named by its code. An unknown code is told which codes there
    are: DRF's own message ("Object with code=nope does not exist.") named neither. A code
    with a NUL character (which no code holds, and PostgreSQL cannot even look up) or one
    that is not text (`123`) is such an unknown code."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" not in data:
            try:
                return super().to_internal_value(data)
            except ValidationError:
                pass
        elif isinstance(data, (dict, list, bool)) or data is None:
            self.fail("invalid")
        shown = str(data).replace("\x00", "")[:40]
        known = ", ".join(self.get_queryset().order_by("code").values_list("code", flat=True))
        raise ValidationError(
            _("There is no code “%(value)s”: use one of %(known)s.")
            % {"value": shown, "known": known}
        )


# Digits beyond which a page number or page size is read as "very large".
MAX_DIGITS = 18


# Matching rows a list counts at most (beyond the page asked for): counting every one of
# 100,000 vouchers cost a list more than reading its page, and counting 10,000 of them
# still cost PostgreSQL twenty times the page's 50 rows (2 ms against 0.1 ms).
COUNT_CAP = 1_000
# Beyond any table's rows and within SQL's bigint: a page this far is past the last.
MAX_OFFSET = 2**62


class CappedPaginator(DjangoPaginator):
    """Counts at most `count_limit` + 1 rows (None: all of them); `count_exact` says
    whether the count reached the end. One row past the limit keeps the next page's link.

    A lean list (portal/lean.py) pages a .values() queryset and names, as `count_source`,
    the queryset to count on (without the joins that fetch the listed columns). Its count
    travels in the page's own query, a scalar subquery beside each row: one round trip
    instead of two, which was a third of such a list's time. An empty page there costs no
    second query either: past the first page it is a 404, on the first the count is 0."""

    count_limit: int | None = None
    count_exact = True

    def _counted_rows(self):
        rows = getattr(self.object_list, "count_source", self.object_list).order_by()
        query = rows.query
        if not (query.distinct or query.group_by or query.annotations):
            # The keys alone: no joins for the listed columns, an index-only scan.
            rows = rows.values("pk")
        return rows[: self.count_limit + 1]

    @cached_property
    def count(self):
        if self.count_limit is None or not isinstance(self.object_list, QuerySet):
            return super().count
        counted = self._counted_rows().count()
        self.count_exact = counted <= self.count_limit
        return counted

    def page(self, number):
        if self.count_limit is None or not hasattr(self.object_list, "count_source"):
            return super().page(number)
        bottom = (number - 1) * self.per_page
        if number < 1 or bottom > MAX_OFFSET:
            raise EmptyPage(self.error_messages["no_results"])
        try:
            sql, params = self._counted_rows().query.sql_with_params()
        except EmptyResultSet:  # a scope of none(): nothing to count, nor to list
            rows = []
        else:
            counted = RawSQL(f"SELECT COUNT(*) FROM ({sql}) AS capped", params)
            rows = list(
                self.object_list.annotate(_capped_count=counted)[bottom : bottom + self.per_page]
            )
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        self.count = rows[0]["_capped_count"] if rows else 0
        self.count_exact = self.count <= self.count_limit
        for row in rows:
            del row["_capped_count"]
        return self._get_page(rows, number, self)


class PortalPagination(PageNumberPagination):
    """`?page=` and `?page_size=` are whole numbers from 1; anything else is a 400 naming the
    parameter (DRF would quietly use the default page size). A page past the last is 404, a
    page size above 200 is served as 200.

    `count` is exact up to COUNT_CAP (1,000) matching rows (or up to the end of the page asked for,
    if further); beyond, it is that lower bound and `count_exact` is false. Page numbers,
    `next` and `previous` work on every page; `?page=last` counts every row."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 200
    django_paginator_class = CappedPaginator

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        page_size = self.get_page_size(request)
        paginator = self.django_paginator_class(queryset, page_size)
        page_number = self.get_page_number(request, paginator)
        if request.query_params.get(self.page_query_param) not in self.last_page_strings:
            # Within SQL's bigint: a page number of 18 digits is past any last page anyway.
            paginator.count_limit = min(max(COUNT_CAP, page_number * page_size), MAX_OFFSET)
        try:
            self.page = paginator.page(page_number)
        except InvalidPage as exc:
            raise NotFound(
                self.invalid_page_message.format(page_number=page_number, message=str(exc))
            ) from None
        return list(self.page)

    def get_paginated_response(self, data):
        paginator = self.page.paginator
        exact = paginator.count_exact
        return Response(
            {
                "count": paginator.count if exact else paginator.count_limit,
                "count_exact": exact,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"]["description"] = (
            f"Matching rows: exact up to {COUNT_CAP:,} (or to the end of the page asked "
            "for); beyond, this lower bound and `count_exact` false."
        )
        response["properties"] = {
            "count": response["properties"]["count"],
            "count_exact": {
                "type": "boolean",
                "description": "False when `count` is a lower bound (`?page=last` counts all).",
            },
            **{k: v for k, v in response["properties"].items() if k != "count"},
        }
        response["required"] = ["count", "count_exact", "results"]
        return response

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
            raise ValidationError({parameter: [_("A whole number of at least 1 is required.")]})
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
        request.accepted_renderer = PortalJSONRenderer()
        request.accepted_media_type = PortalJSONRenderer.media_type
    return response


def _error_response(exc, context):
    if isinstance(exc, ApplicationError):
        body = {"detail": exc.message, "code": exc.code}
        if exc.field and exc.status == 400:
            body = {exc.field: [exc.message], "code": exc.code}
        body.update(exc.extra)
        return Response(body, status=exc.status)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        # A database constraint refused a second effect (a race the service lost).
        return Response(
            {
                "detail": _("This conflicts with the current state; reload and retry."),
                "code": "conflict",
            },
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, Http404 | NotFound):
        return Response(
            {"detail": _not_found_message(exc), "code": "not_found"},
            status=status.HTTP_404_NOT_FOUND,
        )
    return drf_exception_handler(exc, context)


def _not_found_message(exc) -> str:
    """The 404's own message, unless it is Django's "No <Model> matches the given query.",
    which names a class of the code, not anything the client asked for."""
    if isinstance(exc, NotFound):
        message = str(exc.detail)
    else:
        message = str(exc.args[0]) if exc.args else ""
    if not message or message.endswith("matches the given query."):
        return _("Not found.")
    return message


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


@functools.cache
def download_responses(kinds: tuple[FileKind, ...]) -> dict:
    """The schema's 200 of a file download: one entry per content type that an upload of
    these kinds is stored and served as (a contract's PNG is `image/png`, not bytes)."""
    content_types = dict.fromkeys(kind.content_type for kind in kinds)
    return {(200, content_type): OpenApiTypes.BINARY for content_type in content_types}


@functools.cache
def _built_serializer(serializer_class):
    return serializer_class()


def represent(serializer_class, instance) -> dict:
    """What `serializer_class(instance).data` gives, from one serializer built per class.

    A ModelSerializer builds its fields from the model again for every instance: on a claim
    that was a sixth of the Python time spent outside the database. `to_representation`
    keeps no state between calls, so the one built serializer serves every request. Only for
    serializers that read nothing from `context` (no request, no hyperlinks)."""
    return _built_serializer(serializer_class).to_representation(instance)


def created(request, data: dict, *, location: str | None = None) -> Response:
    """201 Created, with the new object's address in `Location` (RFC 9110): by default the
    list it was posted to and its id, `location` for an object created elsewhere."""
    return Response(
        data,
        status=status.HTTP_201_CREATED,
        headers={"Location": location or f"{request.path}{data['id']}/"},
    )


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
