"""The order page names who acted as a reader knows them, in its History as next to its
documents and evidence: a person by name; a provider or enterprise account without a name
(the demo's) as the organisation it acts for, its user name after it in small print; an
official without a name as the district. The History said "provider-sit" and
"enterprise-jiangnan", user names the reader had never seen."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from providers import services
from regions.models import AuditEntry, Region, User
from regions.services import audit_record

pytestmark = pytest.mark.django_db

SMALL = '<small class="muted">({})</small>'
# On a Chinese page the parentheses are full-width, as Chinese text writes them.
SMALL_ZH = '<small class="muted">（{}）</small>'


def _history(page: str) -> str:
    """The history table, its cells' labels (for a phone's cards) left out."""
    return re.sub(r' data-label="[^"]*"', "", page[page.index('id="audit-title"') :])


def _nameless(user: User) -> User:
    User.objects.filter(pk=user.pk).update(first_name="", last_name="")
    user.refresh_from_db()
    return user


@pytest.fixture
def order(order_in, users):
    """Accepted and completed by provider-sit, disputed by enterprise-jiangnan, the dispute
    upheld by official-wujin."""
    order = order_in("disputed")
    services.order_resolve_dispute(
        order=order, decision="uphold", reason="Redo the report.", actor=users["official-wujin"]
    )
    return order


def _page(client, user, order, language="en") -> str:
    client.force_login(user)
    response = client.get(f"/orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_it_names_provider_and_enterprise_accounts_by_their_organisation(client, users, order):
    history = _history(_page(client, users["enterprise-jiangnan"], order))

    provider, enterprise = order.provider, order.enterprise
    assert f"<td>{escape(provider.name)} {SMALL.format('provider-sit')}</td>" in history
    assert f"<td>{escape(enterprise.name)} {SMALL.format('enterprise-jiangnan')}</td>" in history
    assert "<td>provider-sit</td>" not in history
    assert "<td>enterprise-jiangnan</td>" not in history


def test_it_names_them_in_chinese_on_a_chinese_page(client, users, order):
    history = _history(_page(client, users["provider-sit"], order, "zh-hans"))

    assert f"<td>{order.provider.name_zh} {SMALL_ZH.format('provider-sit')}</td>" in history
    assert (
        f"<td>{order.enterprise.name_zh} {SMALL_ZH.format('enterprise-jiangnan')}</td>" in history
    )


def test_it_names_a_person_by_name_alone(client, users, order):
    official = users["official-wujin"]
    assert official.get_full_name()

    history = _history(_page(client, users["enterprise-jiangnan"], order))

    assert f"<td>{official.get_full_name()}</td>" in history
    assert "official-wujin" not in history


def test_it_names_an_official_without_a_name_by_the_district(client, users, order):
    _nameless(users["official-wujin"])

    history = _history(_page(client, users["enterprise-jiangnan"], order, "zh-hans"))

    assert f"<td>武进区 {SMALL_ZH.format('official-wujin')}</td>" in history


def test_the_evidence_and_the_documents_say_the_same(client, users, order):
    from tests.paperwork import complete_paperwork

    complete_paperwork(order)

    page = _page(client, users["enterprise-jiangnan"], order)

    provider = f"{escape(order.provider.name)} {SMALL.format('provider-sit')}"
    enterprise = f"{escape(order.enterprise.name)} {SMALL.format('enterprise-jiangnan')}"
    assert page.count(f", {provider})</span>") == 2  # the evidence and the invoice
    assert page.count(f", {enterprise})</span>") == 1  # the contract
    assert f"· {enterprise}</dd>" in page  # the own share recorded
    assert f"· {provider}</dd>" in page  # and confirmed
    assert "provider-sit)</span>" not in page.replace(SMALL.format("provider-sit"), "")


def test_more_history_by_more_accounts_costs_no_more_queries(
    client, users, order, make_provider, make_enterprise, django_assert_max_num_queries
):
    client.force_login(users["enterprise-jiangnan"])
    with CaptureQueriesContext(connection) as before:
        named = _history(client.get(f"/orders/{order.pk}/").content.decode()).count("<small")
    # Each row by an account of another organisation, and of another district.
    for region in ("YANGPU", "NANHU", "HEFEI_HT"):
        for actor in (
            make_provider(region=region).users.get(),
            make_enterprise(region=region).users.get(),
            User.objects.create_user(
                username=f"official-test-{region.lower()}",
                role=User.Role.OFFICIAL,
                region=Region.objects.get(code=region),
            ),
        ):
            audit_record(actor=actor, obj=order, action=AuditEntry.Action.UPDATE)

    with django_assert_max_num_queries(len(before.captured_queries)):
        history = _history(client.get(f"/orders/{order.pk}/").content.decode())
    assert history.count("<small") == named + 3 * 3
