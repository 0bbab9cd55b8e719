import pytest
from django.core.cache import cache

PASSWORD = "right-pass-2026"


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """Throttle counters live in the cache; no test here inherits another's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def alice(db):
    from regions.models import User

    return User.objects.create_user(username="alice", password=PASSWORD)


@pytest.fixture
def operator(db):
    from regions.models import User

    return User.objects.create_user(
        username="operator-2fa", password=PASSWORD, role=User.Role.OPERATOR, is_staff=True
    )
