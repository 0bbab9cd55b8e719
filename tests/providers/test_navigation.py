import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

pytestmark = pytest.mark.django_db


def nav(user):
    request = RequestFactory().get("/")
    request.user = user
    # The role's whole menu: an official's provider links sit in its "Providers" group.
    return render_to_string("partials/nav_role.html", {"user": user}, request=request)


def test_each_role_gets_its_links(users):
    assert "/orders/" in nav(users["enterprise-jiangnan"])
    assert "/providers/" in nav(users["enterprise-jiangnan"])
    assert "/provider/" in nav(users["provider-sit"])
    assert "/providers/to-certify/" in nav(users["official-wujin"])
    assert "/orders/disputed/" in nav(users["official-wujin"])


def test_the_public_gets_the_directory(demo):
    from django.contrib.auth.models import AnonymousUser

    assert "/providers/" in nav(AnonymousUser())


def test_the_header_shows_them(client, users):
    client.force_login(users["official-yangpu"])
    assert "Providers to certify" in client.get("/providers/").content.decode()
