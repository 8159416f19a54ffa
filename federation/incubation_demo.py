"""Demo support centres and incubation records (DESIGN.md section 8), built through
`federation.incubation` so they obey the same rules as real records: a centre in four streets,
湛山街道's run by the demo street officer and federation staff, with groups at every stage and the
services given to them. One graduated group of 湛山 has not gone on to a filing yet, so the demo
federation staff can try that step (the demo organization account is a site account to name).

Fixed plans with dates counted back from `today`; what already exists is left alone (a centre by
its street, a record by its centre and group name), so a second run creates nothing.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from registry.models import AdministrativeUnit

from .enums import IncubationServiceKind as Service
from .enums import IncubationStage as Stage
from .incubation import apply_for_incubation, move_incubation, open_support_centre, record_service
from .models import Incubation, SupportCentre

ZHANSHAN = "370202010"


@dataclass(frozen=True)
class CentrePlan:
    street_code: str
    name: str
    address: str
    opened_on: datetime.date
    contact_phone: str


@dataclass(frozen=True)
class GroupPlan:
    street_code: str
    group_name: str
    community: str
    contact_person: str
    contact_phone: str
    activities: str
    stage: str
    mentor: str = ""
    started_days_ago: int = 0  # the start of incubation, counted back from today
    ended_days_ago: int = 0
    note: str = ""
    services: tuple[tuple[str, int, str], ...] = ()  # (kind, days ago, note)


CENTRES = (
    CentrePlan(
        "370202001",
        "香港中路街道社区社会组织服务中心",
        "青岛市市南区江西路66号",
        datetime.date(2021, 5, 18),
        "0532-85871201",
    ),
    CentrePlan(
        "370202005",
        "中山路街道社区社会组织服务中心",
        "青岛市市南区四方路30号",
        datetime.date(2022, 3, 1),
        "0532-82861302",
    ),
    CentrePlan(
        "370202009",
        "八大关街道社区社会组织服务中心",
        "青岛市市南区韶关路12号",
        datetime.date(2021, 9, 6),
        "0532-83871403",
    ),
    CentrePlan(
        ZHANSHAN,
        "湛山街道社区社会组织服务中心",
        "青岛市市南区湛山二路8号",
        datetime.date(2020, 10, 12),
        "0532-83891504",
    ),
)

GROUPS = (
    GroupPlan(
        ZHANSHAN,
        "盐城路社区银发合唱队",
        "盐城路社区",
        "王秀兰",
        "13805320101",
        "组织社区老年人合唱排练，参加社区文艺演出。",
        Stage.GRADUATED,
        mentor="刘婷（社会工作师）",
        started_days_ago=400,
        ended_days_ago=30,
        note="完成一年孵化，章程和成员名单已齐备，可以申请备案。",
        services=(
            (Service.SPACE, 390, "每周二上午使用中心多功能厅排练"),
            (Service.TRAINING, 300, "社区社会组织负责人培训班"),
            (Service.COACHING, 120, "重阳节社区演出活动方案辅导"),
        ),
    ),
    GroupPlan(
        ZHANSHAN,
        "仰口路社区四点半课堂",
        "仰口路社区",
        "陈静",
        "13805320102",
        "为双职工家庭的小学生提供放学后看护和作业辅导。",
        Stage.INCUBATING,
        mentor="孙浩（中心项目主管）",
        started_days_ago=150,
        services=(
            (Service.SPACE, 140, "中心二楼活动室，工作日下午"),
            (Service.TRAINING, 60, "志愿者儿童安全培训"),
        ),
    ),
    GroupPlan(
        ZHANSHAN,
        "湛山社区邻里书屋",
        "湛山社区",
        "赵立新",
        "13805320103",
        "开展邻里图书漂流和周末亲子阅读活动。",
        Stage.APPLIED,
    ),
    GroupPlan(
        ZHANSHAN,
        "盐城路社区手工编织社",
        "盐城路社区",
        "李凤英",
        "13805320104",
        "组织居民编织义卖，所得用于帮扶困难老人。",
        Stage.WITHDRAWN,
        mentor="刘婷（社会工作师）",
        started_days_ago=320,
        ended_days_ago=200,
        note="骨干成员搬离社区，团队暂停活动，本人申请退出孵化。",
        services=((Service.SPACE, 300, "每月两次使用中心手工坊"),),
    ),
    GroupPlan(
        "370202009",
        "汇泉社区海岸清洁志愿队",
        "汇泉社区",
        "周海燕",
        "13805320105",
        "组织居民定期清理汇泉湾沿岸垃圾，开展海洋环保宣传。",
        Stage.INCUBATING,
        mentor="马骏（区志愿服务联合会）",
        started_days_ago=90,
        services=((Service.COACHING, 45, "志愿服务项目设计辅导"),),
    ),
    GroupPlan(
        "370202009",
        "太平角社区文明劝导队",
        "太平角社区",
        "吴建国",
        "13805320106",
        "在景区周边开展文明旅游劝导。",
        Stage.GRADUATED,
        mentor="马骏（区志愿服务联合会）",
        started_days_ago=500,
        ended_days_ago=140,
        note="孵化期满，活动稳定，准备申请备案。",
        services=((Service.TRAINING, 450, "志愿者文明劝导培训"),),
    ),
    GroupPlan(
        "370202001",
        "江西路社区助老送餐队",
        "江西路社区",
        "郑淑华",
        "13805320107",
        "为社区高龄独居老人送餐并陪伴聊天。",
        Stage.INCUBATING,
        mentor="高敏（社会工作师）",
        started_days_ago=200,
        services=(
            (Service.SPACE, 190, "中心厨房协作空间"),
            (Service.TRAINING, 100, "食品安全培训"),
        ),
    ),
    GroupPlan(
        "370202001",
        "闽江路社区科普小组",
        "闽江路社区",
        "钱伟",
        "13805320108",
        "面向青少年开展周末科普实验活动。",
        Stage.APPLIED,
    ),
    GroupPlan(
        "370202005",
        "四方路社区老街故事会",
        "四方路社区",
        "冯玉梅",
        "13805320109",
        "整理和讲述老街历史，组织社区口述史活动。",
        Stage.APPLIED,
    ),
)


def _actors() -> dict[str, object]:
    """湛山街道's centre is opened by its street officer and its records kept by its federation staff;
    elsewhere the superuser acts, since the demo has officers and staff of 湛山街道 only."""
    return get_user_model().objects.in_bulk(["admin", "street_officer", "federation_staff"], field_name="username")


def _open_centres(streets: dict[str, AdministrativeUnit], actors: dict[str, object]) -> int:
    existing = set(SupportCentre.objects.filter(street__in=streets.values()).values_list("street__code", flat=True))
    opened = 0
    for plan in CENTRES:
        if plan.street_code in existing or plan.street_code not in streets:
            continue
        open_support_centre(
            street=streets[plan.street_code],
            name=plan.name,
            address=plan.address,
            opened_on=plan.opened_on,
            contact_phone=plan.contact_phone,
            actor=actors["street_officer" if plan.street_code == ZHANSHAN else "admin"],
        )
        opened += 1
    return opened


def _incubate(plan: GroupPlan, centre: SupportCentre, actor, today: datetime.date) -> None:
    community = AdministrativeUnit.objects.get(name=plan.community, path__startswith=centre.street.path)
    incubation = apply_for_incubation(
        centre=centre,
        group_name=plan.group_name,
        community=community,
        contact_person=plan.contact_person,
        contact_phone=plan.contact_phone,
        activities=plan.activities,
        actor=actor,
    )
    if plan.stage == Stage.APPLIED:
        return
    days = datetime.timedelta
    incubation = move_incubation(
        incubation=incubation,
        to_stage=Stage.INCUBATING,
        actor=actor,
        mentor=plan.mentor,
        on=today - days(plan.started_days_ago),
        note="经中心评估，同意入驻孵化。",
    )
    for kind, days_ago, note in plan.services:
        record_service(incubation=incubation, kind=kind, provided_on=today - days(days_ago), note=note, actor=actor)
    if plan.stage in (Stage.GRADUATED, Stage.WITHDRAWN):
        move_incubation(
            incubation=incubation,
            to_stage=plan.stage,
            actor=actor,
            note=plan.note,
            on=today - days(plan.ended_days_ago),
        )


def create_demo_incubations(*, today: datetime.date) -> int:
    """Centres and incubation records of the plan that are missing; returns how many things were
    created (centres and records), 0 on a second run."""
    codes = {plan.street_code for plan in CENTRES}
    streets = {unit.code: unit for unit in AdministrativeUnit.objects.filter(code__in=codes)}
    actors = _actors()
    created = _open_centres(streets, actors)
    centres = {centre.street.code: centre for centre in SupportCentre.objects.select_related("street")}
    existing = set(Incubation.objects.values_list("centre__street__code", "group_name"))
    for plan in GROUPS:
        centre = centres.get(plan.street_code)
        if centre is None or (plan.street_code, plan.group_name) in existing:
            continue
        _incubate(plan, centre, actors["federation_staff" if plan.street_code == ZHANSHAN else "admin"], today)
        created += 1
    return created
