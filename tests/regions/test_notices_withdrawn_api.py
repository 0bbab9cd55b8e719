"""A withdrawn notice in the API: those who keep it (its district's officials, the operator)
still read it by id, with its withdrawal, and are told 409 when they edit or withdraw it
again; to anyone else, and in the public list, it is gone."""

import pytest

from regions.models import AuditEntry, Notice

pytestmark = pytest.mark.django_db


@pytest.fixture
def withdrawn(api_as, demo):
    """A Wujin news notice its official published and withdrew, as the API gave it."""
    official = api_as(demo["users"]["official-wujin"])
    notice = official.post(
        "/api/notices/",
        {"kind": "news", "title": "Wujin news", "body": "Text.", "region": "WUJIN"},
        format="json",
    ).json()
    response = official.post(
        f"/api/notices/{notice['id']}/withdraw/", {"reason": "Wrong district."}, format="json"
    )
    assert response.status_code == 204
    return notice


@pytest.mark.parametrize("keeper", ["official-wujin", "operator"])
def test_it_shows_a_withdrawn_notice_to_those_who_keep_it(api_as, demo, withdrawn, keeper):
    response = api_as(demo["users"][keeper]).get(f"/api/notices/{withdrawn['id']}/")

    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Wujin news"
    assert body["withdrawn_reason"] == "Wrong district."
    notice = Notice.objects.get(pk=withdrawn["id"])
    assert body["withdrawn_at"] == notice.withdrawn_at.isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize("outsider", ["official-nanhu", "enterprise-jiangnan", "provider-sit"])
def test_it_hides_a_withdrawn_notice_from_anyone_else(api_as, demo, withdrawn, outsider):
    api = api_as(demo["users"][outsider])

    assert api.get(f"/api/notices/{withdrawn['id']}/").status_code == 404
    assert (
        api.patch(
            f"/api/notices/{withdrawn['id']}/", {"title": "Mine now"}, format="json"
        ).status_code
        == 404
    )
    assert (
        api.post(
            f"/api/notices/{withdrawn['id']}/withdraw/", {"reason": "Again."}, format="json"
        ).status_code
        == 404
    )


def test_it_hides_a_withdrawn_notice_from_the_anonymous(api_client, withdrawn):
    assert api_client.get(f"/api/notices/{withdrawn['id']}/").status_code == 404


def test_it_leaves_a_withdrawn_notice_out_of_the_list_even_for_its_keepers(api_as, demo, withdrawn):
    listed = api_as(demo["users"]["operator"]).get("/api/notices/").json()["results"]

    assert withdrawn["id"] not in {notice["id"] for notice in listed}


def test_a_published_notice_shows_no_withdrawal(api_client, api_as, demo):
    notice = api_as(demo["users"]["official-nanhu"]).post(
        "/api/notices/", {"kind": "news", "title": "Nanhu news", "body": "Text."}, format="json"
    )

    body = api_client.get(f"/api/notices/{notice.json()['id']}/").json()

    assert body["withdrawn_at"] is None and body["withdrawn_reason"] == ""


@pytest.mark.parametrize("keeper", ["official-wujin", "operator"])
def test_it_refuses_editing_a_withdrawn_notice_with_409(api_as, demo, withdrawn, keeper):
    response = api_as(demo["users"][keeper]).patch(
        f"/api/notices/{withdrawn['id']}/", {"title": "Corrected"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "notice_withdrawn"
    assert response.json()["detail"] == "This notice is withdrawn already."
    assert Notice.objects.get(pk=withdrawn["id"]).title == "Wujin news"
    assert not AuditEntry.objects.filter(
        object_type="regions.notice",
        object_id=str(withdrawn["id"]),
        action=AuditEntry.Action.UPDATE,
    ).exists()


@pytest.mark.parametrize("keeper", ["official-wujin", "operator"])
def test_it_refuses_withdrawing_a_notice_twice_with_409(api_as, demo, withdrawn, keeper):
    response = api_as(demo["users"][keeper]).post(
        f"/api/notices/{withdrawn['id']}/withdraw/", {"reason": "Once more."}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "notice_withdrawn"
    assert Notice.objects.get(pk=withdrawn["id"]).withdrawn_reason == "Wrong district."
    assert (
        AuditEntry.objects.filter(
            object_type="regions.notice",
            object_id=str(withdrawn["id"]),
            action=AuditEntry.Action.WITHDRAW,
        ).count()
        == 1
    )


def test_a_read_by_id_still_refuses_an_unknown_kind(api_client, demo):
    """The schema documents `kind` on the read by id too: `?kind=AAA` was answered 200."""
    notice = Notice.objects.filter(withdrawn_at__isnull=True).first()
    assert api_client.get(f"/api/notices/{notice.pk}/?kind=AAA").status_code == 400


@pytest.mark.parametrize("method", ["get", "post"])
def test_its_edit_page_sends_a_keeper_to_the_notice_saying_why(client, demo, withdrawn, method):
    """The edit link of a bookmark or an open tab answered a bare 404."""
    client.force_login(demo["users"]["official-wujin"])
    url = f"/notices/{withdrawn['id']}/edit/"
    form = {"title": "Changed", "body": "Changed."}

    response = getattr(client, method)(
        url, form if method == "post" else None, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.redirect_chain[-1][0] == f"/notices/{withdrawn['id']}/"
    assert "This notice is withdrawn: it can no longer be edited." in response.content.decode()
    assert Notice.objects.get(pk=withdrawn["id"]).title == "Wujin news"


def test_its_edit_page_is_still_not_found_for_anyone_else(client, demo, withdrawn):
    client.force_login(demo["users"]["official-nanhu"])
    assert client.get(f"/notices/{withdrawn['id']}/edit/").status_code == 404
