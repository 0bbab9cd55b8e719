"""The provider API shows a provider's private details (legal representative, registered
address, phone) to whom the provider's page shows them: its district's officials, the
operator and the provider itself; null for everyone else, in the list and the detail."""

import pytest

pytestmark = pytest.mark.django_db

PRIVATE = ("legal_representative", "registered_address", "contact_phone")


def _rows(response, provider_id):
    body = response.json()
    rows = body["results"] if isinstance(body, dict) and "results" in body else [body]
    return [row for row in rows if row["id"] == provider_id]


@pytest.mark.parametrize(
    ("username", "shown"),
    [
        (None, False),
        ("enterprise-jiangnan", False),
        ("provider-graphene", False),
        ("provider-sit", True),
        ("official-wujin", True),
        ("operator", True),
    ],
)
def test_private_details_only_for_those_the_page_shows_them_to(
    api_client, api_as, demo, username, shown
):
    provider = demo["providers"]["provider-sit"]
    provider.legal_representative = "Wang Jianguo"
    provider.registered_address = "100 Haiquan Road"
    provider.contact_phone = "021-60873000"
    provider.save()
    client = api_as(demo["users"][username]) if username else api_client

    detail = _rows(client.get(f"/api/providers/{provider.pk}/"), provider.pk)
    listed = _rows(client.get("/api/providers/", {"page_size": 100}), provider.pk)

    for row in (*detail, *listed):
        for name in PRIVATE:
            assert (row[name] is not None) == shown, (name, row[name])
    assert detail and listed
