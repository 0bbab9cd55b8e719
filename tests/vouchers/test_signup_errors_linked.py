"""/signup/ sent back with mistakes: each message is tied to its field (aria-describedby
names the id of its list), and a summary at the top of the form links to each field."""

import re

import pytest

from tests.described import assert_descriptions_resolve, described_by

pytestmark = pytest.mark.django_db


def test_it_links_each_error_and_help_text_to_its_field(client, demo):
    response = client.post("/signup/", {"credit_code": "nonsense"})

    assert response.status_code == 400
    html = response.content.decode()
    page = assert_descriptions_resolve(html)
    assert described_by(page, "id_username") == ["id_username_error"]
    assert described_by(page, "id_credit_code") == [
        "id_credit_code_helptext",
        "id_credit_code_error",
    ]
    assert re.search(
        r'<ul class="errorlist" id="id_username_error"><li>This field is required', html
    )
    assert re.search(r'<input[^>]*name="username"[^>]*aria-invalid="true"', html)


def test_its_help_texts_are_linked_before_any_mistake(client, demo):
    page = assert_descriptions_resolve(client.get("/signup/").content)

    assert described_by(page, "id_name_zh") == ["id_name_zh_helptext"]
    assert "id_name_zh_helptext" in page.ids


def test_it_sums_up_the_fields_to_correct(client, demo):
    html = client.post("/signup/", {"username": "newco"}).content.decode()

    summary = re.search(
        r'<div class="form-error" role="alert" id="error-summary" tabindex="-1">(.*?)</div>', html
    )
    assert summary, html
    assert "Correct the marked fields:" in summary[1]
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary[1])
    assert ("id_password1", "Password") in links
    assert ("id_credit_code", "Unified social credit code") in links
    assert ("id_contact_email", "Contact e-mail") in links
    assert "id_username" not in dict(links)  # given, and not wrong
    assert all(target in assert_descriptions_resolve(html).ids for target, _ in links)


def test_a_form_not_yet_sent_has_no_summary(client, demo):
    assert 'id="error-summary"' not in client.get("/signup/").content.decode()
