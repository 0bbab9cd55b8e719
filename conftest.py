"""Test-wide: every test starts in the portal's default language.

Django's LocaleMiddleware activates each request's language in the thread that handles it and
leaves it active afterwards. With the test client that thread is the test's own, so a test that
asks for a page in Chinese would make every later test's gettext answer in Chinese (now that
locale/ has a real catalogue). tests/conftest.py belongs to the foundation; this is the
smallest place that covers every test."""

import pytest


@pytest.fixture(autouse=True)
def _default_language():
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
