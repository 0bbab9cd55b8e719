from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail

from portal.codes import voucher_serial
from regions.models import AuditEntry
from vouchers.models import Voucher

pytestmark = pytest.mark.django_db


def test_it_issues_the_voucher_in_the_same_transaction(
    api_as, demo, submit, rules_of, django_capture_on_commit_callbacks
):
    application = submit("enterprise-jiangnan", "80000.00")
    before = rules_of("WUJIN")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(demo["users"]["official-wujin"]).post(
            f"/api/voucher-applications/{application.pk}/approve/",
            {"approved_amount": "70000.00", "note": "Fits the programme"},
            format="json",
        )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "approved"
    assert body["approved_amount"] == "70000.00"
    rules = rules_of("WUJIN")
    assert rules.last_voucher_number == before.last_voucher_number + 1
    assert rules.committed == before.committed + Decimal("70000.00")
    voucher = Voucher.objects.get(application=application)
    assert body["voucher"] == voucher.serial
    assert voucher.serial == voucher_serial(
        short_code="WJ", year=rules.year, number=rules.last_voucher_number
    )
    assert voucher.face_value == voucher.balance == Decimal("70000.00")
    assert voucher.cross_region is True
    assert voucher.expires_at - voucher.issued_at == timedelta(days=365)
    assert voucher.status == "active"
    # One e-mail tells the decision and the voucher it issued.
    assert [m.subject for m in mail.outbox] == [
        f"[Voucher portal] Your voucher application #{application.pk} was approved: "
        f"voucher {voucher.serial} issued"
    ]
    assert mail.outbox[0].to == ["enterprise-jiangnan@example.com"]
    assert "approved ¥70,000.00 of the ¥80,000.00 you requested" in mail.outbox[0].body
    assert "Fits the programme" in mail.outbox[0].body
    assert AuditEntry.objects.filter(
        object_type="vouchers.voucherapplication", object_id=str(application.pk), action="approve"
    ).exists()
    assert AuditEntry.objects.filter(
        object_type="vouchers.voucher", object_id=str(voucher.pk), action="issue"
    ).exists()


def test_it_approves_the_requested_amount_when_the_official_states_it(api_as, demo, submit):
    application = submit("enterprise-yangpu", "12345.67")
    response = api_as(demo["users"]["official-yangpu"]).post(
        f"/api/voucher-applications/{application.pk}/approve/",
        {"approved_amount": "12345.67"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["approved_amount"] == "12345.67"
    assert response.json()["voucher"].startswith("YP-")


@pytest.mark.parametrize("body", [{}, {"approved_amount": None}, {"approved_amount": ""}])
def test_the_api_requires_the_approved_amount(api_as, demo, submit, rules_of, body):
    application = submit("enterprise-yangpu", "12345.67")
    committed = rules_of("YANGPU").committed
    response = api_as(demo["users"]["official-yangpu"]).post(
        f"/api/voucher-applications/{application.pk}/approve/", body, format="json"
    )
    assert response.status_code == 400
    assert "approved_amount" in response.json()
    application.refresh_from_db()
    assert application.status == "submitted"
    assert rules_of("YANGPU").committed == committed


def test_an_enterprise_approving_its_own_application_gets_403(api_as, demo, submit, rules_of):
    application = submit("enterprise-jiangnan")
    response = api_as(demo["users"]["enterprise-jiangnan"]).post(
        f"/api/voucher-applications/{application.pk}/approve/", {}, format="json"
    )
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == "submitted"
    assert rules_of("WUJIN").committed == Decimal("200000.00")


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_a_provider_deciding_an_application_gets_403_as_an_enterprise_does(
    api_as, demo, submit, action
):
    """API.md: a role that may never do this is 403. A provider, who sees no application,
    was answered 404 (the lookup came before the role)."""
    application = submit("enterprise-jiangnan")
    response = api_as(demo["users"]["provider-sit"]).post(
        f"/api/voucher-applications/{application.pk}/{action}/", {"note": "x"}, format="json"
    )
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == "submitted"


def test_an_official_of_another_district_gets_404(api_as, client, demo, submit):
    application = submit("enterprise-jiangnan")
    response = api_as(demo["users"]["official-yangpu"]).post(
        f"/api/voucher-applications/{application.pk}/approve/", {}, format="json"
    )
    assert response.status_code == 404
    client.force_login(demo["users"]["official-yangpu"])
    assert client.post(f"/applications/{application.pk}/approve/").status_code == 404
    assert client.get(f"/applications/{application.pk}/").status_code == 404
    application.refresh_from_db()
    assert application.status == "submitted"


def test_the_operator_may_see_but_not_approve(api_as, demo, submit):
    application = submit("enterprise-jiangnan")
    client = api_as(demo["users"]["operator"])
    assert client.get(f"/api/voucher-applications/{application.pk}/").status_code == 200
    response = client.post(f"/api/voucher-applications/{application.pk}/approve/", {})
    assert response.status_code == 403


def test_a_double_approval_is_409(api_as, demo, submit, rules_of):
    application = submit("enterprise-jiangnan")
    client = api_as(demo["users"]["official-wujin"])
    url = f"/api/voucher-applications/{application.pk}/approve/"
    body = {"approved_amount": "10000.00"}
    assert client.post(url, body, format="json").status_code == 200
    committed = rules_of("WUJIN").committed
    second = client.post(url, body, format="json")
    assert second.status_code == 409
    assert second.json()["code"] == "invalid_transition"
    assert rules_of("WUJIN").committed == committed
    assert Voucher.objects.filter(application=application).count() == 1


def test_a_rejected_application_cannot_be_approved(api_as, demo, submit):
    application = submit("enterprise-jiangnan")
    client = api_as(demo["users"]["official-wujin"])
    client.post(f"/api/voucher-applications/{application.pk}/reject/", {"note": "No"})
    response = client.post(
        f"/api/voucher-applications/{application.pk}/approve/", {"approved_amount": "10000.00"}
    )
    assert response.status_code == 409


@pytest.mark.parametrize(
    "amount, needle",
    [("10000.01", "may not exceed"), ("0", "more than zero"), ("-1", "more than zero")],
)
def test_a_bad_approved_amount_is_400(api_as, demo, submit, amount, needle):
    application = submit("enterprise-jiangnan", "10000.00")
    response = api_as(demo["users"]["official-wujin"]).post(
        f"/api/voucher-applications/{application.pk}/approve/",
        {"approved_amount": amount},
        format="json",
    )
    assert response.status_code == 400
    assert needle in response.json()["approved_amount"][0]
    application.refresh_from_db()
    assert application.status == "submitted"


def test_a_non_numeric_approved_amount_is_400(api_as, demo, submit):
    application = submit("enterprise-jiangnan", "10000.00")
    response = api_as(demo["users"]["official-wujin"]).post(
        f"/api/voucher-applications/{application.pk}/approve/",
        {"approved_amount": "lots"},
        format="json",
    )
    assert response.status_code == 400
    assert "approved_amount" in response.json()


def test_over_the_budget_is_409_and_nothing_is_issued(api_as, demo, submit, rules_of):
    application = submit("enterprise-jiangnan", "50000.00")
    rules = rules_of("WUJIN")
    rules.annual_budget = Decimal("240000.00")  # 200,000 already committed
    rules.save()
    response = api_as(demo["users"]["official-wujin"]).post(
        f"/api/voucher-applications/{application.pk}/approve/",
        {"approved_amount": "50000.00"},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "budget_exceeded"
    rules.refresh_from_db()
    assert rules.committed == Decimal("200000.00")
    assert rules.last_voucher_number == 1
    application.refresh_from_db()
    assert application.status == "submitted"
    assert not Voucher.objects.filter(application=application).exists()


def test_over_the_cap_is_409(api_as, demo, submit, approve, rules_of):
    first = submit("enterprise-jiangnan", "60000.00")
    second = submit("enterprise-jiangnan", "40000.00")
    rules = rules_of("WUJIN")
    approve(first)
    rules.refresh_from_db()
    rules.max_voucher_per_enterprise = Decimal("290000.00")
    rules.save()
    response = api_as(demo["users"]["official-wujin"]).post(
        f"/api/voucher-applications/{second.pk}/approve/",
        {"approved_amount": "40000.00"},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "cap_exceeded"
    # ... but the remaining 30,000 may still be approved.
    partial = api_as(demo["users"]["official-wujin"]).post(
        f"/api/voucher-applications/{second.pk}/approve/",
        {"approved_amount": "30000.00", "note": "What the yearly cap leaves."},
        format="json",
    )
    assert partial.status_code == 200


def test_it_approves_with_a_plain_post(client, demo, submit):
    application = submit("enterprise-jiangnan", "10000.00")
    client.force_login(demo["users"]["official-wujin"])
    response = client.post(
        f"/applications/{application.pk}/approve/",
        {
            "approved_amount": "9000.00",
            "note": "The second test is not needed.",
            "next": "/official/applications/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/official/applications/"
    application.refresh_from_db()
    assert application.status == "approved"
    assert application.voucher.face_value == Decimal("9000.00")
    # The queue shows what was approved beside what was asked.
    queue = client.get("/official/applications/?status=approved").content.decode()
    assert "¥10,000.00" in queue and "Approved ¥9,000.00" in queue


@pytest.mark.parametrize("next_value", ["x", "official-applications", "//evil.example/"])
def test_a_next_that_is_not_a_path_of_the_site_goes_to_the_fallback(
    client, demo, submit, next_value
):
    """A bare word was read as a view's name: 500 after the application was approved."""
    application = submit("enterprise-jiangnan", "10000.00")
    client.force_login(demo["users"]["official-wujin"])
    response = client.post(
        f"/applications/{application.pk}/approve/",
        {"approved_amount": "10000.00", "note": "", "next": next_value},
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/") and "evil" not in response["Location"]
    application.refresh_from_db()
    assert application.status == "approved"


def test_a_plain_post_refused_names_the_application_on_the_queue(client, demo, submit):
    application = submit("enterprise-jiangnan", "10000.00")
    client.force_login(demo["users"]["official-wujin"])

    response = client.post(
        f"/applications/{application.pk}/approve/",
        {"approved_amount": "lots", "note": "", "next": "/official/applications/"},
        follow=True,
    )

    page = response.content.decode()
    assert f"Application #{application.pk}: " in page
    application.refresh_from_db()
    assert application.status == "submitted"


def test_it_approves_inline_with_htmx(client, demo, submit):
    application = submit("enterprise-jiangnan", "10000.00")
    client.force_login(demo["users"]["official-wujin"])
    response = client.post(
        f"/applications/{application.pk}/approve/",
        {"approved_amount": "10000.00", "note": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert b'<tr class="decision"' in response.content
    application.refresh_from_db()
    assert application.voucher.serial.encode() in response.content


def test_the_page_refuses_an_empty_amount(client, demo, submit):
    application = submit("enterprise-jiangnan", "10000.00")
    client.force_login(demo["users"]["official-wujin"])
    response = client.post(
        f"/applications/{application.pk}/approve/",
        {"approved_amount": "", "note": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert b"This field is required" in response.content
    application.refresh_from_db()
    assert application.status == "submitted"


def test_the_page_prefills_the_requested_amount(client, demo, submit):
    application = submit("enterprise-jiangnan", "10000.00")
    client.force_login(demo["users"]["official-wujin"])
    response = client.get(f"/applications/{application.pk}/")
    assert b'name="approved_amount"' in response.content
    assert b'value="10000.00" required' in response.content


def test_a_refusal_shows_in_the_htmx_row(client, demo, submit):
    application = submit("enterprise-jiangnan", "10000.00")
    client.force_login(demo["users"]["official-wujin"])
    response = client.post(
        f"/applications/{application.pk}/approve/",
        {"approved_amount": "20000.00"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert b"may not exceed" in response.content
    # The official's figure stays in the box (it came back as the requested amount).
    assert b'value="20000.00" required' in response.content
    application.refresh_from_db()
    assert application.status == "submitted"


def test_an_enterprise_posting_the_page_gets_403(client, demo, submit):
    application = submit("enterprise-jiangnan")
    client.force_login(demo["users"]["enterprise-jiangnan"])
    assert client.post(f"/applications/{application.pk}/approve/").status_code == 403


def test_an_approval_reads_the_district_rules_once(api_as, demo, submit):
    """The locked rules row answers the four-eyes threshold too, and the voucher records the
    id of the rules version in force without reading the version's categories. The versions
    are read once: which are due, the budget ceiling and the one in force come from it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from regions.selectors import rules_version_in_force

    application = submit("enterprise-jiangnan", "80000.00")
    with CaptureQueriesContext(connection) as queries:
        response = api_as(demo["users"]["official-wujin"]).post(
            f"/api/voucher-applications/{application.pk}/approve/",
            {"approved_amount": "70000.00", "note": "One test less."},
            format="json",
        )

    assert response.status_code == 200, response.json()
    sql = [q["sql"] for q in queries.captured_queries]
    assert len([s for s in sql if 'FROM "regions_programmerules" ' in s]) == 1
    assert len([s for s in sql if 'FROM "regions_programmerulesversion" ' in s]) == 1
    assert not [s for s in sql if "regions_programmerulesversion_eligible_categories" in s]
    voucher = Voucher.objects.get(application=application)
    in_force = rules_version_in_force(region_id=application.region_id, year=voucher.year)
    assert voucher.rules_version_id == (in_force.pk if in_force else None)


def test_the_approvals_answer_is_the_applications_as_read_afresh(api_as, demo, submit):
    """The answer is rendered from the rows the approval wrote, not re-read: it must be
    what reading the application gives."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from providers.models import ServiceCategory

    application = submit("enterprise-jiangnan", "80000.00")
    application.service_category = ServiceCategory.objects.first()
    application.save(update_fields=["service_category"])
    client = api_as(demo["users"]["official-wujin"])

    with CaptureQueriesContext(connection) as queries:
        answer = client.post(
            f"/api/voucher-applications/{application.pk}/approve/",
            {"approved_amount": "70000", "note": "  Fits the programme  "},
            format="json",
        )

    assert answer.status_code == 200, answer.json()
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and '"vouchers_voucherapplication"."purpose"' in q["sql"]
    ]
    assert len(reads) == 2  # the view's lookup and the service's lock: no re-read after
    read = client.get(f"/api/voucher-applications/{application.pk}/")
    assert answer.json() == read.json()
    assert answer.json()["voucher"] and answer.json()["service_category"]
    assert answer.json()["approved_amount"] == "70000.00"


def test_approving_twice_says_it_is_already_approved(api_as, demo, submit):
    application = submit("enterprise-jiangnan", "80000.00")
    client = api_as(demo["users"]["official-wujin"])
    path = f"/api/voucher-applications/{application.pk}/approve/"
    body = {"approved_amount": "1000", "note": "A first test only."}
    assert client.post(path, body, format="json").status_code == 200

    again = client.post(path, body, format="json")

    assert again.status_code == 409
    assert again.json()["detail"] == "This is already approved."


def test_approving_less_than_asked_needs_a_reason_that_the_enterprise_reads(
    api_as, client, demo, submit
):
    application = submit("enterprise-jiangnan", "80000.00")
    official = api_as(demo["users"]["official-wujin"])
    path = f"/api/voucher-applications/{application.pk}/approve/"
    refused = official.post(path, {"approved_amount": "50000.00", "note": "  "}, format="json")
    assert refused.status_code == 400
    assert refused.json()["code"] == "reason_required" and refused.json()["note"]
    application.refresh_from_db()
    assert application.status == "submitted" and application.approved_amount is None
    assert not Voucher.objects.filter(application=application).exists()
    # The whole amount needs none.
    assert official.post(path, {"approved_amount": "80000.00"}, format="json").status_code == 200

    second = submit("enterprise-jiangnan", "20000.00")
    client.force_login(demo["users"]["official-wujin"])
    page = client.post(
        f"/applications/{second.pk}/approve/", {"approved_amount": "15000.00"}, follow=True
    )
    assert "Say why less than the requested" in page.content.decode()
    second.refresh_from_db()
    assert second.status == "submitted"
    approved = client.post(
        f"/applications/{second.pk}/approve/",
        {"approved_amount": "15000.00", "note": "The second test is not needed."},
    )
    assert approved.status_code == 302
    client.force_login(demo["users"]["enterprise-jiangnan"])
    assert (
        "The second test is not needed."
        in client.get(f"/applications/{second.pk}/").content.decode()
    )
