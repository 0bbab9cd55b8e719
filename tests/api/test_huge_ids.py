"""An id too large for any integer column finds nothing, on SQLite as on PostgreSQL: never
a 500 (the sqlite3 module refused to bind it: portal/apps.py)."""

import pytest
from django import forms

HUGE = "99999999999999999999"

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        f"/api/vouchers/?enterprise={HUGE}",
        f"/api/voucher-applications/?enterprise={HUGE}",
        f"/api/service-orders/?provider={HUGE}",
        f"/api/service-offerings/?provider={HUGE}",
        f"/api/risk-flags/?service_order={HUGE}",
    ],
)
def test_a_huge_id_filter_lists_nothing(demo, api_as, path):
    response = api_as(demo["users"]["operator"]).get(path)
    assert response.status_code == 200, response.content[:300]
    assert response.json()["results"] == []


def test_a_claim_on_a_huge_order_id_is_a_4xx(demo, api_as):
    from tests.redemptions.factories import provider_user

    provider = demo["providers"]["provider-graphene"]
    response = api_as(provider_user(demo, provider)).post(
        "/api/redemptions/", {"service_order": int(HUGE), "amount": "1.00"}, format="json"
    )
    assert 400 <= response.status_code < 500, response.content[:300]


def test_a_huge_choice_in_a_form_is_a_form_error(demo):
    from providers.models import ServiceCategory

    field = forms.ModelMultipleChoiceField(queryset=ServiceCategory.objects.all())
    with pytest.raises(forms.ValidationError):
        field.clean([HUGE])
