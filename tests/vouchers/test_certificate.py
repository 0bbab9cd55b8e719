import pytest

from vouchers.models import Voucher
from vouchers.tasks import generate_voucher_certificate

pytestmark = pytest.mark.django_db


def content(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def issued(demo, submit, approve, django_capture_on_commit_callbacks):
    application = submit("enterprise-jiangnan", "10000.00")
    with django_capture_on_commit_callbacks(execute=True):
        voucher = approve(application)
    voucher.refresh_from_db()
    return voucher


def test_it_is_generated_after_commit(issued):
    assert issued.certificate_pdf.name.endswith(f"{issued.serial}.pdf")
    with issued.certificate_pdf.open("rb") as pdf:
        assert pdf.read(4) == b"%PDF"


def test_it_is_not_generated_before_commit(demo, submit, approve):
    voucher = approve(submit("enterprise-jiangnan", "10000.00"))
    voucher.refresh_from_db()
    assert not voucher.certificate_pdf


def test_regenerating_is_harmless(issued):
    generate_voucher_certificate(issued.pk)
    generate_voucher_certificate(issued.pk)
    issued.refresh_from_db()
    with issued.certificate_pdf.open("rb") as pdf:
        assert pdf.read(4) == b"%PDF"
    storage_dir = issued.certificate_pdf.storage.path("private/vouchers")
    import os

    assert [f for f in os.listdir(storage_dir) if issued.serial in f] == [f"{issued.serial}.pdf"]


def test_a_missing_voucher_is_ignored(db):
    assert generate_voucher_certificate(999999) == ""


@pytest.mark.parametrize("username", ["enterprise-jiangnan", "official-wujin", "operator"])
def test_the_right_people_download_it(client, api_as, demo, issued, username):
    user = demo["users"][username]
    client.force_login(user)
    page = client.get(f"/vouchers/{issued.serial}/certificate/")
    assert page.status_code == 200
    assert page["Content-Type"] == "application/pdf"
    assert content(page).startswith(b"%PDF")
    api = api_as(user).get(f"/api/vouchers/{issued.serial}/certificate/")
    assert api.status_code == 200
    assert content(api).startswith(b"%PDF")


@pytest.mark.parametrize(
    "username", ["enterprise-yangpu", "official-yangpu", "official-hefei", "provider-sit"]
)
def test_others_get_404(client, api_as, demo, issued, username):
    user = demo["users"][username]
    client.force_login(user)
    assert client.get(f"/vouchers/{issued.serial}/certificate/").status_code == 404
    assert api_as(user).get(f"/api/vouchers/{issued.serial}/certificate/").status_code == 404


def test_anonymous_is_sent_to_log_in(client, api_client, issued):
    assert client.get(f"/vouchers/{issued.serial}/certificate/").status_code == 302
    assert api_client.get(f"/api/vouchers/{issued.serial}/certificate/").status_code == 401


def test_it_is_generated_on_download_when_missing(client, demo):
    seed = demo["voucher"]
    Voucher.objects.filter(pk=seed.pk).update(certificate_pdf="")
    client.force_login(demo["users"]["enterprise-jiangnan"])
    response = client.get(f"/vouchers/{seed.serial}/certificate/")
    assert content(response).startswith(b"%PDF")
    assert Voucher.objects.get(pk=seed.pk).certificate_pdf


def test_the_voucher_page_links_it(client, demo, issued):
    client.force_login(demo["users"]["enterprise-jiangnan"])
    page = client.get(f"/vouchers/{issued.serial}/").content.decode()
    assert f"/vouchers/{issued.serial}/certificate/" in page
    assert f"/verify/{issued.serial}/" in page


def test_the_qr_code_is_drawn_cell_for_cell():
    """The certificate draws the QR code as runs of dark cells: together they are exactly the
    code's dark cells, none twice, none missing."""
    import qrcode

    from portal.pdf import qr_dark_runs

    address = "https://portal.example/verify/WJ-2026-000123/0123456789abcdef"
    code = qrcode.QRCode(border=1, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(address)
    code.make(fit=True)
    matrix = code.get_matrix()
    size, runs = qr_dark_runs(address)
    drawn = [[False] * size for _ in range(size)]
    for row, column, length in runs:
        assert length >= 1
        for x in range(column, column + length):
            assert not drawn[row][x]
            drawn[row][x] = True
    assert size == len(matrix)
    assert drawn == [[bool(cell) for cell in line] for line in matrix]
    assert len(runs) < sum(map(sum, matrix))  # runs, not one shape per cell


def test_it_names_the_holder_in_both_languages(demo, monkeypatch):
    from vouchers.services import vouchers as voucher_services

    drawn = {}
    monkeypatch.setattr(
        voucher_services, "certificate_pdf", lambda **kwargs: drawn.update(kwargs) or b"%PDF"
    )
    voucher = demo["voucher"]
    voucher_services.voucher_certificate_pdf(voucher)

    holder = dict((english, value) for _, english, value in drawn["rows"])["Holder"]
    assert voucher.enterprise.name_zh and voucher.enterprise.name_zh in holder
    assert voucher.enterprise.name in holder


def test_a_revoked_vouchers_certificate_is_drawn_again_saying_so(
    demo, issued, monkeypatch, django_capture_on_commit_callbacks
):
    """Its PDF looked valid after revocation (only the QR code's page said otherwise)."""
    from vouchers.services import voucher_revoke
    from vouchers.services import vouchers as voucher_services

    drawn = []
    draw = voucher_services.certificate_pdf

    def recording(**kwargs):
        drawn.append(kwargs["rows"])
        return draw(**kwargs)

    monkeypatch.setattr(voucher_services, "certificate_pdf", recording)
    with django_capture_on_commit_callbacks(execute=True):
        voucher_revoke(voucher=issued, actor=demo["users"]["official-wujin"], reason="Fraud")

    assert drawn, "revoking did not draw the certificate again"
    assert ("状态", "Status", "已撤销，不可使用 Revoked: it pays for nothing") in drawn[-1]
    issued.refresh_from_db()
    with issued.certificate_pdf.open("rb") as pdf:
        assert pdf.read(4) == b"%PDF"
