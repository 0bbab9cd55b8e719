"""Public notice of new providers: the approval opens a notice for the district's days;
objections (never from the provider's own users) and the official's answers; the beat
certifies only when the period ended with no open objection, once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from providers import services
from providers.models import Provider, ProviderCertificate, ProviderNotice
from providers.tasks import conclude_provider_notices
from regions.models import AuditEntry, ProgrammeRules
from regions.selectors import current_year

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_notice(users, make_provider):
    """A Wujin provider the official approved: on notice, its notice open."""
    provider = make_provider(region="WUJIN", name="Notice Lab")
    notice = services.provider_certify(provider=provider, actor=users["official-wujin"])
    return provider, notice


def after(notice):
    return notice.ends_at + timedelta(seconds=1)


def object_to(api_as, user, notice, reason="Its lab has no accreditation."):
    return api_as(user).post(
        f"/api/provider-notices/{notice.pk}/objections/", {"reason": reason}, format="json"
    )


def test_the_approval_puts_the_provider_on_notice_for_the_districts_days(users, make_provider):
    ProgrammeRules.objects.filter(region__code="NANHU", year=current_year()).update(
        provider_notice_days=10
    )
    provider = make_provider(region="NANHU")
    notice = services.provider_certify(provider=provider, actor=users["official-nanhu"])
    provider.refresh_from_db()
    assert provider.status == Provider.Status.ON_NOTICE
    assert notice.status == "open"
    assert notice.ends_at - notice.starts_at == timedelta(days=10)
    assert not provider.certificates.exists()
    assert AuditEntry.objects.filter(
        object_type="providers.provider", object_id=str(provider.pk), action="put_on_notice"
    ).exists()


def test_the_default_is_seven_days(users, on_notice):
    _, notice = on_notice
    assert notice.ends_at - notice.starts_at == timedelta(days=7)


def test_anyone_reads_the_notices(api_client, client, on_notice):
    provider, notice = on_notice
    body = api_client.get("/api/provider-notices/").json()
    row = next(r for r in body["results"] if r["id"] == notice.pk)
    assert row["provider"] == provider.pk
    assert row["objections"] == 0 and row["status"] == "open"
    assert {"id", "provider", "starts_at", "ends_at", "objections"} <= set(row)
    assert "Notice Lab" in client.get("/provider-notices/").content.decode()
    assert "Notice Lab" in client.get(f"/provider-notices/{notice.pk}/").content.decode()


def test_the_list_runs_a_constant_number_of_queries(
    api_client, client, users, make_provider, django_assert_max_num_queries
):
    for _ in range(5):
        services.provider_certify(
            provider=make_provider(region="WUJIN"), actor=users["official-wujin"]
        )
    with django_assert_max_num_queries(6):
        api_client.get("/api/provider-notices/")
    with django_assert_max_num_queries(8):
        client.get("/provider-notices/")


def test_a_signed_in_user_objects_with_a_reason(api_as, users, on_notice):
    _, notice = on_notice
    response = object_to(api_as, users["enterprise-jiangnan"], notice)
    assert response.status_code == 201
    assert response.json()["reason"] == "Its lab has no accreditation."
    objection = notice.objections.get()
    assert objection.raised_by == users["enterprise-jiangnan"] and objection.is_open
    assert AuditEntry.objects.filter(
        object_type="providers.providernotice", object_id=str(notice.pk), action="object"
    ).exists()
    listed = api_as(users["operator"]).get("/api/provider-notices/").json()["results"]
    assert next(r for r in listed if r["id"] == notice.pk)["objections"] == 1


def test_it_needs_a_reason_and_a_login(api_as, api_client, users, on_notice):
    _, notice = on_notice
    assert object_to(api_as, users["enterprise-jiangnan"], notice, reason="  ").status_code == 400
    assert (
        api_client.post(
            f"/api/provider-notices/{notice.pk}/objections/", {"reason": "x"}, format="json"
        ).status_code
        == 401
    )
    assert not notice.objections.exists()


def test_the_providers_own_users_cannot_object(api_as, client, on_notice):
    provider, notice = on_notice
    own_user = provider.users.get()
    response = object_to(api_as, own_user, notice)
    assert response.status_code == 409
    assert response.json()["code"] == "own_provider"
    client.force_login(own_user)
    page = client.post(f"/provider-notices/{notice.pk}/objections/", {"reason": "Self"})
    assert page.status_code == 409
    assert not notice.objections.exists()


def test_a_closed_notice_takes_no_objection(api_as, users, on_notice):
    _, notice = on_notice
    ProviderNotice.objects.filter(pk=notice.pk).update(
        starts_at=timezone.now() - timedelta(days=8), ends_at=timezone.now() - timedelta(days=1)
    )
    response = object_to(api_as, users["enterprise-jiangnan"], notice)
    assert response.status_code == 409 and response.json()["code"] == "notice_closed"


def test_the_districts_official_answers_on_the_page(client, api_as, users, on_notice):
    _, notice = on_notice
    object_to(api_as, users["enterprise-yangpu"], notice)
    objection = notice.objections.get()
    url = f"/provider-notices/{notice.pk}/objections/{objection.pk}/answer/"
    client.force_login(users["official-yangpu"])  # another district
    assert client.post(url, {"answer": "No."}).status_code == 403
    client.force_login(users["official-wujin"])
    assert client.post(url, {"answer": ""}).status_code == 400
    response = client.post(url, {"answer": "Accreditation CNAS L1234 was checked."})
    assert response.status_code == 302
    objection.refresh_from_db()
    assert not objection.is_open and objection.answered_by == users["official-wujin"]
    assert "CNAS L1234" in client.get(f"/provider-notices/{notice.pk}/").content.decode()
    again = client.post(url, {"answer": "Twice"})
    assert again.status_code == 409


def test_the_beat_certifies_only_after_the_period(users, on_notice):
    provider, notice = on_notice
    assert services.notices_conclude_due(now=notice.ends_at - timedelta(seconds=1)) == 0
    provider.refresh_from_db()
    assert provider.status == "on_notice"
    assert services.notices_conclude_due(now=after(notice)) == 1
    provider.refresh_from_db()
    notice.refresh_from_db()
    assert provider.status == "certified" and notice.status == "passed"
    certificate = provider.certificates.get()
    assert certificate.status == ProviderCertificate.Status.VALID
    assert certificate.notice_starts_at == notice.starts_at
    assert certificate.notice_ends_at == notice.ends_at


def test_an_open_objection_holds_the_certification_until_answered(api_as, users, on_notice):
    provider, notice = on_notice
    object_to(api_as, users["enterprise-jiangnan"], notice)
    assert services.notices_conclude_due(now=after(notice)) == 0
    provider.refresh_from_db()
    assert provider.status == "on_notice" and not provider.certificates.exists()
    services.objection_answer(
        objection_id=notice.objections.get().pk,
        actor=users["official-wujin"],
        answer="Checked; the objection does not hold.",
    )
    assert services.notices_conclude_due(now=after(notice)) == 1
    provider.refresh_from_db()
    assert provider.status == "certified"


def test_it_is_idempotent(users, on_notice):
    provider, notice = on_notice
    assert services.notices_conclude_due(now=after(notice)) == 1
    assert services.notices_conclude_due(now=after(notice)) == 0
    assert services.notice_conclude(notice_id=notice.pk, now=after(notice)) is None
    assert provider.certificates.count() == 1
    assert (
        AuditEntry.objects.filter(
            object_type="providers.provider", object_id=str(provider.pk), action="certify"
        ).count()
        == 1
    )


def test_the_beat_task_runs_the_conclusion(users, on_notice):
    provider, notice = on_notice
    ProviderNotice.objects.filter(pk=notice.pk).update(
        starts_at=timezone.now() - timedelta(days=8), ends_at=timezone.now() - timedelta(days=1)
    )
    assert conclude_provider_notices() == {"certified": 1}
    provider.refresh_from_db()
    assert provider.status == "certified"


def test_the_official_may_reject_during_the_notice(api_as, users, on_notice):
    provider, notice = on_notice
    response = api_as(users["official-wujin"]).post(
        f"/api/providers/{provider.pk}/reject/", {"reason": "Objection upheld."}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    notice.refresh_from_db()
    assert notice.status == "withdrawn"
    assert services.notices_conclude_due(now=after(notice)) == 0
    assert not provider.certificates.exists()


def test_the_official_cannot_skip_the_notice(api_as, users, on_notice):
    provider, _ = on_notice
    response = api_as(users["official-wujin"]).post(f"/api/providers/{provider.pk}/certify/")
    assert response.status_code == 409 and response.json()["code"] == "on_notice"


def test_the_certificate_shows_the_notice_dates(client, users, on_notice):
    provider, notice = on_notice
    certificate = services.notice_conclude(notice_id=notice.pk, now=after(notice))
    starts = timezone.localtime(notice.starts_at).date().isoformat()
    html = client.get(f"/verify/{certificate.serial}/").content.decode()
    assert "Public notice" in html and starts in html
    client.force_login(users["official-wujin"])
    assert starts in client.get(f"/providers/{provider.pk}/").content.decode()


def test_objections_waiting_past_the_service_level_are_reminded(api_as, users, on_notice):
    from portal.models import OutboxMessage
    from providers.models import ProviderObjection
    from regions.reminders import objections_waiting, reminders_send

    _, notice = on_notice
    assert object_to(api_as, users["enterprise-jiangnan"], notice).status_code == 201
    wujin = users["official-wujin"].region_id
    assert objections_waiting(region_id=wujin, days=5) == 0  # raised just now
    ProviderObjection.objects.update(raised_at=timezone.now() - timedelta(days=6))
    assert objections_waiting(region_id=wujin, days=5) == 1
    assert objections_waiting(region_id=users["official-nanhu"].region_id, days=5) == 0
    before = OutboxMessage.objects.order_by("-id").values_list("id", flat=True).first() or 0

    reminders_send()

    mails = [
        m.kwargs
        for m in OutboxMessage.objects.filter(id__gt=before)
        if users["official-wujin"].email in m.kwargs.get("recipients", [])
    ]
    assert any("1 objection waiting longer than 5 days" in m["subject"] for m in mails)


def test_the_same_objection_sent_twice_from_the_page_is_one(client, users, on_notice):
    _provider, notice = on_notice
    client.force_login(users["enterprise-hefei"])
    url = f"/provider-notices/{notice.pk}/objections/"
    form = {"reason": "Its lab has no accreditation."}

    first = client.post(url, {**form, "submission_key": "key-one"})
    second = client.post(url, {**form, "submission_key": "key-two"})  # Back, then send again

    assert first.status_code == second.status_code == 302
    assert notice.objections.count() == 1


def test_the_command_concludes_the_ended_notices_as_the_beat_does(users, on_notice):
    from io import StringIO

    from django.core.management import call_command

    provider, notice = on_notice
    out = StringIO()
    call_command("conclude_provider_notices", stdout=out)
    assert "Certified 0 provider(s)" in out.getvalue()

    ProviderNotice.objects.filter(pk=notice.pk).update(
        starts_at=timezone.now() - timedelta(days=8),
        ends_at=timezone.now() - timedelta(minutes=1),
    )
    call_command("conclude_provider_notices", stdout=out)
    assert "Certified 1 provider(s)" in out.getvalue()
    provider.refresh_from_db()
    assert provider.status == "certified"


def test_an_objections_words_go_to_the_district_and_its_author_only(
    api_as, client, users, on_notice
):
    # Anyone signed in can object, and an objection may say what must not be public: the
    # page showed every objection's words to every visitor.
    _, notice = on_notice
    object_to(api_as, users["enterprise-yangpu"], notice)
    page = f"/provider-notices/{notice.pk}/"
    words = "Its lab has no accreditation."

    assert words not in client.get(page).content.decode()  # a visitor
    assert "Objection of" in client.get(page).content.decode()
    for username, reads in [
        ("enterprise-jiangnan", False),
        ("enterprise-yangpu", True),  # its author
        ("official-wujin", True),  # the provider's district
        ("official-yangpu", False),
        ("operator", True),
    ]:
        client.force_login(users[username])
        assert (words in client.get(page).content.decode()) is reads, username


def test_one_person_has_one_unanswered_objection_at_a_time(api_as, users, on_notice):
    # Each unanswered objection holds the certification back: three from one account did.
    _, notice = on_notice
    assert object_to(api_as, users["enterprise-yangpu"], notice).status_code == 201
    again = object_to(api_as, users["enterprise-yangpu"], notice)
    assert again.status_code == 409
    assert again.json()["code"] == "objection_waiting"
    assert object_to(api_as, users["enterprise-jiangnan"], notice).status_code == 201
    assert notice.objections.count() == 2


def test_the_page_offers_no_objection_form_while_ones_own_waits(api_as, client, users, on_notice):
    """The form stayed on the page and its post was refused 409."""
    _, notice = on_notice
    client.force_login(users["enterprise-yangpu"])
    page = f"/provider-notices/{notice.pk}/"
    assert "Lodge an objection" in client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert object_to(api_as, users["enterprise-yangpu"], notice).status_code == 201
    body = client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Lodge an objection" not in body and 'id="objection-waiting"' in body
    # Another reader still has the form.
    client.force_login(users["enterprise-jiangnan"])
    assert "Lodge an objection" in client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
