"""Small factories for the providers tests: extra providers, enterprises, vouchers, files."""

import itertools
import zipfile
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from portal.codes import credit_code_check_character

# A real (tiny) PDF: what a provider's report looks like to the content check.
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64

_numbers = itertools.count(1)


def credit_code(stem: str | None = None) -> str:
    stem = stem or f"91{next(_numbers) + 10**10:015d}"
    return stem + credit_code_check_character(stem)


def pdf_upload(name: str = "report.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def zip_bytes() -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data.csv", "a,b\n1,2\n")
    return buffer.getvalue()


OFFICIAL_OF = {
    "YANGPU": "official-yangpu",
    "WUJIN": "official-wujin",
    "NANHU": "official-nanhu",
    "HEFEI_HT": "official-hefei",
}


@pytest.fixture
def make_provider(demo):
    """`make_provider(region="YANGPU", status="applied")` -> a provider with one user."""
    from providers.models import Provider, ServiceCategory
    from regions.models import User

    def make(
        *,
        region="YANGPU",
        status="applied",
        name=None,
        code=None,
        username=None,
        categories=("testing",),
    ) -> Provider:
        n = next(_numbers)
        provider = Provider.objects.create(
            name=name or f"Test Lab {n}",
            credit_code=code or credit_code(),
            region=demo["regions"][region],
            kind=Provider.Kind.TESTING_LAB,
            status=status,
            description="Materials testing.",
            contact_email=f"lab{n}@example.com",
        )
        provider.categories.set(ServiceCategory.objects.filter(code__in=categories))
        User.objects.create_user(
            username=username or f"provider-test-{n}",
            password="x-pass-2026",
            email=f"lab-user{n}@example.com",
            role=User.Role.PROVIDER,
            provider=provider,
        )
        return provider

    return make


@pytest.fixture
def make_enterprise(demo):
    """`make_enterprise(region="NANHU", code=...)` -> an enterprise with one user."""
    from regions.models import User
    from vouchers.models import Enterprise

    def make(*, region="WUJIN", code=None, name=None, username=None) -> Enterprise:
        n = next(_numbers)
        enterprise = Enterprise.objects.create(
            name=name or f"Test Enterprise {n}",
            credit_code=code or credit_code(),
            region=demo["regions"][region],
            industry="Testing",
            size="small",
            contact_name="Contact",
            contact_email=f"ent{n}@example.com",
            verified_at=timezone.now(),
        )
        User.objects.create_user(
            username=username or f"enterprise-test-{n}",
            password="x-pass-2026",
            email=f"ent-user{n}@example.com",
            role=User.Role.ENTERPRISE,
            enterprise=enterprise,
        )
        return enterprise

    return make


@pytest.fixture
def make_voucher(demo):
    """`make_voucher(enterprise, status="active", cross_region=True)` -> an issued voucher."""
    from tests.vouchers.factories import make_voucher

    return make_voucher


@pytest.fixture
def order_in(demo):
    """`order_in("accepted")` -> the seed order moved to that state through the services."""
    from providers import services

    def move(status: str):
        users = demo["users"]
        order = demo["order"]
        provider_user, enterprise_user = users["provider-sit"], users["enterprise-jiangnan"]
        if status == "requested":
            return order
        if status in ("accepted", "completed", "confirmed", "disputed"):
            order = services.order_accept(order=order, actor=provider_user)
        if status in ("completed", "confirmed", "disputed"):
            order = services.order_complete(
                order=order, actor=provider_user, summary="Done.", evidence=[pdf_upload()]
            )
        if status == "confirmed":
            order = services.order_confirm(order=order, actor=enterprise_user)
        if status == "disputed":
            order = services.order_dispute(order=order, actor=enterprise_user, reason="Bad")
        if status == "declined":
            order = services.order_decline(order=order, actor=provider_user, reason="Busy")
        if status == "cancelled":
            order = services.order_cancel(order=order, actor=enterprise_user)
        order.refresh_from_db()
        assert order.status == status
        return order

    return move


def reset_celery_connections():
    """Celery 5.5 builds its producer pool even for an eager `.delay()`, from the broker URL of
    that moment (none in tests, so localhost). Drop the pools so that the next use reads the
    test broker the worker fixture configured."""
    from portal.celery import app

    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@pytest.fixture
def real_worker(request):
    """`celery_worker`, started safely after eager tests have run in this process."""
    reset_celery_connections()
    worker = request.getfixturevalue("celery_worker")
    reset_celery_connections()
    return worker


def pass_notice(notice):
    """Run the beat's conclusion with the clock moved past the notice's end; returns the
    certificate it issued (None when an objection is still open)."""
    from datetime import timedelta

    from providers import services

    return services.notice_conclude(notice_id=notice.pk, now=notice.ends_at + timedelta(seconds=1))


def certify_now(provider, official):
    """A certified provider quickly: the official approves (public notice), and the notice
    passes with no objection. Returns the certificate."""
    from providers import services

    notice = services.provider_certify(provider=provider, actor=official)
    return pass_notice(notice)


@pytest.fixture
def sem(demo):
    """The demo's shared instrument (Weikai's SEM), for the booking tests."""
    from providers.models import ServiceOffering

    return ServiceOffering.objects.get(
        is_instrument=True, provider__users__username="provider-weikai"
    )


@pytest.fixture
def day():
    """A bookable day a few days ahead."""
    from providers.instruments import booking_days

    return booking_days()[3]
