"""The benchmark loader writes consistent data that settles and reconciles."""

import pytest
from django.core.management import call_command

from regions.services import reconciliation_run
from regions.settlement.services import settlement_batch_create, settlement_run
from vouchers.models import Redemption

pytestmark = pytest.mark.django_db


def test_it_loads_data_that_settles_and_reconciles(demo, settings):
    settings.SETTLEMENT_CHUNK_SIZE = 50
    call_command("seed_load", enterprises=7, vouchers=9, redemptions=400, verbosity=0)
    assert Redemption.objects.count() == 400
    report = reconciliation_run()
    assert report.ok, report.breaches

    batch = settlement_batch_create(actor=None)
    settlement_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.redemption_count == Redemption.objects.filter(cross_region=True).count() > 250
    report = reconciliation_run()
    assert report.ok, report.breaches
