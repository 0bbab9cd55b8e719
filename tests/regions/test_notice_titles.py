"""A notice needs a title and a text in English or Chinese: without either, the refusal
says so, on the page and in the API (it said the English field was required, while a
Chinese one alone is enough)."""

import pytest

from regions.models import Notice

pytestmark = pytest.mark.django_db

TITLE_NEEDED = "Give the notice a title, in English or Chinese."
TEXT_NEEDED = "Give the notice a text, in English or Chinese."


def test_the_api_asks_for_a_title_in_either_language(api_as, demo):
    before = Notice.objects.count()

    response = api_as(demo["users"]["official-wujin"]).post(
        "/api/notices/",
        {"kind": "news", "title": "", "title_zh": " ", "body": "Text."},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400, response.content
    assert response.json()["title"] == [TITLE_NEEDED]
    assert Notice.objects.count() == before


def test_the_api_asks_for_a_text_in_either_language(api_as, demo):
    response = api_as(demo["users"]["official-wujin"]).post(
        "/api/notices/",
        {"kind": "news", "title_zh": "新闻"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400, response.content
    assert response.json()["body"] == [TEXT_NEEDED]


def test_the_page_asks_for_a_title_in_either_language(client, demo):
    client.force_login(demo["users"]["official-wujin"])
    before = Notice.objects.count()

    response = client.post(
        "/notices/new/", {"kind": "news", "body": "Text."}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert response.context["form"].errors["title"] == [TITLE_NEEDED]
    assert "This field is required." not in response.content.decode()
    assert Notice.objects.count() == before


def test_the_page_says_it_in_chinese(client, demo):
    client.force_login(demo["users"]["official-wujin"])

    response = client.post(
        "/notices/new/", {"kind": "news", "body_zh": "正文"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert response.status_code == 400
    assert "此项为必填项" not in response.content.decode()


def test_editing_away_both_titles_is_refused_in_those_words(api_as, demo):
    client = api_as(demo["users"]["official-wujin"])
    created = client.post(
        "/api/notices/", {"kind": "news", "title": "News", "body": "Text."}, format="json"
    )
    assert created.status_code == 201, created.content

    response = client.patch(
        f"/api/notices/{created.json()['id']}/",
        {"title": ""},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400, response.content
    assert response.json()["title"] == [TITLE_NEEDED]
    assert Notice.objects.get(pk=created.json()["id"]).title == "News"
