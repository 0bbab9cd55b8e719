"""The enterprise corrects its registration on its page (/enterprise/registration/): all of
it while the district has not verified it, refused or waiting; not its identity after that.
The district reads what was corrected in its queue and on the enterprise's page."""

import pytest
from django.core import mail

from regions.models import AuditEntry, User
from tests.vouchers.conftest import RIGHT_CODE, WRONG_CODE, WRONG_NAME, valid_credit_code
from vouchers.models import Enterprise

pytestmark = pytest.mark.django_db

URL = "/enterprise/registration/"
RIGHT_NAME = "Changzhou Jiangnan Graphite Technology Co., Ltd."


def posted(enterprise, **overrides) -> dict:
    """The page's form as the enterprise sends it back: every field, some changed."""
    data = {
        "name": enterprise.name,
        "name_zh": enterprise.name_zh,
        "credit_code": enterprise.credit_code,
        "region": enterprise.region_id,
        "industry": enterprise.industry,
        "size": enterprise.size,
        "contact_name": enterprise.contact_name,
        "contact_phone": enterprise.contact_phone,
        "contact_email": enterprise.contact_email,
    }
    data.update(overrides)
    return data


def refuse(client, demo, enterprise, reason="营业执照上的企业名称与填写的名称不一致，请更正"):
    client.force_login(demo["users"]["official-wujin"])
    assert (
        client.post(f"/enterprises/{enterprise.pk}/reject/", {"reason": reason}).status_code == 302
    )
    enterprise.refresh_from_db()
    assert enterprise.is_rejected


def test_it_corrects_a_refused_registration_and_the_official_verifies_it(client, demo, newcomer):
    enterprise, user = newcomer
    refuse(client, demo, enterprise)

    client.force_login(user)
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert not page.context["form"].fields["name"].disabled
    assert "营业执照上的企业名称与填写的名称不一致" in page.content.decode()
    response = client.post(URL, posted(enterprise, name=RIGHT_NAME, credit_code=RIGHT_CODE))
    assert response.status_code == 302 and response["Location"] == URL
    enterprise.refresh_from_db()
    assert (enterprise.name, enterprise.credit_code) == (RIGHT_NAME, RIGHT_CODE)
    assert enterprise.is_rejected  # corrected, not yet asked again
    entry = AuditEntry.objects.get(object_id=str(enterprise.pk), action="update")
    assert entry.actor == user
    assert entry.data == {
        "changes": [
            {"field": "name", "before": WRONG_NAME, "after": RIGHT_NAME},
            {"field": "credit_code", "before": WRONG_CODE, "after": RIGHT_CODE},
        ]
    }
    assert client.post("/enterprise/review-again/").status_code == 302

    client.force_login(demo["users"]["official-wujin"])
    queue = client.get("/official/enterprises/", HTTP_ACCEPT_LANGUAGE="en")
    [waiting] = queue.context["enterprises"]
    assert waiting == enterprise
    assert waiting.corrections == {
        "refused": True,
        "changes": [
            {"field": "name", "before": WRONG_NAME, "after": RIGHT_NAME},
            {"field": "credit_code", "before": WRONG_CODE, "after": RIGHT_CODE},
        ],
    }
    html = queue.content.decode()
    assert "Corrected since the refusal:" in html and "Refused before:" in html
    assert f"<del>{WRONG_CODE}</del> → <ins>{RIGHT_CODE}</ins>" in html
    detail = client.get(f"/enterprises/{enterprise.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    html = detail.content.decode()
    assert "Corrections of the registration" in html
    assert f"<del>{WRONG_NAME}</del> → <ins>{RIGHT_NAME}</ins>" in html
    assert "asked for the review again" in html

    assert client.post(f"/enterprises/{enterprise.pk}/verify/").status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.is_verified and enterprise.credit_code == RIGHT_CODE


def test_the_queue_shows_only_what_changed_since_the_last_refusal(client, demo, newcomer):
    enterprise, user = newcomer
    client.force_login(user)
    client.post(URL, posted(enterprise, industry="Graphite powder"))
    refuse(client, demo, enterprise)
    client.force_login(user)
    client.post(URL, posted(enterprise, contact_name="Li Si"))
    client.post(URL, posted(Enterprise.objects.get(pk=enterprise.pk), contact_name="Wang Wu"))

    client.force_login(demo["users"]["official-wujin"])
    [refused] = client.get("/official/enterprises/").context["refused"]
    assert refused.corrections == {
        "refused": True,
        "changes": [{"field": "contact_name", "before": "Zhang San", "after": "Wang Wu"}],
    }


def test_a_waiting_registration_is_corrected_too(client, demo, newcomer):
    enterprise, user = newcomer
    client.force_login(user)
    response = client.post(URL, posted(enterprise, size="small", industry="Graphite powder"))
    assert response.status_code == 302
    enterprise.refresh_from_db()
    assert (enterprise.size, enterprise.industry) == ("small", "Graphite powder")
    client.force_login(demo["users"]["official-wujin"])
    [waiting] = client.get("/official/enterprises/").context["enterprises"]
    assert waiting.corrections["refused"] is False
    assert [c["field"] for c in waiting.corrections["changes"]] == ["industry", "size"]
    assert waiting.corrections["changes"][1]["after"] == "Small"


def test_a_verified_enterprise_cannot_change_its_name_or_credit_code(client, demo):
    user = demo["users"]["enterprise-jiangnan"]
    enterprise = user.enterprise
    name, code, contact = enterprise.name, enterprise.credit_code, enterprise.contact_name
    client.force_login(user)

    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    form = page.context["form"]
    assert all(form.fields[f].disabled for f in ("name", "name_zh", "credit_code", "region"))
    assert "are locked, because its vouchers and claims depend on them" in page.content.decode()

    response = client.post(
        URL,
        posted(enterprise, name=RIGHT_NAME, credit_code=RIGHT_CODE, contact_name="Li Si"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "can no longer be changed" in errors["name"][0]
    assert "can no longer be changed" in errors["credit_code"][0]
    enterprise.refresh_from_db()
    assert (enterprise.name, enterprise.credit_code, enterprise.contact_name) == (
        name,
        code,
        contact,
    )
    assert not AuditEntry.objects.filter(object_id=str(enterprise.pk), action="update").exists()

    # Its contact it may still change: a browser sends no disabled field.
    fields = posted(enterprise, contact_name="Li Si")
    for locked in ("name", "name_zh", "credit_code", "region"):
        del fields[locked]
    assert client.post(URL, fields).status_code == 302
    enterprise.refresh_from_db()
    assert (enterprise.name, enterprise.credit_code, enterprise.contact_name) == (
        name,
        code,
        "Li Si",
    )


def test_the_page_is_the_enterprises_own(client, demo, newcomer):
    enterprise, _user = newcomer
    client.force_login(demo["users"]["official-wujin"])
    assert client.get(URL).status_code == 403
    assert client.post(URL, posted(enterprise, name="Taken over")).status_code == 403
    # Another enterprise's user edits its own enterprise, never this one.
    other = demo["users"]["enterprise-yangpu"]
    client.force_login(other)
    client.post(URL, posted(enterprise, name="Taken over"))
    enterprise.refresh_from_db()
    other.enterprise.refresh_from_db()
    assert enterprise.name == WRONG_NAME
    assert other.enterprise.name != "Taken over"


def test_a_credit_code_of_another_open_registration_is_refused(client, demo, newcomer):
    enterprise, user = newcomer
    client.force_login(user)
    taken = demo["enterprises"]["enterprise-yangpu"].credit_code
    response = client.post(URL, posted(enterprise, credit_code=taken), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Another open registration uses this unified social credit code" in str(
        response.context["form"].errors["credit_code"]
    )
    enterprise.refresh_from_db()
    assert enterprise.credit_code == WRONG_CODE


def test_a_credit_code_with_a_wrong_check_character_is_refused(client, demo, newcomer):
    enterprise, user = newcomer
    client.force_login(user)
    wrong = RIGHT_CODE[:17] + ("0" if RIGHT_CODE[17] != "0" else "1")
    response = client.post(URL, posted(enterprise, credit_code=wrong), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "check character" in str(response.context["form"].errors["credit_code"])
    enterprise.refresh_from_db()
    assert enterprise.credit_code == WRONG_CODE


def test_a_credit_code_typed_with_spaces_and_full_width_is_stored_plain(client, demo, newcomer):
    enterprise, user = newcomer
    client.force_login(user)
    typed = " ".join([RIGHT_CODE[:6], RIGHT_CODE[6:12], RIGHT_CODE[12:]]).replace("9", "９")
    assert client.post(URL, posted(enterprise, credit_code=typed)).status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.credit_code == RIGHT_CODE


def test_bad_entries_are_named_beside_their_fields(client, demo, newcomer):
    enterprise, user = newcomer
    client.force_login(user)
    response = client.post(
        URL,
        posted(
            enterprise,
            contact_phone="call me",
            contact_email="not-an-address",
            size="huge",
            region="999999",
        ),
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {
        "contact_phone",
        "contact_email",
        "size",
        "region",
    }
    # What only the service sees (a name nothing of which shows, an invisible character
    # inside one) is its refusal, beside its field.
    for field, value in [("name", "\u200b\u200b"), ("contact_name", "李\u200b四")]:
        response = client.post(URL, posted(enterprise, **{field: value}))
        assert response.status_code == 400
        assert list(response.context["form"].errors) == [field]
    enterprise.refresh_from_db()
    assert enterprise.name == WRONG_NAME and enterprise.contact_name == "Zhang San"


def test_it_does_not_undo_a_colleagues_save(client, demo, newcomer):
    enterprise, user = newcomer
    colleague = User.objects.create_user(
        username="graphite-2", password="x-pass-2026!", role="enterprise", enterprise=enterprise
    )
    client.force_login(user)
    opened = client.get(URL).context["form"]["edited_from"].value()
    client.force_login(colleague)
    client.post(URL, posted(enterprise, name=RIGHT_NAME))
    client.force_login(user)
    response = client.post(URL, posted(enterprise, industry="Other", edited_from=opened))
    assert response.status_code == 409
    enterprise.refresh_from_db()
    assert (enterprise.name, enterprise.industry) == (RIGHT_NAME, "Graphite")


def test_nothing_changed_records_nothing(client, demo, newcomer):
    enterprise, user = newcomer
    client.force_login(user)
    assert client.post(URL, posted(enterprise)).status_code == 302
    assert not AuditEntry.objects.filter(object_id=str(enterprise.pk), action="update").exists()


def test_a_new_district_moves_a_refused_registration_to_its_officials(client, demo, newcomer):
    enterprise, user = newcomer
    refuse(client, demo, enterprise)
    yangpu = demo["regions"]["YANGPU"]
    client.force_login(user)
    assert client.post(URL, posted(enterprise, region=yangpu.pk)).status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.region == yangpu
    entry = AuditEntry.objects.get(object_id=str(enterprise.pk), action="update")
    assert entry.data["changes"] == [{"field": "region", "before": "WUJIN", "after": "YANGPU"}]

    client.force_login(demo["users"]["official-wujin"])
    assert enterprise not in client.get("/official/enterprises/").context["refused"]
    assert client.get(f"/enterprises/{enterprise.pk}/").status_code == 404
    assert client.post(f"/enterprises/{enterprise.pk}/verify/").status_code == 404
    client.force_login(demo["users"]["official-yangpu"])
    [refused] = client.get("/official/enterprises/").context["refused"]
    assert refused == enterprise
    assert refused.corrections["changes"][0]["after"] == yangpu.display_name

    client.force_login(user)
    client.post("/enterprise/review-again/")
    client.force_login(demo["users"]["official-wujin"])
    assert list(client.get("/official/enterprises/").context["enterprises"]) == []
    client.force_login(demo["users"]["official-yangpu"])
    assert list(client.get("/official/enterprises/").context["enterprises"]) == [enterprise]
    assert client.post(f"/enterprises/{enterprise.pk}/verify/").status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.verified_by == demo["users"]["official-yangpu"]


def test_a_new_district_tells_its_officials_of_a_waiting_registration(
    client, demo, newcomer, django_capture_on_commit_callbacks
):
    enterprise, user = newcomer
    official = demo["users"]["official-yangpu"]
    official.email = official.email or "li.na@yangpu.example"
    official.save(update_fields=["email"])
    client.force_login(user)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, posted(enterprise, region=demo["regions"]["YANGPU"].pk))
    assert response.status_code == 302
    assert any(official.email in message.to for message in mail.outbox)
    assert all(WRONG_CODE in message.body for message in mail.outbox)


def test_the_profile_and_the_dashboard_lead_to_the_correction(client, demo, newcomer):
    enterprise, user = newcomer
    refuse(client, demo, enterprise)
    client.force_login(user)
    assert URL in client.get("/enterprise/profile/").content.decode()
    assert URL in client.get("/enterprise/").content.decode()


def test_the_queue_reads_the_corrections_in_a_constant_number_of_queries(client, demo):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from vouchers.services.registration import enterprise_registration_correct

    official = demo["users"]["official-wujin"]

    def queries() -> int:
        client.force_login(official)
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/official/enterprises/").status_code == 200
        return len(captured)

    def corrected(n: int) -> None:
        enterprise = Enterprise.objects.create(
            name=f"Corrected {n}",
            credit_code=valid_credit_code(f"91320412MA1CQ{n:04d}"),
            region=demo["regions"]["WUJIN"],
            industry="Graphite",
            size="micro",
            contact_name="Zhang San",
            contact_email=f"z{n}@graphite.example",
        )
        user = User.objects.create_user(
            username=f"corrected{n}", password="x", role="enterprise", enterprise=enterprise
        )
        enterprise_registration_correct(
            enterprise=enterprise,
            actor=user,
            name=f"Corrected {n} Co.",
            region=demo["regions"]["WUJIN"],
        )

    corrected(0)
    one = queries()
    for n in range(1, 6):
        corrected(n)
    assert queries() == one


def test_a_stored_value_from_before_todays_checks_does_not_block_the_others(client, api_as, demo):
    """A record loaded in bulk (with SQL) may hold a code today's check refuses: sent back
    unchanged it is no change, and the contact stays editable."""
    user = demo["users"]["enterprise-jiangnan"]
    Enterprise.objects.filter(pk=user.enterprise_id).update(credit_code="91320412MA1MXY5010")
    enterprise = Enterprise.objects.get(pk=user.enterprise_id)
    client.force_login(user)
    fields = posted(enterprise, contact_name="Li Si")
    for locked in ("name", "name_zh", "credit_code", "region"):
        del fields[locked]
    assert client.post(URL, fields).status_code == 302
    response = api_as(user).patch(
        f"/api/enterprises/{enterprise.pk}/",
        {"credit_code": enterprise.credit_code, "contact_name": "Wang Wu"},
        format="json",
    )
    assert response.status_code == 200
    enterprise.refresh_from_db()
    assert (enterprise.credit_code, enterprise.contact_name) == ("91320412MA1MXY5010", "Wang Wu")
