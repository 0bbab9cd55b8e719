"""Matching a demand with providers and experts (providers/matching.py), on the demo data:
the seeded graphene demand of the Wujin company ranks the graphene institute and the Yangpu
institute above the testing lab, explains why, and does so deterministically with a constant
number of queries."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from providers.matching import (
    demand_experts,
    demand_matches,
    matched_phrases,
    terms,
    tokens,
)
from providers.models import (
    Demand,
    Expert,
    OrderRating,
    Proposal,
    Provider,
    ServiceCategory,
    ServiceOffering,
    ServiceOrder,
)
from tests.providers.matching_helpers import graphene_demand_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def graphene_demand(demo):
    return graphene_demand_of(demo)


def ranked_usernames(matches, demo):
    by_id = {p.pk: name for name, p in demo["providers"].items()}
    return [by_id.get(m["provider"].pk, m["provider"].name) for m in matches]


def position(names, username):
    return names.index(username) if username in names else len(names)


def test_it_ranks_the_graphene_institute_and_sit_above_the_testing_lab(graphene_demand, demo):
    names = ranked_usernames(demand_matches(graphene_demand), demo)
    weikai = position(names, "provider-weikai")
    assert set(names[:2]) == {"provider-sit", "provider-graphene"}
    assert position(names, "provider-graphene") < weikai
    assert position(names, "provider-sit") < weikai


def test_it_ranks_them_above_the_testing_lab_in_the_testing_category_too(graphene_demand, demo):
    """Where the testing lab offers the demand's category and SIT only lists it, the words of
    the demand still put the two graphene providers first."""
    graphene_demand.category = ServiceCategory.objects.get(code="testing")
    # Ranked as if Weikai's expert did not advise on the demand (which leaves Weikai out).
    names = ranked_usernames(demand_matches(graphene_demand, advised=set()), demo)
    assert names.index("provider-graphene") < names.index("provider-weikai")
    assert names.index("provider-sit") < names.index("provider-weikai")


def test_it_explains_each_match(graphene_demand, demo):
    matches = {m["provider"].pk: m for m in demand_matches(graphene_demand)}
    sit = matches[demo["providers"]["provider-sit"].pk]
    graphene = matches[demo["providers"]["provider-graphene"].pk]
    assert sit["reasons"][0] == "Offers services in R&D collaboration"
    assert graphene["reasons"][0] == "Lists R&D collaboration among its categories"
    for match in (sit, graphene):
        (terms_reason,) = [r for r in match["reasons"] if r.startswith("Matched terms: ")]
        assert "石墨烯" in terms_reason
        assert "Graphene" in terms_reason
        assert "dispersion" in terms_reason
    assert all(m["reasons"] for m in matches.values())


def test_the_reasons_read_in_chinese(graphene_demand, demo):
    with translation.override("zh-hans"):
        matches = {m["provider"].pk: m for m in demand_matches(graphene_demand)}
    sit = matches[demo["providers"]["provider-sit"].pk]
    assert sit["reasons"][0] == "提供研发合作服务"
    assert sit["reasons"][1].startswith("匹配词：石墨烯、粉体")


def test_the_page_form_marks_the_quoted_words(graphene_demand, demo):
    (match,) = [
        m
        for m in demand_matches(graphene_demand)
        if m["provider"] == demo["providers"]["provider-sit"]
    ]
    html = match["reasons"][1].html
    assert html.startswith("Matched terms: <kbd>石墨烯</kbd>, <kbd>粉体</kbd>")


def test_it_is_deterministic_and_breaks_ties_by_id(graphene_demand, demo, make_provider):
    rnd = ServiceCategory.objects.get(code="rnd")
    twins = []
    for _ in range(2):
        twin = make_provider(status="certified", categories=("rnd",), region="NANHU")
        ServiceOffering.objects.create(
            provider=twin, category=rnd, title="Graphene powder dispersion trials"
        )
        twins.append(twin)
    first = demand_matches(graphene_demand)
    second = demand_matches(graphene_demand)
    assert [(m["provider"].pk, m["score"], m["reasons"]) for m in first] == [
        (m["provider"].pk, m["score"], m["reasons"]) for m in second
    ]
    ranked = [m["provider"].pk for m in first]
    scores = {m["provider"].pk: m["score"] for m in first}
    assert scores[twins[0].pk] == scores[twins[1].pk]
    assert ranked.index(twins[0].pk) + 1 == ranked.index(twins[1].pk)


def test_only_certified_providers_are_ranked(graphene_demand, demo, make_provider):
    rnd = ServiceCategory.objects.get(code="rnd")
    applied = make_provider(status="applied", categories=("rnd",))
    ServiceOffering.objects.create(provider=applied, category=rnd, title="Graphene dispersion")
    graphene = demo["providers"]["provider-graphene"]
    Provider.objects.filter(pk=graphene.pk).update(status=Provider.Status.SUSPENDED)
    ranked = [m["provider"].pk for m in demand_matches(graphene_demand)]
    assert applied.pk not in ranked
    assert graphene.pk not in ranked


def test_completed_orders_in_the_category_and_the_rating_count(graphene_demand, demo):
    sit = demo["providers"]["provider-sit"]
    before = {m["provider"].pk: m for m in demand_matches(graphene_demand)}[sit.pk]
    order = demo["order"]
    order.status = ServiceOrder.Status.CONFIRMED
    order.offering = sit.offerings.get(category__code="rnd")
    order.save(update_fields=["status", "offering"])
    OrderRating.objects.create(order=order, score=5, rated_by=demo["users"]["enterprise-jiangnan"])
    after = {m["provider"].pk: m for m in demand_matches(graphene_demand)}[sit.pk]
    assert "1 completed order in this category" in after["reasons"]
    assert "Rated 5.0" in after["reasons"]
    assert after["score"] == pytest.approx(before["score"] + 2 + 10)


def test_an_order_from_a_proposal_counts_in_its_demands_category(graphene_demand, demo):
    """An order without an offering belongs to the category of the demand it answered."""
    graphene = demo["providers"]["provider-graphene"]
    order = ServiceOrder.objects.create(
        enterprise=demo["enterprises"]["enterprise-jiangnan"],
        provider=graphene,
        voucher=demo["voucher"],
        title="Earlier powder work",
        contract_amount=Decimal("1000.00"),
        status=ServiceOrder.Status.COMPLETED,
    )
    earlier = Demand.objects.create(
        enterprise=demo["enterprises"]["enterprise-jiangnan"],
        region=demo["regions"]["WUJIN"],
        title="Earlier demand",
        description="Earlier.",
        category=ServiceCategory.objects.get(code="rnd"),
        budget_min=Decimal("0.00"),
        budget_max=Decimal("1000.00"),
        deadline=timezone.localdate(),
        status=Demand.Status.AWARDED,
    )
    Proposal.objects.create(
        demand=earlier,
        provider=graphene,
        approach="Done.",
        price=Decimal("1000.00"),
        duration_days=1,
        status=Proposal.Status.ACCEPTED,
        service_order=order,
    )
    match = {m["provider"].pk: m for m in demand_matches(graphene_demand)}[graphene.pk]
    assert "1 completed order in this category" in match["reasons"]


def test_it_ranks_experts_by_category_and_field(graphene_demand, demo):
    # Li Wei and Zhang Min work with the two providers proposing for it: they are not
    # suggested while those proposals are live (below), so the ranking is read without them.
    live = list(graphene_demand.proposals.exclude(status=Proposal.Status.WITHDRAWN))
    names = [m["expert"].name for m in demand_experts(graphene_demand)]
    assert not live or ("Li Wei" not in names and "Zhang Min" not in names)
    graphene_demand.proposals.update(status=Proposal.Status.WITHDRAWN)
    matches = demand_experts(graphene_demand)
    names = [m["expert"].name for m in matches]
    assert set(names[:2]) == {"Li Wei", "Zhang Min"}
    assert all(m["reasons"] for m in matches)
    assert matches[0]["reasons"][0] == "Expert in R&D collaboration"
    Expert.objects.filter(name="Li Wei").update(active=False)
    assert "Li Wei" not in [m["expert"].name for m in demand_experts(graphene_demand)]


def test_an_expert_with_a_stake_in_the_demand_is_not_suggested(graphene_demand, demo):
    """The district cannot assign an expert whose provider proposes for the demand (409
    conflict_of_interest): the page suggested them anyway."""
    graphene_demand.proposals.update(status=Proposal.Status.WITHDRAWN)
    first, second = (m["expert"] for m in demand_experts(graphene_demand)[:2])
    provider = demo["providers"]["provider-weikai"]
    Expert.objects.filter(pk=first.pk).update(provider=provider)
    proposal = Proposal.objects.create(
        demand=graphene_demand, provider=provider, approach="Ours.",
        price=Decimal("1000.00"), duration_days=5,
    )  # fmt: skip
    names = [m["expert"].name for m in demand_experts(graphene_demand)]
    assert first.name not in names and second.name in names
    # Leading a live proposal is a stake too; a withdrawn proposal is none.
    Proposal.objects.filter(pk=proposal.pk).update(expert=second)
    assert second.name not in [m["expert"].name for m in demand_experts(graphene_demand)]
    Proposal.objects.filter(pk=proposal.pk).update(status=Proposal.Status.WITHDRAWN)
    names = [m["expert"].name for m in demand_experts(graphene_demand)]
    assert first.name in names and second.name in names


def test_queries_stay_constant_with_more_providers_and_experts(
    graphene_demand, demo, make_provider, make_voucher, django_assert_max_num_queries
):
    with CaptureQueriesContext(connection) as few:
        demand_matches(graphene_demand)
        demand_experts(graphene_demand)
    rnd = ServiceCategory.objects.get(code="rnd")
    enterprise = demo["enterprises"]["enterprise-jiangnan"]
    for n in range(12):
        provider = make_provider(status="certified", categories=("rnd", "testing"))
        offering = ServiceOffering.objects.create(
            provider=provider, category=rnd, title=f"Powder process line {n}"
        )
        order = ServiceOrder.objects.create(
            enterprise=enterprise,
            provider=provider,
            voucher=demo["voucher"],
            offering=offering,
            title="Done",
            contract_amount=Decimal("100.00"),
            status=ServiceOrder.Status.CONFIRMED,
        )
        OrderRating.objects.create(
            order=order, score=1 + n % 5, rated_by=demo["users"]["enterprise-jiangnan"]
        )
        expert = Expert.objects.create(
            name=f"Expert {n}", field="Graphene powder", region=demo["regions"]["YANGPU"]
        )
        expert.categories.add(rnd)
    with django_assert_max_num_queries(len(few.captured_queries)):
        matches = demand_matches(graphene_demand, limit=50)
        experts = demand_experts(graphene_demand, limit=50)
    assert len(matches) >= 14
    assert len(experts) >= 14


# --- the terms, as pure functions -------------------------------------------------------------


def test_chinese_is_cut_into_bigrams_and_latin_into_folded_words():
    assert [t.term for t in tokens("石墨烯粉体")] == ["石墨", "墨烯", "烯粉", "粉体"]
    assert terms("The Powders and their optimisation") == {"powder", "optimization"}


def test_stop_words_and_numbers_are_no_terms():
    assert terms("we need a service for the company 2026 我们需要") == frozenset()


def test_adjacent_matched_bigrams_are_shown_joined():
    text = "石墨烯粉体分散工艺 Graphene powders"
    assert matched_phrases(text, {"石墨", "墨烯", "分散", "powder", "graphene"}) == [
        "石墨烯",
        "分散",
        "Graphene",
        "powders",
    ]


def test_a_related_party_of_the_enterprise_is_not_suggested(graphene_demand, demo):
    """Accepting its proposal would be refused: it was ranked first all the same."""
    from vouchers.models import RelatedParty

    graphene = demo["providers"]["provider-graphene"]
    assert graphene.pk in {m["provider"].pk for m in demand_matches(graphene_demand)}
    RelatedParty.objects.create(
        enterprise_id=graphene_demand.enterprise_id, credit_code=graphene.credit_code
    )
    assert graphene.pk not in {m["provider"].pk for m in demand_matches(graphene_demand)}
