"""50 officials' approvals at once against a budget that covers only some of them."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from portal.errors import BudgetExceeded
from regions.models import ProgrammeRules, User
from regions.selectors import current_year
from tests.vouchers.conftest import valid_credit_code
from vouchers.models import Enterprise, Voucher, VoucherApplication
from vouchers.services import application_approve

# serialized_rollback: the flush after a transactional test also empties the tables the
# migrations filled (districts, categories); this brings them back for the next test.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

APPLICATIONS = 50
AMOUNT = Decimal("30000.00")
BUDGET = Decimal("500000.00")  # 200,000 already committed by the seed: room for 10 more


def test_concurrent_approvals_never_exceed_the_budget(demo):
    region = demo["regions"]["WUJIN"]
    rules = ProgrammeRules.objects.get(region=region, year=current_year())
    rules.annual_budget = BUDGET
    rules.save(update_fields=["annual_budget"])
    applications = []
    for i in range(APPLICATIONS):
        enterprise = Enterprise.objects.create(
            name=f"Concurrent Co. {i}",
            credit_code=valid_credit_code(f"91320412MA1C{i:05d}"),
            region=region,
            industry="Testing",
            size="small",
            contact_name="C",
            contact_email=f"c{i}@example.com",
        )
        applications.append(
            VoucherApplication.objects.create(
                enterprise=enterprise,
                region=region,
                year=current_year(),
                requested_amount=AMOUNT,
                purpose="Concurrency",
            )
        )
    official_id = demo["users"]["official-wujin"].pk
    outcomes: list[str] = []
    start = threading.Barrier(APPLICATIONS)

    def approve_one(application_id: int):
        try:
            official = User.objects.get(pk=official_id)
            application = VoucherApplication.objects.get(pk=application_id)
            start.wait()
            application_approve(application=application, actor=official, approved_amount=None)
            outcomes.append("issued")
        except BudgetExceeded as refused:
            outcomes.append(refused.code)
        except Exception as error:  # noqa: BLE001 — any other failure must fail the test
            outcomes.append(f"error: {error!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve_one, args=(a.pk,)) for a in applications]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(set(outcomes)) == ["budget_exceeded", "issued"], outcomes
    assert outcomes.count("issued") == 10
    assert outcomes.count("budget_exceeded") == APPLICATIONS - 10
    rules.refresh_from_db()
    assert rules.committed <= rules.annual_budget
    vouchers = Voucher.objects.filter(issuing_region=region, year=rules.year)
    approved = VoucherApplication.objects.filter(region=region, status="approved")
    assert vouchers.count() == approved.count() == 11
    assert vouchers.aggregate(total=Sum("face_value"))["total"] == rules.committed
    assert rules.last_voucher_number == 11
    serials = set(vouchers.values_list("serial", flat=True))
    assert len(serials) == 11
    assert VoucherApplication.objects.filter(region=region, status="submitted").count() == 40
