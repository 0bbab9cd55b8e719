"""A version of the rules still waiting for its date can be withdrawn by the operator, with a
reason the audit trail keeps; a version in force cannot; two versions never wait for the same
date."""

from datetime import date

import pytest

from portal.errors import InvalidTransition, NotAllowed, ValidationFailed
from regions.models import AuditEntry, ProgrammeRules, ProgrammeRulesVersion
from regions.rules import rules_apply_all_due, rules_version_publish, rules_version_withdraw
from regions.selectors import current_year, programme_today, rules_version_in_force

pytestmark = pytest.mark.django_db

URL = "/api/programme-rules/"


def next_year() -> int:
    return current_year() + 1


def publish(demo, *, effective_from, budget="12000000.00", region="WUJIN"):
    return rules_version_publish(
        actor=demo["users"]["operator"],
        region=demo["regions"][region],
        year=effective_from.year,
        effective_from=effective_from,
        annual_budget=budget,
        max_voucher_per_enterprise="400000.00",
        co_funding_ratio="0.400",
    )


@pytest.fixture
def waiting(demo):
    """Next year's rules for Wujin (in force from January 1st) and a version waiting for
    March 1st."""
    publish(demo, effective_from=date(next_year(), 1, 1), budget="10000000.00")
    return publish(demo, effective_from=date(next_year(), 3, 1), budget="9000000.00")


def test_the_operator_withdraws_a_waiting_version_and_the_audit_keeps_it(demo, waiting):
    rules_version_withdraw(
        actor=demo["users"]["operator"], version_id=waiting.pk, reason="Budget typed wrong"
    )

    assert not ProgrammeRulesVersion.objects.filter(pk=waiting.pk).exists()
    entry = AuditEntry.objects.get(
        object_type="regions.programmerulesversion", object_id=str(waiting.pk), action="withdraw"
    )
    assert entry.reason == "Budget typed wrong"
    assert entry.data["annual_budget"] == "9000000.00"
    assert entry.data["effective_from"] == f"{next_year()}-03-01"
    # March 1st comes and nothing changes: the version of January 1st stays in force.
    rules_apply_all_due(today=date(next_year(), 3, 2))
    rules = ProgrammeRules.objects.get(region__code="WUJIN", year=next_year())
    assert str(rules.annual_budget) == "10000000.00"
    in_force = rules_version_in_force(
        region_id=rules.region_id, year=next_year(), on=date(next_year(), 3, 2)
    )
    assert in_force.effective_from == date(next_year(), 1, 1)


def test_a_version_in_force_is_not_withdrawn(demo):
    in_force = rules_version_in_force(
        region_id=demo["regions"]["WUJIN"].pk, year=current_year(), on=programme_today()
    )
    with pytest.raises(InvalidTransition) as refused:
        rules_version_withdraw(
            actor=demo["users"]["operator"], version_id=in_force.pk, reason="Try"
        )
    assert refused.value.code == "version_in_force"
    assert ProgrammeRulesVersion.objects.filter(pk=in_force.pk).exists()


def test_a_version_whose_date_came_before_the_nightly_task_is_in_force(demo, waiting):
    # The date has come (the task has not run yet): the version is in force, not waiting.
    ProgrammeRulesVersion.objects.filter(pk=waiting.pk).update(effective_from=programme_today())

    with pytest.raises(InvalidTransition) as refused:
        rules_version_withdraw(actor=demo["users"]["operator"], version_id=waiting.pk, reason="x")
    assert refused.value.code == "version_in_force"


def test_a_reason_is_required_and_only_the_operator_withdraws(demo, waiting):
    with pytest.raises(ValidationFailed):
        rules_version_withdraw(actor=demo["users"]["operator"], version_id=waiting.pk, reason=" ")
    with pytest.raises(NotAllowed):
        rules_version_withdraw(
            actor=demo["users"]["official-wujin"], version_id=waiting.pk, reason="Mine"
        )
    assert ProgrammeRulesVersion.objects.filter(pk=waiting.pk).exists()


def test_withdrawing_twice_says_it_is_gone(demo, waiting):
    operator = demo["users"]["operator"]
    rules_version_withdraw(actor=operator, version_id=waiting.pk, reason="Wrong")

    with pytest.raises(InvalidTransition) as refused:
        rules_version_withdraw(actor=operator, version_id=waiting.pk, reason="Wrong")
    assert refused.value.code == "version_withdrawn"


def test_a_second_version_waiting_for_the_same_date_is_refused(demo, waiting):
    with pytest.raises(InvalidTransition) as refused:
        publish(demo, effective_from=date(next_year(), 3, 1), budget="8000000.00")

    assert refused.value.code == "version_date_taken"
    assert refused.value.extra == {"waiting_version": waiting.pk}
    assert ProgrammeRulesVersion.objects.filter(effective_from=date(next_year(), 3, 1)).count() == 1
    # Another district's version for that date is its own.
    publish(demo, effective_from=date(next_year(), 1, 1), region="NANHU")
    publish(demo, effective_from=date(next_year(), 3, 1), region="NANHU")


def test_api_withdraws_with_a_reason(api_as, demo, waiting):
    operator = api_as(demo["users"]["operator"])

    assert operator.post(f"{URL}{waiting.pk}/withdraw/", {}, format="json").status_code == 400
    official = api_as(demo["users"]["official-wujin"])
    assert (
        official.post(f"{URL}{waiting.pk}/withdraw/", {"reason": "x"}, format="json").status_code
        == 403
    )
    response = operator.post(f"{URL}{waiting.pk}/withdraw/", {"reason": "Typo"}, format="json")
    assert response.status_code == 204, response.content
    assert not ProgrammeRulesVersion.objects.filter(pk=waiting.pk).exists()
    again = operator.post(f"{URL}{waiting.pk}/withdraw/", {"reason": "Typo"}, format="json")
    assert again.status_code == 404


def test_api_refuses_a_second_version_for_a_waiting_date(api_as, demo, waiting):
    response = api_as(demo["users"]["operator"]).post(
        URL,
        {
            "region": "WUJIN",
            "year": next_year(),
            "effective_from": f"{next_year()}-03-01",
            "annual_budget": "8000000.00",
            "max_voucher_per_enterprise": "400000.00",
            "co_funding_ratio": "0.400",
        },
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "version_date_taken"


def test_the_rules_page_offers_withdrawal_of_waiting_versions_to_the_operator(
    client, demo, waiting
):
    client.force_login(demo["users"]["operator"])
    page = client.get("/rules/", {"region": "WUJIN"}).content.decode()
    assert f"/rules/{waiting.pk}/withdraw/" in page
    in_force = rules_version_in_force(region_id=demo["regions"]["WUJIN"].pk, year=current_year())
    assert f"/rules/{in_force.pk}/withdraw/" not in page
    # Next year's first version, applied at once (its year had no rules): not offered either.
    first_of_next_year = ProgrammeRulesVersion.objects.get(
        region__code="WUJIN", effective_from=date(next_year(), 1, 1)
    )
    assert f"/rules/{first_of_next_year.pk}/withdraw/" not in page

    refused = client.post(f"/rules/{waiting.pk}/withdraw/", {"reason": ""})
    assert refused.status_code == 400
    assert ProgrammeRulesVersion.objects.filter(pk=waiting.pk).exists()

    done = client.post(f"/rules/{waiting.pk}/withdraw/", {"reason": "Budget typed wrong"})
    assert done.status_code == 302
    assert not ProgrammeRulesVersion.objects.filter(pk=waiting.pk).exists()
    assert "withdrawn" in client.get(done["Location"]).content.decode()

    in_force_post = client.post(f"/rules/{in_force.pk}/withdraw/", {"reason": "No"})
    assert in_force_post.status_code == 409


def test_the_page_is_the_operators_alone(client, demo, waiting):
    client.force_login(demo["users"]["official-wujin"])
    assert client.post(f"/rules/{waiting.pk}/withdraw/", {"reason": "x"}).status_code == 403
    assert "withdraw/" not in client.get("/rules/").content.decode()


def test_next_years_first_rules_published_again_replace_them(demo):
    """Two versions of January 1st were both kept: the rules page listed them side by side and
    could not say which would apply. The second replaces the first, which the trail keeps."""
    first = publish(demo, effective_from=date(next_year(), 1, 1), budget="10000000.00")
    second = publish(demo, effective_from=date(next_year(), 1, 1), budget="11000000.00")

    versions = ProgrammeRulesVersion.objects.filter(region__code="WUJIN", year=next_year())
    assert list(versions.values_list("pk", flat=True)) == [second.pk]
    second.refresh_from_db()
    assert second.applied_at is not None
    rules = ProgrammeRules.objects.get(region__code="WUJIN", year=next_year())
    assert rules.annual_budget == 11000000
    kept = AuditEntry.objects.get(
        object_type="regions.programmerulesversion", object_id=str(first.pk), action="withdraw"
    )
    assert kept.reason == "Replaced by rules published for the same first day."
    assert kept.data["annual_budget"] == "10000000.00"


def test_withdrawing_next_years_first_rules_says_they_are_in_place_not_in_force_since(demo):
    first = publish(demo, effective_from=date(next_year(), 1, 1))
    with pytest.raises(InvalidTransition) as refused:
        rules_version_withdraw(actor=demo["users"]["operator"], version_id=first.pk, reason="x")
    message = str(refused.value.message)
    assert "in force since" not in message
    assert f"first rules of {next_year()}" in message and "publish rules from" in message
