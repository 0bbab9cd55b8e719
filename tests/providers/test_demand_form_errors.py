"""The demand form names every mistake at once, with a summary at the top linking each field:
the budget range, the deadline and the invited providers were checked only by the service,
after the fields' own checks had passed, so a form with several mistakes came back twice."""

from datetime import timedelta

import pytest
from django.utils import timezone

from providers.models import Demand, ServiceCategory
from tests.providers.test_demands_pages import form_data

pytestmark = pytest.mark.django_db


def test_every_mistake_comes_back_in_one_round_with_a_summary(client, users):
    client.force_login(users["enterprise-jiangnan"])
    category = ServiceCategory.objects.get(code="testing").pk
    response = client.post(
        "/demands/new/",
        form_data(
            title="",
            category=category,
            budget_min="90000",
            budget_max="100",
            deadline=(timezone.localdate() - timedelta(days=1)).isoformat(),
            visibility="invited",
        ),
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"title", "budget_min", "deadline", "invited_providers"}
    page = response.content.decode()
    assert "The lowest budget cannot be more than the highest." in page
    assert "The deadline cannot be in the past." in page
    assert "Invite at least one provider, or make the demand public." in page
    summary = page[page.index('id="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    for anchor in ("id_title", "id_budget_min", "id_deadline", "id_invited_providers_0"):
        assert f'href="#{anchor}"' in summary
    assert not Demand.objects.filter(budget_min=90000).exists()


def test_a_deadline_too_far_is_named_with_the_fields_own_errors(client, users):
    client.force_login(users["enterprise-jiangnan"])
    far = timezone.localdate().replace(year=timezone.localdate().year + 11)
    response = client.post("/demands/new/", form_data(category="", deadline=far.isoformat()))
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"category", "deadline"}
    assert "The deadline is at most ten years ahead." in response.content.decode()


def test_a_right_form_still_publishes(client, users):
    client.force_login(users["enterprise-jiangnan"])
    category = ServiceCategory.objects.get(code="testing").pk
    response = client.post("/demands/new/", form_data(category=category))
    assert response.status_code == 302
