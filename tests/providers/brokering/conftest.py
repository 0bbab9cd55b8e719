"""What the brokering tests share: Zhao, the technology manager brokering Jiangnan's demand,
the demand, its owner, a certified lab to introduce, and another manager."""

import pytest

from providers.models import Demand, TechnologyManager
from regions.models import User


@pytest.fixture
def zhao(demo):
    return TechnologyManager.objects.get(user__username="manager-demo")


@pytest.fixture
def broker(demo):
    return demo["users"]["manager-demo"]


@pytest.fixture
def demand(demo, zhao):
    return Demand.objects.get(technology_manager=zhao)


@pytest.fixture
def owner(demo):
    return demo["users"]["enterprise-jiangnan"]


@pytest.fixture
def lab(make_provider):
    return make_provider(status="certified", region="WUJIN", categories=("rnd",))


@pytest.fixture
def other_manager(demo):
    """Gao Fang, a listed manager with an account, who brokers nothing."""
    user = User.objects.create_user(
        username="manager-gao", password="x-pass-2026", email="gao@example.com", role="manager"
    )
    gao = TechnologyManager.objects.get(name="Gao Fang")
    gao.user = user
    gao.save(update_fields=["user"])
    return user
