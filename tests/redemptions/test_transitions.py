"""Walk the redemption state machine: every (from, to) pair of statuses through the service
that produces `to`. Edges in Redemption.TRANSITIONS succeed and save the new status; every
other pair raises InvalidTransition and leaves the row as it was."""

from itertools import product

import pytest
from django.forms.models import model_to_dict

from portal.errors import InvalidTransition
from tests.redemptions.factories import confirm, official_of
from vouchers import services
from vouchers.models import Redemption

pytestmark = pytest.mark.django_db

R = Redemption.Status


def _service(to, redemption, demo):
    if to == R.APPROVED:
        return services.redemption_approve(
            redemption_id=redemption.pk, actor=demo["users"]["official-wujin"]
        )
    if to == R.REJECTED:
        return services.redemption_reject(
            redemption_id=redemption.pk, actor=demo["users"]["official-wujin"], note="No"
        )
    if to == R.PAID:
        return services.redemption_mark_paid(
            redemption_id=redemption.pk,
            payment_reference="PAY-1",
            actor=official_of(demo, redemption.provider_region.code),
        )
    raise AssertionError(f"no service produces {to}")


def test_pending_is_only_an_entry_status():
    # redemption_claim creates the row; no service moves a redemption back to it.
    assert all(R.PENDING not in targets for targets in Redemption.TRANSITIONS.values())


@pytest.mark.parametrize(
    "from_status, to_status",
    [(f, t) for f, t in product(R.values, R.values) if t != R.PENDING],
)
def test_redemption_edges(demo, from_status, to_status):
    confirm(demo["order"])
    redemption = services.redemption_claim(
        service_order_id=demo["order"].pk, amount="1000.00", actor=demo["users"]["provider-sit"]
    )
    Redemption.objects.filter(pk=redemption.pk).update(status=from_status)
    redemption.refresh_from_db()
    before = model_to_dict(redemption)
    if to_status in Redemption.TRANSITIONS[from_status]:
        _service(to_status, redemption, demo)
        redemption.refresh_from_db()
        assert redemption.status == to_status
    else:
        with pytest.raises(InvalidTransition):
            _service(to_status, redemption, demo)
        redemption.refresh_from_db()
        assert model_to_dict(redemption) == before
