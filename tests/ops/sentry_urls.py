"""The portal's URLs plus one view that fails, for tests/ops/test_sentry.py."""

from django.urls import path

from portal.urls import urlpatterns as portal_urlpatterns


def fail(request):
    raise RuntimeError(f"sentry check {request.GET.get('marker', '')}")


urlpatterns = [path("test-sentry-failure/", fail), *portal_urlpatterns]
