"""Demo data of the expert and technology-manager libraries and of shared instruments, for
seed_demo. Idempotent: rows are looked up by their natural key first; assignments, comments,
brokering and the booking go through the services, as a user's would.

Runs after _seed_demands (whose experts, managers and graphene demand it links): the demo
expert account `expert-demo` is Zhao Ming, Weikai's SEM specialist, whom the Wujin official
asks to advise on the graphene demand (Li Wei and Zhang Min, the graphene and powder experts,
work with the two providers proposing for it: neither may advise on it); `manager-demo` is Zhao Lei, whom the Wujin company asks to
broker that demand; Weikai's scanning electron microscope is a shared instrument."""

from decimal import Decimal

from providers.models import (
    Demand,
    Expert,
    ExpertAssignment,
    Provider,
    ServiceCategory,
    ServiceOffering,
    TechnologyManager,
)
from providers.services.brokering import demand_broker_request
from providers.services.libraries import expert_assign, expert_comment
from regions.models import Region, User

EXPERTS = [
    # name, name_zh, field, organisation, region, titles, categories, provider user, bio
    (
        "Zhao Ming",
        "赵明",
        "Scanning electron microscopy and surface analysis",
        "Jiaxing Weikai Testing Technology Co., Ltd.",
        "NANHU",
        "Senior engineer",
        ["testing", "instruments"],
        "provider-weikai",
        "Runs the lab's SEM and EDS; trains enterprise staff on sample preparation.",
    ),
    (
        "Liu Yang",
        "刘洋",
        "Quantum optics and photonic devices",
        "Institute of Advanced Technology, USTC",
        "HEFEI_HT",
        "Professor",
        ["rnd", "consulting"],
        "provider-ustc",
        "Photonic integrated circuits and single-photon sources.",
    ),
    (
        "Sun Hong",
        "孙红",
        "Intellectual property strategy",
        "Yangpu Intellectual Property Service Centre",
        "YANGPU",
        "Patent attorney",
        ["ip", "consulting"],
        None,
        "Patent portfolios and freedom-to-operate opinions for small technology firms.",
    ),
]

MANAGERS = [
    # name, name_zh, level, regions served, organisation (Zhao Lei is `manager-demo`)
    (
        "Zhao Lei",
        "赵磊",
        "senior",
        ["YANGPU", "WUJIN", "NANHU", "HEFEI_HT"],
        "East China National Technology Transfer Center",
    ),
    ("Gao Fang", "高芳", "junior", ["YANGPU"], "Yangpu Science Park Incubator"),
]

# The demand's adviser must have no stake in it: Weikai does not propose for the demand.
DEMO_EXPERT = "Zhao Ming"
INSTRUMENT_TITLE = "Scanning electron microscope (SEM), shared"


def seed_libraries(command, password: str) -> None:
    """Called by seed_demo after _seed_demands; counts what it creates in `command.created`."""
    regions = {r.code: r for r in Region.objects.all()}
    categories = {c.code: c for c in ServiceCategory.objects.all()}
    providers = {
        u.username: u.provider
        for u in User.objects.filter(username__startswith="provider-").select_related("provider")
    }
    for name, name_zh, field, organisation, region, titles, cats, username, bio in EXPERTS:
        expert, made = Expert.objects.get_or_create(
            name=name,
            organisation=organisation,
            defaults={
                "name_zh": name_zh,
                "field": field,
                "region": regions[region],
                "titles": titles,
                "provider": providers.get(username),
                "contact_email": f"{name.lower().replace(' ', '.')}@example.com",
                "bio": bio,
            },
        )
        if made:
            expert.categories.set([categories[c] for c in cats])
            command.created += 1
    managers = {}
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
        managers[name] = manager

    expert = (
        Expert.objects.filter(name=DEMO_EXPERT).first()
        or Expert.objects.filter(name=EXPERTS[0][0]).first()
    )
    expert_user = command.user(
        password, "expert-demo", role=User.Role.EXPERT, last_name="赵", first_name="明"
    )
    if expert.user_id is None and not Expert.objects.filter(user=expert_user).exists():
        expert.user = expert_user
        expert.save(update_fields=["user"])
    manager_user = command.user(
        password, "manager-demo", role=User.Role.MANAGER, last_name="赵", first_name="磊"
    )
    zhao = managers["Zhao Lei"]
    if zhao.user_id is None and not TechnologyManager.objects.filter(user=manager_user).exists():
        zhao.user = manager_user
        zhao.save(update_fields=["user"])

    _seed_graphene_demand_links(command, expert, zhao)
    _seed_instrument(command, providers.get("provider-weikai"), categories["instruments"])


def _seed_graphene_demand_links(command, expert, manager) -> None:
    """The Wujin official asks the SEM expert to advise on the Wujin company's demand; the
    expert comments; the company asks the senior manager to broker it."""
    jiangnan = User.objects.get(username="enterprise-jiangnan")
    demand = (
        Demand.objects.filter(enterprise_id=jiangnan.enterprise_id, region__code="WUJIN")
        .order_by("id")
        .first()
    )
    if demand is None:
        return
    if not ExpertAssignment.objects.filter(expert=expert, demand=demand).exists():
        assignment = expert_assign(
            actor=User.objects.get(username="official-wujin"),
            expert=expert,
            demand=demand,
            note="Please judge whether the test evidence the demand asks for is sufficient.",
        )
        command.created += 1
        if expert.user_id:
            expert_comment(
                actor=expert.user,
                assignment=assignment,
                body=(
                    "SEM alone will not show re-agglomeration over 30 days: ask the proposals "
                    "for zeta-potential and particle-size data at day 1, 7 and 30 as well."
                ),
            )
            command.created += 1
    if demand.status == Demand.Status.OPEN and demand.technology_manager_id is None:
        demand_broker_request(actor=jiangnan, demand=demand, manager=manager)


def _seed_instrument(command, weikai: Provider | None, category) -> None:
    """Weikai's SEM as a shared instrument. No booking is seeded: its order would be a second
    order of the Wujin company, beside the seed story's (the browser test books one)."""
    if weikai is None:
        return
    weikai.categories.add(category)
    offering, made = ServiceOffering.objects.get_or_create(
        provider=weikai,
        title=INSTRUMENT_TITLE,
        defaults={
            "category": category,
            "description": "Field-emission SEM with EDS, 1 nm resolution; operator included.",
            "is_instrument": True,
            "instrument_hours": 120,
            "hourly_rate": Decimal("800.00"),
            "lead_time_days": 3,
        },
    )
    command.created += made
