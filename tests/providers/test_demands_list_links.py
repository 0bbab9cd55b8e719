"""Reaching the public demand list: the menu of the public, experts and technology managers
links it, the statistics page's demand card does, and its state tabs keep every other filter
and mark the current one."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import RequestFactory

pytestmark = pytest.mark.django_db


def _menu(user) -> str:
    """The header's menu as base.html builds it: the public part, and the role's own."""
    request = RequestFactory().get("/")
    request.user = user
    template = "partials/nav_role.html" if user.is_authenticated else "partials/nav_providers.html"
    return render_to_string(template, {"user": user}, request=request)


@pytest.mark.parametrize("username", [None, "expert-demo", "manager-demo", "provider-sit"])
def test_the_menu_links_the_demand_list(demo, username):
    user = demo["users"][username] if username else AnonymousUser()
    assert 'href="/demands/"' in _menu(user)


def test_the_public_sees_the_link_on_every_page(client, demo):
    html = client.get("/").content.decode()
    assert '<a href="/demands/">Demands</a>' in html


def test_the_statistics_card_links_the_demand_list(client, demo):
    html = client.get("/statistics/").content.decode()
    card = re.search(r'<article class="card" data-figure="demands">.*?</article>', html, re.S)
    assert 'href="/demands/"' in card.group(0)
    # A district's figures lead to that district's demands.
    html = client.get("/statistics/", {"region": "WUJIN"}).content.decode()
    card = re.search(r'<article class="card" data-figure="demands">.*?</article>', html, re.S)
    assert 'href="/demands/?region=WUJIN"' in card.group(0)


def _state_tabs(html: str) -> list[tuple[dict, bool, str]]:
    nav = re.search(r'<nav class="filters" aria-label="Demand states">(.*?)</nav>', html, re.S)
    tabs = []
    for attributes in re.findall(r"<a ([^>]*)>", nav.group(1)):
        href = unescape(re.search(r'href="([^"]*)"', attributes).group(1))
        classes = re.search(r'class="([^"]*)"', attributes).group(1)
        tabs.append((parse_qs(urlsplit(href).query), 'aria-current="page"' in attributes, classes))
    return tabs


def test_the_state_tabs_keep_the_other_filters(client, demo):
    response = client.get("/demands/", {"q": "graphene", "region": "WUJIN", "category": "rnd"})
    assert response.status_code == 200
    tabs = _state_tabs(response.content.decode())
    assert [query.get("status") for query, _current, _classes in tabs] == [
        None,
        ["open"],
        ["awarded"],
    ]
    for query, _current, _classes in tabs:
        assert query["q"] == ["graphene"]
        assert query["region"] == ["WUJIN"]
        assert query["category"] == ["rnd"]
        assert "page" not in query


def test_the_state_tabs_drop_the_page_and_the_old_state(client, demo):
    html = client.get("/demands/", {"status": "open", "page": "1", "region": "WUJIN"}).content
    tabs = _state_tabs(html.decode())
    assert [query.get("status") for query, _current, _classes in tabs] == [
        None,
        ["open"],
        ["awarded"],
    ]
    assert all(query["region"] == ["WUJIN"] and "page" not in query for query, *_ in tabs)


def test_the_current_state_is_marked_to_the_eye_too(client, demo):
    tabs = _state_tabs(client.get("/demands/", {"status": "open"}).content.decode())
    marks = [(current, "btn-secondary" not in classes.split()) for _query, current, classes in tabs]
    assert marks == [(False, False), (True, True), (False, False)]
    tabs = _state_tabs(client.get("/demands/").content.decode())
    assert [current for _query, current, _classes in tabs] == [True, False, False]
    assert "btn-secondary" not in tabs[0][2].split()
