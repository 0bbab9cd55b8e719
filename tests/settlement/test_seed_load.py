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


def test_it_loads_bilingual_demands_with_consistent_proposals(demo):
    from providers.models import Demand, Proposal
    from providers.selectors import demand_search

    before = Demand.objects.count()
    call_command("seed_load", enterprises=7, vouchers=9, redemptions=400, demands=40, verbosity=0)
    loaded = Demand.objects.order_by("id")[before:]
    assert len(loaded) == 40
    assert Proposal.objects.filter(demand__in=loaded).count() == 80
    # An awarded demand's accepted proposal made its enterprise's order with that provider.
    awarded = [d for d in loaded if d.status == Demand.Status.AWARDED]
    assert len(awarded) == 4
    for demand in awarded:
        accepted = demand.proposals.get(status=Proposal.Status.ACCEPTED)
        order = accepted.service_order
        assert order.enterprise_id == demand.enterprise_id
        assert order.provider_id == accepted.provider_id
        assert accepted.price == order.contract_amount
        assert demand.region_id == demand.enterprise.region_id
    invited = [d for d in loaded if d.visibility == Demand.Visibility.INVITED]
    assert invited and all(d.invited_providers.count() == 2 for d in invited)
    # English and Chinese texts, both found by the demand search.
    assert demand_search(Demand.objects.filter(pk__in=[d.pk for d in loaded]), q="石墨烯").count()
    assert demand_search(Demand.objects.filter(pk__in=[d.pk for d in loaded]), q="graphene").count()
