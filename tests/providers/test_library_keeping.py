"""The operator keeps the expert and technology-manager libraries: adds and edits profiles,
withdraws them with a reason and lists them again, and invites their people to sign in."""

import re

import pytest

from providers.models import Expert, ServiceCategory, TechnologyManager
from regions.models import AuditEntry, User

pytestmark = pytest.mark.django_db

EXPERT = {
    "name": "Zhou Min",
    "name_zh": "周敏",
    "field": "Thin-film metrology",
    "titles": "Professor",
    "organisation": "Hefei Institute",
    "contact_email": "zhou.min@example.com",
    "bio": "Twenty years of ellipsometry.",
}


def expert_form(demo, **changes):
    return {
        **EXPERT,
        "region": demo["regions"]["HEFEI_HT"].pk,
        "categories": [ServiceCategory.objects.get(code="testing").pk],
        **changes,
    }


@pytest.fixture
def operator_client(client, users):
    client.force_login(users["operator"])
    return client


def test_the_operator_adds_an_expert_whom_the_library_then_lists(operator_client, demo):
    response = operator_client.post("/experts/new/", expert_form(demo))
    assert response.status_code == 302
    expert = Expert.objects.get(name="Zhou Min")
    assert response["Location"] == f"/experts/{expert.pk}/edit/"
    assert expert.region.code == "HEFEI_HT" and expert.name_zh == "周敏"
    assert [c.code for c in expert.categories.all()] == ["testing"]
    assert AuditEntry.objects.filter(object_id=str(expert.pk), action="create").exists()

    operator_client.logout()
    listed = operator_client.get("/experts/", {"q": "ellipsometry"})
    assert [e.pk for e in listed.context["page"].object_list] == [expert.pk]
    page = operator_client.get(f"/experts/{expert.pk}/").content.decode()
    assert "Thin-film metrology" in page and "zhou.min@example.com" not in page


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "   "}, "name"),
        ({"field": ""}, "field"),
        ({"name": "Zhou\u202eMin"}, "name"),
        ({"region": ""}, "region"),
        ({"region": "999"}, "region"),
        ({"contact_email": "not an address"}, "contact_email"),
        ({"categories": ["999"]}, "categories"),
        ({"name": "x" * 201}, "name"),
    ],
)
def test_a_bad_expert_is_refused_on_its_field_and_nothing_is_added(
    operator_client, demo, changes, field
):
    before = Expert.objects.count()
    response = operator_client.post("/experts/new/", expert_form(demo, **changes))
    assert response.status_code == 400
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert Expert.objects.count() == before


def test_only_a_certified_provider_is_named_as_the_experts(operator_client, demo, make_provider):
    applied = make_provider(region="HEFEI_HT", status="applied")
    response = operator_client.post("/experts/new/", expert_form(demo, provider=applied.pk))
    assert response.status_code == 400
    assert response.context["form"].errors["provider"]


def test_editing_changes_the_profile_and_records_what_changed(operator_client, demo):
    expert = Expert.objects.get(user__username="expert-demo")
    form = expert_form(demo, name=expert.name, field="Graphene dispersion", categories=[])
    response = operator_client.post(f"/experts/{expert.pk}/edit/", form)
    assert response.status_code == 302
    expert.refresh_from_db()
    assert expert.field == "Graphene dispersion" and expert.region.code == "HEFEI_HT"
    assert not expert.categories.exists()
    entry = AuditEntry.objects.filter(object_id=str(expert.pk), action="update").latest("at")
    assert entry.data["field"] == "Graphene dispersion" and entry.data["categories"] == ""
    assert "name" not in entry.data
    page = operator_client.get(f"/experts/{expert.pk}/edit/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "updated · changed: " in html and "Field of expertise, " in html


def test_the_profile_is_a_short_biography(operator_client, demo):
    response = operator_client.post("/experts/new/", expert_form(demo, bio="x" * 4001))
    assert response.status_code == 400 and response.context["form"].errors["bio"]
    assert not Expert.objects.filter(name="Zhou Min").exists()


def test_a_withdrawn_expert_comments_no_more_on_an_earlier_assignment(operator_client, demo):
    from portal.errors import InvalidTransition
    from providers.models import ExpertAssignment
    from providers.services.libraries import expert_comment

    expert = Expert.objects.get(user__username="expert-demo")
    assignment = ExpertAssignment.objects.filter(expert=expert).first()
    assert assignment is not None
    operator_client.post(f"/experts/{expert.pk}/listing/", {"listed": "0", "reason": "Left."})
    with pytest.raises(InvalidTransition) as refused:
        expert_comment(actor=expert.user, assignment=assignment, body="One more thought.")
    assert refused.value.code == "expert_inactive"


def test_a_withdrawn_expert_reads_the_proposals_of_an_earlier_assignment_no_more(
    operator_client, demo
):
    from rest_framework.test import APIClient

    from providers.models import ExpertAssignment

    expert = Expert.objects.get(user__username="expert-demo")
    demand = ExpertAssignment.objects.filter(expert=expert, demand__isnull=False).first().demand
    api = APIClient()
    api.force_authenticate(expert.user)
    before = api.get(f"/api/demands/{demand.pk}/proposals/").json()
    before = before.get("results", before) if isinstance(before, dict) else before
    assert before and {row["demand"] for row in before} == {demand.pk}
    assert api.get(f"/api/proposals/{before[0]['id']}/").status_code == 200
    operator_client.post(f"/experts/{expert.pk}/listing/", {"listed": "0", "reason": "Left."})
    after = api.get(f"/api/demands/{demand.pk}/proposals/").json()
    assert (after.get("results", after) if isinstance(after, dict) else after) == []
    assert api.get(f"/api/proposals/{before[0]['id']}/").status_code == 404
    web = operator_client.__class__()
    web.force_login(expert.user)
    page = web.get(f"/demands/{demand.pk}/").content.decode()
    assert before[0]["approach"][:40] not in page


@pytest.mark.parametrize("who", ["official-wujin", "enterprise-jiangnan", "expert-demo"])
def test_nobody_else_keeps_the_libraries(client, users, demo, who):
    expert = Expert.objects.get(user__username="expert-demo")
    client.force_login(users[who])
    assert client.get("/experts/new/").status_code == 403
    assert client.post("/experts/new/", expert_form(demo)).status_code == 403
    assert client.get(f"/experts/{expert.pk}/edit/").status_code == 403
    assert (
        client.post(f"/experts/{expert.pk}/listing/", {"listed": "0", "reason": "x"}).status_code
        == 403
    )
    assert client.get("/technology-managers/new/").status_code == 403
    assert not Expert.objects.filter(name="Zhou Min").exists()
    assert Expert.objects.get(pk=expert.pk).active
    assert "/experts/new/" not in client.get("/experts/").content.decode()


def test_a_visitor_is_sent_to_log_in(client, demo):
    response = client.get("/experts/new/")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_withdrawing_takes_a_reason_and_takes_the_expert_out_of_the_library(operator_client, demo):
    expert = Expert.objects.get(user__username="expert-demo")
    refused = operator_client.post(f"/experts/{expert.pk}/listing/", {"listed": "0", "reason": " "})
    assert refused.status_code == 400
    assert Expert.objects.get(pk=expert.pk).active

    response = operator_client.post(
        f"/experts/{expert.pk}/listing/", {"listed": "0", "reason": "Retired in June."}
    )
    assert response.status_code == 302
    assert not Expert.objects.get(pk=expert.pk).active
    entry = AuditEntry.objects.get(object_id=str(expert.pk), action="withdraw")
    assert entry.reason == "Retired in June."
    assert operator_client.get(f"/experts/{expert.pk}/").status_code == 404
    library = operator_client.get("/experts/")
    assert expert not in library.context["page"].object_list
    assert f"/experts/{expert.pk}/edit/" in library.content.decode()  # under "Not listed"

    again = operator_client.post(f"/experts/{expert.pk}/listing/", {"listed": "0", "reason": "x"})
    assert again.status_code == 409
    assert (
        operator_client.post(f"/experts/{expert.pk}/listing/", {"listed": "1"}).status_code == 302
    )
    assert operator_client.get(f"/experts/{expert.pk}/").status_code == 200
    assert AuditEntry.objects.filter(object_id=str(expert.pk), action="reinstate").exists()


def link_in(mail) -> str:
    return re.search(r"https?://\S+/account/set-password/\S+/", mail.body).group(0)


def test_an_invited_expert_chooses_a_password_and_signs_in_to_their_assignments(
    operator_client, demo, mailoutbox, django_capture_on_commit_callbacks
):
    operator_client.post("/experts/new/", expert_form(demo))
    expert = Expert.objects.get(name="Zhou Min")
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(
            f"/experts/{expert.pk}/account/",
            {"username": "zhou-min", "email": "zhou.min@example.com"},
        )
    assert response.status_code == 302
    expert.refresh_from_db()
    account = expert.user
    assert account.username == "zhou-min" and account.role == User.Role.EXPERT
    assert not account.has_usable_password()
    assert mailoutbox[-1].to == ["zhou.min@example.com"]
    path = "/" + link_in(mailoutbox[-1]).split("://", 1)[1].split("/", 1)[1]

    second = operator_client.post(
        f"/experts/{expert.pk}/account/", {"username": "zhou-min-2", "email": "z2@example.com"}
    )
    assert second.status_code == 409
    assert not User.objects.filter(username="zhou-min-2").exists()

    operator_client.logout()
    form = operator_client.get(path, follow=True)
    saved = operator_client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-Long-pass-2026", "new_password2": "a-Long-pass-2026"},
    )
    assert saved.status_code == 302
    assert operator_client.login(username="zhou-min", password="a-Long-pass-2026")
    assert operator_client.get("/expert-assignments/").status_code == 200


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"username": "expert-demo", "email": "new@example.com"}, 409),
        ({"username": "new-person", "email": "enterprise-jiangnan@example.com"}, 409),
        ({"username": "new-person", "email": "not-an-address"}, 400),
        ({"username": "x", "email": "new@example.com"}, 400),
    ],
)
def test_a_bad_account_is_refused_and_nothing_is_made(operator_client, demo, fields, status):
    manager = TechnologyManager.objects.filter(user__isnull=True).first() or (
        TechnologyManager.objects.create(name="Gu Hao", certification_level="junior")
    )
    before = User.objects.count()
    response = operator_client.post(f"/technology-managers/{manager.pk}/account/", fields)
    assert response.status_code == status
    assert User.objects.count() == before
    manager.refresh_from_db()
    assert manager.user_id is None


def test_the_operator_adds_a_technology_manager_serving_chosen_districts(operator_client, demo):
    regions = demo["regions"]
    form = {
        "name": "Gu Hao",
        "certification_level": "senior",
        "organisation": "Nanhu Tech Transfer Centre",
        "regions_served": [regions["NANHU"].pk, regions["WUJIN"].pk],
    }
    refused = operator_client.post("/technology-managers/new/", {**form, "regions_served": []})
    assert refused.status_code == 400
    assert (
        operator_client.post(
            "/technology-managers/new/", {**form, "certification_level": "guru"}
        ).status_code
        == 400
    )
    assert not TechnologyManager.objects.filter(name="Gu Hao").exists()

    assert operator_client.post("/technology-managers/new/", form).status_code == 302
    manager = TechnologyManager.objects.get(name="Gu Hao")
    assert {r.code for r in manager.regions_served.all()} == {"NANHU", "WUJIN"}
    found = operator_client.get("/technology-managers/", {"region": "NANHU"})
    assert manager in found.context["page"].object_list


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_keeping_pages_draw_in_both_languages(operator_client, demo, language):
    expert = Expert.objects.get(user__username="expert-demo")
    manager = TechnologyManager.objects.first()
    for path in (
        "/experts/new/",
        f"/experts/{expert.pk}/edit/",
        "/technology-managers/new/",
        f"/technology-managers/{manager.pk}/edit/",
    ):
        response = operator_client.get(path, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, path
    page = operator_client.get(f"/experts/{expert.pk}/", HTTP_ACCEPT_LANGUAGE=language)
    assert f"/experts/{expert.pk}/edit/" in page.content.decode()
    assert "/experts/new/" in operator_client.get("/experts/").content.decode()
