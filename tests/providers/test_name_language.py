"""A provider's English name in a Chinese page is marked English (lang="en"), on the
directory's cards and the provider's heading, so that a screen reader reads it with an English
voice; a Chinese name, and every name in an English page, is left as it is."""

import pytest

pytestmark = pytest.mark.django_db

SIT_EN, SIT_ZH = "Shanghai Institute of Technology", "上海应用技术大学"


@pytest.fixture
def english_only(make_provider):
    """A certified provider registered under its English name alone."""
    return make_provider(status="certified", name="Acme Materials Lab")


def test_the_directory_marks_english_names_in_a_chinese_page(client, english_only):
    page = client.get("/providers/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert f'/">{SIT_ZH}</a></h3>' in page  # the Chinese name first, as it is
    assert f'<p class="muted"><span lang="en">{SIT_EN}</span></p>' in page
    assert '/"><span lang="en">Acme Materials Lab</span></a></h3>' in page


def test_the_provider_heading_marks_its_english_name_in_a_chinese_page(client, demo, english_only):
    sit = demo["providers"]["provider-sit"]

    page = client.get(f"/providers/{sit.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f'<h1>{SIT_ZH} <small class="muted"><span lang="en">{SIT_EN}</span></small>' in page

    path = f"/providers/{english_only.pk}/"
    page = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<h1><span lang="en">Acme Materials Lab</span> ' in page


def test_an_english_page_marks_no_name(client, demo, english_only):
    sit = demo["providers"]["provider-sit"]
    for path in ("/providers/", f"/providers/{sit.pk}/", f"/providers/{english_only.pk}/"):
        page = client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert 'lang="en">' not in page.replace('<html lang="en">', ""), path
