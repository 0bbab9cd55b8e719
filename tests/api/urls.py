"""The portal's URLs plus test-only API views that exercise the idempotency middleware.

Used with `@pytest.mark.urls("tests.api.urls")`: the middleware must work for any API view,
so these views write real rows (audit entries) the way an app's endpoint would.
"""

import time

from django.urls import path
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.urls import urlpatterns as portal_urlpatterns
from regions.services import audit_record


def record(request, action="test.idempotency"):
    entry = audit_record(
        actor=request.user,
        obj=request.user,
        action=action,
        data={"note": str(request.data.get("note", ""))},
    )
    return {"id": entry.pk, "note": entry.data["note"]}


class RecordView(APIView):
    """Creates one audit entry per run; `sleep` widens the window for the race test."""

    def post(self, request):
        body = record(request)
        time.sleep(float(request.data.get("sleep", 0)))
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": "/here/"})


class FailingOnceView(APIView):
    """Writes a row, then fails with a 5xx the first time it runs (a flaky dependency)."""

    runs = 0

    def post(self, request):
        FailingOnceView.runs += 1
        body = record(request, action="test.failing-once")
        if FailingOnceView.runs == 1:
            raise RuntimeError("the payment gateway timed out")
        return Response(body, status=status.HTTP_201_CREATED)


class UploadView(APIView):
    def post(self, request):
        upload = request.FILES["evidence"]
        body = record(request, action="test.upload")
        body["size"] = upload.size
        return Response(body, status=status.HTTP_201_CREATED)


class ConflictView(APIView):
    def post(self, request):
        return Response(
            {"detail": "Already decided.", "code": "invalid_transition"},
            status=status.HTTP_409_CONFLICT,
        )


urlpatterns = [
    path("api/test/record/", RecordView.as_view()),
    path("api/test/failing-once/", FailingOnceView.as_view()),
    path("api/test/upload/", UploadView.as_view()),
    path("api/test/conflict/", ConflictView.as_view()),
    *portal_urlpatterns,
]
