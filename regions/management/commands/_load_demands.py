"""Technology demands and proposals for `seed_load`, set-based like the rest of it: a number
series joined to the load's confirmed orders, bilingual titles and descriptions assembled from
word lists by arithmetic on the row number, so the demand search is measured on real volume.

Demand d (1..D) belongs to the enterprise of load order d and lies in its district; every
tenth one is awarded: its accepted proposal is load order d's provider at the order's contract
amount, with the order as its service order (what accepting a proposal makes). Every demand
has two proposals from two different providers; the other one of an awarded demand is
declined. Every eighth demand is for invited providers only (the two that propose). Demands
past their deadline are closed, as the beat task leaves them."""

from django.core.management.base import CommandError
from django.db import connection

from providers.search import search_terms

# (English, Chinese) pairs; the word picked for a row is chosen by its number modulo the
# list's length, the lengths coprime so that the combinations spread.
SUBJECTS = [
    ("Graphene powder", "石墨烯粉体"),
    ("Lithium battery cathode", "锂电池正极材料"),
    ("Carbon fibre composite", "碳纤维复合材料"),
    ("Industrial robot arm", "工业机器人手臂"),
    ("Machine vision inspection", "机器视觉检测"),
    ("Biomedical hydrogel", "生物医用水凝胶"),
    ("Power semiconductor module", "功率半导体模块"),
    ("Wastewater treatment membrane", "污水处理膜"),
    ("Textile dyeing process", "纺织印染工艺"),
    ("Precision bearing", "精密轴承"),
    ("Hydrogen fuel cell stack", "氢燃料电池电堆"),
    ("Photovoltaic glass coating", "光伏玻璃镀膜"),
    ("Food cold chain sensor", "食品冷链传感器"),
    ("Pharmaceutical crystallisation", "药物结晶"),
    ("Ceramic 3D printing", "陶瓷3D打印"),
    ("Motor drive controller", "电机驱动控制器"),
    ("Polymer recycling", "高分子材料回收"),
    ("Steel surface treatment", "钢材表面处理"),
    ("Agricultural drone", "农业无人机"),
]
PROBLEMS = [
    ("dispersion stability", "分散稳定性"),
    ("yield improvement", "良率提升"),
    ("cost reduction", "降本"),
    ("fatigue testing", "疲劳测试"),
    ("process scale-up", "工艺放大"),
    ("energy consumption", "能耗优化"),
    ("quality inspection", "质量检测"),
    ("thermal management", "热管理"),
    ("corrosion resistance", "耐腐蚀性能"),
    ("signal noise", "信号噪声抑制"),
    ("standard certification", "标准认证"),
    ("software algorithm", "软件算法"),
    ("purity analysis", "纯度分析"),
]
CONTEXTS = [
    (
        "Our pilot line loses too much output at this step and the supplier cannot explain why.",
        "我们的中试线在这一步损失较大，供应商也无法解释原因。",
    ),
    (
        "We need a partner to run comparative tests and write a report our customers accept.",
        "需要合作单位开展对比试验，并出具客户认可的检测报告。",
    ),
    (
        "The current method works in the laboratory but fails at production speed.",
        "现有方法在实验室可行，但在量产速度下失效。",
    ),
    (
        "An export customer asks for data we cannot produce with our own equipment.",
        "出口客户要求的数据，我们现有设备无法测得。",
    ),
    (
        "We want to replace an imported component with one developed locally.",
        "希望用本地研发的部件替代进口部件。",
    ),
    (
        "Two earlier attempts with a university group stalled for lack of pilot equipment.",
        "此前与高校团队的两次合作因缺少中试设备而停滞。",
    ),
    (
        "The regulator's new standard takes effect next year and our process does not meet it.",
        "明年新标准实施，我们目前的工艺尚不达标。",
    ),
]
OUTCOMES = [
    ("A validated process sheet and training for two engineers.", "一份验证过的工艺文件，并培训两名工程师。"),
    ("A test report from an accredited laboratory.", "具备资质实验室出具的检测报告。"),
    ("A prototype that passes our customer's acceptance test.", "通过客户验收测试的样机。"),
    ("A feasibility study with a cost estimate for production.", "包含量产成本估算的可行性研究。"),
    ("Software delivered with source code and documentation.", "交付软件源代码及文档。"),
]  # fmt: skip
APPROACHES = [
    ("We would first reproduce the problem on our pilot line, then vary one parameter at a time.",
     "我们先在中试线上复现问题，再逐一调整工艺参数。"),
    ("Our laboratory runs the standard tests and a comparison with two reference samples.",
     "我们的实验室按标准开展测试，并与两个参照样品对比。"),
    ("A joint team with your engineers, weekly reviews and a final report.",
     "与贵司工程师组成联合团队，每周评审，最终提交报告。"),
]  # fmt: skip


CHINESE_SEPARATORS = {"": "", " ": "", ". ": "。"}


def pick(expression: str, words: list[str]) -> str:
    """`CASE expression WHEN 0 THEN 'word' ...`; the words are ours, quotes doubled anyway."""
    whens = " ".join(
        "WHEN {} THEN '{}'".format(i, w.replace("'", "''")) for i, w in enumerate(words)
    )
    return f"(CASE {expression} {whens} END)"


def text(n: str, parts: list[tuple[list, str, str]]) -> str:
    """English for even rows, Chinese for odd ones: the concatenation of `parts`, each
    (pairs, index expression over n, separator after it)."""
    english = " || ".join(
        f"{pick(index, [e for e, _ in pairs])} || '{after}'" for pairs, index, after in parts
    )
    chinese = " || ".join(
        f"{pick(index, [z for _, z in pairs])} || '{CHINESE_SEPARATORS[after]}'"
        for pairs, index, after in parts
    )
    return f"(CASE WHEN {n} %% 2 = 0 THEN {english} ELSE {chinese} END)"


def plus_days(value: str, days: str, *, date: bool) -> str:
    if connection.vendor == "postgresql":
        cast = "date" if date else "timestamptz"
        return f"(CAST({value} AS {cast}) + ({days}) * interval '1 day')" + (
            "::date" if date else ""
        )
    return f"{'date' if date else 'datetime'}({value}, ({days}) || ' days')"


def load_demands(
    command, *, run: str, n_demands: int, categories: list[int], provider_ids: list[int], now
) -> None:
    """Demands 1..n_demands and their proposals (see the module's docstring). `command` is
    seed_load's, for its `sql` and `analyze`; load orders `load:{run}:k` must exist for
    k <= n_demands."""
    sql, d = command.sql, "lo.k"
    subject = f"({d} %% {len(SUBJECTS)})"
    problem = f"(({d} / {len(SUBJECTS)}) %% {len(PROBLEMS)})"
    title = text(d, [(SUBJECTS, subject, " "), (PROBLEMS, problem, "")])
    description = text(
        d,
        [
            (SUBJECTS, subject, " "),
            (PROBLEMS, problem, ". "),
            (CONTEXTS, f"({d} %% {len(CONTEXTS)})", " "),
            (OUTCOMES, f"({d} %% {len(OUTCOMES)})", ""),
        ],
    )
    today = now.date()
    # Created over the past ten months; deadlines from 30 days ago to 120 days ahead.
    created = plus_days("%s", f"-({d} %% 300)", date=False)
    deadline = plus_days("%s", f"({d} %% 150) - 30", date=True)
    awarded = f"({d} %% 10 = 0)"
    past = f"(({d} %% 150) < 30)"
    budget = f"(10000 + ({d} %% 40) * 5000)"
    command.step("demands", n_demands)
    sql(
        "CREATE TEMP TABLE load_demand (k bigint PRIMARY KEY, order_id bigint,"
        " enterprise_id bigint, region_id bigint, provider_id bigint, amount numeric(14, 2),"
        " demand_id bigint)"
    )
    sql(
        "INSERT INTO load_demand (k, order_id, enterprise_id, region_id, provider_id, amount)"
        " SELECT lo.k, o.id, lo.enterprise_id, lo.region_id, o.provider_id, o.contract_amount"
        f" FROM load_order lo JOIN providers_serviceorder o ON o.title = 'load:{run}:' || lo.k"
        " WHERE lo.k <= %s",
        [n_demands],
    )
    command.analyze("load_demand")
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM providers_demand")
        last_id = cursor.fetchone()[0]
    category = (
        f"(CASE {d} %% {len(categories)} "
        + " ".join(f"WHEN {i} THEN {c}" for i, c in enumerate(categories))
        + " END)"
    )
    # In k's order, so that the ids follow k; checked below before anything relies on it.
    sql(
        "INSERT INTO providers_demand (enterprise_id, region_id, title, description,"
        " category_id, budget_min, budget_max, deadline, visibility, status, created_at,"
        " closed_at, technology_manager_id, search_terms) "
        f"SELECT lo.enterprise_id, lo.region_id, {title}, {description}, {category},"
        f" {budget}, {budget} * 2, {deadline},"
        f" CASE WHEN {d} %% 8 = 0 THEN 'invited' ELSE 'public' END,"
        f" CASE WHEN {awarded} THEN 'awarded' WHEN {past} THEN 'closed' ELSE 'open' END,"
        f" {created}, CASE WHEN {awarded} OR {past} THEN %s END, NULL, ''"
        " FROM load_demand lo ORDER BY lo.k",
        [today, now, now],
    )
    sql(
        "UPDATE load_demand SET demand_id = x.id FROM (SELECT id, ROW_NUMBER() OVER"
        " (ORDER BY id) AS k FROM providers_demand WHERE id > %s) x WHERE x.k = load_demand.k",
        [last_id],
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM load_demand lo LEFT JOIN providers_demand dm"
            " ON dm.id = lo.demand_id WHERE dm.id IS NULL"
            f" OR dm.enterprise_id <> lo.enterprise_id OR dm.budget_min <> {budget}",
            [],
        )
        if cursor.fetchone()[0]:
            raise CommandError("Demands were not numbered in load order; nothing was loaded.")
    fill_search_terms(command, last_id=last_id)
    command.analyze("load_demand", "providers_demand")

    command.step("proposals", n_demands * 2)
    # Slot 0 is the order's provider (accepted on an awarded demand), slot 1 the provider of
    # the next district.
    following = (
        "(CASE lo.provider_id "
        + " ".join(
            f"WHEN {p} THEN {provider_ids[(i + 1) % len(provider_ids)]}"
            for i, p in enumerate(provider_ids)
        )
        + " END)"
    )
    provider = f"(CASE WHEN s.slot = 0 THEN lo.provider_id ELSE {following} END)"
    slots = "(SELECT 0 AS slot UNION ALL SELECT 1 AS slot) s"
    approach = text(d, [(APPROACHES, f"({d} %% {len(APPROACHES)})", "")])
    sql(
        "INSERT INTO providers_proposal (demand_id, provider_id, approach, price, duration_days,"
        " expert_id, status, created_at, decided_at, service_order_id) "
        f"SELECT lo.demand_id, {provider}, {approach},"
        f" CASE WHEN s.slot = 0 THEN lo.amount ELSE {budget} + 1000 END, 30 + ({d} %% 90), NULL,"
        f" CASE WHEN NOT {awarded} THEN 'submitted' WHEN s.slot = 0 THEN 'accepted'"
        " ELSE 'declined' END,"
        f" %s, CASE WHEN {awarded} THEN %s END,"
        f" CASE WHEN {awarded} AND s.slot = 0 THEN lo.order_id END"
        f" FROM load_demand lo CROSS JOIN {slots}",
        [now, now],
    )
    sql(
        "INSERT INTO providers_demand_invited_providers (demand_id, provider_id)"
        f" SELECT lo.demand_id, {provider} FROM load_demand lo CROSS JOIN {slots}"
        f" WHERE {d} %% 8 = 0"
    )
    command.analyze("providers_proposal", "providers_demand_invited_providers")
    sql("DROP TABLE load_demand")


def fill_search_terms(command, *, last_id: int) -> None:
    """The loaded demands' search tokens, as the services store them: the texts come from the
    word lists, so there are few distinct ones; tokenize each once and set them all with one
    UPDATE joined on the text."""
    command.step("demand search terms", 0)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT title, description FROM providers_demand WHERE id > %s", [last_id]
        )
        texts = cursor.fetchall()
    command.sql("CREATE TABLE load_terms (title TEXT, description TEXT, terms TEXT)")
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO load_terms (title, description, terms) VALUES (%s, %s, %s)",
            [
                (title, description, search_terms(title, description))
                for title, description in texts
            ],
        )
    command.sql(
        "UPDATE providers_demand SET search_terms = t.terms FROM load_terms t"
        " WHERE providers_demand.id > %s AND providers_demand.title = t.title"
        " AND providers_demand.description = t.description",
        [last_id],
    )
    command.sql("DROP TABLE load_terms")
