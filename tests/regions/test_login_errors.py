"""/login/ with a box left empty: the form (sent unchecked by the browser) says beside the
box what is missing, in the reader's language, tied to it with aria-describedby."""

import re

import pytest

from tests.described import assert_descriptions_resolve, described_by

pytestmark = pytest.mark.django_db


def test_it_says_which_box_is_empty(client, demo):
    response = client.post("/login/", {"username": "", "password": "secret"})

    assert response.status_code == 400
    html = response.content.decode()
    page = assert_descriptions_resolve(html)
    assert described_by(page, "id_username") == ["id_username_error"]
    assert re.search(
        r'<ul class="errorlist" id="id_username_error"><li>This field is required', html
    )
    assert re.search(r'<input[^>]*id="id_username"[^>]*aria-invalid="true"', html)
    assert described_by(page, "id_password") == []


def test_it_says_the_password_is_missing(client, demo):
    html = client.post("/login/", {"username": "someone", "password": ""}).content.decode()

    page = assert_descriptions_resolve(html)
    assert described_by(page, "id_password") == ["id_password_error"]
    assert 'id="id_password_error"' in html
    assert 'value="someone"' in html


def test_it_says_so_in_chinese(client, demo):
    response = client.post(
        "/login/", {"username": "", "password": ""}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    html = response.content.decode()
    assert re.search(r'<ul class="errorlist" id="id_username_error"><li>此项为必填项。', html)
    assert re.search(r'<ul class="errorlist" id="id_password_error"><li>此项为必填项。', html)
