import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.codes import credit_code_check_character
from providers.models import Provider, ServiceCategory
from tests.exports.conftest import body_of, column, csv_rows, xlsx_rows

pytestmark = pytest.mark.django_db


def _provider(demo, region, status, name, categories=("testing",)):
    stem = f"91{abs(hash(name)) % 10**15:015d}"
    provider = Provider.objects.create(
        name=name,
        credit_code=stem + credit_code_check_character(stem),
        region=demo["regions"][region],
        kind=Provider.Kind.TESTING_LAB,
        status=status,
    )
    provider.categories.set(ServiceCategory.objects.filter(code__in=categories))
    return provider


def test_it_exports_the_directory_with_its_filters(demo, login):
    client = login(demo["users"]["official-wujin"])
    rows = csv_rows(client.get("/exports/providers.csv"))
    assert rows[0][:3] == ["#", "Provider", "Chinese name"]
    assert len(rows) == 5  # the four certified providers, as the directory lists them
    assert set(column(rows, "Status")) == {"Certified"}
    rows = csv_rows(client.get("/exports/providers.csv?region=YANGPU"))
    assert column(rows, "Provider") == ["Shanghai Institute of Technology"]
    rows = csv_rows(client.get("/exports/providers.csv?q=jiangnan"))
    assert column(rows, "Provider") == ["Jiangnan Graphene Research Institute"]
    # A service's description is searched too: the institute's ball milling is of graphene.
    rows = csv_rows(client.get("/exports/providers.csv?q=graphene"))
    assert "Shanghai Institute of Technology" in column(rows, "Provider")
    # An unknown district is refused, not dropped (the file would hold every district).
    refused = client.get("/exports/providers.csv?region=MARS&q=graphene")
    assert refused.status_code == 400 and "region" in refused.content.decode()


def test_it_lists_categories_and_the_certificate(demo, login):
    provider = _provider(demo, "WUJIN", "certified", "Two Category Lab", ("testing", "rd"))
    rows = csv_rows(login(demo["users"]["operator"]).get("/exports/providers.csv?q=Two Category"))
    expected = ", ".join(
        ServiceCategory.objects.filter(code__in=("testing", "rd"))
        .order_by("id")
        .values_list("name", flat=True)
    )
    assert column(rows, "Categories") == [expected]
    assert column(rows, "#") == [str(provider.pk)]
    sit = csv_rows(login(demo["users"]["operator"]).get("/exports/providers.csv?region=YANGPU"))
    certificate = demo["providers"]["provider-sit"].certificates.order_by("-issued_at").first()
    if certificate is not None:
        assert column(sit, "Certificate") == [certificate.serial]


def test_applied_providers_of_another_district_stay_out(demo, login):
    mine = _provider(demo, "WUJIN", "applied", "Wujin Applicant")
    _provider(demo, "YANGPU", "applied", "Yangpu Applicant")
    client = login(demo["users"]["official-wujin"])
    rows = csv_rows(client.get("/exports/providers.csv?status=applied"))
    assert column(rows, "#") == [str(mine.pk)]
    queue = xlsx_rows(client.get("/exports/providers.xlsx?queue=to_certify"))
    assert column(queue, "Provider") == ["Wujin Applicant"]
    everything = csv_rows(
        login(demo["users"]["operator"]).get("/exports/providers.csv?status=applied")
    )
    assert sorted(column(everything, "Provider")) == ["Wujin Applicant", "Yangpu Applicant"]


def test_the_certification_queue_is_for_officials(demo, login):
    assert (
        login(demo["users"]["operator"]).get("/exports/providers.csv?queue=to_certify").status_code
        == 403
    )
    official = login(demo["users"]["official-wujin"])
    assert official.get("/exports/providers.csv?queue=all").status_code == 404


def test_the_pages_link_to_their_exports(demo, login):
    client = login(demo["users"]["official-wujin"])
    directory = client.get("/providers/?q=lab&region=NANHU").content.decode()
    assert "/exports/providers.csv?q=lab&amp;region=NANHU" in directory
    assert (
        "/exports/providers.xlsx?queue=to_certify"
        in client.get("/providers/to-certify/").content.decode()
    )
    client.logout()
    assert "/exports/" not in client.get("/providers/").content.decode()


def test_it_runs_the_same_queries_for_few_or_many_rows(demo, login):
    client = login(demo["users"]["operator"])
    with CaptureQueriesContext(connection) as few:
        body_of(client.get("/exports/providers.xlsx"))
    for n in range(30):
        _provider(demo, "NANHU", "certified", f"Bulk Lab {n}", ("testing", "rd"))
    with CaptureQueriesContext(connection) as many:
        rows = xlsx_rows(client.get("/exports/providers.xlsx"))
    assert len(rows) == 35 and len(many) == len(few) <= 7
