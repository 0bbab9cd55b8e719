"""The daily matching digest: each certified provider is e-mailed the new public demands it
ranks among the top five for, once a day at most (a DigestSent row per provider and day)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from providers import services
from providers.models import Demand, DigestSent, Expert
from providers.tasks import send_matching_digests
from tests.providers.matching_helpers import graphene_demand_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def graphene_demand(demo):
    return graphene_demand_of(demo)


def digest_to(username):
    return [m for m in mail.outbox if f"{username}@example.com" in m.to]


def send(capture, now=None):
    with capture(execute=True):
        return services.matching_digest_send(now=now)


def test_the_providers_that_fit_a_new_demand_hear_of_it(
    demo, graphene_demand, django_capture_on_commit_callbacks
):
    # The seed's adviser on the demand works for Weikai, which may not propose for it: as
    # if the adviser had left Weikai, Weikai hears of it (below).
    Expert.objects.filter(assignments__demand=graphene_demand).update(provider=None)
    mail.outbox.clear()
    sent = send(django_capture_on_commit_callbacks)
    assert sent == DigestSent.objects.count() >= 2
    (sit_mail,) = digest_to("provider-sit")
    assert sit_mail.subject == (
        "[Voucher portal] 1 new demand fits Shanghai Institute of Technology"
    )
    assert graphene_demand.title in sit_mail.body
    assert "Matched terms: 石墨烯" in sit_mail.body
    assert f"/demands/{graphene_demand.pk}/" in sit_mail.body
    assert len(digest_to("provider-graphene")) == 1
    # The testing lab fits only through its shared SEM, which the demand asks for.
    (weikai_mail,) = digest_to("provider-weikai")
    assert "Matched terms: SEM" in weikai_mail.body
    digest = DigestSent.objects.get(provider=demo["providers"]["provider-sit"])
    assert list(digest.demands.all()) == [graphene_demand]


def test_a_provider_whose_expert_advises_on_the_demand_does_not_hear_of_it(
    graphene_demand, django_capture_on_commit_callbacks
):
    """It could not propose for it (conflict of interest)."""
    assert graphene_demand.expert_assignments.filter(expert__provider__isnull=False).exists()
    mail.outbox.clear()
    send(django_capture_on_commit_callbacks)
    assert digest_to("provider-sit")
    assert digest_to("provider-weikai") == []


def test_a_second_run_the_same_day_sends_nothing(
    graphene_demand, django_capture_on_commit_callbacks
):
    send(django_capture_on_commit_callbacks)
    rows, mails = DigestSent.objects.count(), len(mail.outbox)
    assert send(django_capture_on_commit_callbacks) == 0
    assert DigestSent.objects.count() == rows
    assert len(mail.outbox) == mails


def test_the_database_refuses_a_second_digest_the_same_day(demo):
    sit = demo["providers"]["provider-sit"]
    day = timezone.localdate()
    DigestSent.objects.create(provider=sit, day=day)
    with pytest.raises(IntegrityError), transaction.atomic():
        DigestSent.objects.create(provider=sit, day=day)


def test_the_next_digest_lists_only_demands_published_since(
    demo, graphene_demand, django_capture_on_commit_callbacks
):
    send(django_capture_on_commit_callbacks)
    tomorrow = timezone.now() + timedelta(days=1)
    mail.outbox.clear()
    assert send(django_capture_on_commit_callbacks, now=tomorrow) == 0
    assert mail.outbox == []
    newer = Demand.objects.get(pk=graphene_demand.pk)
    newer.pk = None
    newer.title = "Graphene slurry dispersion for battery coatings"
    newer.created_at = tomorrow - timedelta(hours=1)
    newer.save()
    assert send(django_capture_on_commit_callbacks, now=tomorrow) >= 2
    (sit_mail,) = digest_to("provider-sit")
    assert newer.title in sit_mail.body
    assert graphene_demand.title not in sit_mail.body


def test_invited_only_and_closed_demands_are_not_in_digests(
    graphene_demand, django_capture_on_commit_callbacks
):
    Demand.objects.filter(pk=graphene_demand.pk).update(status=Demand.Status.CLOSED)
    assert send(django_capture_on_commit_callbacks) == 0
    Demand.objects.filter(pk=graphene_demand.pk).update(
        status=Demand.Status.OPEN, visibility=Demand.Visibility.INVITED
    )
    assert send(django_capture_on_commit_callbacks) == 0


def test_the_beat_task_sends_them(graphene_demand, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = send_matching_digests.delay().get()
    assert result["sent"] == DigestSent.objects.count() >= 2


def test_the_demands_related_parties_are_read_once_for_all_demands(
    demo, graphene_demand, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for number in range(3):
        services.demand_publish(
            actor=demo["users"]["enterprise-jiangnan"],
            title=f"{graphene_demand.title} {number}",
            description=graphene_demand.description,
            category=graphene_demand.category,
            budget_min=graphene_demand.budget_min,
            budget_max=graphene_demand.budget_max,
            deadline=graphene_demand.deadline,
            visibility=Demand.Visibility.PUBLIC,
            invited_providers=[],
        )
    with CaptureQueriesContext(connection) as queries:
        send(django_capture_on_commit_callbacks)
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert sum('FROM "vouchers_relatedparty"' in sql for sql in reads) == 1
    assert not any(sql.startswith('SELECT "vouchers_enterprise"') for sql in reads)
