import pytest

from providers import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_providers(demo, make_provider, users):
    """60 certified providers across the four districts, with offerings and categories."""
    from providers.models import Provider, ServiceCategory, ServiceOffering

    categories = list(ServiceCategory.objects.all())
    for i in range(60):
        region = ["YANGPU", "WUJIN", "NANHU", "HEFEI_HT"][i % 4]
        provider = make_provider(region=region, status=Provider.Status.CERTIFIED)
        provider.categories.set(categories[: 1 + i % 4])
        ServiceOffering.objects.create(
            provider=provider, category=categories[0], title=f"Service {i}"
        )
    return Provider.objects.filter(status="certified").count()


def test_it_finds_providers_by_keyword(client, demo):
    html = client.get("/providers/", {"q": "Shanghai"}).content.decode()
    assert "Shanghai Institute of Technology" in html
    assert "Jiaxing Weikai" not in html


def test_it_finds_providers_by_chinese_name_and_offering_title(client, demo):
    assert "Shanghai Institute" in client.get("/providers/", {"q": "应用技术"}).content.decode()
    html = client.get("/providers/", {"q": "EMC testing"}).content.decode()
    assert "Jiaxing Weikai" in html and "Shanghai Institute" not in html


def test_it_finds_a_provider_by_what_its_service_does(client, demo):
    # "球磨" (ball milling) is in the institute's service description only: the search box
    # promises services and keywords, and found nothing.
    html = client.get("/providers/", {"q": "球磨"}).content.decode()
    assert "Shanghai Institute of Technology" in html
    html = client.get("/providers/", {"q": "ball milling"}).content.decode()
    assert "Shanghai Institute of Technology" in html


def test_it_filters_by_district_and_category(client, demo):
    html = client.get("/providers/", {"region": "NANHU"}).content.decode()
    assert "Jiaxing Weikai" in html and "Shanghai Institute" not in html
    html = client.get("/providers/", {"category": "ip"}).content.decode()
    assert "University of Science and Technology of China" in html
    assert "Jiaxing Weikai" not in html


def test_it_lists_only_certified_providers(client, make_provider):
    make_provider(region="YANGPU", name="Applied Only Lab")
    html = client.get("/providers/").content.decode()
    assert "Applied Only Lab" not in html
    assert "4 providers found" in html


def test_it_paginates(client, many_providers):
    page = client.get("/providers/", {"page_size": 5, "page": 2})
    assert len(page.context["page"].object_list) == 5
    assert page.context["page"].paginator.count == many_providers


@pytest.mark.parametrize("size", [5, 50])
def test_the_page_runs_a_constant_number_of_queries(
    client, many_providers, size, django_assert_num_queries
):
    # count, page of providers, categories, certificates, region and category choices, and
    # the track records (ratings, completed orders)
    with django_assert_num_queries(8):
        response = client.get("/providers/", {"page_size": size, "q": "Lab"})
    assert len(response.context["page"].object_list) == size


@pytest.mark.parametrize("size", [5, 50])
def test_the_api_runs_a_constant_number_of_queries(
    api_client, many_providers, size, django_assert_num_queries
):
    # the page of providers with its count (portal.lean), categories, certificates
    with django_assert_num_queries(3):
        response = api_client.get("/api/providers/", {"page_size": size, "category": "testing"})
    assert len(response.json()["results"]) == size


def test_the_profile_lists_the_offerings(client, demo, sit):
    from providers.models import ServiceCategory

    offering = services.offering_create(
        actor=demo["users"]["provider-sit"],
        category=ServiceCategory.objects.get(code="instruments"),
        title="Shared XRD diffractometer",
        description="Powder diffraction.",
        indicative_price="800.00",
        lead_time_days=5,
        is_instrument=True,
        instrument_hours=40,
    )
    html = client.get(f"/providers/{sit.pk}/").content.decode()
    assert "Materials process optimization research" in html
    assert offering.title in html
    assert "40 h/month" in html
    assert "¥800.00" in html


def test_the_profile_of_an_applied_provider_is_404_for_the_public(client, make_provider):
    provider = make_provider(region="YANGPU")
    assert client.get(f"/providers/{provider.pk}/").status_code == 404


def test_an_unknown_district_is_said_not_silently_ignored(client, demo):
    """It was ignored unsaid (the list read as Pudong's); tests/portal/test_unknown_filters.py
    checks the other lists."""
    response = client.get("/providers/", {"region": "PUDONG", "q": "Shanghai"})
    assert response.status_code == 400
    assert response.context["page"].paginator.count == 0
    assert "PUDONG" in " ".join(response.context["filter_errors"])
    assert client.get("/providers/", {"q": "Shanghai"}).context["page"].paginator.count == 1


def test_a_chinese_page_lists_with_the_chinese_comma(client, demo, sit):
    assert sit.categories.count() > 1
    body = client.get(f"/providers/{sit.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    services = body.split("<dt>服务</dt><dd>")[1].split("</dd>")[0]
    assert "、" in services and ", " not in services
