from datetime import timedelta

import pytest
from django.utils import timezone

from vouchers.models import VoucherApplication

pytestmark = pytest.mark.django_db


@pytest.fixture
def official(client, demo):
    client.force_login(demo["users"]["official-wujin"])
    return demo["users"]["official-wujin"]


def test_it_shows_the_undecided_applications_of_the_district(client, demo, submit, official):
    mine = submit("enterprise-jiangnan", "1000.00")
    submit("enterprise-yangpu", "1000.00")
    response = client.get("/official/applications/")
    assert response.status_code == 200
    assert list(response.context["applications"]) == [mine]


def test_it_is_forbidden_to_enterprises(client, demo):
    client.force_login(demo["users"]["enterprise-jiangnan"])
    assert client.get("/official/applications/").status_code == 403


def test_it_filters_by_status(client, demo, submit, official):
    submit("enterprise-jiangnan", "1000.00")
    approved = client.get("/official/applications/?status=approved").context["applications"]
    assert [a.status for a in approved] == ["approved"]
    everything = client.get("/official/applications/?status=").context["applications"]
    assert len(everything) == 2


def test_it_filters_by_amount_and_date_and_industry(client, demo, submit, official):
    small = submit("enterprise-jiangnan", "1000.00")
    big = submit("enterprise-jiangnan", "50000.00")
    VoucherApplication.objects.filter(pk=small.pk).update(
        submitted_at=timezone.now() - timedelta(days=40)
    )
    got = client.get("/official/applications/?amount_min=2000&amount_max=60000&status=submitted")
    assert list(got.context["applications"]) == [big]
    since = (timezone.localdate() - timedelta(days=10)).isoformat()
    got = client.get(f"/official/applications/?submitted_from={since}&status=submitted")
    assert list(got.context["applications"]) == [big]
    got = client.get("/official/applications/?industry=graphene&status=submitted")
    assert len(got.context["applications"]) == 2
    got = client.get("/official/applications/?industry=textiles")
    assert len(got.context["applications"]) == 0


def test_it_sorts(client, demo, submit, official):
    submit("enterprise-jiangnan", "1000.00")
    submit("enterprise-jiangnan", "50000.00")
    submit("enterprise-jiangnan", "3000.00")
    got = client.get("/official/applications/?status=submitted&ordering=amount_desc")
    amounts = [a.requested_amount for a in got.context["applications"]]
    assert amounts == sorted(amounts, reverse=True)


def test_bad_filters_say_so_and_list_nothing(client, demo, submit, official):
    submit("enterprise-jiangnan", "1000.00")
    response = client.get("/official/applications/?amount_min=lots&submitted_from=yesterday")
    # The queue under the error is not the whole queue read as filtered.
    assert response.status_code == 400
    assert list(response.context["applications"]) == []
    assert response.context["filters"].errors["amount_min"]


def test_amounts_filter_as_the_pages_print_them(client, demo, submit, official):
    submit("enterprise-jiangnan", "1000.00")
    big = submit("enterprise-jiangnan", "50000.00")
    for typed in ("10,000", "¥10,000.00", "10000"):
        got = client.get("/official/applications/", {"amount_min": typed, "status": "submitted"})
        assert list(got.context["applications"]) == [big], typed


def test_it_paginates_with_a_constant_number_of_queries(
    client, demo, submit, official, django_assert_max_num_queries
):
    for _ in range(30):
        submit("enterprise-jiangnan", "100.00")
    with django_assert_max_num_queries(12):
        first = client.get("/official/applications/?status=submitted")
    assert len(first.context["applications"]) == 25
    assert first.context["page"].paginator.count == 30
    second = client.get("/official/applications/?status=submitted&page=2")
    assert len(second.context["applications"]) == 5


def test_the_application_page_shows_the_applicants_history(client, demo, submit, official):
    application = submit("enterprise-jiangnan", "1000.00")
    page = client.get(f"/applications/{application.pk}/")
    assert page.status_code == 200
    assert [v.serial for v in page.context["vouchers"]] == [demo["voucher"].serial]
    assert len(page.context["earlier_applications"]) == 1
    assert page.context["can_decide"] is True
    content = page.content.decode()
    assert demo["voucher"].serial in content
    assert "History" in content  # the audit trail
    assert "submit" in content


def test_the_enterprise_sees_its_application_without_the_reviewer_parts(client, demo, submit):
    application = submit("enterprise-jiangnan", "1000.00")
    client.force_login(demo["users"]["enterprise-jiangnan"])
    page = client.get(f"/applications/{application.pk}/")
    assert page.status_code == 200
    assert page.context["can_withdraw"] is True
    assert page.context["can_decide"] is False
    assert "earlier_applications" not in page.context
