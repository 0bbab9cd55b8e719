"""Two officials certifying at the same moment in one district must get two certificate
numbers, and two clicks on one order must move it once (PostgreSQL row locks)."""

import threading
from pathlib import Path

import pytest
from django.db import connection

from portal.errors import ApplicationError
from providers import services
from providers.models import ProviderCertificate
from tests.conftest import wait_for
from tests.providers.conftest import certify_now, pass_notice

ROOT = Path(__file__).resolve().parents[2]


def run_together(*calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as error:  # noqa: BLE001 - the test inspects what each thread met
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


# serialized_rollback: the flush after a transactional test would also empty the tables that
# data migrations fill (districts, categories), which later tests need.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.postgres
def test_concurrent_certifications_get_distinct_numbers(demo, make_provider):
    official = demo["users"]["official-wujin"]
    providers = [make_provider(region="WUJIN") for _ in range(4)]
    notices = [services.provider_certify(provider=p, actor=official) for p in providers]
    # The beat concludes the four notices at once (e.g. two beat runs overlapping).
    results = run_together(*[lambda n=n: pass_notice(n) for n in notices])
    assert all(isinstance(r, ProviderCertificate) for r in results), results
    serials = {r.serial for r in results}
    assert len(serials) == 4
    numbers = sorted(int(s.split("-")[3]) for s in serials)
    assert numbers == [2, 3, 4, 5]  # the seed's Wujin provider holds number 1


@pytest.mark.postgres
def test_two_accepts_of_one_order_move_it_once(demo):
    order = demo["order"]
    provider_user = demo["users"]["provider-sit"]
    results = run_together(
        lambda: services.order_accept(order=order, actor=provider_user),
        lambda: services.order_accept(order=order, actor=provider_user),
    )
    assert sum(isinstance(r, ApplicationError) for r in results) == 1
    order.refresh_from_db()
    assert order.status == "accepted"
    from regions.models import AuditEntry

    assert AuditEntry.objects.filter(object_id=str(order.pk), action="accept").count() == 1


@pytest.mark.worker
def test_a_real_worker_draws_the_certificate(real_worker, demo, make_provider):
    provider = make_provider(region="HEFEI_HT")
    certificate = certify_now(provider, demo["users"]["official-hefei"])

    def pdf_stored():
        """the certificate PDF stored by the worker"""
        certificate.refresh_from_db()
        return bool(certificate.pdf.name)

    wait_for(pdf_stored)
    media = Path(real_worker["env"]["MEDIA_ROOT"])
    assert (media / certificate.pdf.name).read_bytes().startswith(b"%PDF")
