"""Demo data that tells the programme's seed story. Idempotent: a second run changes nothing.

The four districts' rules for the current year, the four first certified providers, an
enterprise in each district (the Wujin one a graphene company), the users of ../shared/API.md,
and the Wujin enterprise's voucher with its cross-region order to the Shanghai Institute of
Technology in Yangpu: "Graphene powder preparation process optimization technology research".
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal.codes import certificate_serial, credit_code_check_character
from portal.management.commands._database import refuse_in_production, require_migrated_database
from portal.outbox import enqueue
from providers.models import (
    Provider,
    ProviderCertificate,
    ProviderNotice,
    ServiceCategory,
    ServiceOffering,
    ServiceOrder,
)
from regions.management.commands._seed_demands import seed_demands
from regions.management.commands._seed_libraries import seed_libraries
from regions.models import AuditEntry, Notice, ProgrammeRules, Region, User
from regions.rules import rules_first_version
from regions.selectors import current_year
from regions.services import audit_record
from vouchers.models import Enterprise, Voucher, VoucherApplication
from vouchers.services import application_approve, application_submit

SEED_ORDER_TITLE = "Graphene powder preparation process optimization technology research"
SEED_PURPOSE = "Optimise the preparation process of graphene powder with a university partner."

DEMO_RULES = {
    "annual_budget": Decimal("10000000.00"),
    "max_voucher_per_enterprise": Decimal("300000.00"),
    "co_funding_ratio": Decimal("0.500"),
    "validity_days": 365,
    "cross_region": True,
    # Four eyes: applications and redemptions of 200,000 or more need two officials.
    "four_eyes_threshold": Decimal("200000.00"),
}


def credit_code(first17: str) -> str:
    return first17 + credit_code_check_character(first17)


PROVIDERS = [
    # username, region, name, name_zh, kind, credit code stem, categories, offering
    (
        "provider-sit",
        "YANGPU",
        "Shanghai Institute of Technology",
        "上海应用技术大学",
        "university",
        "12310000425010712",
        ["rnd", "transfer", "testing"],
        ("Materials process optimization research", "rnd", "150000.00", 90),
    ),
    (
        "provider-graphene",
        "WUJIN",
        "Jiangnan Graphene Research Institute",
        "江南石墨烯研究院",
        "institute",
        "52320412MJ5533018",
        ["rnd", "testing", "instruments"],
        ("Graphene material characterisation (Raman, SEM)", "testing", "8000.00", 10),
    ),
    (
        "provider-weikai",
        "NANHU",
        "Jiaxing Weikai Testing Technology Co., Ltd.",
        "嘉兴威凯检测技术有限公司",
        "testing_lab",
        "91330402MA29F0G3X",
        ["testing", "consulting"],
        ("Electrical safety and EMC testing", "testing", "20000.00", 15),
    ),
    (
        "provider-ustc",
        "HEFEI_HT",
        "Institute of Advanced Technology, University of Science and Technology of China",
        "中国科学技术大学先进技术研究院",
        "institute",
        "12340100MB1A2B3C4",
        ["rnd", "transfer", "training", "ip"],
        ("Technology transfer and patent analysis", "transfer", "50000.00", 30),
    ),
]

# What each demo offering does, in English and Chinese: the words demands are matched against
# (providers/matching.py).
OFFERING_DESCRIPTIONS = {
    "Materials process optimization research": (
        "Process research for advanced materials with the university's School of Materials: "
        "preparation, ball milling and exfoliation of graphene and other two-dimensional "
        "powders, dispersion and slurry stability, scale-up from the laboratory to a pilot "
        "line. 先进材料工艺优化研究：石墨烯等二维材料粉体的制备、球磨剥离与分散工艺、"
        "浆料稳定性，从小试到中试放大。"
    ),
    "Graphene material characterisation (Raman, SEM)": (
        "Characterisation of graphene powders, dispersions and films: Raman spectroscopy "
        "(layer number, defects), SEM morphology, particle size and zeta potential of "
        "dispersions, with advice on the preparation process. 石墨烯粉体、分散液与薄膜表征："
        "拉曼光谱（层数、缺陷）、扫描电镜形貌、分散液粒径与Zeta电位，并就制备工艺提出建议。"
    ),
    "Electrical safety and EMC testing": (
        "Electrical safety, electromagnetic compatibility (EMC) and reliability testing of "
        "electrical products, household appliances and new-energy vehicle parts to GB, IEC "
        "and CISPR standards, with CNAS-accredited reports. 电器产品、家用电器和新能源汽车"
        "零部件的电气安全、电磁兼容（EMC）与可靠性检测，依据国家标准、IEC与CISPR标准，出具"
        "CNAS认可报告。"
    ),
    "Technology transfer and patent analysis": (
        "Patent landscape and freedom-to-operate analysis, valuation and licensing, and the "
        "transfer of the university's results in quantum information, photonics and "
        "advanced manufacturing to enterprises. 专利导航与自由实施分析、评估与许可，推动"
        "中国科大在量子信息、光电与先进制造领域的成果向企业转移转化。"
    ),
}

ENTERPRISES = [
    # username, region, name, name_zh, industry, size, credit code stem
    (
        "enterprise-jiangnan",
        "WUJIN",
        "Changzhou Jiangnan Graphene Technology Co., Ltd.",
        "常州江南石墨烯科技有限公司",
        "Graphene materials",
        "small",
        "91320412MA1MXY501",
    ),
    (
        "enterprise-yangpu",
        "YANGPU",
        "Shanghai Yangpu Smart Sensing Co., Ltd.",
        "上海杨浦智能传感有限公司",
        "Sensors and IoT",
        "small",
        "91310110MA1G8K2L3",
    ),
    (
        "enterprise-nanhu",
        "NANHU",
        "Jiaxing Nanhu New Energy Parts Co., Ltd.",
        "嘉兴南湖新能源零部件有限公司",
        "New energy components",
        "medium",
        "91330402MA2B4C6D8",
    ),
    (
        "enterprise-hefei",
        "HEFEI_HT",
        "Hefei Quantum Photonics Co., Ltd.",
        "合肥量子光电有限公司",
        "Photonics",
        "micro",
        "91340100MA2N1P3Q5",
    ),
]

# Legal representative, registered address, contact phone of each demo party: all different,
# so that no demo order raises a related-party flag by accident.
PARTY_DETAILS = {
    "provider-sit": ("Wang Jianguo", "100 Haiquan Road, Fengxian District, Shanghai", "021-60873000"),
    "provider-graphene": ("Li Mingzhe", "6 Xiangyun Road, Wujin District, Changzhou", "0519-86221001"),
    "provider-weikai": ("Chen Haoran", "1369 Chengnan Road, Nanhu District, Jiaxing", "0573-82580002"),
    "provider-ustc": ("Zhao Yifan", "5089 Wangjiang West Road, Hefei", "0551-63600003"),
    "enterprise-jiangnan": ("Xu Lei", "18 Changwu Middle Road, Wujin District, Changzhou", "0519-88105004"),
    "enterprise-yangpu": ("Sun Wenjie", "200 Guotai Road, Yangpu District, Shanghai", "021-55660005"),
    "enterprise-nanhu": ("Zhou Xinyi", "88 Yatai Road, Nanhu District, Jiaxing", "0573-83370006"),
    "enterprise-hefei": ("Hu Zhiyuan", "800 Wangjiang West Road, Hefei", "0551-65320007"),
}  # fmt: skip

# username, district, family name, given name: histories and comments name the person
# (张三), not the account.
OFFICIALS = [
    ("official-yangpu", "YANGPU", "李", "娜"),
    ("official-wujin", "WUJIN", "周", "静"),
    ("official-nanhu", "NANHU", "陈", "晓东"),
    ("official-hefei", "HEFEI_HT", "刘", "洋"),
    # The second official of each district, for four-eyes approvals.
    ("official-yangpu-2", "YANGPU", "孙", "丽"),
    ("official-wujin-2", "WUJIN", "吴", "斌"),
    ("official-nanhu-2", "NANHU", "郑", "敏"),
    ("official-hefei-2", "HEFEI_HT", "黄", "磊"),
]


class Command(BaseCommand):
    help = "Create the demo districts' rules, providers, enterprises, users and the seed story."

    def add_arguments(self, parser):
        parser.add_argument("--password", required=True, help="Password of every demo user")

    def handle(self, *args, password, **options):
        refuse_in_production()
        if len(password) < 8:
            raise CommandError("--password must have at least 8 characters.")
        require_migrated_database()
        # No transaction around the whole: the story goes through the programme's services,
        # each its own (durable) transaction, and every step is idempotent, so a run that
        # stops half-way is completed by the next one.
        created = self.seed(password)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} new objects)."))

    def seed(self, password: str) -> int:
        self.created = 0
        year = current_year()
        regions = {r.code: r for r in Region.objects.all()}
        if len(regions) != 4:
            raise CommandError("The four districts are missing: run `manage.py migrate` first.")
        for region in regions.values():
            rules, made = ProgrammeRules.objects.get_or_create(
                region=region, year=year, defaults=DEMO_RULES
            )
            self.track((rules, made))
            self.track(rules_first_version(rules))

        self.user(password, "operator", role=User.Role.OPERATOR, is_staff=True)
        for username, code, family, given in OFFICIALS:
            self.user(
                password,
                username,
                role=User.Role.OFFICIAL,
                region=regions[code],
                is_staff=True,
                last_name=family,
                first_name=given,
            )

        categories = {c.code: c for c in ServiceCategory.objects.all()}
        providers = {}
        for username, code, name, name_zh, kind, stem, cats, offering in PROVIDERS:
            provider = self.provider(regions[code], name, name_zh, kind, credit_code(stem), year)
            provider.categories.add(*[categories[c] for c in cats])
            title, cat, price, lead = offering
            self.offering(provider, categories[cat], title, price, lead)
            self.user(password, username, role=User.Role.PROVIDER, provider=provider)
            self.fill_details(provider, PARTY_DETAILS[username])
            providers[username] = provider

        enterprises = {}
        for username, code, name, name_zh, industry, size, stem in ENTERPRISES:
            enterprise, made = Enterprise.objects.get_or_create(
                credit_code=credit_code(stem),
                defaults={
                    "name": name,
                    "name_zh": name_zh,
                    "region": regions[code],
                    "industry": industry,
                    "size": size,
                    "contact_name": "Demo Contact",
                    "contact_email": f"{username}@example.com",
                    "verified_at": timezone.now(),
                },
            )
            self.created += made
            self.user(password, username, role=User.Role.ENTERPRISE, enterprise=enterprise)
            self.fill_details(enterprise, PARTY_DETAILS[username])
            enterprises[username] = enterprise

        self.seed_story(enterprises["enterprise-jiangnan"], providers["provider-sit"])
        self.seed_notices(regions, year)
        seed_demands(self)
        seed_libraries(self, password)
        return self.created

    def seed_notices(self, regions, year):
        """A policy and an FAQ of the programme, and Hefei's call for the whole year (so that
        the call page has something to show and applications there stay open)."""
        operator = User.objects.get(username="operator")
        official_hefei = User.objects.get(username="official-hefei")
        tz = timezone.get_current_timezone()
        notices = [
            (
                operator,
                None,
                Notice.Kind.POLICY,
                "Measures for the cross-region innovation voucher programme",
                "长三角科技创新券通用通兑试点管理办法",
                "Vouchers issued by one pilot district may be spent with certified providers in "
                "any of the four; each district pays its own providers and the districts settle "
                "what they owe each other.",
                "试点区发放的创新券可在四个试点区的认定服务机构使用；各区向本区服务机构兑付，"
                "区与区之间定期结算。",
            ),
            (
                operator,
                None,
                Notice.Kind.FAQ,
                "Who may apply for a voucher?",
                "哪些企业可以申请创新券？",
                "Small and medium-sized technology enterprises registered in a pilot district, "
                "verified by the district office.",
                "在试点区注册、经区主管部门核验的科技型中小企业。",
            ),
            (
                official_hefei,
                regions["HEFEI_HT"],
                Notice.Kind.CALL,
                f"Hefei High-tech Zone: {year} call for voucher applications",
                f"合肥高新区{year}年度创新券申报通知",
                "Applications are open all year; the district reviews them within 15 working days.",
                "全年开放申报，区主管部门在15个工作日内完成审核。",
            ),
        ]
        for author, region, kind, title, title_zh, body, body_zh in notices:
            window = {}
            if kind == Notice.Kind.CALL:
                window = {
                    "opens_at": datetime(year, 1, 1, tzinfo=tz),
                    "closes_at": datetime(year + 1, 1, 1, tzinfo=tz),
                }
            self.track(
                Notice.objects.get_or_create(
                    title=title,
                    defaults={
                        "kind": kind,
                        "region": region,
                        "title_zh": title_zh,
                        "body": body,
                        "body_zh": body_zh,
                        "published_by": author,
                        **window,
                    },
                )
            )

    def track(self, result):
        obj, made = result
        self.created += made
        return obj

    def fill_details(self, party, details):
        """Record the party's details where they are still blank (a second run changes
        nothing, and never overwrites what a demo user edited)."""
        fields = dict(
            zip(
                ("legal_representative", "registered_address", "contact_phone"),
                details,
                strict=True,
            )
        )
        blank = [field for field in fields if not getattr(party, field)]
        for field in blank:
            setattr(party, field, fields[field])
        if blank:
            party.save(update_fields=blank)

    def user(self, password, username, **fields):
        user, made = User.objects.get_or_create(
            username=username, defaults={**fields, "email": f"{username}@example.com"}
        )
        if made:
            user.set_password(password)
            user.save(update_fields=["password"])
            self.created += 1
        return user

    def offering(self, provider, category, title, price, lead):
        """The provider's demo offering, described in both languages so that matching has
        something to read; an offering an older seed described as "<title> by <name>." gets
        the description (once: a second run finds it described)."""
        description = OFFERING_DESCRIPTIONS[title]
        offering, made = ServiceOffering.objects.get_or_create(
            provider=provider,
            title=title,
            defaults={
                "category": category,
                "indicative_price": Decimal(price),
                "lead_time_days": lead,
                "description": description,
            },
        )
        self.created += made
        if offering.description == f"{title} by {provider.name}.":
            offering.description = description
            offering.save(update_fields=["description"])

    def provider(self, region, name, name_zh, kind, code, year):
        provider, made = Provider.objects.get_or_create(
            credit_code=code,
            defaults={
                "name": name,
                "name_zh": name_zh,
                "region": region,
                "kind": kind,
                "status": Provider.Status.CERTIFIED,
                "decided_at": timezone.now(),
                "description": f"{name} ({name_zh}), a certified provider of the programme in {region.name}.",
                "contact_email": "contact@example.com",
            },
        )
        if made:
            self.created += 1
            audit_record(
                actor=None,
                obj=provider,
                action=AuditEntry.Action.CERTIFY,
                from_status="applied",
                to_status="certified",
                reason="Seed data: one of the four first certified providers of the pilot.",
            )
            # The first providers passed their public notice before the portal opened.
            notice = ProviderNotice.objects.create(
                provider=provider,
                starts_at=provider.decided_at - timedelta(days=7),
                ends_at=provider.decided_at,
                status=ProviderNotice.Status.PASSED,
                concluded_at=provider.decided_at,
            )
            number = ProviderCertificate.objects.filter(provider__region=region).count() + 1
            certificate = ProviderCertificate.objects.create(
                provider=provider,
                serial=certificate_serial(short_code=region.short_code, year=year, number=number),
                valid_until=timezone.localdate() + timedelta(days=3 * 365),
                notice_starts_at=notice.starts_at,
                notice_ends_at=notice.ends_at,
            )
            # Drawn as a certification draws it: undrawn, the reconciliation reported the
            # demo's certificates as a breach half an hour after seeding.
            enqueue("providers.tasks.generate_provider_certificate", certificate_id=certificate.pk)
        return provider

    def seed_story(self, enterprise, provider):
        """The Wujin enterprise applies, its district approves (which issues the voucher, as
        every voucher is issued), and it orders the research from SIT in Yangpu."""
        if ServiceOrder.objects.filter(enterprise=enterprise, title=SEED_ORDER_TITLE).exists():
            return
        application = VoucherApplication.objects.filter(
            enterprise=enterprise, purpose=SEED_PURPOSE
        ).first() or application_submit(
            enterprise=enterprise,
            requested_amount=Decimal("200000.00"),
            purpose=SEED_PURPOSE,
            actor=User.objects.get(username="enterprise-jiangnan"),
        )
        # 200,000 is at the demo's four-eyes threshold: two Wujin officials approve it.
        for official in ("official-wujin", "official-wujin-2"):
            application.refresh_from_db()
            if application.status != VoucherApplication.Status.SUBMITTED:
                break
            if application.first_approved_by is not None and (
                application.first_approved_by.username == official
            ):
                continue
            application_approve(
                application=application,
                actor=User.objects.get(username=official),
                approved_amount=application.requested_amount,
                note="Seed data: the pilot's first cross-region voucher.",
            )
        voucher = Voucher.objects.get(application=application)
        order = ServiceOrder.objects.create(
            enterprise=enterprise,
            provider=provider,
            voucher=voucher,
            title=SEED_ORDER_TITLE,
            description="Optimise ball-milling and exfoliation parameters for few-layer graphene powder.",
            contract_amount=Decimal("300000.00"),
        )
        audit_record(
            actor=None,
            obj=order,
            action=AuditEntry.Action.REQUEST,
            to_status="requested",
            reason="Seed data",
        )
        self.created += 3
