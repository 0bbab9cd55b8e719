"""A claim rejected and sent again on the same order: the official reads what was rejected,
why, by whom, and whether a contract or invoice came since. The same invoice could be
approved right after the official had rejected it, with nothing on the page saying so."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.redemptions.factories import make_order, official_of, provider_user
from vouchers import services

pytestmark = pytest.mark.django_db

REASON = "The invoice's amount differs from the contract: issue a new invoice."


def claim_rejected_and_sent_again(demo, between=None):
    sit = demo["providers"]["provider-sit"]
    order = make_order(demo["voucher"], sit, contract="40000.00")
    provider = provider_user(demo, sit)
    official = official_of(demo, demo["voucher"].issuing_region.code)
    first = services.redemption_claim(service_order_id=order.pk, amount="1000.00", actor=provider)
    services.redemption_reject(redemption_id=first.pk, actor=official, note=REASON)
    if between:
        between(order, provider)
    again = services.redemption_claim(service_order_id=order.pk, amount="1000.00", actor=provider)
    return first, again, official


def test_the_queue_row_and_the_page_name_the_earlier_rejection(client, demo):
    first, again, official = claim_rejected_and_sent_again(demo)
    client.force_login(official)
    for path in ("/official/redemptions/", f"/redemptions/{again.pk}/"):
        html = client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert f"Claim #{first.pk} on this order was rejected on" in html, path
        assert "issue a new invoice." in html and "No contract or invoice was added since." in html


def test_a_contract_added_since_is_named(client, demo):
    from providers.services.documents import order_document_upload

    def new_contract(order, provider):
        order_document_upload(
            order=order,
            kind="contract",
            file=SimpleUploadedFile("contract-v2.pdf", b"%PDF-1.4 new", "application/pdf"),
            actor=provider,
        )

    _first, again, official = claim_rejected_and_sent_again(demo, between=new_contract)
    client.force_login(official)
    html = client.get(f"/redemptions/{again.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Added since:" in html and "contract-v2.pdf" in html
    assert "No contract or invoice was added since." not in html


def test_the_queue_reads_the_rejections_in_one_query_for_every_row(
    client, demo, django_assert_max_num_queries
):
    _first, _again, official = claim_rejected_and_sent_again(demo)
    claim_rejected_and_sent_again(demo)
    client.force_login(official)
    client.get("/official/redemptions/")
    with django_assert_max_num_queries(40) as captured:
        client.get("/official/redemptions/")
    with_two = len(captured.captured_queries)
    claim_rejected_and_sent_again(demo)
    with django_assert_max_num_queries(with_two):
        client.get("/official/redemptions/")
