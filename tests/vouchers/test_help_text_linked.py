"""The help text under a field is the one its aria-describedby names (Django's widgets name
"<id>_helptext"), on the pages built from vouchers/_field.html."""

import pytest

from tests.described import assert_descriptions_resolve, described_by

pytestmark = pytest.mark.django_db


def test_the_application_form_links_its_help_texts(client, demo):
    client.force_login(demo["users"]["enterprise-jiangnan"])

    page = assert_descriptions_resolve(client.get("/applications/new/").content)

    assert described_by(page, "id_purpose") == ["id_purpose_helptext"]


def test_the_application_form_sent_back_links_help_and_errors(client, demo):
    client.force_login(demo["users"]["enterprise-jiangnan"])

    response = client.post("/applications/new/", {"purpose": ""})

    page = assert_descriptions_resolve(response.content)
    assert described_by(page, "id_purpose") == ["id_purpose_helptext", "id_purpose_error"]
