"""The API's shared pieces: pagination and the one exception handler."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portal.errors import ApplicationError


class PortalPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 200


def exception_handler(exc, context):
    """Domain errors become 400/409 bodies `{"detail", "code"}`; never a 500 for bad input."""
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
    if isinstance(exc, Http404 | PermissionDenied):
        return drf_exception_handler(exc, context)
    return drf_exception_handler(exc, context)
