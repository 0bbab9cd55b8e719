"""The batch page's live progress bar: htmx polls a small partial every 2 s while the batch
is open; without JavaScript a plain <progress> and a reload link."""

import pytest

from regions.settlement.services import (
    settlement_batch_create,
    settlement_claim_range,
    settlement_run,
)
from tests.settlement.factories import spread
from vouchers.models import Redemption

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def half_claimed(demo):
    """An open batch whose workers have claimed about half of its redemptions (its queued
    tasks never run: the test transaction does not commit)."""
    spread(demo, 8)
    batch = settlement_batch_create(actor=demo["users"]["operator"])
    eligible = list(
        Redemption.objects.filter(cross_region=True, settlement_item__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)
    )
    middle = eligible[len(eligible) // 2 - 1]
    claimed = settlement_claim_range(batch_id=batch.pk, low=0, high=middle)
    batch.refresh_from_db()
    assert batch.status == "open" and batch.claimed_count == claimed > 0
    return batch, len(eligible)


@pytest.fixture
def operator(client, demo):
    client.force_login(demo["users"]["operator"])
    return client


def test_the_open_batch_page_shows_the_bar_and_polls_the_partial(operator, half_claimed):
    batch, total = half_claimed
    html = operator.get(f"/settlement/{batch.pk}/").content.decode()
    assert f'hx-get="/settlement/{batch.pk}/progress/"' in html
    assert 'hx-trigger="every 2s"' in html
    assert f'<progress max="{total}" value="{batch.claimed_count}"' in html
    assert f"({batch.claimed_count * 100 // total}%)" in html
    # Without JavaScript: the same bar, and a link to reload the page.
    assert f'<noscript><p><a href="/settlement/{batch.pk}/">' in html


def test_the_partial_is_the_bar_alone_and_keeps_polling(operator, half_claimed):
    batch, total = half_claimed
    response = operator.get(f"/settlement/{batch.pk}/progress/", **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="batch-progress"')
    assert "<h1" not in html and 'hx-trigger="every 2s"' in html
    assert f'value="{batch.claimed_count}"' in html
    assert "HX-Refresh" not in response


def test_the_bar_moves_as_the_workers_claim(operator, half_claimed):
    batch, total = half_claimed
    settlement_claim_range(batch_id=batch.pk)
    html = operator.get(f"/settlement/{batch.pk}/progress/", **HTMX).content.decode()
    assert f'<progress max="{total}" value="{total}"' in html and "(100%)" in html


def test_polling_stops_and_the_page_reloads_once_computed(operator, half_claimed):
    batch, total = half_claimed
    settlement_run(batch_id=batch.pk)
    response = operator.get(f"/settlement/{batch.pk}/progress/", **HTMX)
    html = response.content.decode()
    assert "hx-trigger" not in html and "<progress" not in html
    assert f"{total} redemptions" in html
    assert response["HX-Refresh"] == "true"
    page = operator.get(f"/settlement/{batch.pk}/").content.decode()
    assert "hx-trigger" not in page


def test_the_batch_url_answers_htmx_with_the_same_partial(operator, half_claimed):
    batch, _ = half_claimed
    html = operator.get(f"/settlement/{batch.pk}/", **HTMX).content.decode()
    assert html.lstrip().startswith('<div id="batch-progress"')


def test_a_poll_runs_few_queries(operator, half_claimed, django_assert_max_num_queries):
    batch, _ = half_claimed
    with django_assert_max_num_queries(5):
        operator.get(f"/settlement/{batch.pk}/progress/", **HTMX)


def test_officials_see_it_other_roles_do_not(client, demo, half_claimed):
    batch, _ = half_claimed
    url = f"/settlement/{batch.pk}/progress/"
    assert client.get(url).status_code == 302
    client.force_login(demo["users"]["official-nanhu"])
    assert client.get(url).status_code == 200
    for name in ("provider-sit", "enterprise-jiangnan"):
        client.force_login(demo["users"][name])
        assert client.get(url).status_code == 403
    client.force_login(demo["users"]["operator"])
    assert client.get("/settlement/999999/progress/").status_code == 404
