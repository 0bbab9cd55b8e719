"""The OpenAPI schema generator (SPECTACULAR_SETTINGS DEFAULT_GENERATOR_CLASS).

A module of its own: drf-spectacular's generator imports DRF's views, which import the
classes that portal/api.py defines for the REST_FRAMEWORK settings.
"""

import threading
from contextlib import contextmanager
from functools import partial

from django.apps import apps
from django.db import connection, models
from django.db.backends.base.operations import BaseDatabaseOperations
from drf_spectacular.generators import SchemaGenerator


@contextmanager
def production_integer_ranges():
    """Model integer fields bounded as on PostgreSQL, whichever database this process uses.

    Django derives an integer field's min/max validators (and so the schema's `maximum`)
    from the connected backend: SQLite allows 64 bits where PostgreSQL's `integer` stops at
    2147483647. The committed schema.yml must not depend on DATABASE_URL, and PostgreSQL is
    what production runs. The validators are a cached property, so they are recomputed here
    and the cache is put back afterwards.
    """
    fields = [
        field
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.IntegerField)
    ]
    cached = {
        field: field.__dict__.pop("validators")
        for field in fields
        if "validators" in field.__dict__
    }
    ops = connection.ops
    ops.integer_field_range = partial(BaseDatabaseOperations.integer_field_range, ops)
    try:
        yield
    finally:
        del ops.integer_field_range
        for field in fields:
            field.__dict__.pop("validators", None)
        for field, validators in cached.items():
            field.__dict__["validators"] = validators


_GENERATING = threading.Lock()


class PortalSchemaGenerator(SchemaGenerator):
    def get_schema(self, request=None, public=False):
        # The bounds are patched process-wide: one generation at a time (threaded servers).
        with _GENERATING, production_integer_ranges():
            return super().get_schema(request=request, public=public)
