"""A claim's page and the approval queue name who acted as a reader knows them: a person by
name; a provider or enterprise account without a name (the demo's) as the organisation it
acts for, its user name after it in small print; an official without a name as the
district. The History and the confirmation of delivery said "provider-sit" and
"Delivery confirmed by enterprise-jiangnan"."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from providers.models import Provider
from regions.models import AuditEntry, Region, User
from regions.services import audit_record
from tests.redemptions.factories import delivered_claim
from vouchers import services

pytestmark = pytest.mark.django_db

SMALL = '<small class="muted">({})</small>'
# On a Chinese page the parentheses are full-width, as Chinese text writes them.
SMALL_ZH = '<small class="muted">（{}）</small>'


def _history(page: str) -> str:
    """The history table, its cells' labels (for a phone's cards) left out."""
    return re.sub(r' data-label="[^"]*"', "", page[page.index('id="audit-title"') :])


@pytest.fixture
def claim(demo):
    """Delivered by provider-sit, confirmed by enterprise-jiangnan, claimed by provider-sit."""
    return delivered_claim(demo)


def _page(client, user, claim, language="en") -> str:
    client.force_login(user)
    response = client.get(f"/redemptions/{claim.pk}/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_the_history_names_the_provider_account_by_its_provider(client, demo, claim):
    history = _history(_page(client, demo["users"]["official-wujin"], claim))

    assert f"<td>{escape(claim.provider.name)} {SMALL.format('provider-sit')}</td>" in history
    assert "<td>provider-sit</td>" not in history


def test_the_history_names_an_official_without_a_name_by_the_district(client, demo, claim):
    official = demo["users"]["official-wujin"]
    User.objects.filter(pk=official.pk).update(first_name="", last_name="")
    services.redemption_approve(redemption_id=claim.pk, actor=official)

    history = _history(_page(client, demo["users"]["provider-sit"], claim, "zh-hans"))

    assert f"<td>武进区 {SMALL_ZH.format('official-wujin')}</td>" in history
    assert f"<td>{claim.provider.name_zh} {SMALL_ZH.format('provider-sit')}</td>" in history


def test_the_history_names_a_person_by_name_alone(client, demo, claim):
    official = demo["users"]["official-wujin"]
    services.redemption_approve(redemption_id=claim.pk, actor=official)

    history = _history(_page(client, demo["users"]["provider-sit"], claim))

    assert f"<td>{official.get_full_name()}</td>" in history
    assert "official-wujin" not in history


def test_the_confirmation_names_the_enterprise_of_an_account_without_a_name(client, demo, claim):
    enterprise = escape(claim.service_order.enterprise.name)
    confirmed = f"Delivery confirmed by {enterprise} {SMALL.format('enterprise-jiangnan')} on "

    client.force_login(demo["users"]["official-wujin"])
    assert confirmed in client.get(f"/redemptions/{claim.pk}/").content.decode()
    queue = client.get("/official/redemptions/").content.decode()
    assert confirmed in queue[queue.index(f'id="redemption-{claim.pk}"') :]
    assert "Delivery confirmed by enterprise-jiangnan" not in queue


def test_the_confirmation_names_a_person_with_the_enterprise(client, demo, claim):
    User.objects.filter(username="enterprise-jiangnan").update(first_name="芳", last_name="王")
    enterprise = escape(claim.service_order.enterprise.name)

    page = _page(client, demo["users"]["official-wujin"], claim)

    assert f"Delivery confirmed by 王芳 ({enterprise}) on " in page


def test_more_history_by_more_accounts_costs_no_more_queries(
    client, demo, claim, django_assert_max_num_queries
):
    from tests.providers.conftest import credit_code

    client.force_login(demo["users"]["official-wujin"])
    services.redemption_approve(redemption_id=claim.pk, actor=demo["users"]["official-wujin"])
    with CaptureQueriesContext(connection) as before:
        named = _history(client.get(f"/redemptions/{claim.pk}/").content.decode()).count("<small")
    # Each row by an account of another organisation, and of another district.
    for n, region in enumerate(Region.objects.all()):
        provider = Provider.objects.create(
            name=f"Lab {n}",
            credit_code=credit_code(),
            region=region,
            kind=Provider.Kind.TESTING_LAB,
        )
        for actor in (
            User.objects.create_user(f"provider-{n}", role=User.Role.PROVIDER, provider=provider),
            User.objects.create_user(f"official-{n}", role=User.Role.OFFICIAL, region=region),
        ):
            audit_record(actor=actor, obj=claim, action=AuditEntry.Action.UPDATE)

    with django_assert_max_num_queries(len(before.captured_queries)):
        history = _history(client.get(f"/redemptions/{claim.pk}/").content.decode())
    assert history.count("<small") == named + 2 * Region.objects.count()
