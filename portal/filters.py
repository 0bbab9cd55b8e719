"""List filters of the API: strict about the shape of a value, lenient about what exists.

An outside client reads the schema: `?provider=` is an integer, `?verified=` a boolean,
`?year=` an integer. A value of that type is always accepted; an id that matches nothing
gives an empty list, as a search would (django-filter's ModelChoiceFilter answered 400
"Select a valid choice" for it, which also told an outsider which ids exist). A value that is
not of that type (`?verified=null`, `?year=0.5`) is refused with 400 naming the parameter,
instead of being ignored so that the client silently gets an unfiltered list.
"""

import re
from copy import copy, deepcopy

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.filters import QuerySetRequestMixin
from django_filters.rest_framework.filterset import FILTER_FOR_DBFIELD_DEFAULTS
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions
from rest_framework.filters import OrderingFilter


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(filters.NumberFilter):
    """A whole number (django-filter's NumberFilter takes decimals)."""

    field_class = forms.IntegerField


class IdFilter(IntegerFilter):
    """A related object's id; an id that matches nothing (or is outside your scope) filters
    everything out, it is not an error."""


class StrictBooleanField(forms.Field):
    default_error_messages = {"invalid": _("Must be true or false.")}

    def to_python(self, value):
        if value in (None, ""):
            return None
        lowered = str(value).lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        raise ValidationError(self.error_messages["invalid"], code="invalid")


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(filters.BooleanFilter):
    """`true` or `false`; anything else is a 400 (django-filter's widget reads junk as
    "no filter")."""

    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


_INTEGER_FIELDS = (
    models.AutoField,
    models.BigAutoField,
    models.SmallAutoField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveBigIntegerField,
    models.PositiveSmallIntegerField,
)
API_FILTER_DEFAULTS = deepcopy(FILTER_FOR_DBFIELD_DEFAULTS)
API_FILTER_DEFAULTS.update(
    {
        **{field: {"filter_class": IntegerFilter} for field in _INTEGER_FIELDS},
        models.ForeignKey: {"filter_class": IdFilter},
        models.OneToOneField: {"filter_class": IdFilter},
        models.BooleanField: {"filter_class": StrictBooleanFilter},
    }
)


class SharedFormFields(dict):
    """A filter form's fields, given to each request's form as they are instead of deep-copied
    (Django copies a form's fields for every instance, so that a form may change its own; a
    filter form never does, and the copies of a choice field and its choices were a tenth of
    a list's time above its floor)."""

    def __deepcopy__(self, memo):
        return dict(self)


class ApiFilterSet(filters.FilterSet):
    """Base of every API filter set, and of those generated from `filterset_fields`.

    django-filter builds a new form class, with a new field per filter, for every request:
    a millisecond of a list near its floor. None of our filters' fields depends on the
    request (no model-choice filter with a request-scoped queryset), so the form class is
    built once per filter set; one that does depend on it is built per request as before.
    """

    FILTER_DEFAULTS = API_FILTER_DEFAULTS

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        """django-filter's own, but each filter is copied shallowly: it deep-copied every
        filter with its choices and options on every request (about 180 copies for the
        voucher list, a sixth of its time above the floor). A filter keeps no state of its
        own but the model, the filter set, its form field and its method, all set on the copy."""
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: copy(filter_) for name, filter_ in self.base_filters.items()}
        for filter_ in self.filters.values():
            filter_.model = queryset.model
            filter_.parent = self
            if filter_.method is not None:
                # Binds the copy's own FilterMethod (the original's points at the original).
                filter_.method = filter_.method

    def get_form_class(self):
        cls = type(self)
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            if not any(isinstance(f, QuerySetRequestMixin) for f in self.filters.values()):
                form_class.base_fields = SharedFormFields(form_class.base_fields)
                cls._form_class = form_class
        return form_class


class ApiFilterBackend(filters.DjangoFilterBackend):
    filterset_base = ApiFilterSet


class ApiOrderingFilter(OrderingFilter):
    """`?ordering=` as the schema lists it; a field the list cannot be ordered by answers 400
    naming the ones it can, instead of being dropped so that the client silently gets the
    default order (a typo in `-claimed_at` looked like a working sort)."""

    def get_ordering(self, request, queryset, view):
        """The ordering asked for, exactly as the schema's pattern writes it (no blank or
        spaced terms); an empty value is the list's default order."""
        params = request.query_params.get(self.ordering_param)
        if not params:
            return self.get_default_ordering(view)
        terms = params.split(",")
        names = [
            name for name, _label in self.get_valid_fields(queryset, view, {"request": request})
        ]
        if not all(term.removeprefix("-") in names for term in terms):
            raise exceptions.ValidationError(
                {
                    self.ordering_param: [
                        _("Order by one of: %(fields)s (a leading - reverses it).")
                        % {"fields": ", ".join(sorted(names))}
                    ]
                }
            )
        return terms

    def get_schema_operation_parameters(self, view):
        """The parameter with the fields it takes, comma-separated, each reversed by a
        leading `-`: a client (and the API fuzz) learns from the schema what answers 200."""
        parameters = super().get_schema_operation_parameters(view)
        fields = getattr(view, "ordering_fields", None)
        if isinstance(fields, (list, tuple)) and fields:
            term = "-?(?:" + "|".join(re.escape(field) for field in fields) + ")"
            for parameter in parameters:
                parameter["description"] = (
                    f"Order by: {', '.join(fields)}; several comma-separated; - reverses."
                )
                # Empty is the list's default order.
                parameter["schema"]["pattern"] = f"^(?:{term}(?:,{term})*)?$"
        return parameters
