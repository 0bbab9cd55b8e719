"""Corrections of registrations at the same moment: the row lock and the credit code's
constraint decide, and the loser gets a clear refusal, never a 500."""

import threading

import pytest
from django.db import connection

from portal.edits import fingerprint
from portal.errors import ApplicationError
from regions.models import AuditEntry, Region, User
from tests.vouchers.conftest import valid_credit_code
from vouchers.models import Enterprise
from vouchers.services.registration import REGISTRATION_FIELDS, enterprise_registration_correct

# serialized_rollback: the flush after a transactional test also empties the tables the
# migrations filled (districts, categories); this brings them back for the next test.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _enterprise(region, n: int) -> tuple[Enterprise, User]:
    enterprise = Enterprise.objects.create(
        name=f"Racer {n}",
        credit_code=valid_credit_code(f"9133040200RACE{n:03d}"),
        region=region,
        industry="Batteries",
        size="small",
        contact_name="R",
        contact_email=f"r{n}@example.com",
    )
    user = User.objects.create_user(
        username=f"racer{n}", password="race-pass-2026!", role="enterprise", enterprise=enterprise
    )
    return enterprise, user


def _race(calls) -> list[str]:
    """Run each call in its own thread and connection, all released at once."""
    start = threading.Barrier(len(calls))
    outcomes: list[str] = []

    def run(call):
        try:
            start.wait()
            call()
            outcomes.append("saved")
        except ApplicationError as refused:
            outcomes.append(refused.code)
        except Exception as error:  # noqa: BLE001 — anything else must fail the test
            outcomes.append(f"error: {error!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)


def test_two_enterprises_correcting_to_one_code_get_it_once(demo):
    region = Region.objects.get(code="NANHU")
    racers = [_enterprise(region, n) for n in (1, 2)]
    code = valid_credit_code("91330402MA2RACE09")

    def correct(enterprise, user):
        return lambda: enterprise_registration_correct(
            enterprise=Enterprise.objects.get(pk=enterprise.pk),
            actor=User.objects.get(pk=user.pk),
            credit_code=code,
        )

    outcomes = _race([correct(*racer) for racer in racers])

    assert outcomes == ["duplicate_credit_code", "saved"], outcomes
    assert Enterprise.objects.filter(credit_code=code).count() == 1
    assert (
        AuditEntry.objects.filter(action="update", object_type="vouchers.enterprise").count() == 1
    )


def test_two_colleagues_saving_one_opened_page_do_not_undo_each_other(demo):
    region = Region.objects.get(code="NANHU")
    enterprise, user = _enterprise(region, 3)
    colleague = User.objects.create_user(
        username="racer3b", password="race-pass-2026!", role="enterprise", enterprise=enterprise
    )
    opened = fingerprint(enterprise, REGISTRATION_FIELDS)

    def correct(actor, **values):
        return lambda: enterprise_registration_correct(
            enterprise=Enterprise.objects.get(pk=enterprise.pk),
            actor=User.objects.get(pk=actor.pk),
            edited_from=opened,
            **values,
        )

    outcomes = _race([correct(user, name="Racer Three"), correct(colleague, industry="Cells")])

    assert outcomes == ["edited_meanwhile", "saved"], outcomes
    enterprise.refresh_from_db()
    assert (enterprise.name, enterprise.industry) in {
        ("Racer Three", "Batteries"),
        ("Racer 3", "Cells"),
    }
