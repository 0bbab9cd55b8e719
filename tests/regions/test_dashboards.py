import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_official_dashboard_shows_the_budget_and_what_needs_doing(client, demo):
    client.force_login(demo["users"]["official-wujin"])
    response = client.get(reverse("official-dashboard"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "10,000,000" in body and "200,000" in body
    assert "<svg" in body


def test_the_operator_dashboard_shows_the_four_districts_and_the_flow_matrix(client, demo):
    client.force_login(demo["users"]["operator"])
    body = client.get(reverse("operator-dashboard")).content.decode()
    for name in ["Yangpu District", "Wujin District", "Nanhu District", "Hefei High-tech Zone"]:
        assert name in body
    assert 'role="img"' in body


def test_other_roles_may_not_open_the_operator_dashboard(client, demo):
    client.force_login(demo["users"]["official-wujin"])
    assert client.get(reverse("operator-dashboard")).status_code == 403


def test_the_dashboards_run_a_constant_number_of_queries(
    client, demo, django_assert_max_num_queries
):
    client.force_login(demo["users"]["operator"])
    with django_assert_max_num_queries(20):
        client.get(reverse("operator-dashboard"))
    client.force_login(demo["users"]["official-wujin"])
    # The official's dashboard also reads its reminders, the risk queue's count and the
    # deals each technology manager brokered: one query each, whatever the rows.
    with django_assert_max_num_queries(24):
        client.get(reverse("official-dashboard"))


def test_the_official_dashboard_issued_series_matches_the_vouchers(demo):
    """The monthly series comes from the district summary the issue keeps; it must say what
    the vouchers themselves say, month by local month, also after a new voucher is issued."""
    from decimal import Decimal

    from django.db.models import Sum
    from django.db.models.functions import ExtractMonth

    from regions.dashboards import official_dashboard
    from regions.selectors import current_year
    from vouchers.models import Voucher
    from vouchers.services import application_approve, application_submit

    user = demo["users"]["enterprise-jiangnan"]
    application = application_submit(
        enterprise=user.enterprise,
        requested_amount=Decimal("7000.00"),
        purpose="Series",
        actor=user,
    )
    application_approve(
        application=application, actor=demo["users"]["official-wujin"], approved_amount=None
    )
    region = user.enterprise.region
    year = current_year()

    by_month = dict(
        Voucher.objects.filter(issuing_region=region, issued_at__year=year)
        .annotate(month=ExtractMonth("issued_at"))
        .values("month")
        .annotate(total=Sum("face_value"))
        .values_list("month", "total")
    )
    expected = [by_month.get(m) or Decimal("0") for m in range(1, 13)]
    assert sum(expected) >= Decimal("7000.00")
    assert official_dashboard(region=region)["monthly_issued"] == expected
