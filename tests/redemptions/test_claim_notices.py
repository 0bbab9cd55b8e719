"""The officials' claim notice: a claim queues no e-mail; each minute, one e-mail per district
lists its new claims, each claim once (vouchers/services/claim_notices.py)."""

import io
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from portal.models import OutboxMessage
from regions.models import User
from tests.redemptions.factories import make_order, official_of, provider_user
from tests.vouchers.factories import make_voucher
from vouchers.models import ClaimNotice, Redemption
from vouchers.services import redemption_claim, redemption_reject
from vouchers.services.claim_notices import CLAIMS_NAMED, claim_notices_send
from vouchers.tasks import send_claim_notices

NOTIFY = "regions.tasks.notify_officials"

pytestmark = pytest.mark.django_db


def notices(language: str = "en") -> list[dict]:
    """Each notice queued: its district and its message in `language`."""
    return [
        {
            "region_id": m.kwargs["region_id"],
            "subject": m.kwargs["messages"][language][0],
            "body": m.kwargs["messages"][language][1],
        }
        for m in OutboxMessage.objects.filter(task_name=NOTIFY).order_by("id")
    ]


def claim(demo, voucher, provider_name="provider-sit", amount="100.00"):
    provider = demo["providers"][provider_name]
    order = make_order(voucher, provider, contract=str(Decimal(amount) * 4))
    return redemption_claim(
        service_order_id=order.pk, amount=amount, actor=provider_user(demo, provider)
    )


@pytest.fixture
def quiet(demo):
    """The demo's own pending claims listed already, and no notice queued so far."""
    claim_notices_send()
    OutboxMessage.objects.filter(task_name=NOTIFY).delete()
    return demo


def test_a_claim_queues_no_e_mail_and_the_next_notice_lists_it(quiet):
    demo = quiet
    voucher = make_voucher(demo["enterprises"]["enterprise-yangpu"], "10000.00")
    before = OutboxMessage.objects.count()
    redemption = claim(demo, voucher)
    assert OutboxMessage.objects.count() == before

    assert send_claim_notices() == {"sent": 1}

    [notice] = notices()
    assert notice["region_id"] == demo["regions"]["YANGPU"].pk
    assert notice["subject"] == "[Voucher portal] 1 new redemption to approve"
    assert "Providers claimed 1 redemption, 100.00 CNY in all" in notice["body"]
    assert f"#{redemption.pk}: " in notice["body"]
    assert f"on voucher {voucher.serial}" in notice["body"]
    assert notice["body"].endswith(f"{settings.PORTAL_BASE_URL}/official/redemptions/\n")
    assert ClaimNotice.objects.filter(redemption=redemption).exists()


def test_a_second_run_lists_nothing_again_and_a_later_claim_comes_in_the_next(quiet):
    demo = quiet
    voucher = make_voucher(demo["enterprises"]["enterprise-yangpu"], "10000.00")
    first = claim(demo, voucher)
    assert claim_notices_send() == 1
    assert claim_notices_send() == 0
    second = claim(demo, voucher)

    assert claim_notices_send() == 1

    bodies = [n["body"] for n in notices()]
    assert len(bodies) == 2
    assert f"#{first.pk}: " in bodies[0] and f"#{second.pk}: " not in bodies[0]
    assert f"#{second.pk}: " in bodies[1] and f"#{first.pk}: " not in bodies[1]


def test_each_district_hears_of_its_own_claims_only(quiet):
    demo = quiet
    in_yangpu = claim(demo, make_voucher(demo["enterprises"]["enterprise-yangpu"], "10000.00"))
    in_wujin = claim(demo, make_voucher(demo["enterprises"]["enterprise-jiangnan"], "10000.00"))

    assert claim_notices_send() == 2

    by_region = {n["region_id"]: n["body"] for n in notices()}
    yangpu, wujin = demo["regions"]["YANGPU"].pk, demo["regions"]["WUJIN"].pk
    assert set(by_region) == {yangpu, wujin}
    assert (
        f"#{in_yangpu.pk}: " in by_region[yangpu] and f"#{in_wujin.pk}: " not in by_region[yangpu]
    )
    assert f"#{in_wujin.pk}: " in by_region[wujin]


def test_a_claim_decided_before_the_notice_is_not_listed(quiet):
    demo = quiet
    voucher = make_voucher(demo["enterprises"]["enterprise-yangpu"], "10000.00")
    redemption = claim(demo, voucher)
    redemption_reject(
        redemption_id=redemption.pk, actor=official_of(demo, "YANGPU"), note="Not this one"
    )

    assert claim_notices_send() == 0
    assert notices() == []


def test_a_long_notice_names_the_first_claims_and_counts_the_rest(quiet):
    demo = quiet
    voucher = make_voucher(demo["enterprises"]["enterprise-yangpu"], "100000.00")
    claims = [claim(demo, voucher, amount="10.00") for _ in range(CLAIMS_NAMED + 3)]

    assert claim_notices_send() == 1

    [notice] = notices()
    assert notice["subject"] == f"[Voucher portal] {CLAIMS_NAMED + 3} new redemptions to approve"
    assert f"{CLAIMS_NAMED + 3} redemptions, 230.00 CNY in all" in notice["body"]
    assert f"#{claims[CLAIMS_NAMED - 1].pk}: " in notice["body"]
    assert f"#{claims[CLAIMS_NAMED].pk}: " not in notice["body"]
    assert "and 3 more." in notice["body"]
    assert ClaimNotice.objects.filter(redemption__in=claims).count() == CLAIMS_NAMED + 3


def test_the_notice_is_written_in_both_languages_each_with_its_providers_name(quiet):
    """The task runs in no reader's language: it writes the notice in each, and every official
    gets theirs when it is sent (tests/regions/test_email_language.py)."""
    demo = quiet
    provider = demo["providers"]["provider-sit"]
    assert provider.name_zh
    voucher = make_voucher(demo["enterprises"]["enterprise-yangpu"], "100000.00")
    redemption = claim(demo, voucher, amount="12345.00")

    assert claim_notices_send() == 1

    [notice] = notices("zh-hans")
    assert notice["subject"] == "【创新券平台】1 笔新兑付申请待审批"
    assert "服务机构提交了 1 笔兑付申请，共 12,345.00 元" in notice["body"]
    order = redemption.service_order.title
    line = f"#{redemption.pk}: {provider.name_zh} 就订单“{order}”申请从创新券 {voucher.serial}"
    assert f"{line} 兑付 12,345.00 元。" in notice["body"]
    [notice] = notices("en")
    assert notice["subject"] == "[Voucher portal] 1 new redemption to approve"
    assert f"#{redemption.pk}: {provider.name} " in notice["body"]


def test_a_district_without_officials_keeps_its_claims_for_its_first_official(quiet):
    demo = quiet
    voucher = make_voucher(demo["enterprises"]["enterprise-yangpu"], "10000.00")
    officials = User.objects.filter(role=User.Role.OFFICIAL, region__code="YANGPU")
    officials.update(is_active=False)
    redemption = claim(demo, voucher)

    assert claim_notices_send() == 0
    assert not ClaimNotice.objects.filter(redemption=redemption).exists()

    officials.update(is_active=True)
    assert claim_notices_send() == 1
    assert f"#{redemption.pk}: " in notices()[0]["body"]


def test_the_command_sends_the_notices_now(quiet):
    demo = quiet
    claim(demo, make_voucher(demo["enterprises"]["enterprise-yangpu"], "10000.00"))
    out = io.StringIO()

    call_command("send_claim_notices", stdout=out)

    assert out.getvalue() == "Sent 1 claim notice(s).\n"
    assert len(notices()) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_at_once_list_each_claim_once(demo):
    voucher = make_voucher(demo["enterprises"]["enterprise-yangpu"], "100000.00")
    made = [claim(demo, voucher, amount="10.00") for _ in range(30)]
    barrier = threading.Barrier(4)

    def run(_):
        try:
            barrier.wait(timeout=10)
            return claim_notices_send()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        sent = list(pool.map(run, range(4)))

    yangpu = demo["regions"]["YANGPU"].pk
    bodies = [n["body"] for n in notices() if n["region_id"] == yangpu]
    assert len(bodies) == 1, sent
    assert all(f"#{r.pk}: " in bodies[0] for r in made[:CLAIMS_NAMED])
    assert "and 10 more." in bodies[0]
    listed = ClaimNotice.objects.filter(redemption__voucher=voucher).count()
    assert listed == Redemption.objects.filter(voucher=voucher).count() == 30
