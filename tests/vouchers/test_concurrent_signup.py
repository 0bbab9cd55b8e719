"""Two sign-ups with the same credit code at the same moment: one enterprise, a clear refusal."""

import threading

import pytest
from django.db import connection

from portal.errors import ValidationFailed
from regions.models import Region, User
from tests.vouchers.conftest import valid_credit_code
from vouchers.models import Enterprise
from vouchers.services import enterprise_register

# serialized_rollback: the flush after a transactional test also empties the tables the
# migrations filled (districts, categories); this brings them back for the next test.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_only_one_enterprise_per_credit_code(demo):
    region_id = demo["regions"]["NANHU"].pk
    code = valid_credit_code("91330402MA2RACE01")
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def register(i: int):
        try:
            region = Region.objects.get(pk=region_id)
            start.wait()
            enterprise_register(
                username=f"racer{i}",
                password="race-pass-2026!",
                credit_code=code,
                region=region,
                name=f"Racer {i}",
                industry="Batteries",
                size="small",
                contact_name="R",
                contact_email=f"r{i}@example.com",
            )
            outcomes.append("registered")
        except ValidationFailed as refused:
            outcomes.append(f"{refused.field}:{refused.code}")
        except Exception as error:  # noqa: BLE001 — anything else must fail the test
            outcomes.append(f"error: {error!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["credit_code:duplicate_credit_code", "registered"], outcomes
    assert Enterprise.objects.filter(credit_code=code).count() == 1
    assert User.objects.filter(username__startswith="racer").count() == 1
