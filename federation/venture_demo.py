"""Demo venture philanthropy (公益创投, DESIGN.md section 8), built through `federation.venture` and
the evaluation services its experts use, so it obeys the same rules as real calls:

- last year's call, finished: projects of groups from several streets submitted in spring,
  scored by two experts each of the demo agency, funded within the budget or declined with a
  reason, the results published, mid-term and final reports filed and accepted, and one project
  stopped after its mid-term report;
- the call of the coming project year, taking submissions today, with projects submitted and
  the demo organization account's project still a draft for the demo user to finish.

Each step is taken on the day it happened (the services' `today`), so every eligibility check
runs as it would have run then; the services stamp their own records with the time of loading.
Which organizations take part is drawn from the seed among those the call's rules accept on the
day of submission (so names follow the seed's organizations); a call that exists is left alone.
"""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Q

from evaluation.demo import ASSESSOR, EXTRA_ASSESSORS, MANAGER, OFFICER, ORG_ACCOUNT, load_bundled_frameworks
from evaluation.models import Agency, Assignment, Case
from evaluation.selectors.assessments import scored_leaves
from evaluation.services.assignment import assign_team, conflicts_for_many
from evaluation.services.moderation import moderate
from evaluation.services.scoring import complete_scoring, save_scores, submit_scores
from registry.demo import ACCOUNT_ORGANIZATION_NAME, DEMO_STREET_CODE, demo_random
from registry.enums import OrganizationStatus
from registry.models import AdministrativeUnit, Organization, OrganizationAccount
from registry.services.roles import link_organization_account
from registry.validators import FILING_NUMBER_RE

from .enums import ProjectReportKind
from .models import VentureCall, VentureProject
from .venture import (
    decide_funding,
    file_report,
    open_review,
    publish_results,
    review_report,
    save_call,
    save_draft,
    stop_funding,
    submit_project,
)
from .venture_selectors import rule_results

DAY = datetime.timedelta(days=1)
SHEET = "venture-100"
FUNDING_LINE = 70  # the score below which the district funds nothing (said in the guide)

# What becomes of a project.
COMPLETED, STOPPED, DECLINED, SUBMITTED, DRAFT = "completed", "stopped", "declined", "submitted", "draft"


@dataclass(frozen=True)
class ProjectPlan:
    suffixes: tuple[str, ...]  # the kinds of organization, by how their names end, tried in order
    tier: str
    title: str  # "{place}": the organization's community
    need: str
    plan: str
    budget_plan: str
    outcomes: str
    amount: int  # requested
    score: tuple[float, float] = (0, 0)  # the total the experts' sheets aim at
    fate: str = SUBMITTED
    granted: int = 0
    reason: str = ""  # of a decline or a stop
    activity: str = ""  # what the reports count
    people: int = 0  # people served by the end
    street_code: str = ""  # a street preferred, so the demo street's staff see a project
    returned_once: bool = False


# --- Last year's call -------------------------------------------------------------------------------

FINISHED_TIERS = [
    {"name": "重点项目", "max_amount": Decimal("50000"), "places": 2},
    {"name": "一般项目", "max_amount": Decimal("20000"), "places": None},
]
FINISHED_GUIDE = (
    "资助社区社会组织和在本区登记的社会组织在本区开展为老服务、儿童关爱、助残帮困、邻里互助和社区治理等"
    f"公益项目。专家按《公益创投项目评审表（100分制）》评审，得分{FUNDING_LINE}分以上的项目按得分高低"
    "在各档次名额和总预算内立项。项目实施期内报送中期报告和结项报告，经审核通过后结项。"
)
FINISHED = (
    ProjectPlan(
        ("助老志愿者服务队", "养老服务互助队"),
        "重点项目",
        "{place}“银龄守护”独居老人关爱项目",
        "{place}80岁以上独居、空巢老人约120人，社区走访中发现近三成老人近一周无人探望，突发疾病难以及时发现。",
        "组建30人的志愿者队伍，每周入户探访、每日电话问候，建立老人健康档案；每季度举办一次集体生日会。",
        "志愿者培训6000元，探访物资和保险18000元，健康档案和紧急呼叫卡8000元，集体活动12000元，项目管理6000元。",
        "结对服务独居老人100人以上，入户探访2000人次以上，服务对象满意度90%以上。",
        50000,
        score=(88.5, 92.5),
        fate=COMPLETED,
        granted=50000,
        activity="入户探访和电话问候",
        people=2600,
        street_code=DEMO_STREET_CODE,
    ),
    ProjectPlan(
        ("社区服务中心", "四点半课堂"),
        "重点项目",
        "{place}“四点半课堂”双职工家庭儿童课后托管项目",
        "{place}双职工家庭小学生约200人，放学后无人看护的约60人，家长普遍反映课后托管难、费用高。",
        "工作日下午放学后开设课后托管，社工和大学生志愿者辅导作业，每周开设两次科普、美育兴趣课。",
        "志愿者补贴和保险16000元，场地布置和学习用品12000元，兴趣课材料12000元，项目管理8000元。",
        "稳定托管儿童40人以上，全年托管服务4000人次以上，家长满意度90%以上。",
        48000,
        score=(84.5, 87.5),
        fate=COMPLETED,
        granted=45000,
        activity="课后托管和兴趣课",
        people=4300,
    ),
    ProjectPlan(
        ("养老服务互助队", "居家养老互助会"),
        "重点项目",
        "{place}老年助餐互助项目",
        "{place}高龄老人就餐不便，社区尚无老年食堂，周边餐馆送餐费用较高。",
        "依托社区厨房，由低龄老人志愿者为高龄老人做午餐并送餐上门，每周五天。",
        "厨房设备20000元，食材补贴20000元，志愿者保险和补贴10000元。",
        "每天为30名高龄老人提供午餐，全年助餐6000人次。",
        50000,
        score=(76.0, 79.5),
        fate=DECLINED,
        reason="重点项目2个名额按专家评审得分确定，本项目得分位列第三，未获资助；厨房设施和食品安全条件尚需落实，"
        "建议完善后申报一般项目。",
    ),
    ProjectPlan(
        ("邻里调解队",),
        "一般项目",
        "{place}“和事佬”邻里纠纷调解项目",
        "{place}老旧楼院多，噪音、漏水、楼道堆物等邻里纠纷频发，去年社区受理纠纷80余起。",
        "邀请律师培训调解员，每月在社区开设一次调解接待日，重大纠纷上门调解并回访。",
        "调解员培训6000元，法律顾问咨询费8000元，宣传资料3000元，项目管理3000元。",
        "调解邻里纠纷50起以上，调解成功率85%以上，开展普法宣传6场。",
        20000,
        score=(82.0, 85.5),
        fate=COMPLETED,
        granted=20000,
        activity="纠纷调解和普法宣传",
        people=520,
    ),
    ProjectPlan(
        ("海洋环保宣传队", "环保志愿者服务队"),
        "一般项目",
        "{place}“蓝色海湾”海滩清洁与海洋科普项目",
        "辖区岸线游客多，节假日海滩垃圾明显增多，居民和游客的海洋保护意识有待提高。",
        "每月组织两次海滩清洁活动，暑期在海水浴场开展海洋科普宣传，进校园开展海洋知识讲座。",
        "清洁工具和志愿者保险7000元，科普展板和宣传品8000元，讲座和活动组织5000元。",
        "开展海滩清洁20次以上，清理垃圾2吨以上，科普宣传覆盖3000人次。",
        20000,
        score=(80.0, 84.0),
        fate=COMPLETED,
        granted=18000,
        activity="海滩清洁和海洋科普",
        people=3400,
    ),
    ProjectPlan(
        ("亲子阅读会", "读书会"),
        "一般项目",
        "{place}“悦读成长”家庭亲子共读项目",
        "{place}有学龄前和小学低年级儿童的家庭约300户，家长希望有固定的亲子阅读场所和指导。",
        "每周六开展绘本共读，每月一次阅读指导讲座，年底评选“书香家庭”。",
        "绘本购置8000元，阅读指导讲座4000元，活动物料2000元，项目管理1000元。",
        "固定参与家庭50户以上，开展共读活动40场，服务1500人次。",
        15000,
        score=(78.5, 82.0),
        fate=COMPLETED,
        granted=15000,
        activity="亲子共读和阅读指导",
        people=1650,
        returned_once=True,
    ),
    ProjectPlan(
        ("助残服务队",),
        "一般项目",
        "{place}残疾人康复陪伴与出行帮扶项目",
        "{place}持证残疾人约90人，其中行动不便、长期居家的约30人，康复训练和外出就医缺少陪伴。",
        "志愿者结对陪伴居家康复训练，每月组织一次集体外出活动，协助就医出行。",
        "康复辅具租借8000元，出行交通费6000元，志愿者培训和保险4000元，项目管理2000元。",
        "结对服务残疾人30人，提供陪伴和出行帮扶600人次以上。",
        20000,
        score=(79.0, 83.0),
        fate=COMPLETED,
        granted=20000,
        activity="康复陪伴和出行帮扶",
        people=680,
    ),
    ProjectPlan(
        ("老年学习社", "老年合唱团"),
        "一般项目",
        "{place}老年人智能手机应用培训项目",
        "{place}60岁以上居民中约四成不会使用手机挂号、扫码乘车和网上缴费，日常生活受到影响。",
        "每周开设两次智能手机小班课，志愿者一对一辅导，编印图文操作手册。",
        "课程讲师费8000元，操作手册印制3000元，教学设备租用3000元，项目管理2000元。",
        "培训老年人300人次以上，80%的学员能独立完成挂号、扫码等常用操作。",
        16000,
        score=(75.0, 78.5),
        fate=STOPPED,
        granted=16000,
        reason="中期检查发现项目仅开展培训6次，不到计划的两成，负责人长期外出、无人组织实施，经费使用凭证不全；"
        "经约谈限期整改后仍未恢复实施，决定终止资助，已拨付的首期资金按实际支出审核，其余资金不再拨付。",
        activity="智能手机培训",
        people=70,
    ),
    ProjectPlan(
        ("舞蹈队", "健身队"),
        "一般项目",
        "{place}广场舞展演交流项目",
        "{place}广场舞爱好者多，希望有更多展示和交流的机会。",
        "组织排练，举办两次广场舞展演，邀请周边社区舞蹈队交流。",
        "服装道具12000元，音响设备5000元，展演组织3000元。",
        "举办展演2场，参与居民200人次。",
        20000,
        score=(62.0, 66.5),
        fate=DECLINED,
        reason=f"专家评审得分低于{FUNDING_LINE}分的资助线：项目以文体展演为主，服务对象的需求论证不足，"
        "预算中服装道具占比过高。",
    ),
)


# --- The call taking submissions now ----------------------------------------------------------------

OPEN_TIERS = [
    {"name": "重点项目", "max_amount": Decimal("50000"), "places": 2},
    {"name": "一般项目", "max_amount": Decimal("20000"), "places": None},
    {"name": "微创投项目", "max_amount": Decimal("8000"), "places": 10},
]
OPEN_GUIDE = (
    "本期资助为老服务、儿童关爱、助残帮困、社区治理和社区文化等公益项目，设重点项目、一般项目和微创投项目三个档次；"
    "微创投项目面向成立时间较短、首次申报的社区社会组织。列入信用名录、有逾期未报年度报告、近三年受到行政处罚"
    "或被终止公益创投资助的组织不能申报。"
)
OPENING = (
    ProjectPlan(
        ("健康讲堂", "心理疏导服务队"),
        "一般项目",
        "{place}慢病老人健康管理讲堂项目",
        "{place}患高血压、糖尿病的老年居民约400人，自我管理知识不足，复诊不规律。",
        "邀请社区卫生服务中心医生每月开设健康讲堂，志愿者协助建立健康打卡小组。",
        "专家讲课费8000元，血压计等设备5000元，宣传资料4000元，项目管理3000元。",
        "开设讲堂12场，建立打卡小组5个，服务慢病老人1200人次。",
        20000,
        street_code=DEMO_STREET_CODE,
    ),
    ProjectPlan(
        ("爱心妈妈服务队", "家长学校"),
        "重点项目",
        "{place}困境儿童“爱心妈妈”结对陪伴项目",
        "辖区困境儿童、留守儿童约50人，缺少稳定的陪伴和学业、心理支持。",
        "招募20名爱心妈妈与困境儿童一对一结对，每月陪伴两次，社工提供心理辅导和个案跟进。",
        "社工督导12000元，陪伴活动18000元，志愿者培训和保险8000元，项目管理7000元。",
        "结对困境儿童40人，陪伴服务900人次以上，个案跟进20例。",
        45000,
    ),
    ProjectPlan(
        ("科普宣传队", "青少年科技小组"),
        "微创投项目",
        "{place}青少年周末科普实验室项目",
        "社区青少年课外科学实践机会少，家长希望就近参加科普活动。",
        "每月两个周末开设科学实验课，由退休教师和大学生志愿者授课。",
        "实验器材和耗材5000元，志愿者补贴2000元，宣传1000元。",
        "开设实验课20节，服务青少年400人次。",
        8000,
    ),
)
ACCOUNT_PROJECT = ProjectPlan(
    (),
    "一般项目",
    "“翰墨传承”银龄书画进社区项目",
    "湛山街道60岁以上居民约4000人，社区老年书画爱好者多，但缺少固定的指导老师和展示交流平台。",
    "在各社区开设每月两次的书画公益课，组织会员书画家结对辅导，年底举办一次社区老年书画作品展。",
    "指导老师课时费8000元，笔墨纸砚等教学用品6000元，作品装裱和展览6000元。",
    "开课40次以上，服务老年居民800人次，展出作品100幅。",
    20000,
    fate=DRAFT,
)


# --- The experts' sheets ----------------------------------------------------------------------------

# Why points were taken off, by indicator of the venture sheet.
DEDUCTIONS = {
    "1.1": "需求调研样本偏少，缺少数据支撑。",
    "1.2": "服务对象的人数和分布说明不够具体。",
    "2.1": "部分活动与项目目标的对应关系不够清晰。",
    "2.2": "实施进度安排偏紧，个别活动缺少时间节点。",
    "3.1": "团队中具备专业背景的成员较少。",
    "3.2": "与社区、驻区单位的合作尚未落实。",
    "4": "部分支出的测算依据不足。",
    "5": "成效指标以产出为主，项目结束后的持续运行考虑不足。",
}
OTHER_DEDUCTION = "申报材料个别内容不完整。"


def _half(value: float, maximum: Decimal) -> Decimal:
    """Experts mark in half points, from 0 to the indicator's maximum."""
    return min(maximum, max(Decimal(0), Decimal(round(value * 2)) / 2))


def _sheets(rng: random.Random, leaves: list, score: tuple[float, float]) -> list[list[Decimal]]:
    """Two experts' points: the first's shortfall from full marks spread unevenly over the
    indicators; the colleague's within half a point or a point of each, far inside the share
    beyond which moderation asks the lead to reconcile."""
    shortfall = 100 - rng.uniform(*score)
    weights = [float(leaf.max_points) * rng.uniform(0.5, 1.5) for leaf in leaves]
    first = [
        _half(
            float(leaf.max_points) - min(shortfall * weight / sum(weights), 0.7 * float(leaf.max_points)),
            leaf.max_points,
        )
        for leaf, weight in zip(leaves, weights, strict=True)
    ]
    second = [
        _half(float(points) + rng.choice((-1, -0.5, 0, 0.5, 1)), leaf.max_points)
        for leaf, points in zip(leaves, first, strict=True)
    ]
    return [first, second]


def _entries(leaves: list, points: list[Decimal]) -> dict:
    return {
        leaf.pk: {
            "points": str(p),
            "comment": "" if p == leaf.max_points else DEDUCTIONS.get(leaf.code, OTHER_DEDUCTION),
        }
        for leaf, p in zip(leaves, points, strict=True)
    }


# --- People -----------------------------------------------------------------------------------------


@dataclass
class People:
    officer: object
    manager: object
    experts: list  # the demo assessor first
    org_account: object
    accounts_created: int = 0


def _people() -> People:
    names = [OFFICER, MANAGER, ASSESSOR, ORG_ACCOUNT, *(person.username for person in EXTRA_ASSESSORS)]
    users = get_user_model().objects.in_bulk(names, field_name="username")
    return People(
        officer=users[OFFICER],
        manager=users[MANAGER],
        experts=[users[ASSESSOR], *(users[person.username] for person in EXTRA_ASSESSORS)],
        org_account=users[ORG_ACCOUNT],
    )


def _account(organization: Organization, people: People):
    """The organization's account (an existing one, else one for its legal representative, who
    never logs in during the demo: no usable password)."""
    existing = OrganizationAccount.objects.filter(organization=organization).select_related("user").order_by("pk")
    if existing:
        return existing[0].user
    match = FILING_NUMBER_RE.fullmatch(organization.filing_number or "")
    username = f"org_{match.group(1)}{match.group(2)}" if match else f"org_{organization.uscc.lower()}"
    name = organization.legal_representative or organization.name
    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={"last_name": name[:1], "first_name": name[1:], "email": f"{username}@example.com"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        people.accounts_created += 1
    link_organization_account(user=user, organization=organization)
    return user


# --- Choosing who applies ---------------------------------------------------------------------------


def _applicant(rng, plan: ProjectPlan, call: VentureCall, on: datetime.date, taken: set[int], streets: set[str]):
    """An organization of one of the plan's kinds (of the call's district), founded a year before
    `on` at least, that the call's rules accept on `on`; from a street not yet used when there is
    one, the plan's own street first. None when no organization fits."""
    district = call.campaign.authority
    for suffix in plan.suffixes:
        pool = list(
            Organization.objects.filter(
                Q(registration_authority=district) | Q(registration_authority__isnull=True),
                name__endswith=suffix,
                status__in=[OrganizationStatus.ACTIVE, OrganizationStatus.FILED],
                founded_on__lte=on - 365 * DAY,
                street__path__startswith=district.path,
            )
            .exclude(pk__in=taken)
            .select_related("street", "community")
            .order_by("street__code", "name")
        )
        rng.shuffle(pool)
        # A stable sort keeps the shuffled order within each group.
        pool.sort(key=lambda o: (o.street.code != plan.street_code, o.street.code in streets))
        for organization in pool:
            if all(result["passed"] for result in rule_results(call, organization, on)):
                return organization
    return None


def _place(organization: Organization) -> str:
    return organization.community.name if organization.community_id else organization.street.name


def _draft(plan: ProjectPlan, call: VentureCall, organization: Organization, account, on: datetime.date):
    tiers = {tier.name: tier for tier in call.tiers.all()}
    place = _place(organization)
    data = {
        "tier": tiers[plan.tier],
        "title": plan.title.format(place=place),
        "need": plan.need.format(place=place),
        "plan": plan.plan,
        "budget_plan": plan.budget_plan,
        "amount_requested": str(plan.amount),
        "outcomes": plan.outcomes,
    }
    return save_draft(project=None, call=call, organization=organization, data=data, actor=account, today=on)


def _create_call(*, district, people: People, year: int, dates: dict, sheet, panel, guide: str, budget: int, tiers):
    """The district's call of `year` named as the bureau names them, with every rule switched on."""
    data = {
        "name": f"{year}年度市南区公益创投",
        "year": year,
        **dates,
        "sheet": sheet,
        "panel": panel,
        "guide": guide,
        "budget": Decimal(budget),
        "check_credit_lists": True,
        "check_annual_report": True,
        "check_ban": True,
        "ban_years": 3,
    }
    return save_call(call=None, authority=district, data=data, tiers=tiers, actor=people.officer)


def _submit(rng, plans, call: VentureCall, people: People, window: tuple[datetime.date, datetime.date], taken: set):
    """Each plan's organization drafts and submits its project on a day of `window`; returns
    [(plan, project, account)] for the plans an organization was found for."""
    made, streets = [], set()
    for plan in plans:
        submitted_on = datetime.date.fromordinal(rng.randint(window[0].toordinal(), window[1].toordinal()))
        drafted_on = max(call.campaign.applications_open_on, submitted_on - rng.randint(0, 6) * DAY)
        organization = _applicant(rng, plan, call, submitted_on, taken, streets)
        if organization is None:
            continue
        taken.add(organization.pk)
        streets.add(organization.street.code)
        account = _account(organization, people)
        project = _draft(plan, call, organization, account, drafted_on)
        made.append((plan, submit_project(project=project, actor=account, today=submitted_on), account))
    return made


def _team(rng, experts: list, case: Case) -> list:
    """Two experts of the panel free of conflicts with the organization, the first to lead."""
    conflicts = conflicts_for_many(experts, case)
    return rng.sample([expert for expert in experts if not conflicts[expert.pk]], 2)


def _review(rng, made, call: VentureCall, people: People, sheet, reviewed_on: datetime.date) -> None:
    """The officer sends the projects to the panel, its manager assigns two experts to each, who
    score and submit on the day of the review meeting; the lead closes scoring and moderates."""
    open_review(call=call, actor=people.officer, today=call.campaign.applications_close_on + DAY)
    leaves = list(scored_leaves(sheet))
    for plan, project, _account in made:
        project.refresh_from_db()
        team = _team(rng, people.experts, project.case)
        case = assign_team(case=project.case, actor=people.manager, assessors=team, lead=team[0])
        for expert, points in zip(team, _sheets(rng, leaves, plan.score), strict=True):
            assignment = Assignment.objects.get(case=case, assessor=expert)
            entries = _entries(leaves, points)
            save_scores(assignment=assignment, actor=expert, entries=entries, visit_date=reviewed_on, today=reviewed_on)
            submit_scores(assignment=assignment, actor=expert, today=reviewed_on)
        complete_scoring(case, team[0])
        moderate(case, team[0])


MIDTERM_ACCEPTED = "中期评估通过：活动按计划推进，经费使用规范，请按计划完成后续活动。"
MIDTERM_RETURNED = "请补充活动签到表、活动照片和经费支出明细后重新报送。"
MIDTERM_REFILED = "已补充活动签到表、活动照片和经费支出明细。"
STOP_RETURNED = "实施进度仅为计划的两成左右，负责人长期外出，经费使用凭证不全；请说明原因并提交整改方案。"
FINAL_ACCEPTED = "项目目标全部完成，服务记录完整，经费使用规范，同意结项。"


def _reports(rng, plan: ProjectPlan, project: VentureProject, account, officer, starts_on: datetime.date) -> None:
    """The funded project's mid-term report and, unless it is stopped after it, its final one,
    each reviewed by the officer."""
    granted = Decimal(plan.granted)
    share = rng.uniform(0.4, 0.55) if plan.fate != STOPPED else 1.0
    midterm = {
        "progress": (
            f"项目于{starts_on.year}年{starts_on.month}月启动，截至中期已开展{plan.activity}"
            f"{rng.randint(12, 30) if plan.fate != STOPPED else 6}次，"
            + ("完成计划进度约一半；活动签到表、照片和经费凭证已整理归档。" if plan.fate != STOPPED else "进度滞后。")
        ),
        "results": f"累计服务{round(plan.people * share)}人次。",
        "people_served": round(plan.people * share),
        "spent_amount": str((granted * Decimal(share if plan.fate != STOPPED else 0.35)).quantize(Decimal(10))),
    }
    report = file_report(project=project, kind=ProjectReportKind.MIDTERM, data=midterm, actor=account)
    if plan.fate == STOPPED:
        review_report(report=report, accept=False, opinion=STOP_RETURNED, actor=officer)
        stop_funding(project=project, paid_amount=granted / 2, reason=plan.reason, actor=officer)
        return
    if plan.returned_once:
        review_report(report=report, accept=False, opinion=MIDTERM_RETURNED, actor=officer)
        midterm["progress"] += MIDTERM_REFILED
        report = file_report(project=project, kind=ProjectReportKind.MIDTERM, data=midterm, actor=account)
    review_report(report=report, accept=True, opinion=MIDTERM_ACCEPTED, actor=officer)
    satisfied = rng.randint(90, 98)
    final = {
        "progress": f"项目按计划全部完成，共开展{plan.activity}{rng.randint(40, 90)}次。",
        "results": f"累计服务{plan.people}人次，服务对象满意度调查中{satisfied}%表示满意，达到预期成效。",
        "people_served": plan.people,
        "spent_amount": str((granted * Decimal(rng.uniform(0.96, 1))).quantize(Decimal(10)).min(granted)),
    }
    report = file_report(project=project, kind=ProjectReportKind.FINAL, data=final, actor=account)
    review_report(report=report, accept=True, opinion=FINAL_ACCEPTED, actor=officer)


def _finished_call(*, rng, district, panel: Agency, sheet, people: People, today: datetime.date) -> tuple[int, int]:
    """Last year's call, from submissions in spring to the reports at the end of the project
    period. Returns (calls, projects) created: (0, 0) when it is there already."""
    year = today.year - 1
    if VentureCall.objects.filter(campaign__authority=district, campaign__year=year).exists():
        return 0, 0
    opens, closes = datetime.date(year, 3, 1), datetime.date(year, 3, 31)
    dates = {
        "applications_open_on": opens,
        "applications_close_on": closes,
        "scoring_closes_on": datetime.date(year, 5, 15),
        "project_starts_on": datetime.date(year, 6, 1),
        "project_ends_on": datetime.date(year, 11, 30),
        "midterm_due_on": datetime.date(year, 8, 31),
        "final_due_on": datetime.date(year, 12, 31),
    }
    call = _create_call(
        district=district,
        people=people,
        year=year,
        dates=dates,
        sheet=sheet,
        panel=panel,
        guide=FINISHED_GUIDE,
        budget=300_000,
        tiers=FINISHED_TIERS,
    )
    made = _submit(rng, FINISHED, call, people, (opens + 3 * DAY, closes - DAY), set())
    _review(rng, made, call, people, sheet, reviewed_on=datetime.date(year, 4, 20))
    decided_on = dates["scoring_closes_on"] + 5 * DAY
    for plan, project, _account in made:
        fund = plan.fate in (COMPLETED, STOPPED)
        decide_funding(
            project=project,
            fund=fund,
            amount=plan.granted if fund else None,
            reason="" if fund else plan.reason,
            actor=people.officer,
            today=decided_on,
        )
    publish_results(call=call, actor=people.officer)
    for plan, project, account in made:
        if plan.fate in (COMPLETED, STOPPED):
            _reports(rng, plan, project, account, people.officer, dates["project_starts_on"])
    return 1, len(made)


def _open_call(*, rng, district, panel: Agency, sheet, people: People, today: datetime.date) -> tuple[int, int]:
    """The call taking submissions today for the coming project year: projects submitted by
    groups that have not applied before, and the demo account's project still a draft. Returns
    (calls, projects) created: (0, 0) when it is there already."""
    opens, closes = today - 20 * DAY, today + 21 * DAY
    scoring_closes = closes + 30 * DAY
    starts = scoring_closes + 14 * DAY
    ends = starts + 270 * DAY
    year = starts.year  # named after the year its projects run in
    if VentureCall.objects.filter(campaign__authority=district, campaign__year=year).exists():
        return 0, 0
    dates = {
        "applications_open_on": opens,
        "applications_close_on": closes,
        "scoring_closes_on": scoring_closes,
        "project_starts_on": starts,
        "project_ends_on": ends,
        "midterm_due_on": starts + 120 * DAY,
        "final_due_on": ends + 15 * DAY,
    }
    call = _create_call(
        district=district,
        people=people,
        year=year,
        dates=dates,
        sheet=sheet,
        panel=panel,
        guide=OPEN_GUIDE,
        budget=400_000,
        tiers=OPEN_TIERS,
    )
    account_organization = Organization.objects.get(name=ACCOUNT_ORGANIZATION_NAME, street__code=DEMO_STREET_CODE)
    applied = set(VentureProject.objects.values_list("organization_id", flat=True)) | {account_organization.pk}
    made = _submit(rng, OPENING, call, people, (opens + DAY, today - DAY), applied)
    _draft(ACCOUNT_PROJECT, call, account_organization, people.org_account, today - 2 * DAY)
    return 1, len(made) + 1


def load_venture_demo(*, seed: int, district: AdministrativeUnit, agency: Agency, today: datetime.date) -> dict:
    """Both calls, after the evaluation demo (its agency is the expert panel, its people act);
    returns how many calls, projects and applicants' accounts were created, all zero on a
    second run. One generator per call, so that each is the same whether or not the other was
    made in the same run."""
    people = _people()
    sheet = load_bundled_frameworks()[0][SHEET]
    finished = _finished_call(
        rng=demo_random(seed, "venture-finished"),
        district=district,
        panel=agency,
        sheet=sheet,
        people=people,
        today=today,
    )
    opening = _open_call(
        rng=demo_random(seed, "venture-open"), district=district, panel=agency, sheet=sheet, people=people, today=today
    )
    return {
        "venture_calls": finished[0] + opening[0],
        "venture_projects": finished[1] + opening[1],
        "venture_accounts": people.accounts_created,
    }
