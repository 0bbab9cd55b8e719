"""A credit code typed grouped, with spaces or dashes, is read like the enterprise sign-up
reads it: normalised to its 18 characters, then checked."""

import re

import pytest

from providers.models import Provider, ServiceCategory
from regions.models import User
from tests.providers.conftest import credit_code, pdf_upload
from tests.providers.test_apply import account, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def wujin(demo):
    return demo["regions"]["WUJIN"]


@pytest.fixture
def testing():
    return ServiceCategory.objects.get(code="testing")


@pytest.mark.parametrize(
    "group",
    [lambda c: f"{c[:6]} {c[6:12]} {c[12:]}", lambda c: f"{c[:6]}-{c[6:]}"],
    ids=["spaces", "dash"],
)
def test_it_applies_with_a_code_typed_in_groups(client, wujin, testing, group):
    code = credit_code()
    response = client.post(
        "/providers/apply/",
        {
            **form_data(region=wujin.pk, categories=[testing.pk], credit_code=group(code)),
            **account(),
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    assert Provider.objects.get(name="Changzhou Materials Testing Centre").credit_code == code


def test_the_page_lets_a_phone_type_the_code_in_groups(client, demo):
    page = client.get("/providers/apply/").content.decode()
    field = re.search(r'<input[^>]*name="credit_code"[^>]*>', page).group(0)
    assert 'maxlength="18"' not in field


def test_the_api_reads_a_code_typed_in_groups_alike(api_as, demo):
    user = User.objects.create_user(username="lab-api", password="p-2026-xx", role="provider")
    code = credit_code()
    response = api_as(user).post(
        "/api/providers/",
        {
            "name": "Nanhu Lab",
            "credit_code": f"{code[:6]} {code[6:12]}-{code[12:]}",
            "region": "NANHU",
            "kind": "testing_lab",
            "categories": ["testing"],
            "contact_email": "nanhu-lab@example.com",
            "qualifications": [pdf_upload("licence.pdf")],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert Provider.objects.get(pk=response.json()["id"]).credit_code == code
