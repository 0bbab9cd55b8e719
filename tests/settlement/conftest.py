import pytest

from regions.settlement.services import settlement_batch_create, settlement_run
from tests.settlement.factories import spread


@pytest.fixture
def computed(demo):
    """A computed batch over a spread of redemptions in every district pair."""
    expected = spread(demo, 24)
    batch = settlement_batch_create(actor=demo["users"]["operator"])
    settlement_run(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch, expected
