"""An evidence file logged on a completed order that is byte for byte one already logged on
another order (any provider's) flags the new order for the issuing district's officials: one
test report behind two orders is one service paid twice, or another provider's work borrowed.
The completion itself goes through; the claim waits until an official clears the flag."""

import pytest

from providers import services
from providers.models import RiskFlag
from tests.providers.conftest import PDF_BYTES, pdf_upload
from tests.redemptions.factories import make_order, official_of, provider_user
from tests.vouchers.factories import make_voucher

pytestmark = pytest.mark.django_db


def completed(demo, order, provider, *files):
    actor = provider_user(demo, provider)
    services.order_accept(order=order, actor=actor)
    return services.order_complete(order=order, actor=actor, summary="Done.", evidence=list(files))


@pytest.fixture
def first_order(demo):
    """The seed order, completed by SIT with the test report."""
    sit = demo["providers"]["provider-sit"]
    return completed(demo, demo["order"], sit, pdf_upload("sit-report.pdf"))


def another_order(demo, provider_key="provider-graphene"):
    provider = demo["providers"][provider_key]
    voucher = make_voucher(demo["enterprises"]["enterprise-jiangnan"], "50000.00")
    return make_order(voucher, provider, "20000.00", confirmed=False), provider


def test_the_same_file_behind_another_providers_order_flags_that_order(demo, first_order):
    order, provider = another_order(demo)
    completed(demo, order, provider, pdf_upload("our-report.pdf"))

    flag = RiskFlag.objects.get(service_order=order, cleared_at__isnull=True)
    assert flag.kind == RiskFlag.Kind.EVIDENCE_REUSED
    assert flag.evidence == {
        "file": "sit-report.pdf",
        "other_order": first_order.pk,
        "other_district": first_order.voucher.issuing_region.code,
    }
    # The order logged first is not the one in doubt.
    assert not RiskFlag.objects.filter(service_order=first_order).exists()
    order.refresh_from_db()
    assert order.status == "completed"


def test_the_same_file_on_the_same_providers_other_order_flags_it_too(demo, first_order):
    order, provider = another_order(demo, "provider-sit")
    completed(demo, order, provider, pdf_upload("report-again.pdf"))
    assert RiskFlag.objects.filter(
        service_order=order, kind=RiskFlag.Kind.EVIDENCE_REUSED, cleared_at__isnull=True
    ).exists()


def test_a_different_file_raises_nothing(demo, first_order):
    order, provider = another_order(demo)
    completed(demo, order, provider, pdf_upload("own.pdf", PDF_BYTES + b"% graphene lab\n"))
    assert not RiskFlag.objects.filter(kind=RiskFlag.Kind.EVIDENCE_REUSED).exists()


def test_logging_the_same_file_again_on_the_same_order_raises_nothing(demo, first_order):
    """A disputed delivery logged again keeps its earlier files: not another order's."""
    enterprise_user = demo["users"]["enterprise-jiangnan"]
    services.order_dispute(order=first_order, actor=enterprise_user, reason="Report incomplete")
    services.order_complete(
        order=first_order,
        actor=demo["users"]["provider-sit"],
        summary="Completed the report.",
        evidence=[pdf_upload("sit-report.pdf")],
    )
    assert not RiskFlag.objects.exists()


def test_the_risk_queue_names_the_file_and_links_the_other_order(demo, first_order, client):
    order, provider = another_order(demo)
    completed(demo, order, provider, pdf_upload("our-report.pdf"))
    client.force_login(official_of(demo, order.voucher.issuing_region.code))
    page = client.get("/official/risk-queue/").content.decode()
    assert "Evidence file used on another order" in page
    assert "sit-report.pdf" in page
    assert f'href="/orders/{first_order.pk}/"' in page


def test_the_orders_history_names_the_flag_in_chinese_and_the_system_as_its_author(
    demo, first_order, client
):
    """The history read "江南石墨烯研究院 (provider-graphene) 已标记风险 … Evidence file used on
    another order": the flag's name in English, and the provider as if it flagged itself."""
    order, provider = another_order(demo)
    completed(demo, order, provider, pdf_upload("our-report.pdf"))
    client.force_login(official_of(demo, order.voucher.issuing_region.code))

    page = client.get(f"/orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    history = page.split('class="audit', 1)[1]
    flagged = next(row for row in history.split("<tr>") if "已标记风险" in row)
    assert "佐证材料" in flagged and "Evidence file used on another order" not in flagged
    assert "系统" in flagged and "provider-graphene" not in flagged
