"""The quarterly indicator report of a district (CSV and Excel), for officials."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from regions.selectors import current_year
from tests.redemptions.factories import approved_redemption

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def _csv(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_an_official_gets_their_district_quarter_by_quarter(client, demo):
    approved_redemption(demo, demo["voucher"], demo["providers"]["provider-sit"], "3000.00")
    client.force_login(demo["users"]["official-wujin"])
    # An official's report is its own district's (another district named is refused, below).
    response = client.get(reverse("statistics-quarterly", args=["csv"]))
    assert response.status_code == 200
    assert "indicators-wujin-" in response["Content-Disposition"]
    rows = _csv(response)
    assert rows[0][:3] == ["Period", "Vouchers issued", "Amount issued"]
    assert [r[0] for r in rows[1:]] == ["Q1", "Q2", "Q3", "Q4", "Whole year"]
    quarter = (timezone.localdate().month - 1) // 3 + 1
    assert rows[quarter][4] == "3000.00"  # amount redeemed in this quarter
    assert rows[5][4] == "3000.00"
    assert all(rows[q][4] == "0.00" for q in range(1, 5) if q != quarter)
    assert rows[5][5] == "3000.00" and rows[5][6] == "100.0"  # all of it cross-region


def test_it_is_an_excel_workbook_too(client, demo):
    client.force_login(demo["users"]["official-yangpu"])
    response = client.get(reverse("statistics-quarterly", args=["xlsx"]), {"year": current_year()})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    assert sheet.max_row == 6


def test_the_operator_names_the_district(client, demo):
    client.force_login(demo["users"]["operator"])
    url = reverse("statistics-quarterly", args=["csv"])
    unnamed = client.get(url)
    assert unnamed.status_code == 400 and "?region=" in unnamed.content.decode()
    assert client.get(url, {"region": "NANHU"}).status_code == 200


def test_an_official_asking_for_another_district_or_a_bad_year_is_told(client, demo):
    client.force_login(demo["users"]["official-wujin"])
    url = reverse("statistics-quarterly", args=["csv"])

    other = client.get(url, {"region": "YANGPU"}, HTTP_ACCEPT_LANGUAGE="en")
    assert other.status_code == 400
    assert other["Content-Type"].startswith("text/plain")
    assert "own district" in other.content.decode()
    assert client.get(url, {"region": "WUJIN"}).status_code == 200
    bad_year = client.get(url, {"year": "abc"})
    assert bad_year.status_code == 400 and bad_year["Content-Type"].startswith("text/plain")


def test_enterprises_providers_and_the_public_may_not(client, demo):
    url = reverse("statistics-quarterly", args=["csv"])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(demo["users"]["enterprise-jiangnan"])
    assert client.get(url).status_code == 403


def test_the_officials_reports_menu_links_it(client, demo):
    client.force_login(demo["users"]["official-wujin"])
    body = client.get(reverse("official-dashboard")).content.decode()
    assert reverse("statistics-quarterly", args=["xlsx"]) in body
