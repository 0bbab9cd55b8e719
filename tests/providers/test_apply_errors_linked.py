"""/providers/apply/ sent back with mistakes: each message is tied to its field, the service
categories are a group named by its legend, and a summary at the top links to each field."""

import re

import pytest

from tests.described import assert_descriptions_resolve, described_by

pytestmark = pytest.mark.django_db


def test_it_links_each_error_and_help_text_to_its_field(client, demo):
    response = client.post("/providers/apply/", {"name": "A lab"})

    assert response.status_code == 400
    page = assert_descriptions_resolve(response.content)
    assert described_by(page, "id_credit_code") == [
        "id_credit_code_helptext",
        "id_credit_code_error",
    ]
    assert described_by(page, "id_account-username") == ["id_account-username_error"]


def test_its_help_texts_are_linked_before_any_mistake(client, demo):
    page = assert_descriptions_resolve(client.get("/providers/apply/").content)

    assert described_by(page, "id_credit_code") == ["id_credit_code_helptext"]


def test_the_service_categories_are_a_fieldset_with_a_legend_and_their_error(client, demo):
    html = client.post("/providers/apply/", {"name": "A lab"}).content.decode()

    page = assert_descriptions_resolve(html)
    group = page.fieldset_of["id_categories_0"]
    assert group.legend.strip() == "Service categories"
    assert group.attrs["aria-describedby"] == "id_categories_error"
    assert re.search(
        r'<ul class="errorlist" id="id_categories_error"><li>This field is required', html
    )


def test_it_sums_up_the_fields_to_correct(client, demo):
    html = client.post("/providers/apply/", {"name": "A lab"}).content.decode()

    summary = re.search(
        r'<div class="form-error" role="alert" id="error-summary" tabindex="-1">(.*?)</div>', html
    )
    assert summary, html
    assert "Correct the marked fields:" in summary[1]
    links = dict(re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary[1]))
    assert links["id_account-username"] == "User name"
    # A group of boxes: the link moves the focus to its first box (its own id is on a
    # wrapper that takes no focus).
    assert links["id_categories_0"] == "Service categories"
    assert "id_name" not in links
    assert set(links) <= assert_descriptions_resolve(html).ids
