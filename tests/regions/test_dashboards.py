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
