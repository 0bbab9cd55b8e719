"""A provider applies with its qualification files: the `required` of the file input is only
the browser's, so the form itself refuses an application without any file."""

import pytest
from django.core.exceptions import ValidationError

from portal.forms import MultipleFileField
from providers.models import Provider, ProviderQualification
from regions.models import User
from tests.providers.conftest import pdf_upload
from tests.providers.test_apply import account, form_data

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("qualifications", [None, []], ids=["no-field", "empty-list"])
def test_an_application_without_qualification_files_is_refused(client, demo, qualifications):
    data = {**form_data(region=demo["regions"]["WUJIN"].pk), **account()}
    if qualifications is None:
        del data["qualifications"]
    else:
        data["qualifications"] = qualifications
    providers, users = Provider.objects.count(), User.objects.count()

    response = client.post("/providers/apply/", data, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.context["form"].errors["qualifications"] == ["This field is required."]
    assert Provider.objects.count() == providers
    assert not Provider.objects.filter(name="Changzhou Materials Testing Centre").exists()
    assert not ProviderQualification.objects.exists()
    assert User.objects.count() == users
    assert not User.objects.filter(username="new-lab").exists()


def test_an_optional_multiple_file_field_stays_optional():
    field = MultipleFileField(required=False)
    assert field.clean([], None) == []
    assert field.clean(None, None) == []
    upload = pdf_upload("offer.pdf")
    assert field.clean([upload], None) == [upload]


def test_a_required_multiple_file_field_needs_a_file():
    with pytest.raises(ValidationError) as refused:
        MultipleFileField().clean([], None)
    assert refused.value.code == "required"


def test_an_empty_file_among_several_is_named():
    """ "The submitted file is empty." did not say which of the files chosen it was."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    empty = SimpleUploadedFile("检测报告-第二页.pdf", b"", content_type="application/pdf")
    with pytest.raises(ValidationError) as refused:
        MultipleFileField().clean([pdf_upload("offer.pdf"), empty], None)
    assert refused.value.code == "empty"
    assert refused.value.messages == ["“检测报告-第二页.pdf” is empty."]
