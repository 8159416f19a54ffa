"""Demo evaluation: the agency and the committee with their people, the two bundled frameworks,
the district's finished campaign of 2025 and its campaign of this year, in its scoring phase.

The finished campaign has some 150 cases. Taking each through every service would make the demo,
which several test modules load, many times slower; so its rows are written in bulk, checked
field by field as a form would check them, with every figure computed by the code that computes
it in real use: the totals and proposed grades by `services.moderation`, the grades by
`services.grading`, the committee's majority by `services.committee`, the notice's end by
`services.notices`, the awards by `services.grades.award_grade`. It is the one writer of
`Case.state` besides `services.cases.act_on_case`: it replays each case's history step by step
along `services.cases.TRANSITIONS`, so no state is reached that the machine would not reach.
This year's campaign, small, is
made through the services themselves, step by step, as its users would make it.
"""

import datetime
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from registry.demo import ACCOUNT_ORGANIZATION_NAME, DEMO_STREET_CODE, demo_random
from registry.enums import OrganizationKind, OrganizationStatus
from registry.models import AdministrativeUnit, Organization
from registry.services.roles import link_organization_account

from .enums import (
    AgencyRole,
    AppealKind,
    AppealState,
    CampaignPurpose,
    CaseAction,
    CaseState,
    EligibilityRule,
    Grade,
    ValidityRule,
    Vote,
)
from .management.commands.load_frameworks import DEFAULT_FILES
from .models import (
    Agency,
    Appeal,
    Assignment,
    Campaign,
    Case,
    CaseDecision,
    CaseEvent,
    CaseVote,
    Committee,
    Framework,
    Indicator,
    Notice,
    Reconciliation,
    Score,
    SelfAssessment,
)
from .selectors.assessments import scored_leaves
from .selectors.grades import grades_in_force
from .selectors.statistics import RATED_KINDS, RATED_STATUSES
from .services import (
    applying,
    assignment,
    cases,
    certificates,
    eligibility,
    grades,
    grading,
    moderation,
    notices,
    scoring,
)
from .services.campaigns import CAMPAIGN_FIELDS, create_campaign
from .services.committee import passes, record_meeting
from .services.frameworks import import_framework_file
from .services.people import add_agency_member, add_committee_member, change_agency_member

AGENCY_NAME = "青岛众诚社会组织评估中心"
AGENCY_PHONE = "0532-85201234"
AGENCY_USCC = "52370202MJD602187J"  # made up, with a correct check character
COMMITTEE_NAME = "市南区社会组织评估委员会"


def _get_or_create(model, *, lookup: dict, defaults: dict):
    """Look up by the natural key; create a validated row when missing. Returns (row, created)."""
    row = model.objects.filter(**lookup).first()
    if row is not None:
        return row, False
    row = model(**lookup, **defaults)
    row.full_clean()
    row.save()
    return row, True


def create_evaluation_bodies(*, district: AdministrativeUnit) -> tuple[Agency, Committee, int]:
    """The agency and the committee (whose authority is the district unit); returns both and how
    many were created."""
    agency, agency_created = _get_or_create(
        Agency, lookup={"name": AGENCY_NAME}, defaults={"contact_phone": AGENCY_PHONE, "uscc": AGENCY_USCC}
    )
    committee, committee_created = _get_or_create(
        Committee, lookup={"name": COMMITTEE_NAME}, defaults={"authority": district}
    )
    return agency, committee, agency_created + committee_created


# --- People -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    username: str
    last_name: str
    first_name: str
    expertise: str = ""


# Given names outside `registry.demo_themes.GIVEN_NAMES`, so that no extra person is the namesake
# of a demo organization's legal representative (which the conflict check would refuse).
EXTRA_COMMITTEE_MEMBERS = (
    Person("committee_wang", "王", "立诚"),
    Person("committee_chen", "陈", "书瑶"),
    Person("committee_lin", "林", "景行"),
    Person("committee_han", "韩", "素琴"),
)
EXTRA_ASSESSORS = (
    Person("assessor_song", "宋", "启明", "财务管理、审计"),
    Person("assessor_xue", "薛", "文澜", "法律、章程与登记管理"),
    Person("assessor_shao", "邵", "嘉禾", "社会工作、公益项目评估"),
)
DEMO_ASSESSOR_EXPERTISE = "社会组织内部治理、党建"
# Logins made by `portal.demo.create_demo_users`.
OFFICER, MANAGER, ASSESSOR, COMMITTEE_MEMBER, ORG_ACCOUNT = (
    "district_officer",
    "agency_manager",
    "assessor",
    "committee_member",
    "org_account",
)


@dataclass
class Staff:
    officer: object
    manager: object
    assessor: object  # the demo assessor
    colleagues: list  # the other assessors of the agency
    members: list  # CommitteeMember rows, the demo member's first
    org_account: object
    created: int = 0


def _extra_user(person: Person) -> tuple[object, bool]:
    """A user who never logs in during the demo: no usable password."""
    user, created = get_user_model().objects.get_or_create(
        username=person.username,
        defaults={
            "last_name": person.last_name,
            "first_name": person.first_name,
            "email": f"{person.username}@example.com",
        },
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user, created


def _staff(agency: Agency, committee: Committee) -> Staff:
    """A committee of five with the demo member among them (a quorum is four), and four assessors
    with their areas of expertise, the demo assessor among them; through the people services."""
    users = get_user_model().objects.in_bulk(
        [OFFICER, MANAGER, ASSESSOR, COMMITTEE_MEMBER, ORG_ACCOUNT], field_name="username"
    )
    created = 0
    members = [add_committee_member(user=users[COMMITTEE_MEMBER], committee=committee)]
    for person in EXTRA_COMMITTEE_MEMBERS:
        user, new = _extra_user(person)
        created += new
        members.append(add_committee_member(user=user, committee=committee))
    demo = add_agency_member(user=users[ASSESSOR], agency=agency, role=AgencyRole.ASSESSOR)
    if not demo.expertise:
        change_agency_member(member=demo, role=AgencyRole.ASSESSOR, expertise=DEMO_ASSESSOR_EXPERTISE)
    colleagues = []
    for person in EXTRA_ASSESSORS:
        user, new = _extra_user(person)
        created += new
        add_agency_member(user=user, agency=agency, role=AgencyRole.ASSESSOR, expertise=person.expertise)
        colleagues.append(user)
    return Staff(
        officer=users[OFFICER],
        manager=users[MANAGER],
        assessor=users[ASSESSOR],
        colleagues=colleagues,
        members=members,
        org_account=users[ORG_ACCOUNT],
        created=created,
    )


def load_bundled_frameworks() -> tuple[dict[str, Framework], int]:
    """The frameworks `manage.py load_frameworks` loads, by code, and how many were created."""
    frameworks, created = {}, 0
    for path in DEFAULT_FILES:
        framework, new = import_framework_file(path.read_bytes(), actor=None)
        frameworks[framework.code] = framework
        created += new
    return frameworks, created


# --- Scores -------------------------------------------------------------------------------------

TENTH = Decimal("0.1")
# Why points were taken off, by indicator of the Qingdao framework (what assessors write).
DEDUCTIONS = {
    "1.1": "党组织组建材料不全，党员信息未及时更新。",
    "1.2": "党建活动记录不完整，主题活动次数不足。",
    "2.1": "法定代表人变更后未及时办理变更登记。",
    "2.2": "章程个别条款与现行示范文本不一致。",
    "2.3": "年度报告个别数据与财务报表不一致。",
    "3.1": "理事会、监事会会议记录不完整，换届程序有瑕疵。",
    "3.2": "部分票据不规范，专项资金未单独核算。",
    "3.3": "信息公开不及时，网站内容更新滞后。",
    "4.1": "年度活动计划执行不完整，活动总结缺少成效分析。",
    "4.2": "公益服务覆盖面较窄，服务记录不完整。",
    "4.3": "品牌项目尚未形成，宣传材料较少。",
    "5.1": "服务对象满意度调查样本偏少。",
    "5.2": "登记管理机关指出的整改事项未全部完成。",
}
OTHER_DEDUCTION = "部分佐证材料不完整。"
RECONCILIATION_COMMENT = "两位专家对该项佐证材料的认定不一致，经组长组织复核原始材料，协调为{points}分。"


def _half_points(value: float, maximum: Decimal) -> Decimal:
    """Assessors mark in half points, from 0 to the indicator's maximum."""
    return min(maximum, max(Decimal(0), Decimal(round(value * 2)) / 2)).quantize(TENTH)


def _first_sheet(rng: random.Random, leaves: list[Indicator], scale: Decimal, target: float) -> list[Decimal]:
    """One assessor's points for a total near `target`: the shortfall spread over the indicators
    in proportion to their maxima, unevenly, and never the whole of one (no veto item at zero)."""
    shortfall = float(scale) - target
    weights = [float(leaf.max_points) * rng.uniform(0.4, 1.6) for leaf in leaves]
    spread = sum(weights)
    return [
        _half_points(
            float(leaf.max_points) - min(shortfall * weight / spread, 0.8 * float(leaf.max_points)), leaf.max_points
        )
        for leaf, weight in zip(leaves, weights, strict=True)
    ]


def _second_sheet(rng: random.Random, leaves: list[Indicator], first: list[Decimal]) -> list[Decimal]:
    """A colleague's points, close to the first: within a tenth of each maximum, so well within
    the share beyond which moderation flags an indicator."""
    second = []
    for leaf, points in zip(leaves, first, strict=True):
        maximum = float(leaf.max_points)
        other = _half_points(float(points) + rng.gauss(0, 0.04 * maximum), leaf.max_points)
        second.append(other if abs(other - points) <= Decimal(0.1 * maximum) else points)
    return second


def _far_below(points: Decimal, maximum: Decimal) -> Decimal:
    """A colleague who disagrees: 30% of the maximum lower, beyond the 20% moderation flags."""
    return max(Decimal(0), points - (maximum * Decimal("0.3")).quantize(Decimal(1)))


def _planned_grade(framework: Framework, leaves, finals: list[Decimal]) -> str:
    """The grade the points make (only to plan the demo: the stored totals are moderation's)."""
    total = sum(finals, Decimal(0)).quantize(TENTH, rounding=ROUND_HALF_UP)
    caps = [
        leaf.veto_caps_grade for leaf, points in zip(leaves, finals, strict=True) if leaf.veto_caps_grade and not points
    ]
    return grading.grade_for_total(framework.bands.all(), total, caps)


def _self_assessment(rng: random.Random, framework: Framework, leaves, first: list[Decimal]) -> list[Decimal]:
    """The organization's own points: a little above the assessors', and reaching the grade the
    framework demands of a self-assessment (else the organization could not have applied)."""
    points = [
        _half_points(float(p) + abs(rng.gauss(0, 0.06 * float(leaf.max_points))), leaf.max_points)
        for leaf, p in zip(leaves, first, strict=True)
    ]
    minimum = framework.self_assessment_min_grade
    bands = list(framework.bands.all())
    while minimum and not grading.reaches(grading.grade_for_total(bands, sum(points, Decimal(0))), minimum):
        gaps = [leaf.max_points - p for leaf, p in zip(leaves, points, strict=True)]
        widest = gaps.index(max(gaps))
        points[widest] = leaves[widest].max_points
    return points


def _score_entries(leaves, points: list[Decimal]) -> dict:
    """`services.scoring.save_scores` entries, with the reason for every point taken off."""
    return {
        leaf.pk: {
            "points": str(p),
            "comment": "" if p == leaf.max_points else DEDUCTIONS.get(leaf.code, OTHER_DEDUCTION),
            "evidence_links": "",
        }
        for leaf, p in zip(leaves, points, strict=True)
    }


# --- The finished campaign ------------------------------------------------------------------------

FINISHED_YEAR = 2025
FINISHED_NAME = "2025年度市南区社会组织等级评估"
APPLICATIONS_OPEN, APPLICATIONS_CLOSE = datetime.date(2025, 4, 1), datetime.date(2025, 5, 31)
SCORING_CLOSES = datetime.date(2025, 9, 30)
DECISION_MEETING_ON = datetime.date(2025, 11, 20)
NOTICE_STARTS_ON = datetime.date(2025, 12, 8)
APPEAL_LODGED_ON = datetime.date(2025, 12, 10)
APPEAL_MEETING_ON = datetime.date(2025, 12, 12)
# About seven in ten registered organizations took part, so that with the few left without a
# grade the district stands above its 60% target.
EVALUATED_SHARE = 0.72
GRADE_SHARES = ((Grade.A5, 0.10), (Grade.A4, 0.28), ("", 0.06))  # the rest 3A
# Totals aimed at, well inside the Qingdao bands (5A > 190, 4A > 180, 3A > 160, none below).
TARGET_TOTALS = {Grade.A5: (191.5, 197.5), Grade.A4: (181.5, 189.0), Grade.A3: (162.0, 178.5), "": (146.0, 158.0)}
ACCOUNT_TARGET = (157.0, 159.0)  # the demo account's organization missed 3A narrowly, and appealed
DEMO_ASSESSOR_SHARE = 0.12  # the demo assessor joined the agency in 2025: on few of its cases
RECONCILED_CASES = 5
DISSENT_SHARE = 0.08  # decisions where one member abstained or voted no
PAPER_APPLICATION = "组织报送纸质申请材料，由登记管理机关工作人员录入。"
APPEAL_TEXT = (
    "我会本次评估得分{total}分，距3A等级仅差{gap}分。2025年我会已规范财务管理，聘请会计师事务所完成年度审计，"
    "评估时未能提交审计报告。现补充提交，请求对“3.2 财务管理”一项重新核定得分。"
)
APPEAL_OUTCOME = (
    "经评估委员会复核，评估专家已在实地评估时查阅该会财务账簿，补充的审计报告出具于评估之后，"
    "不改变评估时的财务管理状况，“3.2 财务管理”一项评分有据。复核申请不成立，维持原评估结果。"
)


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _day(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return datetime.date.fromordinal(rng.randint(first.toordinal(), last.toordinal()))


def _campaign_data(**values) -> dict:
    """Every field `create_campaign` wants: the model's defaults, then `values`."""
    return {**{name: Campaign._meta.get_field(name).get_default() for name in CAMPAIGN_FIELDS}, **values}


def _failing_rules(campaign: Campaign, organization: Organization, on: datetime.date) -> list[str]:
    """The eligibility rules switched on that `organization` fails on `on` (`services.eligibility`)."""
    return [
        rule
        for rule in eligibility.rules_switched_on(campaign)
        if not eligibility.RULES[rule][1](campaign, organization, on)[0]
    ]


@dataclass
class CasePlan:
    """One case of the finished campaign, planned before anything is written."""

    organization: Organization
    applicant: object
    applied_on: datetime.date
    target: str  # the grade aimed at
    team: list  # [lead, member]
    sheets: list[list[Decimal]]  # per member of the team, per leaf
    self_points: list[Decimal]
    reconciled: dict[int, Decimal] = field(default_factory=dict)  # leaf index → agreed points


def _plan_sheets(rng, framework, leaves, target_range, grade, disagree: bool):
    """The two assessors' points (and the lead's reconciliation when they disagree on one
    indicator) that make `grade`; drawn again until they do."""
    for _attempt in range(200):
        first = _first_sheet(rng, leaves, framework.scale, rng.uniform(*target_range))
        second = _second_sheet(rng, leaves, first)
        reconciled = {}
        if disagree:
            index = rng.choice([i for i, leaf in enumerate(leaves) if leaf.max_points >= 15])
            maximum = leaves[index].max_points
            second[index] = _far_below(first[index], maximum)
            reconciled[index] = _half_points(float(first[index] + second[index]) / 2 + 0.5, maximum)
        finals = [reconciled.get(i, (a + b) / 2) for i, (a, b) in enumerate(zip(first, second, strict=True))]
        if _planned_grade(framework, leaves, finals) == grade:
            return [first, second], reconciled
    raise RuntimeError(f"demo scores for grade {grade or 'none'} not found: check TARGET_TOTALS")


def _team(rng: random.Random, staff: Staff, organization: Organization) -> list:
    """A lead and a member from the agency, free of conflicts (`services.assignment.conflicts_for`)."""
    probe = Case(organization=organization)
    for _attempt in range(50):
        if rng.random() < DEMO_ASSESSOR_SHARE:
            team = [rng.choice(staff.colleagues), staff.assessor]
        else:
            team = rng.sample(staff.colleagues, 2)
        if not any(assignment.conflicts_for(assessor, probe) for assessor in team):
            return team
    raise RuntimeError(f"no demo assessors free of conflicts for {organization.name}")


def _plan_finished(rng, campaign, framework, staff, district) -> list[CasePlan]:
    """Who took part (eligible on the day they applied), with which grade and which scores."""
    leaves = list(scored_leaves(framework))
    registered = Organization.objects.filter(kind__in=RATED_KINDS, status__in=RATED_STATUSES).count()
    wanted = round(EVALUATED_SHARE * registered)
    account_organization = Organization.objects.get(name=ACCOUNT_ORGANIZATION_NAME, street__code=DEMO_STREET_CODE)
    pool = list(
        Organization.objects.filter(
            registration_authority=district,
            kind__in=campaign.frameworks.values("kind"),
            status__in=RATED_STATUSES,
        )
        .exclude(pk=account_organization.pk)
        .order_by("uscc")
    )
    rng.shuffle(pool)
    taking_part = [(account_organization, _day(rng, APPLICATIONS_OPEN, APPLICATIONS_CLOSE))]
    for organization in pool:
        if len(taking_part) == wanted:
            break
        applied_on = _day(rng, APPLICATIONS_OPEN, APPLICATIONS_CLOSE)
        if not _failing_rules(campaign, organization, applied_on):
            taking_part.append((organization, applied_on))
    counts = {grade: round(share * len(taking_part)) for grade, share in GRADE_SHARES}
    counts[""] -= 1  # the account's organization is one of those without a grade
    targets = [grade for grade, count in counts.items() for _n in range(count)]
    targets += [Grade.A3] * (len(taking_part) - 1 - len(targets))
    rng.shuffle(targets)
    disagreeing = set(rng.sample(range(1, len(taking_part)), RECONCILED_CASES))
    plans = []
    for index, ((organization, applied_on), grade) in enumerate(zip(taking_part, ["", *targets], strict=True)):
        target_range = ACCOUNT_TARGET if index == 0 else TARGET_TOTALS[grade]
        sheets, reconciled = _plan_sheets(rng, framework, leaves, target_range, grade, index in disagreeing)
        plans.append(
            CasePlan(
                organization=organization,
                applicant=staff.org_account if index == 0 else staff.officer,
                applied_on=applied_on,
                target=grade,
                team=_team(rng, staff, organization),
                sheets=sheets,
                self_points=_self_assessment(rng, framework, leaves, sheets[0]),
                reconciled=reconciled,
            )
        )
    return plans


def _validated(rows: list) -> list:
    """Rows checked field by field as a form checks them (choices, digits, bounds) before a bulk
    insert. Relations are left out (each would cost a query, and every one points at a row just
    read or written); the database enforces the constraints."""
    if rows:
        relations = [f.name for f in rows[0]._meta.fields if f.is_relation]
        for row in rows:
            row.clean_fields(exclude=relations)
    return rows


def _insert_dated(model, rows: list, stamp: str) -> None:
    """Insert validated rows in bulk, keeping the demo's dates in `stamp`, a field the model
    stamps with the time of writing (which `bulk_create` also writes onto the objects)."""
    dates = [getattr(row, stamp) for row in rows]
    model.objects.bulk_create(_validated(rows))
    for row, at in zip(rows, dates, strict=True):
        setattr(row, stamp, at)
    model.objects.bulk_update(rows, [stamp], batch_size=500)


@dataclass
class Timeline:
    """When each step of a finished case happened, and who took it."""

    events: list = field(default_factory=list)  # (action, actor, at, reason)

    def add(self, action: str, actor, at: datetime.datetime, reason: str = "") -> None:
        self.events.append((action, actor, at, reason))

    @property
    def moments(self) -> dict[str, datetime.datetime]:
        return {action: at for action, _actor, at, _reason in self.events}


def _finished_campaign(*, rng, district, committee, agency, staff, framework) -> tuple[int, int]:
    """The district's 2025 campaign, finished: returns (cases, grades) created, (0, 0) when it
    is already there."""
    if Campaign.objects.filter(authority=district, year=FINISHED_YEAR, purpose=CampaignPurpose.EVALUATION).exists():
        return 0, 0
    campaign = create_campaign(
        authority=district,
        data=_campaign_data(
            name=FINISHED_NAME,
            year=FINISHED_YEAR,
            committee=committee,
            applications_open_on=APPLICATIONS_OPEN,
            applications_close_on=APPLICATIONS_CLOSE,
            scoring_closes_on=SCORING_CLOSES,
            # Announced in December 2025, before the calendar-year rule took effect on 2026-03-01:
            # the grades run five years from the award, so they are all in force today.
            validity_rule=ValidityRule.FROM_AWARD,
        ),
        frameworks={kind: framework for kind in (OrganizationKind.SOCIAL_GROUP, OrganizationKind.SERVICE_INSTITUTION)},
        actor=staff.officer,
    )
    leaves = list(scored_leaves(framework))
    plans = _plan_finished(rng, campaign, framework, staff, district)

    # Applying, assigning and scoring: the cases wait in moderation for their totals.
    case_rows = [
        Case(
            campaign=campaign,
            organization=plan.organization,
            framework=framework,
            state=CaseState.MODERATION,
            applicant=plan.applicant,
            agency=agency,
            self_assessment_total=sum(plan.self_points, Decimal(0)),
            submitted_at=_at(plan.applied_on, rng.randint(9, 16), rng.randint(0, 59)),
        )
        for plan in plans
    ]
    Case.objects.bulk_create(_validated(case_rows))
    SelfAssessment.objects.bulk_create(
        _validated(
            [
                SelfAssessment(case=case, indicator=leaf, points=points)
                for case, plan in zip(case_rows, plans, strict=True)
                for leaf, points in zip(leaves, plan.self_points, strict=True)
            ]
        )
    )
    timelines, assignments = [], []
    for case, plan in zip(case_rows, plans, strict=True):
        timeline = Timeline()
        timeline.add(
            CaseAction.SUBMIT,
            plan.applicant,
            case.submitted_at,
            "" if plan.applicant == staff.org_account else PAPER_APPLICATION,
        )
        timeline.add(
            CaseAction.CONFIRM_ELIGIBLE,
            staff.officer,
            _at(_day(rng, datetime.date(2025, 6, 2), datetime.date(2025, 6, 13)), 10),
        )
        timeline.add(CaseAction.ALLOCATE, staff.officer, _at(datetime.date(2025, 6, 16), 9, rng.randint(0, 59)))
        assigned_at = _at(_day(rng, datetime.date(2025, 6, 17), datetime.date(2025, 6, 27)), 14, rng.randint(0, 59))
        timeline.add(CaseAction.ASSIGN, staff.manager, assigned_at)
        visit = _day(rng, datetime.date(2025, 7, 1), datetime.date(2025, 9, 19))
        submitted = [
            _at(visit + datetime.timedelta(days=rng.randint(1, 10)), rng.randint(9, 20)) for _member in plan.team
        ]
        for member, (assessor, at) in enumerate(zip(plan.team, submitted, strict=True)):
            assignments.append(
                Assignment(
                    case=case,
                    assessor=assessor,
                    is_lead=member == 0,
                    assigned_by=staff.manager,
                    assigned_at=assigned_at,
                    visit_date=visit,
                    submitted_at=at,
                )
            )
        timeline.add(
            CaseAction.COMPLETE_SCORING,
            plan.team[0],
            _at(timezone.localdate(max(submitted)) + datetime.timedelta(days=rng.randint(1, 3)), rng.randint(9, 17)),
        )
        timeline.add(
            CaseAction.MODERATE,
            plan.team[0],
            _at(_day(rng, datetime.date(2025, 10, 9), datetime.date(2025, 10, 24)), 15),
        )
        timelines.append(timeline)
    _insert_dated(Assignment, assignments, "assigned_at")
    by_case = {}
    for row in assignments:
        by_case.setdefault(row.case_id, []).append(row)
    scores, reconciliations = [], []
    for case, plan, timeline in zip(case_rows, plans, timelines, strict=True):
        for row, sheet in zip(by_case[case.pk], plan.sheets, strict=True):
            scores += [
                Score(
                    assignment=row,
                    indicator=leaf,
                    points=points,
                    comment="" if points == leaf.max_points else DEDUCTIONS.get(leaf.code, OTHER_DEDUCTION),
                )
                for leaf, points in zip(leaves, sheet, strict=True)
            ]
        reconciliations += [
            Reconciliation(
                case=case,
                indicator=leaves[index],
                points=points,
                comment=RECONCILIATION_COMMENT.format(points=applying.format_points(points)),
                by=plan.team[0],
                at=timeline.moments[CaseAction.MODERATE],
            )
            for index, points in plan.reconciled.items()
        ]
    Score.objects.bulk_create(_validated(scores))
    _insert_dated(Reconciliation, reconciliations, "at")

    # Moderation computes every total and proposed grade of the campaign at once.
    moderation.compute_campaign_totals(campaign)
    proposed = dict(Case.objects.filter(campaign=campaign).values_list("pk", "proposed_grade"))
    if [proposed[case.pk] for case in case_rows] != [plan.target for plan in plans]:
        raise RuntimeError("the demo's planned grades and moderation's proposed grades differ")

    # The committee decides every case at one meeting; one member is away.
    meeting = record_meeting(
        campaign=campaign,
        held_on=DECISION_MEETING_ON,
        attendees=staff.members[:-1],
        actor=staff.officer,
        notes="审议评估机构报送的2025年度评估结果，逐一表决评估等级。",
    )
    decisions, votes = [], []
    for index, (case, timeline) in enumerate(zip(case_rows, timelines, strict=True)):
        ballot = dict.fromkeys(staff.members[:-1], Vote.YES)
        if rng.random() < DISSENT_SHARE:
            ballot[rng.choice(staff.members[1:-1])] = rng.choice([Vote.ABSTAIN, Vote.NO])
        decided_at = _at(DECISION_MEETING_ON, 14) + datetime.timedelta(minutes=index)
        decision = CaseDecision(
            case=case,
            meeting=meeting,
            grade=proposed[case.pk],
            passed=passes(sum(vote == Vote.YES for vote in ballot.values()), meeting.members_total),
            at=decided_at,
        )
        decisions.append(decision)
        votes += [CaseVote(decision=decision, member=member, vote=vote) for member, vote in ballot.items()]
        timeline.add(CaseAction.DECIDE, staff.officer, decided_at)
    _insert_dated(CaseDecision, decisions, "at")
    CaseVote.objects.bulk_create(_validated(votes))

    # The notice, and the appeal of the demo account's organization, decided during it.
    notice = Notice(
        campaign=campaign,
        starts_on=NOTICE_STARTS_ON,
        ends_on=notices.notice_ends_on(campaign, NOTICE_STARTS_ON),
        published_by=staff.officer,
    )
    notice.full_clean()
    notice.save()
    Notice.objects.filter(pk=notice.pk).update(published_at=_at(NOTICE_STARTS_ON, 9))
    for timeline in timelines:
        timeline.add(CaseAction.PUBLISH, staff.officer, _at(NOTICE_STARTS_ON, 9))
    _appeal(case_rows[0], proposed[case_rows[0].pk], staff, campaign)
    # The daily job finalizes the night after the notice ends; the grades date from its last day.
    finalized_on = notice.ends_on + datetime.timedelta(days=1)
    for timeline in timelines:
        timeline.add(CaseAction.FINALIZE, None, _at(finalized_on, 1))

    # Each case's timeline, walked along the state machine, and the case as it ends.
    events = []
    for case, timeline in zip(case_rows, timelines, strict=True):
        state = CaseState.DRAFT
        for action, actor, at, reason in timeline.events:
            to_state = cases.TRANSITIONS[(state, action)].to_state
            events.append(
                CaseEvent(
                    case=case, action=action, from_state=state, to_state=to_state, actor=actor, reason=reason, at=at
                )
            )
            state = to_state
        case.state, case.decided_grade = state, proposed[case.pk]
        case.created_at = case.submitted_at - datetime.timedelta(days=rng.randint(0, 12))
        case.last_action_at = timeline.moments[CaseAction.FINALIZE]
    _insert_dated(CaseEvent, events, "at")
    # The insert stamped the cases and scores with the time of loading: the demo's dates instead.
    Case.objects.bulk_update(case_rows, ["state", "decided_grade", "created_at", "last_action_at"])
    Score.objects.filter(assignment__case__campaign=campaign).update(
        updated_at=Subquery(Assignment.objects.filter(pk=OuterRef("assignment_id")).values("submitted_at"))
    )

    awarded = 0
    for case in case_rows:
        awarded += grades.award_grade(case, on=notice.ends_on) is not None
    return len(case_rows), awarded


def _appeal(case: Case, grade: str, staff: Staff, campaign: Campaign) -> Appeal:
    """The demo account's organization appeals its result during the notice; the committee
    meets and dismisses it, keeping `grade`, with the outcome published on the notice page."""
    total = Case.objects.values_list("total", flat=True).get(pk=case.pk)
    floor = case.framework.bands.get(grade=Grade.A3).min_score
    appeal = Appeal(
        case=case,
        kind=AppealKind.APPEAL,
        lodged_by=staff.org_account,
        text=APPEAL_TEXT.format(total=applying.format_points(total), gap=applying.format_points(floor - total)),
        state=AppealState.DISMISSED,
        outcome=APPEAL_OUTCOME,
        decided_at=_at(APPEAL_MEETING_ON, 16),
    )
    appeal.full_clean()
    appeal.save()
    Appeal.objects.filter(pk=appeal.pk).update(lodged_at=_at(APPEAL_LODGED_ON, 10, 20))
    meeting = record_meeting(
        campaign=campaign,
        held_on=APPEAL_MEETING_ON,
        attendees=staff.members,
        actor=staff.officer,
        notes="审议公示期间收到的复核申请。",
    )
    ballot = dict.fromkeys(staff.members, Vote.YES)
    ballot[staff.members[-1]] = Vote.ABSTAIN
    decision = CaseDecision(
        case=case,
        meeting=meeting,
        appeal=appeal,
        grade=grade,
        passed=passes(sum(vote == Vote.YES for vote in ballot.values()), meeting.members_total),
    )
    decision.full_clean()
    decision.save()
    CaseDecision.objects.filter(pk=decision.pk).update(at=_at(APPEAL_MEETING_ON, 15, 30))
    CaseVote.objects.bulk_create(_validated([CaseVote(decision=decision, member=m, vote=v) for m, v in ballot.items()]))
    return appeal


# --- This year's campaign, in its scoring phase -------------------------------------------------

OPEN_FOR = (datetime.timedelta(days=45), datetime.timedelta(days=30))  # applications: before and after today
SCORING_LEFT = datetime.timedelta(days=60)
CURRENT_TARGETS = (163.0, 196.0)
# What an officer records when accepting a failed check (the demo expects the annual report one).
OVERRIDE_REASONS = {
    EligibilityRule.ANNUAL_REPORT: "该组织已按年度报告检查意见完成整改，经登记管理机关复查合格，同意参加本年度评估。",
    EligibilityRule.YEARS_REGISTERED: "该组织由原登记的同名组织分立设立，连续开展活动已满规定年限，同意参加评估。",
    EligibilityRule.CREDIT_LISTS: "列入名录的情形已消除，移出手续正在办理，同意参加评估。",
    EligibilityRule.PENALTIES: "行政处罚已执行完毕，经集体研究同意参加评估。",
    EligibilityRule.GRADE_STATUS: "原等级将于评估结果公布前到期，同意重新申请。",
}
PARTLY_SCORED = 6  # indicators the demo assessor has scored so far on the case they lead


def _account_for(organization: Organization):
    """An account of a demo applicant (the person is its legal representative)."""
    name = organization.legal_representative
    person = Person(f"org_{organization.uscc.lower()}", name[:1], name[1:])
    user, created = _extra_user(person)
    if created:
        link_organization_account(user=user, organization=organization)
    return user, created


def _current_applicants(rng, campaign, district, today, account_organization) -> list[Organization]:
    """Six applicants: the demo account's organization first, then organizations without a grade
    in force, eligible today, one of which failed last year's annual report (an officer accepts
    it once rectified) when there is one."""
    pool = list(
        Organization.objects.filter(
            registration_authority=district,
            kind__in=campaign.frameworks.values("kind"),
            status=OrganizationStatus.ACTIVE,
        )
        .exclude(pk__in=grades_in_force(today).values("organization"))
        .exclude(pk=account_organization.pk)
        .order_by("uscc")
    )
    rng.shuffle(pool)
    eligible, rectified = [], None
    for organization in pool:
        failing = _failing_rules(campaign, organization, today)
        if not failing and len(eligible) < 5:
            eligible.append(organization)
        elif failing == [EligibilityRule.ANNUAL_REPORT] and rectified is None:
            rectified = organization
        if len(eligible) == 5 and rectified is not None:
            break
    if rectified is not None:
        eligible[1] = rectified
    return [account_organization, *eligible]


def _current_campaign(*, rng, today, district, committee, agency, staff, framework) -> tuple[int, int]:
    """This year's campaign, open for applications and scoring today, made through the services:
    six cases, from one waiting for the officer to one in moderation. Returns (cases, accounts)
    created, (0, 0) when the campaign is already there."""
    if Campaign.objects.filter(authority=district, year=today.year, purpose=CampaignPurpose.EVALUATION).exists():
        return 0, 0
    campaign = create_campaign(
        authority=district,
        data=_campaign_data(
            name=f"{today.year}年度市南区社会组织等级评估",
            year=today.year,
            committee=committee,
            applications_open_on=today - OPEN_FOR[0],
            applications_close_on=today + OPEN_FOR[1],
            scoring_closes_on=today + SCORING_LEFT,
            validity_rule=ValidityRule.CALENDAR_YEARS,
        ),
        frameworks={kind: framework for kind in (OrganizationKind.SOCIAL_GROUP, OrganizationKind.SERVICE_INSTITUTION)},
        actor=staff.officer,
    )
    leaves = list(scored_leaves(framework))
    account_organization = Organization.objects.get(name=ACCOUNT_ORGANIZATION_NAME, street__code=DEMO_STREET_CODE)
    accounts = 0
    made = []
    for organization in _current_applicants(rng, campaign, district, today, account_organization):
        if organization == account_organization:
            account = staff.org_account
        else:
            account, created = _account_for(organization)
            accounts += created
        case = applying.start_case(campaign=campaign, organization=organization, actor=account, today=today)
        sheet = _first_sheet(rng, leaves, framework.scale, rng.uniform(*CURRENT_TARGETS))
        points = _self_assessment(rng, framework, leaves, sheet)
        applying.save_self_assessment(
            case=case, actor=account, entries={leaf.pk: (p, "") for leaf, p in zip(leaves, points, strict=True)}
        )
        made.append((cases.act_on_case(case=case, action=CaseAction.SUBMIT, actor=account), sheet))
    (own, own_sheet), (led, led_sheet), (fresh, _), (moderated, moderated_sheet) = made[:4]
    # The officer accepts what needs accepting, confirms and allocates all but the last.
    for case, _sheet in made[:-1]:
        for check in case.eligibility_checks.all():
            if not check.satisfied:
                eligibility.override_check(check=check, actor=staff.officer, reason=OVERRIDE_REASONS[check.rule])
        cases.act_on_case(case=case, action=CaseAction.CONFIRM_ELIGIBLE, actor=staff.officer)
        cases.act_on_case(case=case, action=CaseAction.ALLOCATE, actor=staff.officer, extra={"agency": agency})
    # The manager assigns four teams and leaves one case to assign: the demo assessor leads three
    # and is a member of the fourth.
    song, xue, shao = staff.colleagues
    teams = {
        own: (staff.assessor, song),
        led: (xue, staff.assessor),
        fresh: (staff.assessor, shao),
        moderated: (staff.assessor, song),
    }
    for case, (lead, member) in teams.items():
        assignment.assign_team(case=case, actor=staff.manager, assessors=[lead, member], lead=lead)
    visit = today - datetime.timedelta(days=3)

    def sheet_of(case, assessor):
        return Assignment.objects.get(case=case, assessor=assessor)

    # The demo assessor's own case, half scored and saved.
    scoring.save_scores(
        assignment=sheet_of(own, staff.assessor),
        actor=staff.assessor,
        entries=dict(list(_score_entries(leaves, own_sheet).items())[:PARTLY_SCORED]),
        visit_date=visit,
    )
    # The colleague who leads the case has submitted; the demo assessor has yet to score it.
    _submit(sheet_of(led, xue), xue, _score_entries(leaves, led_sheet), visit)
    # Both have submitted and the demo assessor, as lead, has closed scoring: in moderation, one
    # indicator waits for the lead's reconciliation.
    other = _second_sheet(rng, leaves, moderated_sheet)
    widest = max(range(len(leaves)), key=lambda i: leaves[i].max_points)
    other[widest] = _far_below(moderated_sheet[widest], leaves[widest].max_points)
    _submit(sheet_of(moderated, staff.assessor), staff.assessor, _score_entries(leaves, moderated_sheet), visit)
    _submit(sheet_of(moderated, song), song, _score_entries(leaves, other), visit)
    scoring.complete_scoring(moderated, staff.assessor)
    return len(made), accounts


def _submit(assignment_row: Assignment, assessor, entries: dict, visit: datetime.date) -> None:
    scoring.save_scores(assignment=assignment_row, actor=assessor, entries=entries, visit_date=visit)
    scoring.submit_scores(assignment=assignment_row, actor=assessor)


# --- All of it ----------------------------------------------------------------------------------


def create_demo_evaluations(
    *, seed: int, district: AdministrativeUnit, agency: Agency, committee: Committee, today: datetime.date
) -> dict[str, int]:
    """The demo's evaluation, after the demo users exist; returns how many of each thing were
    created (all zero on a second run: campaigns are looked up by authority and year, frameworks
    by content, people by username)."""
    frameworks, frameworks_created = load_bundled_frameworks()
    staff = _staff(agency, committee)
    qingdao = frameworks["qingdao-200"]
    # One generator per campaign, so that the current one is the same whether or not the
    # finished one was loaded in the same run.
    finished_cases, awarded = _finished_campaign(
        rng=demo_random(seed, "evaluation"),
        district=district,
        committee=committee,
        agency=agency,
        staff=staff,
        framework=qingdao,
    )
    # The finished campaign's certificates, issued on the day of the award (none on a second run).
    # The district's venture-philanthropy calls have campaigns of their own years too.
    finished = Campaign.objects.get(authority=district, year=FINISHED_YEAR, purpose=CampaignPurpose.EVALUATION)
    certified = sum(
        certificates.issue_certificate(grade_record=grade, actor=staff.officer, on=grade.awarded_on, render_pdf=False)
        is not None
        for grade in certificates.certificates_to_issue(finished)
    )
    current_cases, accounts = _current_campaign(
        rng=demo_random(seed, "evaluation-current"),
        today=today,
        district=district,
        committee=committee,
        agency=agency,
        staff=staff,
        framework=qingdao,
    )
    return {
        "evaluation_frameworks": frameworks_created,
        "evaluation_users": staff.created + accounts,
        "evaluation_cases": finished_cases + current_cases,
        "evaluation_grades": awarded,
        "evaluation_certificates": certified,
    }
