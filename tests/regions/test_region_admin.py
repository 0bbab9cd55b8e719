"""The four districts in the admin: names may be corrected, the codes (in every serial and
cached by code, regions.selectors.region_id_for_code) and the rows themselves stay."""

import pytest

from regions.models import Region

pytestmark = pytest.mark.django_db


def test_a_district_code_cannot_be_changed_nor_a_district_added_or_deleted(admin_client, demo):
    region = Region.objects.get(code="WUJIN")
    short_code = region.short_code
    page = admin_client.get(f"/admin/regions/region/{region.pk}/change/")
    assert page.status_code == 200
    assert 'name="code"' not in page.content.decode()
    assert 'name="name"' in page.content.decode()

    data = {
        "name": "Wujin District",
        "name_zh": region.name_zh,
        "province": region.province,
        "province_zh": region.province_zh,
        "code": "ELSEWHERE",
        "short_code": "XX",
    }
    admin_client.post(f"/admin/regions/region/{region.pk}/change/", data)
    region.refresh_from_db()
    assert (region.code, region.short_code) == ("WUJIN", short_code)

    assert admin_client.get("/admin/regions/region/add/").status_code == 403
    assert (
        admin_client.post(f"/admin/regions/region/{region.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert Region.objects.filter(pk=region.pk).exists()
