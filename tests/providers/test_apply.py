import re

import pytest

from providers.models import Provider, ProviderQualification, ServiceCategory
from regions.models import AuditEntry, User
from tests.providers.conftest import EXE_BYTES, credit_code, pdf_upload, upload

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "name": "Changzhou Materials Testing Centre",
        "name_zh": "常州材料检测中心",
        "credit_code": credit_code(),
        "region": "",
        "kind": "testing_lab",
        "categories": [],
        "description": "Raman, SEM, XRD.",
        "contact_email": "lab@example.com",
        "contact_phone": "0519-1234567",
        "qualifications": [pdf_upload("licence.pdf")],
    }
    data.update(overrides)
    return data


def account(**overrides):
    data = {
        "account-username": "new-lab",
        "account-email": "new-lab@example.com",
        "account-password": "a-good-pass-2026",
        "account-password_again": "a-good-pass-2026",
    }
    data.update(overrides)
    return data


@pytest.fixture
def wujin(demo):
    return demo["regions"]["WUJIN"]


@pytest.fixture
def testing():
    return ServiceCategory.objects.get(code="testing")


def test_it_registers_an_anonymous_visitor_and_applies(client, wujin, testing):
    response = client.post(
        "/providers/apply/",
        {**form_data(region=wujin.pk, categories=[testing.pk]), **account()},
    )
    assert response.status_code == 302
    assert response["Location"] == "/provider/"
    provider = Provider.objects.get(name="Changzhou Materials Testing Centre")
    assert provider.status == Provider.Status.APPLIED
    assert provider.region == wujin
    assert list(provider.categories.values_list("code", flat=True)) == ["testing"]
    user = User.objects.get(username="new-lab")
    assert user.role == User.Role.PROVIDER and user.provider == provider
    qualification = ProviderQualification.objects.get(provider=provider)
    assert qualification.original_name == "licence.pdf"
    assert qualification.content_type == "application/pdf"
    assert AuditEntry.objects.filter(action="apply", object_id=str(provider.pk)).exists()
    # logged in as the new provider user
    assert client.get("/provider/").status_code == 200


def test_it_lets_a_provider_user_without_provider_apply(client, wujin, testing):
    user = User.objects.create_user(username="lab-x", password="p-2026-xx", role="provider")
    client.force_login(user)
    page = client.get("/providers/apply/")
    assert "account-username" not in page.content.decode()
    response = client.post("/providers/apply/", form_data(region=wujin.pk, categories=[testing.pk]))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.provider.name == "Changzhou Materials Testing Centre"


def test_it_shows_a_clear_message_on_a_bad_credit_code(client, wujin, testing):
    bad = credit_code()[:-1] + ("0" if credit_code()[-1] != "0" else "1")
    response = client.post(
        "/providers/apply/",
        {**form_data(region=wujin.pk, categories=[testing.pk], credit_code=bad), **account()},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors["credit_code"]
    assert "check character" in errors[0]
    assert not Provider.objects.filter(name="Changzhou Materials Testing Centre").exists()
    assert not User.objects.filter(username="new-lab").exists()


def test_it_refuses_a_credit_code_that_already_applied(client, wujin, testing, sit):
    response = client.post(
        "/providers/apply/",
        {
            **form_data(region=wujin.pk, categories=[testing.pk], credit_code=sit.credit_code),
            **account(),
        },
    )
    assert response.status_code == 400
    assert "already applied" in response.context["form"].errors["credit_code"][0]


def test_a_rejected_application_leaves_its_credit_code_free(client, wujin, testing):
    """Anyone could apply with a real institute's code, be rejected, and lock the institute
    out for good: the code was unique among every provider, rejected ones too."""
    code = credit_code()
    first = {**form_data(region=wujin.pk, categories=[testing.pk], credit_code=code), **account()}
    assert client.post("/providers/apply/", first).status_code == 302
    squatter = Provider.objects.get(credit_code=code)
    client.logout()

    def again():  # a new upload each time: a posted file is read to its end
        return {
            **form_data(region=wujin.pk, categories=[testing.pk], credit_code=code),
            **account(**{"account-username": "real-lab", "account-email": "real@example.com"}),
        }

    refused = client.post("/providers/apply/", again())
    assert refused.status_code == 400  # while the first application is open
    assert "already applied" in refused.context["form"].errors["credit_code"][0]

    Provider.objects.filter(pk=squatter.pk).update(status=Provider.Status.REJECTED)
    assert client.post("/providers/apply/", again()).status_code == 302
    assert Provider.objects.filter(credit_code=code).count() == 2
    live = Provider.objects.exclude(status=Provider.Status.REJECTED).get(credit_code=code)
    assert live.users.get().username == "real-lab"


def test_the_database_keeps_one_open_provider_per_credit_code(sit):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Provider.objects.create(
            name="Copy", credit_code=sit.credit_code, region=sit.region, kind=sit.kind
        )


def test_it_refuses_a_disguised_qualification(client, wujin, testing):
    response = client.post(
        "/providers/apply/",
        {
            **form_data(
                region=wujin.pk,
                categories=[testing.pk],
                qualifications=[upload("licence.pdf", EXE_BYTES)],
            ),
            **account(),
        },
    )
    assert response.status_code == 400
    assert "content was checked" in response.context["form"].errors["qualifications"][0]
    assert not User.objects.filter(username="new-lab").exists()
    assert not ProviderQualification.objects.exists()


def test_it_refuses_a_taken_user_name(client, wujin, testing):
    response = client.post(
        "/providers/apply/",
        {
            **form_data(region=wujin.pk, categories=[testing.pk]),
            **account(**{"account-username": "provider-sit"}),
        },
    )
    assert response.status_code == 400
    assert response.context["account_form"].errors["username"]
    assert not Provider.objects.filter(name="Changzhou Materials Testing Centre").exists()


def test_it_sends_a_provider_that_applied_to_its_dashboard(client, users):
    client.force_login(users["provider-sit"])
    assert client.get("/providers/apply/")["Location"] == "/provider/"


def test_it_refuses_an_enterprise_user(client, users):
    client.force_login(users["enterprise-jiangnan"])
    assert client.get("/providers/apply/").status_code == 403


def test_it_applies_through_the_api(api_as, demo):
    user = User.objects.create_user(username="lab-api", password="p-2026-xx", role="provider")
    response = api_as(user).post(
        "/api/providers/",
        {
            "name": "Nanhu Lab",
            "credit_code": credit_code(),
            "region": "NANHU",
            "kind": "testing_lab",
            "categories": ["testing", "consulting"],
            "contact_email": "nanhu-lab@example.com",
            "qualifications": [pdf_upload("licence.pdf")],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "applied" and body["region"] == "NANHU"
    assert sorted(body["categories"]) == ["consulting", "testing"]
    assert body["certificate"] is None
    assert Provider.objects.get(pk=body["id"]).qualifications.count() == 1


def test_it_answers_400_for_a_bad_credit_code_in_the_api(api_as, demo):
    user = User.objects.create_user(username="lab-api", password="p-2026-xx", role="provider")
    response = api_as(user).post(
        "/api/providers/",
        {
            "name": "Nanhu Lab",
            "credit_code": "91330402MA29F0G3",
            "region": "NANHU",
            "kind": "testing_lab",
            "categories": ["testing"],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "18 characters" in response.json()["credit_code"][0]


def test_it_answers_403_to_an_enterprise_in_the_api(api_as, users):
    response = api_as(users["enterprise-jiangnan"]).post("/api/providers/", {}, format="json")
    assert response.status_code == 403


def test_it_answers_409_when_the_provider_already_applied(api_as, users):
    response = api_as(users["provider-sit"]).post(
        "/api/providers/",
        {
            "name": "Again",
            "credit_code": credit_code(),
            "region": "YANGPU",
            "kind": "university",
            "categories": ["rnd"],
        },
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "already_applied"


def test_it_needs_a_login_in_the_api(api_client, demo):
    assert api_client.post("/api/providers/", {}, format="json").status_code == 401


def test_a_description_beyond_its_limit_is_refused_by_the_page_and_the_service(
    client, wujin, testing
):
    from portal.errors import ValidationFailed
    from providers.services import provider_apply

    long = "x" * (Provider.DESCRIPTION_MAX_LENGTH + 1)
    response = client.post(
        "/providers/apply/",
        {**form_data(region=wujin.pk, categories=[testing.pk], description=long), **account()},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["description"]
    assert not User.objects.filter(username="new-lab").exists()
    # The service refuses it too, for callers without the form (the API).
    user = User.objects.create_user(username="lab-y", password="p-2026-yy", role="provider")
    with pytest.raises(ValidationFailed) as refused:
        provider_apply(
            actor=user,
            name="Y Lab",
            credit_code=credit_code(),
            region=wujin,
            kind="testing_lab",
            categories=[testing],
            description=long,
        )
    assert refused.value.code == "max_length"
    assert not Provider.objects.filter(name="Y Lab").exists()


def test_a_provider_name_with_an_invisible_direction_character_is_refused(client, wujin, testing):
    data = form_data(region=wujin.pk, categories=[testing.pk], name_zh="好实验室\u202e")
    response = client.post("/providers/apply/", {**data, **account()})
    assert response.status_code == 400
    assert "invisible direction characters" in str(response.context["form"].errors)
    assert not User.objects.filter(username="new-lab").exists()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_application_form_labels_end_without_a_colon(client, demo, language):
    # Every other form of the portal labels its fields without Django's ":" / "："; the
    # provider's application, its profile and the order forms read the same.
    page = client.get("/providers/apply/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    labels = re.findall(r"<label[^>]*>(.*?)</label>", page, re.DOTALL)
    assert len(labels) > 5
    assert [label for label in labels if label.strip().endswith((":", "："))] == []
