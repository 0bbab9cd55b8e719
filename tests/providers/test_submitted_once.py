"""A form that creates something counts once per rendering (portal/submissions.py)."""

import re

import pytest

from portal.models import IdempotencyRecord
from providers.models import OrderDocument, ServiceOrder
from tests.paperwork import pdf

pytestmark = pytest.mark.django_db

KEY = re.compile(r'name="submission_key" value="([^"]+)"')


def form_key(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    keys = KEY.findall(response.content.decode())
    assert len(keys) == 1, keys
    return keys[0]


@pytest.fixture
def jiangnan(client, users):
    client.force_login(users["enterprise-jiangnan"])
    return client


def order_form(sit, demo, key, **overrides):
    data = {
        "provider": sit.pk,
        "voucher": demo["voucher"].serial,
        "title": "Raman characterisation of graphene flakes",
        "contract_amount": "20000.00",
        "description": "Ten samples.",
        "submission_key": key,
    }
    data.update(overrides)
    return data


def first_posts_record(rf, user, key, data, **fields):
    """The record a first POST of the order form with `data` has (no answer yet unless
    `fields` give one)."""
    from portal.submissions import form_fingerprint, record_key

    fingerprint = form_fingerprint(rf.post("/orders/new/", data))
    return IdempotencyRecord.objects.create(
        user=user,
        key=record_key(key, fingerprint),
        method="POST",
        path="/orders/new/",
        **{"request_hash": fingerprint, **fields},
    )


def test_each_rendering_of_the_order_form_carries_a_new_key(jiangnan, sit):
    url = f"/orders/new/?provider={sit.pk}"
    assert form_key(jiangnan, url) != form_key(jiangnan, url)


def test_the_same_order_sent_twice_creates_one_order_and_both_land_on_it(jiangnan, sit, demo):
    key = form_key(jiangnan, f"/orders/new/?provider={sit.pk}")
    before = ServiceOrder.objects.count()

    first = jiangnan.post("/orders/new/", order_form(sit, demo, key))
    second = jiangnan.post("/orders/new/", order_form(sit, demo, key))

    assert ServiceOrder.objects.count() == before + 1
    order = ServiceOrder.objects.latest("id")
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/orders/{order.pk}/"
    assert second["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")


def test_changed_contents_under_the_same_key_are_a_second_order(jiangnan, sit, demo):
    key = form_key(jiangnan, f"/orders/new/?provider={sit.pk}")
    before = ServiceOrder.objects.count()

    jiangnan.post("/orders/new/", order_form(sit, demo, key))
    second = jiangnan.post("/orders/new/", order_form(sit, demo, key, title="Another service"))

    assert second.status_code == 302
    assert not second.has_header("Idempotent-Replayed")
    assert ServiceOrder.objects.count() == before + 2
    # The changed form sent once more is that second order again, not a third.
    third = jiangnan.post("/orders/new/", order_form(sit, demo, key, title="Another service"))
    assert third["Idempotent-Replayed"] == "true"
    assert third["Location"] == second["Location"]
    assert ServiceOrder.objects.count() == before + 2


def test_a_form_shown_again_with_its_errors_gives_its_key_back(jiangnan, sit, demo):
    key = form_key(jiangnan, f"/orders/new/?provider={sit.pk}")
    before = ServiceOrder.objects.count()

    refused = jiangnan.post("/orders/new/", order_form(sit, demo, key, contract_amount="-5"))
    assert refused.status_code == 400
    assert not IdempotencyRecord.objects.filter(key__startswith=f"form:{key}").exists()
    # The page shown again carries a new key of its own.
    assert KEY.findall(refused.content.decode()) != [key]

    accepted = jiangnan.post("/orders/new/", order_form(sit, demo, key))
    assert accepted.status_code == 302
    assert ServiceOrder.objects.count() == before + 1


def test_another_users_key_is_not_theirs(client, jiangnan, users, sit, demo):
    key = form_key(jiangnan, f"/orders/new/?provider={sit.pk}")
    jiangnan.post("/orders/new/", order_form(sit, demo, key))
    record = IdempotencyRecord.objects.get(key__startswith=f"form:{key}:")

    assert record.user == users["enterprise-jiangnan"]
    assert record.response_status == 302


def test_a_form_without_a_key_works_as_before(jiangnan, sit, demo):
    before = ServiceOrder.objects.count()
    data = order_form(sit, demo, "")
    del data["submission_key"]

    assert jiangnan.post("/orders/new/", data).status_code == 302
    assert jiangnan.post("/orders/new/", data).status_code == 302
    assert ServiceOrder.objects.count() == before + 2


def test_a_file_sent_twice_is_stored_once_and_another_file_is_not_taken_for_it(client, demo):
    order = demo["order"]
    client.force_login(demo["users"]["enterprise-jiangnan"])
    key = KEY.findall(client.get(f"/orders/{order.pk}/").content.decode())
    assert key, "the upload form carries a key"
    key = key[0]
    before = OrderDocument.objects.filter(service_order=order).count()

    def upload(content=b""):
        return client.post(
            f"/orders/{order.pk}/documents/",
            {"document-kind": "contract", "document-file": pdf("contract.pdf", content),
             "submission_key": key},
        )  # fmt: skip

    first, second = upload(), upload()
    assert first.status_code == second.status_code == 302
    assert second["Idempotent-Replayed"] == "true"
    assert OrderDocument.objects.filter(service_order=order).count() == before + 1

    other = upload(b"% another signed copy\n")
    assert other.status_code == 302
    assert not other.has_header("Idempotent-Replayed")
    assert OrderDocument.objects.filter(service_order=order).count() == before + 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_click_sends_two_posts_at_once_and_one_order_is_made(demo):
    """Two POSTs of one rendered form at the same moment, each on its own connection."""
    from django.test import Client

    from tests.api.test_idempotency_concurrency import race

    sit = demo["providers"]["provider-sit"]
    client = Client()
    client.force_login(demo["users"]["enterprise-jiangnan"])
    key = form_key(client, f"/orders/new/?provider={sit.pk}")
    before = ServiceOrder.objects.count()

    responses = race(lambda: client.post("/orders/new/", order_form(sit, demo, key)))

    assert [r.status_code for r in responses] == [302, 302]
    assert len({r["Location"] for r in responses}) == 1
    assert sum(r.has_header("Idempotent-Replayed") for r in responses) == 1
    assert ServiceOrder.objects.count() == before + 1


def test_a_second_post_while_the_first_still_runs_goes_back_with_a_message(
    jiangnan, users, sit, demo, settings, rf
):
    settings.IDEMPOTENCY_WAIT_SECONDS = 0.2
    key = form_key(jiangnan, f"/orders/new/?provider={sit.pk}")
    data = order_form(sit, demo, key)
    # The first POST of the form has its record and no answer yet.
    first_posts_record(rf, users["enterprise-jiangnan"], key, data)
    before = ServiceOrder.objects.count()
    form_page = f"http://testserver/orders/new/?provider={sit.pk}"

    response = jiangnan.post("/orders/new/", data, HTTP_REFERER=form_page, follow=True)

    assert response.redirect_chain == [(form_page, 302)]
    assert "still being processed" in response.content.decode()
    assert ServiceOrder.objects.count() == before


def test_a_record_of_the_same_key_with_other_contents_lets_the_form_run(
    jiangnan, users, sit, demo, rf
):
    """Two contents sharing a fingerprint's first 128 bits: never seen, and then no harm."""
    key = form_key(jiangnan, f"/orders/new/?provider={sit.pk}")
    data = order_form(sit, demo, key)
    first_posts_record(
        rf,
        users["enterprise-jiangnan"],
        key,
        data,
        request_hash="0" * 64,
        response_status=302,
        response_body={"content_type": "", "text": "", "headers": {"Location": "/elsewhere/"}},
    )
    before = ServiceOrder.objects.count()

    response = jiangnan.post("/orders/new/", data)

    assert response.status_code == 302
    assert response["Location"] != "/elsewhere/"
    assert ServiceOrder.objects.count() == before + 1


def test_back_and_send_again_under_a_new_key_lands_on_the_first_order(jiangnan, sit, demo):
    # Back fetches the form anew (a new key) and the browser puts the typed values back.
    url = f"/orders/new/?provider={sit.pk}"
    before = ServiceOrder.objects.count()
    first = jiangnan.post("/orders/new/", order_form(sit, demo, form_key(jiangnan, url)))

    again = jiangnan.post("/orders/new/", order_form(sit, demo, form_key(jiangnan, url)))

    assert ServiceOrder.objects.count() == before + 1
    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert "same contents a moment ago" in jiangnan.get(again["Location"]).content.decode()


def test_the_same_amount_retyped_otherwise_is_the_same_contents(jiangnan, sit, demo):
    # Back, the amount retyped as the page prints it ("20,000"): still the first order.
    url = f"/orders/new/?provider={sit.pk}"
    before = ServiceOrder.objects.count()
    first = jiangnan.post("/orders/new/", order_form(sit, demo, form_key(jiangnan, url)))

    again = jiangnan.post(
        "/orders/new/",
        order_form(sit, demo, form_key(jiangnan, url), contract_amount=" 20,000 "),
    )

    assert ServiceOrder.objects.count() == before + 1
    assert again["Location"] == first["Location"]
    other = jiangnan.post(
        "/orders/new/", order_form(sit, demo, form_key(jiangnan, url), contract_amount="20,001")
    )
    assert ServiceOrder.objects.count() == before + 2 and other.status_code == 302


def test_the_same_contents_after_the_window_are_a_new_order(jiangnan, sit, demo):
    from datetime import timedelta

    from django.db.models import F

    url = f"/orders/new/?provider={sit.pk}"
    before = ServiceOrder.objects.count()
    jiangnan.post("/orders/new/", order_form(sit, demo, form_key(jiangnan, url)))
    IdempotencyRecord.objects.filter(key__startswith="form-contents:").update(
        created_at=F("created_at") - timedelta(minutes=10, seconds=1)
    )

    later = jiangnan.post("/orders/new/", order_form(sit, demo, form_key(jiangnan, url)))

    assert later.status_code == 302
    assert ServiceOrder.objects.count() == before + 2
