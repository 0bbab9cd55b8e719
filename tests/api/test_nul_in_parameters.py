"""A NUL character in a query parameter: documented as refused, and refused with 400."""

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


def test_it_documents_free_text_parameters_without_nul():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    parameters = schema["paths"]["/api/providers/"]["get"]["parameters"]

    search = next(p for p in parameters if p["name"] == "search")

    assert search["schema"]["pattern"] == "^[^\\x00]*$"


def test_it_refuses_a_nul_in_a_query_parameter(demo, api_as):
    response = api_as(demo["users"]["operator"]).get("/api/settlement-batches/?ordering=a%00b")

    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
