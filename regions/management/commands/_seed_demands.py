"""Demo demands, proposals, experts and technology managers for seed_demo. Idempotent: each
row is looked up by its natural key first; demands and proposals go through the services, as
a user's would, so their audit entries and notifications are the real ones."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from providers.models import Demand, Expert, Proposal, ServiceCategory, TechnologyManager
from providers.services import demand_publish, proposal_submit
from regions.models import Region, User

SEED_DEMAND_TITLE = "石墨烯粉体分散工艺 · Graphene powder dispersion process"

EXPERTS = [
    # name, name_zh, field, organisation, region, titles, categories, provider credit code prefix
    (
        "Li Wei",
        "李伟",
        "Graphene and two-dimensional materials",
        "Jiangnan Graphene Research Institute",
        "WUJIN",
        "Professor, senior engineer",
        ["rnd", "testing"],
        "provider-graphene",
        "Twenty years of graphene preparation and characterisation; leads the institute's powder line.",
    ),
    (
        "Zhang Min",
        "张敏",
        "Powder processing and materials engineering",
        "Shanghai Institute of Technology",
        "YANGPU",
        "Associate professor",
        ["rnd", "transfer"],
        "provider-sit",
        "Ball milling, liquid-phase exfoliation and dispersion of nano powders.",
    ),
    (
        "Wang Jun",
        "王军",
        "EMC and electrical safety testing",
        "Jiaxing Weikai Testing Technology Co., Ltd.",
        "NANHU",
        "Senior engineer",
        ["testing", "consulting"],
        "provider-weikai",
        "Accredited test engineer for electrical safety and electromagnetic compatibility.",
    ),
    (
        "Chen Hao",
        "陈浩",
        "Technology transfer and patent analysis",
        "Institute of Advanced Technology, USTC",
        "HEFEI_HT",
        "Researcher",
        ["transfer", "ip"],
        "provider-ustc",
        "Patent landscapes and licensing of university inventions.",
    ),
]

MANAGERS = [
    # name, name_zh, level, regions served, organisation
    ("Zhou Lin", "周琳", "senior", ["WUJIN", "YANGPU"], "Changzhou Technology Transfer Centre"),
    ("Xu Yang", "徐阳", "intermediate", ["NANHU", "HEFEI_HT"], "Yangtze Delta Technology Market"),
]


def seed_demands(command) -> None:
    """Called by seed_demo after its users exist; counts what it creates in `command.created`."""
    regions = {r.code: r for r in Region.objects.all()}
    categories = {c.code: c for c in ServiceCategory.objects.all()}
    users = {u.username: u for u in User.objects.filter(username__startswith="provider-")}
    experts = {}
    for name, name_zh, field, organisation, region, titles, cats, username, bio in EXPERTS:
        provider = getattr(users.get(username), "provider", None)
        expert, made = Expert.objects.get_or_create(
            name=name,
            organisation=organisation,
            defaults={
                "name_zh": name_zh,
                "field": field,
                "region": regions[region],
                "titles": titles,
                "provider": provider,
                "contact_email": f"{name.lower().replace(' ', '.')}@example.com",
                "bio": bio,
            },
        )
        if made:
            expert.categories.set([categories[c] for c in cats])
            command.created += 1
        experts[username] = expert
    for name, name_zh, level, served, organisation in MANAGERS:
        manager, made = TechnologyManager.objects.get_or_create(
            name=name,
            organisation=organisation,
            defaults={
                "name_zh": name_zh,
                "certification_level": level,
                "contact_email": f"{name.lower().replace(' ', '.')}@example.com",
            },
        )
        if made:
            manager.regions_served.set([regions[c] for c in served])
            command.created += 1

    jiangnan = User.objects.get(username="enterprise-jiangnan")
    demand = Demand.objects.filter(
        enterprise_id=jiangnan.enterprise_id, title=SEED_DEMAND_TITLE
    ).first()
    if demand is None:
        demand = demand_publish(
            actor=jiangnan,
            title=SEED_DEMAND_TITLE,
            description=(
                "Our graphene powder agglomerates when dispersed in water-based and NMP "
                "slurries for battery conductive agents. We need a dispersion process "
                "(surfactants, ball milling or ultrasonic exfoliation parameters) that keeps "
                "few-layer graphene stable for 30 days at 5% solids, with test evidence "
                "(Raman, SEM, particle size)."
            ),
            category=categories["rnd"],
            budget_min=Decimal("200000.00"),
            budget_max=Decimal("400000.00"),
            deadline=timezone.localdate() + timedelta(days=60),
            visibility=Demand.Visibility.PUBLIC,
        )
        command.created += 1
    proposals = [
        (
            "provider-sit",
            "Optimise ball-milling and liquid-phase exfoliation with a surfactant screen; "
            "pilot the process on a 5 kg batch and deliver the parameter window with test data.",
            Decimal("280000.00"),
            90,
        ),
        (
            "provider-graphene",
            "Characterise the current powder (Raman, SEM, BET), then tune surface "
            "modification and ultrasonic dispersion on the institute's pilot line.",
            Decimal("320000.00"),
            120,
        ),
    ]
    for username, approach, price, days in proposals:
        user = users.get(username)
        if user is None or user.provider is None or demand.status != Demand.Status.OPEN:
            continue
        if Proposal.objects.filter(demand=demand, provider=user.provider).exists():
            continue
        proposal_submit(
            demand=demand,
            actor=user,
            approach=approach,
            price=price,
            duration_days=days,
            expert=experts.get(username),
        )
        command.created += 1
