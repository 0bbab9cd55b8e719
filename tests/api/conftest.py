import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """Throttle counters live in the cache; no test here inherits another's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_user(db):
    from regions.models import User

    def make(username, **fields):
        return User.objects.create_user(username=username, password="x-pass-2026", **fields)

    return make
