"""Sign-up attempts are counted per client address (THROTTLE_SIGNUP): beyond the rate the
page answers 429 with Retry-After, creates nothing and checks nothing, so a script can
neither fill the verification queues nor learn which e-mail addresses have an account."""

import pytest
from django.test import Client

from regions.models import User
from tests.vouchers.test_signup import form
from vouchers.models import Enterprise

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_an_hour(settings):
    settings.THROTTLE_SIGNUP = "2/hour"


def test_attempts_beyond_the_rate_are_refused_with_the_entries_kept(client, demo, two_an_hour):
    assert client.post("/signup/", form(demo, password2="a-different-one")).status_code == 400
    assert client.post("/signup/", form(demo, username="firstco")).status_code == 302
    client.logout()
    accounts, enterprises = User.objects.count(), Enterprise.objects.count()

    response = client.post("/signup/", form(demo, username="secondco", credit_code=""))

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 3000
    page = response.content.decode()
    assert "Too many sign-ups from your network: try again in" in page
    assert "Wujin New Materials Co., Ltd." in page and "secondco" in page
    assert "a-Strong-pass-2026" not in page
    assert (User.objects.count(), Enterprise.objects.count()) == (accounts, enterprises)


def test_a_refused_attempt_says_nothing_of_a_taken_address(client, demo, two_an_hour):
    taken = User.objects.exclude(email="").first().email
    client.post("/signup/", form(demo, email=taken))
    second = client.post("/signup/", form(demo, email=taken))
    assert b"exists already" in second.content  # within the rate the form says so
    refused = client.post("/signup/", form(demo, email=taken))
    assert refused.status_code == 429
    assert b"exists already" not in refused.content
    assert b"form-error" in refused.content


def test_another_address_has_its_own_allowance(client, demo, two_an_hour):
    for _ in range(3):
        client.post("/signup/", form(demo, credit_code=""))
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert other.post("/signup/", form(demo)).status_code == 302


def test_reading_the_form_is_not_counted(client, demo, two_an_hour):
    for _ in range(5):
        assert client.get("/signup/").status_code == 200
    assert client.post("/signup/", form(demo)).status_code == 302


def test_the_refusal_is_in_the_readers_language(demo, two_an_hour):
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    for _ in range(2):
        chinese.post("/signup/", form(demo, credit_code=""))
    response = chinese.post("/signup/", form(demo, credit_code=""))
    assert response.status_code == 429
    assert "您所在网络的注册次数过多，请 60 分钟后再试。" in response.content.decode()


def test_a_providers_application_counts_in_the_same_allowance(client, demo, two_an_hour):
    """The provider application creates an account too, and told anyone whether an address
    had one, with no limit while the enterprises' sign-up answered 429."""
    from providers.models import Provider
    from tests.providers.test_apply import account, form_data

    taken = User.objects.exclude(email="").first().email
    for _ in range(2):
        client.post("/signup/", form(demo, credit_code=""))
    providers = Provider.objects.count()
    refused = client.post(
        "/providers/apply/",
        {**form_data(region=demo["regions"]["WUJIN"].pk), **account(**{"account-email": taken})},
    )
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    page = refused.content.decode()
    assert "Too many sign-ups from your network" in page
    assert "exists already" not in page and "Changzhou Materials Testing Centre" in page
    assert Provider.objects.count() == providers
