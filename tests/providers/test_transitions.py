"""Every pair of statuses of every providers state machine: the edges that TRANSITIONS lists
succeed through their service, every other one is refused and leaves the row as it was."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from portal.errors import InvalidTransition
from providers import services
from providers.models import Provider, ProviderCertificate, ProviderNotice, ServiceOrder
from tests.providers.conftest import pdf_upload

pytestmark = pytest.mark.django_db


# The one service that moves a row to each status. A status no service moves to is the one
# its row is created in (by provider_apply and order_create).
def pass_a_notice(provider, official):
    """on notice -> certified: the notice's period ended with no open objection."""
    notice = ProviderNotice.objects.filter(provider=provider, status="open").first()
    if notice is None:
        notice = ProviderNotice.objects.create(
            provider=provider,
            starts_at=timezone.now() - timedelta(days=8),
            ends_at=timezone.now() - timedelta(days=1),
            put_by=official,
        )
    return services.notice_conclude(notice_id=notice.pk)


PROVIDER_SERVICES = {
    Provider.Status.ON_NOTICE: lambda p, u: services.provider_put_on_notice(provider=p, actor=u),
    Provider.Status.CERTIFIED: lambda p, u: services.provider_reinstate(provider=p, actor=u),
    Provider.Status.REJECTED: lambda p, u: services.provider_reject(
        provider=p, actor=u, reason="Incomplete."
    ),
    Provider.Status.SUSPENDED: lambda p, u: services.provider_suspend(
        provider=p, actor=u, reason="Complaints."
    ),
    Provider.Status.REVOKED: lambda p, u: services.provider_revoke(
        provider=p, actor=u, reason="Fraud."
    ),
}

CERTIFICATE_SERVICES = {
    ProviderCertificate.Status.VALID: lambda c, u: services.certificate_reinstate(
        certificate=c, actor=u
    ),
    ProviderCertificate.Status.SUSPENDED: lambda c, u: services.certificate_suspend(
        certificate=c, actor=u, reason="Complaints."
    ),
    ProviderCertificate.Status.REVOKED: lambda c, u: services.certificate_revoke(
        certificate=c, actor=u, reason="Fraud."
    ),
}

# (service, which party acts)
ORDER_SERVICES = {
    ServiceOrder.Status.ACCEPTED: (
        lambda o, u: services.order_accept(order=o, actor=u),
        "provider-sit",
    ),
    ServiceOrder.Status.DECLINED: (
        lambda o, u: services.order_decline(order=o, actor=u, reason="Busy."),
        "provider-sit",
    ),
    ServiceOrder.Status.COMPLETED: (
        lambda o, u: services.order_complete(
            order=o, actor=u, summary="Done.", evidence=[pdf_upload()]
        ),
        "provider-sit",
    ),
    ServiceOrder.Status.CONFIRMED: (
        lambda o, u: services.order_confirm(order=o, actor=u),
        "enterprise-jiangnan",
    ),
    ServiceOrder.Status.DISPUTED: (
        lambda o, u: services.order_dispute(order=o, actor=u, reason="Not delivered."),
        "enterprise-jiangnan",
    ),
    ServiceOrder.Status.CANCELLED: (
        lambda o, u: services.order_cancel(order=o, actor=u, reason="Changed plans."),
        "enterprise-jiangnan",
    ),
}


# Edges taken by another service than the target status's usual one: the issuing district's
# official decides a disputed order. The parties' own services refuse these edges.
ORDER_EDGE_SERVICES = {
    (ServiceOrder.Status.DISPUTED, ServiceOrder.Status.ACCEPTED): (
        lambda o, u: services.order_resolve_dispute(
            order=o, actor=u, decision="uphold", reason="Incomplete report."
        ),
        "official-wujin",
    ),
    (ServiceOrder.Status.DISPUTED, ServiceOrder.Status.CANCELLED): (
        lambda o, u: services.order_resolve_dispute(
            order=o, actor=u, decision="cancel", reason="Cannot deliver."
        ),
        "official-wujin",
    ),
}


def pairs(model, services_by_status):
    return [
        pytest.param(a, b, id=f"{a}->{b}")
        for a, b in itertools.product(model.Status.values, services_by_status)
    ]


@pytest.mark.parametrize(
    ("model", "services_by_status", "created_as"),
    [
        (Provider, PROVIDER_SERVICES, {Provider.Status.APPLIED}),
        (ProviderCertificate, CERTIFICATE_SERVICES, set()),
        (ServiceOrder, ORDER_SERVICES, {ServiceOrder.Status.REQUESTED}),
    ],
)
def test_every_status_but_the_initial_one_has_one_service(model, services_by_status, created_as):
    assert set(model.TRANSITIONS) == set(model.Status.values)
    assert set(services_by_status) == set(model.Status.values) - created_as
    edges = {to for targets in model.TRANSITIONS.values() for to in targets}
    assert not edges & created_as


# Edges taken by another service than the target status's usual one: the notice passing.
PROVIDER_EDGE_SERVICES = {
    (Provider.Status.ON_NOTICE, Provider.Status.CERTIFIED): pass_a_notice,
}


@pytest.mark.parametrize(("from_status", "to_status"), pairs(Provider, PROVIDER_SERVICES))
def test_provider_edges(demo, make_provider, from_status, to_status):
    provider = make_provider(region="YANGPU", status=from_status)
    official = demo["users"]["official-yangpu"]
    service = PROVIDER_EDGE_SERVICES.get((from_status, to_status), PROVIDER_SERVICES[to_status])
    if to_status in Provider.TRANSITIONS[from_status]:
        service(provider, official)
        provider.refresh_from_db()
        assert provider.status == to_status
    else:
        with pytest.raises(InvalidTransition):
            service(provider, official)
        provider.refresh_from_db()
        assert provider.status == from_status
        assert provider.decided_at is None


@pytest.mark.parametrize(
    ("from_status", "to_status"), pairs(ProviderCertificate, CERTIFICATE_SERVICES)
)
def test_certificate_edges(demo, make_provider, from_status, to_status):
    certificate = ProviderCertificate.objects.create(
        provider=make_provider(region="YANGPU", status=Provider.Status.CERTIFIED),
        serial="PC-TEST-0001",
        valid_until=timezone.localdate() + timedelta(days=365),
        status=from_status,
    )
    official = demo["users"]["official-yangpu"]
    service = CERTIFICATE_SERVICES[to_status]
    if to_status in ProviderCertificate.TRANSITIONS[from_status]:
        service(certificate, official)
        certificate.refresh_from_db()
        assert certificate.status == to_status
    else:
        with pytest.raises(InvalidTransition):
            service(certificate, official)
        certificate.refresh_from_db()
        assert certificate.status == from_status


@pytest.mark.parametrize(("from_status", "to_status"), pairs(ServiceOrder, ORDER_SERVICES))
def test_order_edges(demo, from_status, to_status):
    order = demo["order"]
    ServiceOrder.objects.filter(pk=order.pk).update(status=from_status)
    order.refresh_from_db()
    service, username = ORDER_EDGE_SERVICES.get((from_status, to_status), ORDER_SERVICES[to_status])
    if to_status in ServiceOrder.TRANSITIONS[from_status]:
        service(order, demo["users"][username])
        order.refresh_from_db()
        assert order.status == to_status
    else:
        with pytest.raises(InvalidTransition):
            service(order, demo["users"][username])
        order.refresh_from_db()
        assert order.status == from_status
        assert not order.evidence.exists()


@pytest.mark.parametrize(("from_status", "to_status"), list(ORDER_EDGE_SERVICES))
def test_the_parties_cannot_take_the_officials_edges(demo, from_status, to_status):
    order = demo["order"]
    ServiceOrder.objects.filter(pk=order.pk).update(status=from_status)
    order.refresh_from_db()
    service, username = ORDER_SERVICES[to_status]

    with pytest.raises(InvalidTransition):
        service(order, demo["users"][username])

    order.refresh_from_db()
    assert order.status == from_status
