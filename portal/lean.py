"""Lean API lists: a page of rows read with `.values()` and turned into the very JSON the
viewset's ModelSerializer gives, without a model instance or a serializer field per value.

A list of 50 vouchers through ModelSerializer built 50 model instances (and their enterprise
and district) and called about 750 field methods: most of the list's time. A lean list
declares `list_values`, its output names and the `.values()` path of each, in the order of
the serializer's fields; the serializer stays the documented shape (the schema and the
detail view use it) and tests/api/test_lean_lists.py checks that both give the same JSON.

Values are converted by the model field they come from, as DRF would: a Decimal becomes a
string with the field's decimal places, a datetime ISO 8601 in the current time zone with `Z`
for UTC, a date ISO 8601; others pass through. Under /api/ (UTC, portal.api.ApiTimesInUtc) a
datetime stays a datetime, which the renderer writes in that same form (portal/renderers.py).
"""

from __future__ import annotations

from datetime import UTC, timedelta
from decimal import Decimal

from django.db import models
from django.utils import timezone

ZERO_OFFSET = timedelta(0)


def _model_field(model, path: str):
    field = None
    for part in path.split("__"):
        field = model._meta.get_field(part)
        if field.is_relation:
            model = field.related_model
    if field.is_relation and not field.many_to_many and not field.one_to_many:
        # `enterprise` (or `enterprise_id`) is the related row's key: an integer.
        return field.target_field if hasattr(field, "target_field") else field
    return field


def _decimal(places: int):
    exponent = Decimal(1).scaleb(-places)

    def convert(value):
        if value is None:
            return None
        text = str(value)
        # A numeric column of `places` decimals reads back with exactly that many: the text
        # is already the answer, without a rounding per value.
        if places and len(text) > places and text[-places - 1] == "." and "E" not in text:
            return text
        return format(value.quantize(exponent), "f")

    return convert


def _converter(field):
    if isinstance(field, models.DecimalField):
        return _decimal(field.decimal_places)
    if isinstance(field, models.DateTimeField):
        return "datetime"
    if isinstance(field, models.DateField):
        return lambda value: None if value is None else value.isoformat()
    return None


class LeanListMixin:
    """`list()` from `.values()`: declare `list_values = {"output": "values__path", ...}`;
    override `lean_extend(rows)` to add what one query per page can fetch (many-valued
    fields), the rows being dicts already in output names (with `_id`s kept by `lean_keep`)."""

    list_values: dict[str, str] = {}
    lean_keep: tuple[str, ...] = ()

    @classmethod
    def _lean_plan(cls):
        plan = cls.__dict__.get("_lean_plan_cache")
        if plan is None:
            model = cls.serializer_class.Meta.model
            plan = [
                (name, path, _converter(_model_field(model, path)))
                for name, path in cls.list_values.items()
            ]
            cls._lean_plan_cache = plan
        return plan

    def list(self, request, *args, **kwargs):
        plan = self._lean_plan()
        paths = list(dict.fromkeys([path for _, path, _ in plan] + list(self.lean_keep)))
        filtered = self.filter_queryset(self.get_queryset())
        # Related rows a get_queryset() prefetches for the detail are lean_extend's here.
        queryset = filtered.prefetch_related(None).values(*paths)
        queryset.count_source = filtered  # portal.api.CappedPaginator counts without joins
        page = self.paginate_queryset(queryset)
        rows = self.lean_rows(page if page is not None else list(queryset), plan)
        if page is None:
            return self.get_response_for_rows(rows)
        return self.get_paginated_response(rows)

    def get_response_for_rows(self, rows):
        from rest_framework.response import Response

        return Response(rows)

    def lean_rows(self, values: list[dict], plan) -> list[dict]:
        zone = timezone.get_current_timezone()
        in_utc = zone.utcoffset(None) == ZERO_OFFSET

        def moment(value):
            if value is None:
                return None
            if in_utc and value.tzinfo is UTC:
                # Under /api/ both the database's value and the zone are UTC: the renderer
                # writes it as DRF does (portal/renderers.py), in a fraction of the time.
                return value
            text = value.astimezone(zone).isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text

        converters = [
            (name, path, moment if convert == "datetime" else convert)
            for name, path, convert in plan
        ]
        rows = []
        for value in values:
            row = {}
            for name, path, convert in converters:
                item = value[path]
                row[name] = item if convert is None else convert(item)
            for key in self.lean_keep:
                row.setdefault(key, value[key])
            rows.append(row)
        self.lean_extend(rows)
        for row in rows:
            for key in self.lean_keep:
                if key not in self.list_values:
                    del row[key]
        return rows

    def lean_extend(self, rows: list[dict]) -> None:
        """Add many-valued fields to the page's rows (one query per field, not per row)."""
