"""Synthetic data at scale (`manage.py generate_scale_data`): a realistic administrative tree and as
many organizations as asked for, with the rows the registry and evaluation keep about them, written
in bulk so that a million organizations take minutes.

Three stages, as in `registry.demo`:

- *Plan* (pure, seeded): the tree (`ScalePlan`), then one `OrganizationPlan` after another. Nothing
  here reads the database or depends on the batch size, so a seed always gives the same plan.
- *Derive* (pure, optionally in worker processes): each organization is checked as a form checks it
  and gets its directory search fields from `registry.services.organizations.refresh_search_fields`,
  the service's own function. Pinyin is the slow part (about 1 ms an organization), hence workers.
- *Write* (bulk, one transaction for the whole run): one function per table family
  (`write_tree`, `write_organizations`, `write_activity_fields`, `write_changes`,
  `write_annual_reports`, `write_credit_listings`, `prepare_evaluation`, `write_evaluations`).
  Families other than the tree and the organizations draw from their own seeded generators, in
  organization order, so they too are the same for a seed whatever the batch size.

Safety: generated units carry division codes 91xxxx-99xxxx, which GB/T 2260 never assigns, so they
cannot collide with real units, and every credit code (which embeds its authority's division code)
is outside the real range too. A database that already holds organizations is refused unless the
caller appends on purpose (`append=True`); appended data starts after the synthetic cities already
there, with generators seeded by that starting point as well.
"""

import contextlib
import datetime
import functools
import itertools
import math
import multiprocessing
import os
import random
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.db import connection, connections, reset_queries, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from stdnum.cn import uscc

from evaluation import signing
from evaluation.enums import CaseState, ValidityRule
from evaluation.management.commands.load_frameworks import DEFAULT_FILES
from evaluation.models import (
    Campaign,
    CampaignFramework,
    Case,
    Certificate,
    Committee,
    Framework,
    OrganizationGrade,
)
from evaluation.services import certificates, grading
from evaluation.services.frameworks import import_framework_file
from registry import demo as registry_demo
from registry import demo_themes as themes
from registry import search as registry_search
from registry.enums import (
    USCC_CIVIL_AFFAIRS,
    USCC_KIND_CHARACTER,
    AnnualReportState,
    ApplicationKind,
    Category,
    CreditList,
    FieldOfActivity,
    ListingCause,
    OrganizationKind,
    OrganizationStatus,
    UnitLevel,
)
from registry.models import (
    ActivityField,
    AdministrativeUnit,
    AnnualReport,
    CreditListing,
    NumberSequence,
    Organization,
    OrganizationChange,
)
from registry.personal_data import masked
from registry.selectors.annual_reports import grace_period_end, must_report, reporting_window
from registry.services.applications import SOURCE as APPLICATION_SOURCE
from registry.services.credit import CREDIT_SOURCE, _missed_report_details
from registry.services.organizations import PRIVATE_FIELDS, refresh_search_fields
from registry.views.organizations import ADMIN_SOURCE

Kind = OrganizationKind
Status = OrganizationStatus

# --- Shape of the data ----------------------------------------------------------------------------

# Synthetic division codes: province part 91-99 (never assigned by GB/T 2260), 99 cities each.
SYNTHETIC_PROVINCES = range(91, 100)
CITIES_PER_PROVINCE = 99
MAX_CITIES = len(SYNTHETIC_PROVINCES) * CITIES_PER_PROVINCE
# About the density of 市南区 (576 organizations in some 50 communities).
ORGANIZATIONS_PER_COMMUNITY = 12
COMMUNITY_WEIGHT = (0.5, 1.5)  # communities differ in size around the mean
DISTRICTS_PER_CITY = (6, 12)
STREETS_PER_DISTRICT = (8, 16)
COMMUNITIES_PER_STREET = (6, 14)

# Kinds as in 市南区 (56 social groups, 155 service institutions, 365 community groups) plus a few
# foundations, registered by the city (DESIGN.md section 4).
KIND_WEIGHTS = {
    Kind.COMMUNITY_GROUP: 0.62,
    Kind.SERVICE_INSTITUTION: 0.26,
    Kind.SOCIAL_GROUP: 0.11,
    Kind.FOUNDATION: 0.01,
}
KINDS = list(KIND_WEIGHTS)
KIND_CUM_WEIGHTS = list(itertools.accumulate(KIND_WEIGHTS.values()))
CITY_REGISTERED_SHARE = 0.05
OTHER_CATEGORY_SHARE = 0.15  # outside direct registration: with a supervising unit
ABNORMAL_SHARE = 0.04
DEREGISTERED_SHARE = 0.05
LAPSED_SHARE = 0.05
REGISTERED_SINCE = datetime.date(1995, 1, 1)
FILED_SINCE = datetime.date(2012, 1, 1)

CHANGED_SHARE = {True: 0.35, False: 0.15}  # registered / filed organizations with changed facts
CHANGEABLE = {
    True: ("address", "legal_representative", "public_phone", "legal_representative_phone", "member_count"),
    False: ("address", "legal_representative", "legal_representative_phone"),
}

EVALUATION_YEARS = 6  # campaigns of the last six years: grades of the oldest have expired
EVALUATED_SHARE = 0.35  # of registered organizations in good standing
YEARS_REGISTERED_BEFORE_EVALUATION = 2
CERTIFIED_SHARE = 0.95  # of grades reaching the threshold: the rest are still to be issued
CALENDAR_RULE_FROM = datetime.date(2026, 3, 1)  # DESIGN.md section 9
TOTAL_MEAN, TOTAL_SPREAD, TOTAL_RANGE = 760.0, 95.0, (420.0, 995.0)  # national-1000 framework
EVALUATION_FRAMEWORK = "national-1000.json"
APPLICANT_USERNAME = "scale-data"

# --- Words ----------------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return list(dict.fromkeys(text.split()))


CITY_HEADS = _words("海 青 云 江 金 临 平 安 东 西 南 北 长 永 泰 新 宁 华 兴 嘉 明 清 锦 瑞 丰")
CITY_TAILS = _words("州 阳 安 城 宁 山 川 江 源 平 丰 林 口 都 和 湖 港 原 庆 昌")
DISTRICT_WORDS = _words(
    "市南 市北 城东 城西 城南 城北 城中 江南 江北 河东 河西 湖滨 海港 新城 高新 滨江 临港 "
    "崂山 黄岛 城阳 李沧 四方 东港 西港 北湖 南湖 开元 永和 龙泉 凤凰 长乐 安泰"
)
# Two-character place words: streets, communities and roads are named after them.
PLACE_WORDS = _words(
    "香港 江西 云霄 闽江 东海 南京 团岛 西藏 瞿塘 巫峡 西陵 云南 邹县 单县 贵州 西康 汶上 中山 四方 "
    "黄岛 天津 北京 湖南 江苏 大学 龙口 黄县 鱼山 齐东 韶关 太平 汇泉 文登 正阳 湛山 盐城 仰口 芝泉 "
    "太湖 天台 高邮 泰州 徐州 延吉 永嘉 金门 仙游 福州 宁夏 漳州 珠海 燕儿 澳门 山海 嘉峪 居庸 紫荆 "
    "武胜 宁武 荣成 威海 烟台 潍坊 淄博 临沂 日照 莱阳 即墨 胶州 平度 莱西 浮山 金湖 银川 长春 吉林 "
    "辽宁 哈密 新疆 青海 甘肃 陕西 山西 河北 河南 湖北 浙江 安徽 福建 广东 广西 海南 四川 昆明 成都 "
    "重庆 武汉 南昌 杭州 苏州 无锡 扬州 镇江 常州 南通 连云 淮安 宿迁 蚌埠 芜湖 合肥 观海 望海 听涛 "
    "观澜 揽月 金沙 银沙 明湖 翠湖 碧湖 镜湖 莲湖 月湖 青山 翠山 秀山 松山 枫山 梅山 桂山 云山 凤山 "
    "龙山 鹤山 象山 永安 长安 安宁 康宁 和平 民主 团结 幸福 光明 新华 建设 解放 胜利 朝阳 东风 红星 "
    "向阳 振兴 繁荣 兴隆 丰收 五四 八一 人民 友谊 文化 育才 书院 学府 文昌 文峰 锦绣 春华 秋实 桃源 "
    "杏林 柳岸 荷塘 竹园 兰亭 菊香 梧桐 银杏 海棠 丁香 紫薇 玉兰 金桂 樱花 石榴 葡萄 枣园 李村 "
    "湘潭 洛阳 开封 大同 太原 济南 德州 聊城 菏泽 枣庄 滨州 东营 泰安 曲阜 蓬莱 龙海 长岛 海阳 乳山"
)
COMMUNITY_SUFFIXES = ("路", "里", "苑", "园", "新村", "花园", "家园", "山庄", "")
COMMUNITY_NAMES = [(word, suffix) for word in PLACE_WORDS for suffix in COMMUNITY_SUFFIXES]
ROAD_SUFFIXES = ("路", "路", "路", "街", "一路", "二路", "支路")

SOCIAL_GROUP_CORES = [
    (theme.name, theme) for theme in [*themes.SOCIAL_GROUP_THEMES, themes.CALLIGRAPHY, themes.ELDERLY_CARE_ASSOCIATION]
]
SERVICE_INSTITUTION_CORES = [
    (brand + theme.name, theme) for pool, theme in themes.SERVICE_INSTITUTION_TYPES for brand in themes.BRANDS[pool]
]
E, ED, H, C, S, SC, CH, L, W = FieldOfActivity.values
FOUNDATION_SCOPE = "接受社会捐赠，资助{purpose}公益项目，开展相关公益活动。"
FOUNDATION_THEMES = [
    themes.Theme(f"{name}基金会", fields, Category.PUBLIC_WELFARE, FOUNDATION_SCOPE.format(purpose=purpose))
    for name, fields, purpose in [
        ("教育发展", (ED,), "教育"),
        ("慈善", (W,), "扶贫济困"),
        ("助老", (E,), "养老服务"),
        ("青少年发展", (CH, ED), "青少年成长"),
        ("文化发展", (C,), "文化事业"),
        ("体育发展", (S,), "群众体育"),
        ("医疗救助", (H,), "医疗救助"),
        ("科技创新", (SC,), "科技创新"),
        ("法律援助", (L,), "法律援助"),
        ("社区发展", (W,), "社区建设"),
        ("见义勇为", (W,), "见义勇为"),
        ("助学", (ED, CH), "助学"),
    ]
]
FOUNDATION_CORES = [(theme.name, theme) for theme in FOUNDATION_THEMES] + [
    (brand + theme.name, theme) for theme in FOUNDATION_THEMES for brand in themes.BRANDS["general"]
]
COMMUNITY_GROUP_CORES = [(theme.name, theme) for theme in themes.COMMUNITY_GROUP_TYPES]

# --- The plan: the tree ---------------------------------------------------------------------------

DEPTH = {UnitLevel.CITY: 1, UnitLevel.DISTRICT: 2, UnitLevel.STREET: 3, UnitLevel.COMMUNITY: 4}


@dataclass(slots=True)
class UnitPlan:
    """One administrative unit with its treebeard columns, computed rather than saved one by one."""

    code: str
    name: str
    level: str
    path: str
    numchild: int = 0

    @property
    def depth(self) -> int:
        return DEPTH[self.level]


@dataclass(slots=True)
class CommunityPlan:
    unit: UnitPlan
    word: str  # the place word it is named after; its roads are too
    size: int = 0  # how many organizations sit there


@dataclass(slots=True)
class StreetPlan:
    unit: UnitPlan
    word: str
    communities: list[CommunityPlan] = field(default_factory=list)


@dataclass(slots=True)
class DistrictPlan:
    unit: UnitPlan
    short: str  # 东湖区 → 东湖
    streets: list[StreetPlan] = field(default_factory=list)


@dataclass(slots=True)
class CityPlan:
    unit: UnitPlan
    short: str
    districts: list[DistrictPlan] = field(default_factory=list)


def city_code(index: int) -> str:
    """The synthetic division code of the index-th generated city (910100, 910200, …, 919900, 920100…)."""
    if index >= MAX_CITIES:
        raise ValueError(f"at most {MAX_CITIES} synthetic cities")
    province = SYNTHETIC_PROVINCES[index // CITIES_PER_PROVINCE]
    return f"{province}{index % CITIES_PER_PROVINCE + 1:02d}00"


def is_synthetic_code(code: str) -> bool:
    return code[:2].isdigit() and int(code[:2]) in SYNTHETIC_PROVINCES


def _child(parent: UnitPlan, number: int, code: str, name: str, level: str) -> UnitPlan:
    parent.numchild += 1
    return UnitPlan(
        code=code, name=name, level=level, path=AdministrativeUnit._get_path(parent.path, parent.depth + 1, number)
    )


@dataclass(frozen=True)
class ScaleSettings:
    """What a plan depends on. `first_city` and `first_root_step` place appended data after what
    the database holds (both 0/1 on an empty tree); `taken_city_names` keeps city names unique."""

    seed: int
    organizations: int
    today: datetime.date
    first_city: int = 0
    first_root_step: int = 1
    taken_city_names: frozenset[str] = frozenset()


def settings_for_database(*, seed: int, organizations: int, today: datetime.date) -> ScaleSettings:
    """Where new synthetic data goes in this database: after its synthetic cities and its roots."""
    synthetic = [
        code
        for code in AdministrativeUnit.objects.filter(level=UnitLevel.CITY).values_list("code", flat=True)
        if is_synthetic_code(code)
    ]
    first_city = 1 + max(
        ((int(code[:2]) - SYNTHETIC_PROVINCES[0]) * CITIES_PER_PROVINCE + int(code[2:4]) - 1 for code in synthetic),
        default=-1,
    )
    last_root = AdministrativeUnit.get_last_root_node()
    return ScaleSettings(
        seed=seed,
        organizations=organizations,
        today=today,
        first_city=first_city,
        first_root_step=AdministrativeUnit._str2int(last_root.path) + 1 if last_root else 1,
        taken_city_names=frozenset(
            AdministrativeUnit.objects.filter(level=UnitLevel.CITY).values_list("name", flat=True)
        ),
    )


class ScalePlan:
    """The generated tree, and the organizations (`organizations()`), for one `ScaleSettings`."""

    def __init__(self, settings: ScaleSettings):
        if settings.organizations < 1:
            raise ValueError("organizations must be at least 1")
        self.settings = settings
        self.today = settings.today
        self.cities = self._plan_tree(self.rng("tree"))
        self._size_communities(self.rng("sizes"))
        self.missed_year = self._missed_year()

    def rng(self, part: str) -> random.Random:
        """One generator per part, seeded by a string (hashed with SHA-512: stable across processes)."""
        return random.Random(f"generate_scale_data:{self.settings.seed}:{self.settings.first_city}:{part}")

    # The tree

    def _plan_tree(self, rng: random.Random) -> list[CityPlan]:
        """Cities of 6-12 districts of 8-16 streets of 6-14 communities, as many as the organizations
        need (`ORGANIZATIONS_PER_COMMUNITY`); the last ones are cut short."""
        left = math.ceil(self.settings.organizations / ORGANIZATIONS_PER_COMMUNITY)
        names = [f"{head}{tail}市" for head in CITY_HEADS for tail in CITY_TAILS]
        names = [name for name in names if name not in self.settings.taken_city_names]
        rng.shuffle(names)
        cities = []
        while left > 0:
            index = len(cities)
            if index >= len(names):
                raise RuntimeError("too many cities for the name pool")
            code = city_code(self.settings.first_city + index)
            path = AdministrativeUnit._get_path(None, 1, self.settings.first_root_step + index)
            city = CityPlan(UnitPlan(code=code, name=names[index], level=UnitLevel.CITY, path=path), names[index][:-1])
            for number, word in enumerate(rng.sample(DISTRICT_WORDS, rng.randint(*DISTRICTS_PER_CITY)), 1):
                if left > 0:
                    unit = _child(city.unit, number, f"{code[:4]}{number:02d}", f"{word}区", UnitLevel.DISTRICT)
                    city.districts.append(self._plan_district(rng, DistrictPlan(unit, word), left))
                    left -= sum(len(street.communities) for street in city.districts[-1].streets)
            cities.append(city)
        return cities

    @staticmethod
    def _plan_district(rng: random.Random, district: DistrictPlan, left: int) -> DistrictPlan:
        """Streets and communities of a district, at most `left` communities; community names are
        unique within the district (so are the names of the groups filed there)."""
        sizes = [rng.randint(*COMMUNITIES_PER_STREET) for _ in range(rng.randint(*STREETS_PER_DISTRICT))]
        street_words = rng.sample(PLACE_WORDS, len(sizes))
        community_names = iter(rng.sample(COMMUNITY_NAMES, sum(sizes)))
        for number, (street_word, size) in enumerate(zip(street_words, sizes, strict=True), 1):
            if left <= 0:
                break
            code = f"{district.unit.code}{number:03d}"
            street = StreetPlan(
                _child(district.unit, number, code, f"{street_word}街道", UnitLevel.STREET), street_word
            )
            district.streets.append(street)
            for community_number in range(1, min(size, left) + 1):
                word, suffix = next(community_names)
                unit = _child(
                    street.unit,
                    community_number,
                    f"{code}{community_number:03d}",
                    f"{word}{suffix}社区",
                    UnitLevel.COMMUNITY,
                )
                street.communities.append(CommunityPlan(unit, word))
            left -= len(street.communities)
        return district

    def communities(self) -> Iterator[tuple[CityPlan, DistrictPlan, StreetPlan, CommunityPlan]]:
        for city in self.cities:
            for district in city.districts:
                for street in district.streets:
                    for community in street.communities:
                        yield city, district, street, community

    def units(self) -> Iterator[UnitPlan]:
        """Every unit, parents before children (the order they are written in)."""
        for city in self.cities:
            yield city.unit
            for district in city.districts:
                yield district.unit
                for street in district.streets:
                    yield street.unit
                    yield from (community.unit for community in street.communities)

    def _size_communities(self, rng: random.Random) -> None:
        """Share the organizations among the communities by random weights (largest remainder)."""
        communities = [community for *_rest, community in self.communities()]
        weights = [rng.uniform(*COMMUNITY_WEIGHT) for _ in communities]
        total = self.settings.organizations
        weight_sum = sum(weights)
        shares = [total * weight / weight_sum for weight in weights]
        for community, share in zip(communities, shares, strict=True):
            community.size = int(share)
        remainders = sorted(range(len(communities)), key=lambda i: (int(shares[i]) - shares[i], i))
        for i in remainders[: total - sum(community.size for community in communities)]:
            communities[i].size += 1

    def _missed_year(self) -> int | None:
        """The latest year whose report is overdue past the grace period today: abnormal
        organizations are on the list for missing it."""
        years = [year for year in reporting_window(self.today) if grace_period_end(year) < self.today]
        return years[-1] if years else None

    # The organizations

    def organizations(self) -> Iterator["OrganizationPlan"]:
        """Every organization of the plan, community after community. Names are unique within their
        registration authority (and filed groups' within their district)."""
        rng = self.rng("organizations")
        serials: Counter = Counter()
        index = 0
        for city in self.cities:
            city_pools = NamePools()
            for district in city.districts:
                pools, filings = NamePools(), Counter()
                for street in district.streets:
                    for community in street.communities:
                        place = Place(city, district, street, community)
                        community_pool = NamePool(community.unit.name, COMMUNITY_GROUP_CORES)
                        for _n in range(community.size):
                            kind = rng.choices(KINDS, cum_weights=KIND_CUM_WEIGHTS)[0]
                            if kind == Kind.COMMUNITY_GROUP:
                                yield self._community_group(rng, index, place, community_pool, filings)
                            else:
                                yield self._registered(rng, index, kind, place, pools, city_pools, serials)
                            index += 1

    def _registered(self, rng, index, kind, place, pools, city_pools, serials) -> "OrganizationPlan":
        by_city = kind == Kind.FOUNDATION or rng.random() < CITY_REGISTERED_SHARE
        authority = place.city.unit if by_city else place.district.unit
        name, theme = _registered_name(rng, kind, place, pools, city_pools, by_city)
        founded_on = _day(rng, REGISTERED_SINCE, self.today - datetime.timedelta(days=60))
        status, ended_on = self._registered_status(rng, founded_on)
        serials[authority.code, kind] += 1
        category, supervisor, approval = theme.category, "", ""
        if kind != Kind.FOUNDATION and theme.fields[0] in themes.SUPERVISORS and rng.random() < OTHER_CATEGORY_SHARE:
            category = Category.OTHER
            supervisor, abbreviation = _supervisor(theme.fields[0], authority, place)
            approval = f"{abbreviation}〔{founded_on.year}〕{rng.randint(1, 60)}号"
        return OrganizationPlan(
            index=index,
            kind=kind,
            name=name,
            uscc=credit_code(kind, authority.code, serials[authority.code, kind]),
            filing_number=None,
            category=category,
            status=status,
            ended_on=ended_on,
            authority_code=authority.code,
            supervising_unit=supervisor,
            supervising_approval_number=approval,
            street_code=place.street.unit.code,
            community_code=place.community.unit.code,
            address=_address(rng, place),
            founded_on=founded_on,
            registered_capital=_capital(rng, kind),
            business_scope=theme.scope,
            activity_area=authority.name if by_city else f"{place.city.unit.name}{place.district.unit.name}",
            member_count=rng.randint(30, 600) if kind == Kind.SOCIAL_GROUP else None,
            legal_representative=registry_demo.person_name(rng),
            public_phone=registry_demo.office_phone(rng),
            legal_representative_id_number=registry_demo.resident_id(rng),
            legal_representative_phone=registry_demo.mobile_phone(rng),
            activity_codes=theme.fields,
        )

    def _registered_status(self, rng, founded_on: datetime.date) -> tuple[str, datetime.date | None]:
        """Mostly active; a few on the abnormal list (for last year's missing report, so founded in
        time to owe it); a few deregistered at least a year after founding."""
        draw = rng.random()
        if (
            draw < ABNORMAL_SHARE
            and self.missed_year is not None
            and must_report(
                SimpleNamespace(kind=Kind.SOCIAL_GROUP, status=Status.ABNORMAL, founded_on=founded_on), self.missed_year
            )
        ):
            return Status.ABNORMAL, grace_period_end(self.missed_year) + datetime.timedelta(days=1)
        latest_end = self.today - datetime.timedelta(days=1)
        earliest_end = founded_on + datetime.timedelta(days=365)
        if ABNORMAL_SHARE <= draw < ABNORMAL_SHARE + DEREGISTERED_SHARE and earliest_end < latest_end:
            return Status.DEREGISTERED, _day(rng, earliest_end, latest_end)
        return Status.ACTIVE, None

    def _community_group(self, rng, index, place, pool, filings) -> "OrganizationPlan":
        core = pool.draw(rng)
        if core is None:
            raise RuntimeError(f"name pool of {place.community.unit.name} exhausted")
        name, theme = core
        founded_on = _day(rng, FILED_SINCE, self.today - datetime.timedelta(days=30))
        status, ended_on = Status.FILED, None
        if rng.random() < LAPSED_SHARE and founded_on + datetime.timedelta(days=365) < self.today:
            status, ended_on = Status.LAPSED, _day(rng, founded_on + datetime.timedelta(days=365), self.today)
        filings[founded_on.year] += 1
        prefix = f"{place.city.short}{place.district.short}"
        return OrganizationPlan(
            index=index,
            kind=Kind.COMMUNITY_GROUP,
            name=name,
            uscc=None,
            filing_number=f"{prefix}备字〔{founded_on.year}〕第{filings[founded_on.year]:04d}号",
            category="",
            status=status,
            ended_on=ended_on,
            authority_code=None,
            supervising_unit="",
            supervising_approval_number="",
            street_code=place.street.unit.code,
            community_code=place.community.unit.code,
            address=_address(rng, place),
            founded_on=founded_on,
            registered_capital=None,
            business_scope=theme.scope,
            activity_area=place.community.unit.name,
            member_count=rng.randint(10, 80),
            legal_representative=registry_demo.person_name(rng),
            public_phone="",
            legal_representative_id_number=registry_demo.resident_id(rng),
            legal_representative_phone=registry_demo.mobile_phone(rng),
            activity_codes=theme.fields,
        )


@dataclass(frozen=True, slots=True)
class Place:
    city: CityPlan
    district: DistrictPlan
    street: StreetPlan
    community: CommunityPlan


@dataclass(slots=True)
class OrganizationPlan:
    """An organization as plain values: its model fields, with units by code."""

    index: int
    kind: str
    name: str
    uscc: str | None
    filing_number: str | None
    category: str
    status: str
    ended_on: datetime.date | None  # abnormal: listed on; deregistered or lapsed: ended on
    authority_code: str | None
    supervising_unit: str
    supervising_approval_number: str
    street_code: str
    community_code: str
    address: str
    founded_on: datetime.date
    registered_capital: Decimal | None
    business_scope: str
    activity_area: str
    member_count: int | None
    legal_representative: str
    public_phone: str
    legal_representative_id_number: str
    legal_representative_phone: str
    activity_codes: tuple[str, ...]

    MODEL_FIELDS = (
        "kind",
        "name",
        "uscc",
        "filing_number",
        "category",
        "status",
        "supervising_unit",
        "supervising_approval_number",
        "address",
        "founded_on",
        "registered_capital",
        "business_scope",
        "activity_area",
        "member_count",
        "legal_representative",
        "public_phone",
        "legal_representative_id_number",
        "legal_representative_phone",
    )

    def model_fields(self) -> dict:
        return {name: getattr(self, name) for name in self.MODEL_FIELDS}

    @property
    def registered(self) -> bool:
        return self.kind != Kind.COMMUNITY_GROUP


class NamePool:
    """Names drawn without replacement: the prefix and one of the cores, each core at most once."""

    def __init__(self, prefix: str, cores: list[tuple[str, themes.Theme]]):
        self.prefix, self._left = prefix, list(cores)

    def draw(self, rng: random.Random) -> tuple[str, themes.Theme] | None:
        if not self._left:
            return None
        i = rng.randrange(len(self._left))
        self._left[i], self._left[-1] = self._left[-1], self._left[i]
        core, theme = self._left.pop()
        return self.prefix + core, theme


class NamePools(dict):
    """Pools by (kind, prefix), made when first drawn from."""

    def draw(self, rng, kind: str, prefix: str, cores) -> tuple[str, themes.Theme] | None:
        if (kind, prefix) not in self:
            self[kind, prefix] = NamePool(prefix, cores)
        return self[kind, prefix].draw(rng)


REGISTERED_CORES = {
    Kind.SOCIAL_GROUP: SOCIAL_GROUP_CORES,
    Kind.SERVICE_INSTITUTION: SERVICE_INSTITUTION_CORES,
    Kind.FOUNDATION: FOUNDATION_CORES,
}


def _registered_name(rng, kind, place: Place, pools, city_pools, by_city: bool) -> tuple[str, themes.Theme]:
    """湛山街道老年书画研究会, 东湖区乐龄养老服务中心, 海州市阳光慈善基金会: a prefix (the authority's
    area, or the street's) and a core, unique within the registration authority."""
    cores = REGISTERED_CORES[kind]
    district_prefix = place.district.unit.name
    street_prefix = place.street.unit.name if kind == Kind.SOCIAL_GROUP else place.street.word
    if by_city:
        choices = [(city_pools, place.city.unit.name), (city_pools, place.city.unit.name + district_prefix)]
    elif rng.random() < 0.5:
        choices = [(pools, district_prefix), (pools, street_prefix)]
    else:
        choices = [(pools, street_prefix), (pools, district_prefix)]
    for chosen_pools, prefix in choices:
        drawn = chosen_pools.draw(rng, kind, prefix, cores)
        if drawn is not None:
            return drawn
    raise RuntimeError(f"name pools of {place.district.unit.name} exhausted")


def _supervisor(field_code: str, authority: UnitPlan, place: Place) -> tuple[str, str]:
    """The supervising bureau of the authority's area for a field, with the abbreviation of its
    approval numbers (市南区教育和体育局, 南教体字 → 东湖区教育和体育局, 湖教体字)."""
    unit, abbreviation = themes.SUPERVISORS[field_code]
    area = authority.name
    short = place.district.short if authority.level == UnitLevel.DISTRICT else place.city.short
    return unit.replace(registry_demo.DISTRICT_NAME, area), short[-1] + abbreviation[1:]


def credit_code(kind: str, authority_code: str, serial: int) -> str:
    """A GB 32100 code of a civil-affairs organization (5, the kind's character, the authority's
    division code) whose organization-code part (MJ, the kind's character, six digits) is the
    serial scrambled by a bijection of 0..999999, so that codes look drawn yet never repeat."""
    if not 0 < serial < 1_000_000:
        raise ValueError("at most 999,999 organizations of a kind per authority")
    kind_char = USCC_KIND_CHARACTER[Kind(kind)]
    scrambled = (serial * 7919 + 104_729) % 1_000_000
    body = f"{USCC_CIVIL_AFFAIRS}{kind_char}{authority_code}MJ{kind_char}{scrambled:06d}"
    return body + uscc.calc_check_digit(body)


def _day(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return datetime.date.fromordinal(rng.randint(first.toordinal(), max(first, last).toordinal()))


def _at(rng: random.Random, day: datetime.date) -> datetime.datetime:
    """A moment in office hours of `day`."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(rng.randint(9, 16), rng.randint(0, 59))))


def _address(rng: random.Random, place: Place) -> str:
    road = place.community.word + rng.choice(ROAD_SUFFIXES)
    return f"{place.city.unit.name}{place.district.unit.name}{road}{rng.randint(1, 299)}号"


def _capital(rng: random.Random, kind: str) -> Decimal | None:
    if kind == Kind.SOCIAL_GROUP:
        return Decimal(rng.randint(30, 100) * 1000)
    if kind == Kind.SERVICE_INSTITUTION:
        return Decimal(rng.randint(3, 200) * 10000)
    if kind == Kind.FOUNDATION:
        return Decimal(rng.randint(200, 2000) * 10000)
    return None


# --- Derive: checks and search fields (worker processes) ------------------------------------------

UNIT_FIELDS = ("registration_authority", "street", "community")


def derivation_row(plan: OrganizationPlan, units: dict[str, AdministrativeUnit]) -> dict:
    """What a worker needs of an organization: its fields, and its units as plain values."""
    row = plan.model_fields()
    for name, code in zip(UNIT_FIELDS, (plan.authority_code, plan.street_code, plan.community_code), strict=True):
        unit = units[code] if code else None
        row[name] = (unit.pk, unit.name, unit.level, unit.path) if unit else None
    return row


def derive_search_fields(rows: list[dict]) -> list[tuple[str, str]]:
    """For each organization: check it as a form would (fields, then the rules that tie them
    together, as `full_clean` without the uniqueness queries), and compute its `name_pinyin` and
    `search_document` with the registry's `refresh_search_fields`. Needs no database."""
    derived = []
    for row in rows:
        fields = dict(row)
        for name in UNIT_FIELDS:
            unit = fields.pop(name)
            fields[name] = AdministrativeUnit(pk=unit[0], name=unit[1], level=unit[2], path=unit[3]) if unit else None
        organization = Organization(**fields)
        organization.clean_fields(exclude=UNIT_FIELDS)
        organization.clean()
        refresh_search_fields(organization)
        derived.append((organization.name_pinyin, organization.search_document))
    return derived


def _memoize_word_pinyin() -> None:
    """Worker initializer. `build_search_document` converts every word of a name to pinyin, and
    words repeat endlessly (社区, 志愿者, 服务…); remembering them halves the cost. The functions are
    pure, so results are unchanged; only worker processes are touched."""
    registry_search.pinyin = functools.lru_cache(maxsize=200_000)(registry_search.pinyin)
    registry_search.initials = functools.lru_cache(maxsize=200_000)(registry_search.initials)


class _Done:
    """A result computed inline, with the interface of a pool's."""

    def __init__(self, value):
        self.value = value

    def get(self):
        return self.value


class Deriver:
    """Runs `derive_search_fields` inline, or in a pool of forked worker processes so that the
    next batches are derived while this one is written."""

    def __init__(self, workers: int):
        self.workers, self.pool = workers, None
        if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
            if connection.in_atomic_block:
                raise RuntimeError("workers cannot be forked inside a transaction")
            connections.close_all()  # children must not share the parent's database sockets
            self.pool = multiprocessing.get_context("fork").Pool(workers, initializer=_memoize_word_pinyin)

    def submit(self, rows: list[dict]):
        if self.pool is None:
            return _Done(derive_search_fields(rows))
        size = max(1, math.ceil(len(rows) / (self.workers * 2)))
        chunks = [rows[i : i + size] for i in range(0, len(rows), size)]
        result = self.pool.map_async(derive_search_fields, chunks)
        return _Chained(result)

    def close(self):
        if self.pool is not None:
            self.pool.close()
            self.pool.join()

    def terminate(self):
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()


class _Chained:
    """A pool's results for the chunks of a batch, joined again in order."""

    def __init__(self, result):
        self.result = result

    def get(self):
        return [item for chunk in self.result.get() for item in chunk]


# --- Write ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def _keeping_dates(model, *names: str):
    """`bulk_create` stamps auto_now_add fields with the time of writing; generated history brings
    its own dates, so the stamping is switched off while it is written (in this process only)."""
    fields = [model._meta.get_field(name) for name in names]
    saved = [f.auto_now_add for f in fields]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f, value in zip(fields, saved, strict=True):
            f.auto_now_add = value


INSERT_BATCH = 1000


@dataclass
class Run:
    """What the writers share: the plan, the written units and scaffolding, one generator per
    table family, and the counts of rows written."""

    plan: ScalePlan
    units: dict[str, AdministrativeUnit] = field(default_factory=dict)
    activity_fields: dict[str, int] = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)
    rngs: dict[str, random.Random] = field(default_factory=dict)
    evaluation: "EvaluationSetup | None" = None

    def rng(self, part: str) -> random.Random:
        if part not in self.rngs:
            self.rngs[part] = self.plan.rng(part)
        return self.rngs[part]

    def count(self, model, rows: int) -> None:
        self.counts[model] += rows


def write_tree(run: Run) -> None:
    """Every unit in bulk, parents first, with treebeard's path, depth and numchild computed by
    the plan (`AdministrativeUnit.find_problems()` finds nothing to fix)."""
    rows = [
        AdministrativeUnit(
            code=unit.code, name=unit.name, level=unit.level, path=unit.path, depth=unit.depth, numchild=unit.numchild
        )
        for unit in run.plan.units()
    ]
    for row in rows:
        row.clean_fields(exclude=["path", "depth", "numchild"])
    AdministrativeUnit.objects.bulk_create(rows, batch_size=INSERT_BATCH)
    run.units = {row.code: row for row in rows}
    run.count(AdministrativeUnit, len(rows))


def write_organizations(run: Run, plans: list[OrganizationPlan], derived: list[tuple[str, str]]) -> list[int]:
    units = run.units
    rows = [
        Organization(
            **plan.model_fields(),
            registration_authority_id=units[plan.authority_code].pk if plan.authority_code else None,
            street_id=units[plan.street_code].pk,
            community_id=units[plan.community_code].pk,
            name_pinyin=name_pinyin,
            search_document=search_document,
        )
        for plan, (name_pinyin, search_document) in zip(plans, derived, strict=True)
    ]
    Organization.objects.bulk_create(rows, batch_size=INSERT_BATCH)
    run.count(Organization, len(rows))
    return [row.pk for row in rows]


def write_activity_fields(run: Run, plans: list[OrganizationPlan], ids: list[int]) -> None:
    through = Organization.activity_fields.through
    rows = [
        through(organization_id=pk, activityfield_id=run.activity_fields[code])
        for plan, pk in zip(plans, ids, strict=True)
        for code in plan.activity_codes
    ]
    through.objects.bulk_create(rows, batch_size=INSERT_BATCH)
    run.count(through, len(rows))


def _status_label(status: str) -> str:
    """As the history records a status: its label in the bureau's language."""
    with translation.override("zh-hans"):
        return str(Status(status).label)


STATUS_CHANGE = {
    # status: (the status before, source of the change as the application records it)
    Status.ABNORMAL: (Status.ACTIVE, CREDIT_SOURCE),
    Status.DEREGISTERED: (Status.ACTIVE, APPLICATION_SOURCE[ApplicationKind.DEREGISTRATION]),
    Status.LAPSED: (Status.FILED, ADMIN_SOURCE),
}


def _old_value(rng: random.Random, plan: OrganizationPlan, name: str) -> str:
    """A plausible earlier value of a field, different from the current one."""
    current = str(getattr(plan, name))
    for _attempt in range(10):
        if name == "address":
            value = f"{plan.address.split('区', 1)[0]}区{rng.choice(PLACE_WORDS)}路{rng.randint(1, 299)}号"
        elif name == "legal_representative":
            value = registry_demo.person_name(rng)
        elif name == "public_phone":
            value = registry_demo.office_phone(rng)
        elif name == "legal_representative_phone":
            value = registry_demo.mobile_phone(rng)
        else:  # member_count
            value = str(max(1, int(current) + rng.randint(-80, -5)))
        if value != current:
            return value
    return ""


def write_changes(run: Run, plans: list[OrganizationPlan], ids: list[int]) -> None:
    """History (DESIGN.md section 6): for some organizations one to three registered facts changed
    since founding (old value, new = today's), and every status that is not the first one, as the
    organization services record them (values in the bureau's language; private fields masked, not
    public)."""
    rng = run.rng("history")
    rows = []
    for plan, pk in zip(plans, ids, strict=True):
        changes = []
        if rng.random() < CHANGED_SHARE[plan.registered]:
            names = rng.sample(CHANGEABLE[plan.registered], rng.randint(1, 3))
            if plan.member_count is None and "member_count" in names:
                names.remove("member_count")
            last = plan.ended_on or run.plan.today
            first = min(plan.founded_on + datetime.timedelta(days=60), last)
            for name in names:
                changes.append(
                    (
                        _day(rng, first, last),
                        name,
                        _old_value(rng, plan, name),
                        str(getattr(plan, name)),
                        ADMIN_SOURCE,
                    )
                )
        if plan.status in STATUS_CHANGE:
            before, source = STATUS_CHANGE[plan.status]
            changes.append((plan.ended_on, "status", _status_label(before), _status_label(plan.status), source))
        for day, name, old, new, source in sorted(changes, key=lambda change: change[0]):
            if name in PRIVATE_FIELDS:
                old, new = masked(name, old), masked(name, new)
            rows.append(
                OrganizationChange(
                    organization_id=pk,
                    changed_at=_at(rng, day),
                    field=name,
                    old_value=old,
                    new_value=new,
                    is_public=name not in PRIVATE_FIELDS,
                    source=source,
                )
            )
    with _keeping_dates(OrganizationChange, "changed_at"):
        OrganizationChange.objects.bulk_create(rows, batch_size=INSERT_BATCH)
    run.count(OrganizationChange, len(rows))


def write_annual_reports(run: Run, plans: list[OrganizationPlan], ids: list[int]) -> None:
    """A report for every year of the filing window that each organization owes (`must_report`),
    filed on paper between January and the due date; results set one to three months later when
    that is before today. Abnormal organizations missed the year they are listed for, and the later
    ones: so the daily review of the credit lists (`review_credit_lists`) finds nothing to propose."""
    rng = run.rng("annual_reports")
    today = run.plan.today
    results, weights = zip(*registry_demo.REPORT_RESULTS, strict=True)
    rows = []
    for plan, pk in zip(plans, ids, strict=True):
        if not plan.registered:
            continue
        for year in reporting_window(today):
            if not must_report(plan, year):  # it reads kind, status and founded_on, which a plan has
                continue
            if plan.status == Status.ABNORMAL and year >= run.plan.missed_year:
                continue
            submitted_on = _day(rng, datetime.date(year + 1, 1, 15), datetime.date(year + 1, 5, 31))
            if submitted_on > today:
                continue
            income = Decimal(rng.randrange(50_000, 2_000_000))
            result = rng.choices(results, weights=weights)[0]
            result_on = submitted_on + datetime.timedelta(days=rng.randint(30, 90))
            decided = result_on < today
            rows.append(
                AnnualReport(
                    organization_id=pk,
                    year=year,
                    income=income,
                    expenditure=(income * Decimal(rng.uniform(0.8, 1.05))).quantize(Decimal("0.01")),
                    net_assets=(income * Decimal(rng.uniform(0.3, 1.5))).quantize(Decimal("0.01")),
                    staff=rng.randint(1, 20),
                    volunteers=rng.randint(0, 200),
                    activities=rng.choice(registry_demo.REPORT_ACTIVITIES),
                    submitted_at=_at(rng, submitted_on),
                    state=AnnualReportState.CHECKED if decided else AnnualReportState.SUBMITTED,
                    result=result if decided else "",
                    result_reason=registry_demo.RESULT_REASONS[result] if decided else "",
                    result_at=_at(rng, result_on) if decided else None,
                )
            )
    with _keeping_dates(AnnualReport, "submitted_at"):
        AnnualReport.objects.bulk_create(rows, batch_size=INSERT_BATCH)
    run.count(AnnualReport, len(rows))


def write_credit_listings(run: Run, plans: list[OrganizationPlan], ids: list[int]) -> None:
    """Abnormal organizations are on the abnormal-activity list for their missed report, listed the
    day after the grace period ended (as an officer confirms `review_credit_lists`'s proposal)."""
    rows = [
        CreditListing(
            organization_id=pk,
            list=CreditList.ABNORMAL_ACTIVITY,
            cause=ListingCause.MISSED_ANNUAL_REPORT,
            details=_missed_report_details([str(run.plan.missed_year)]),
            listed_on=plan.ended_on,
        )
        for plan, pk in zip(plans, ids, strict=True)
        if plan.status == Status.ABNORMAL
    ]
    CreditListing.objects.bulk_create(rows, batch_size=INSERT_BATCH)
    run.count(CreditListing, len(rows))


# --- Evaluation -----------------------------------------------------------------------------------


@dataclass
class EvaluationSetup:
    """The minimum chain a final grade needs: a framework, a committee per authority, a campaign
    per authority and year (with the framework for each registered kind), and an applicant."""

    framework: Framework
    bands: list
    applicant: object
    campaigns: dict[tuple[str, int], Campaign]  # by (authority code, year)
    bureau_names: dict[str, str]  # by authority code
    committee_names: dict[str, str]  # by authority code
    key_id: str


def _campaign_dates(year: int) -> dict[str, datetime.date]:
    return {
        "applications_open_on": datetime.date(year, 4, 1),
        "applications_close_on": datetime.date(year, 5, 31),
        "scoring_closes_on": datetime.date(year, 9, 30),
        "awarded_on": datetime.date(year, 12, 15),
    }


def prepare_evaluation(run: Run) -> None:
    """The framework (imported from the bundled file when missing), an applicant user, and for each
    generated city and district a committee and the campaigns of the last `EVALUATION_YEARS` years."""
    path = next(path for path in DEFAULT_FILES if path.name == EVALUATION_FRAMEWORK)
    framework, _created = import_framework_file(path.read_bytes(), actor=None)
    applicant, created = get_user_model().objects.get_or_create(
        username=APPLICANT_USERNAME, defaults={"last_name": "批量", "first_name": "生成", "is_active": False}
    )
    if created:
        applicant.set_unusable_password()
        applicant.save(update_fields=["password"])
    authorities = [unit for unit in run.units.values() if unit.level in (UnitLevel.CITY, UnitLevel.DISTRICT)]
    bureau_names = {unit.code: certificates.bureau_name(unit) for unit in authorities}
    full_names = {code: name.removesuffix("民政局") for code, name in bureau_names.items()}
    committees = [
        Committee(name=f"{full_names[unit.code]}社会组织评估委员会", authority_id=unit.pk) for unit in authorities
    ]
    Committee.objects.bulk_create(committees, batch_size=INSERT_BATCH)
    years = range(run.plan.today.year - EVALUATION_YEARS, run.plan.today.year)
    campaigns = {}
    for unit, committee in zip(authorities, committees, strict=True):
        for year in years:
            dates = _campaign_dates(year)
            campaign = Campaign(
                name=f"{year}年度{full_names[unit.code]}社会组织等级评估",
                year=year,
                authority_id=unit.pk,
                committee_id=committee.pk,
                applications_open_on=dates["applications_open_on"],
                applications_close_on=dates["applications_close_on"],
                scoring_closes_on=dates["scoring_closes_on"],
                validity_rule=(
                    ValidityRule.CALENDAR_YEARS
                    if dates["awarded_on"] >= CALENDAR_RULE_FROM
                    else ValidityRule.FROM_AWARD
                ),
            )
            campaign.clean_fields(exclude=["authority", "committee"])
            campaigns[unit.code, year] = campaign
    Campaign.objects.bulk_create(campaigns.values(), batch_size=INSERT_BATCH)
    uses = [
        CampaignFramework(campaign_id=campaign.pk, kind=kind, framework_id=framework.pk)
        for campaign in campaigns.values()
        for kind in Kind.registered()
    ]
    CampaignFramework.objects.bulk_create(uses, batch_size=INSERT_BATCH)
    run.count(Committee, len(committees))
    run.count(Campaign, len(campaigns))
    run.count(CampaignFramework, len(uses))
    run.evaluation = EvaluationSetup(
        framework=framework,
        bands=list(framework.bands.all()),
        applicant=applicant,
        campaigns=campaigns,
        bureau_names=bureau_names,
        committee_names={unit.code: committee.name for unit, committee in zip(authorities, committees, strict=True)},
        key_id=signing.key_id(),
    )


@dataclass(slots=True)
class EvaluationPlan:
    campaign: Campaign
    submitted_on: datetime.date
    total: Decimal
    self_total: Decimal
    grade: str  # "" when the total reaches no band
    certified: bool
    code: str  # the certificate's verification code


RATED = (Status.ACTIVE, Status.ABNORMAL)  # as `evaluation.selectors.statistics.RATED_STATUSES`


def _plan_evaluation(run: Run, rng: random.Random, plan: OrganizationPlan) -> EvaluationPlan | None:
    """Whether the organization was evaluated, in which year's campaign, with which total and grade
    (`grading.grade_for_total` on the framework's bands), and whether its certificate was issued."""
    if not plan.registered or plan.status not in RATED or rng.random() >= EVALUATED_SHARE:
        return None
    setup = run.evaluation
    years = [
        year
        for year in range(run.plan.today.year - EVALUATION_YEARS, run.plan.today.year)
        if plan.founded_on.year <= year - YEARS_REGISTERED_BEFORE_EVALUATION
    ]
    if not years:
        return None
    campaign = setup.campaigns[plan.authority_code, rng.choice(years)]
    total = Decimal(str(round(min(max(rng.gauss(TOTAL_MEAN, TOTAL_SPREAD), TOTAL_RANGE[0]), TOTAL_RANGE[1]), 1)))
    grade = grading.grade_for_total(setup.bands, total)
    code = "".join(rng.choice(certificates.CODE_ALPHABET) for _ in range(certificates.CODE_LENGTH))
    return EvaluationPlan(
        campaign=campaign,
        submitted_on=_day(rng, campaign.applications_open_on, campaign.applications_close_on),
        total=total,
        self_total=min(setup.framework.scale, total + Decimal(rng.randint(0, 400)) / 10),
        grade=grade,
        certified=grading.reaches(grade, campaign.certificate_threshold) and rng.random() < CERTIFIED_SHARE,
        code=code,
    )


def _allocate_numbers(series: str, year: int, count: int) -> int:
    """The first of `count` consecutive numbers of a gapless series (the block version of
    `registry.services.numbering.allocate_number`, whose row lock it takes the same way)."""
    NumberSequence.objects.get_or_create(series=series, year=year)
    sequence = NumberSequence.objects.select_for_update().get(series=series, year=year)
    first = sequence.last_number + 1
    sequence.last_number += count
    sequence.save(update_fields=["last_number"])
    return first


def write_evaluations(run: Run, plans: list[OrganizationPlan], ids: list[int]) -> None:
    """Final cases, the grades they awarded (valid per the campaign's rule, `grading.validity`), and
    the certificates of grades at or above the threshold: numbered in the bureau's yearly series,
    filled and signed as `services.certificates.issue_certificate` fills and signs them."""
    rng, setup = run.rng("evaluation"), run.evaluation
    planned = []
    for plan, pk in zip(plans, ids, strict=True):
        evaluation = _plan_evaluation(run, rng, plan)
        if evaluation is not None:
            planned.append((plan, pk, evaluation))
    cases = []
    for _plan, pk, evaluation in planned:
        awarded = _at(rng, _campaign_dates(evaluation.campaign.year)["awarded_on"])
        submitted = _at(rng, evaluation.submitted_on)
        cases.append(
            Case(
                campaign_id=evaluation.campaign.pk,
                organization_id=pk,
                framework_id=setup.framework.pk,
                state=CaseState.FINAL,
                applicant_id=setup.applicant.pk,
                self_assessment_total=evaluation.self_total,
                total=evaluation.total,
                proposed_grade=evaluation.grade,
                decided_grade=evaluation.grade,
                created_at=submitted - datetime.timedelta(days=rng.randint(0, 10)),
                submitted_at=submitted,
                last_action_at=awarded,
            )
        )
    with _keeping_dates(Case, "created_at", "last_action_at"):
        Case.objects.bulk_create(cases, batch_size=INSERT_BATCH)
    graded = [(entry, case) for entry, case in zip(planned, cases, strict=True) if entry[2].grade]
    grades = []
    for (_plan, pk, evaluation), case in graded:
        awarded_on = _campaign_dates(evaluation.campaign.year)["awarded_on"]
        valid_from, valid_until = grading.validity(evaluation.campaign.validity_rule, awarded_on)
        grades.append(
            OrganizationGrade(
                organization_id=pk,
                case_id=case.pk,
                grade=evaluation.grade,
                framework_id=setup.framework.pk,
                awarded_on=awarded_on,
                valid_from=valid_from,
                valid_until=valid_until,
            )
        )
    OrganizationGrade.objects.bulk_create(grades, batch_size=INSERT_BATCH)
    issued = [
        (plan, evaluation, grade)
        for ((plan, _pk, evaluation), _case), grade in zip(graded, grades, strict=True)
        if evaluation.certified
    ]
    rows = _certificates(run, rng, issued)
    Certificate.objects.bulk_create(rows, batch_size=INSERT_BATCH)
    run.count(Case, len(cases))
    run.count(OrganizationGrade, len(grades))
    run.count(Certificate, len(rows))


def _certificates(run: Run, rng: random.Random, issued) -> list[Certificate]:
    setup, today = run.evaluation, run.plan.today
    facts, prefixes = [], {}
    for plan, evaluation, grade in issued:
        authority = run.units[plan.authority_code]
        issued_on = min(today, grade.awarded_on + datetime.timedelta(days=rng.randint(3, 20)))
        if authority.code not in prefixes:  # derived from the tree: once per bureau
            prefixes[authority.code] = certificates.number_prefix(authority)
        facts.append((plan, evaluation, grade, authority, issued_on, prefixes[authority.code]))
    # Numbers run per bureau and year, as `certificates.issue_certificate` gives them.
    wanted = Counter((authority.code, issued_on.year) for *_rest, authority, issued_on, _prefix in facts)
    next_number = {
        (code, year): _allocate_numbers(certificates._series(run.units[code]), year, count)
        for (code, year), count in wanted.items()
    }
    rows = []
    for plan, evaluation, grade, authority, issued_on, prefix in facts:
        sequence = next_number[authority.code, issued_on.year]
        next_number[authority.code, issued_on.year] += 1
        certificate = Certificate(
            grade_record_id=grade.pk,
            number=certificates.format_number(prefix, issued_on.year, sequence),
            year=issued_on.year,
            sequence=sequence,
            code=evaluation.code,
            organization_name=plan.name,
            identifier=plan.uscc or plan.filing_number or "",
            grade=grade.grade,
            valid_from=grade.valid_from,
            valid_until=grade.valid_until,
            committee_name=setup.committee_names[authority.code],
            bureau_name=setup.bureau_names[authority.code],
            issued_on=issued_on,
            key_id=setup.key_id,
        )
        certificate.signature = signing.sign(certificates.canonical_data(certificate))
        certificate.clean_fields(exclude=["grade_record", "replaced_by", "pdf"])
        rows.append(certificate)
    return rows


# --- The run --------------------------------------------------------------------------------------


class ScaleDataRefused(Exception):
    """The database already holds organizations and the caller did not ask to append."""


@dataclass
class GenerationResult:
    counts: dict[type, int]  # rows written, by model (the many-to-many table's included)
    seconds: float
    settings: ScaleSettings


def _batched(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


LOOKAHEAD = 2  # batches derived ahead of the one being written


def generate_scale_data(
    *,
    organizations: int,
    seed: int = 1,
    batch: int = 5000,
    append: bool = False,
    workers: int = 1,
    out=None,
    today: datetime.date | None = None,
) -> GenerationResult:
    """Generate `organizations` organizations with their tree, history, annual reports, credit
    listings, grades and certificates, in one transaction. Refuses (`ScaleDataRefused`) a database
    that already holds organizations unless `append`. `workers` > 1 derives the search fields in
    forked processes (only outside a transaction: the database connections are closed first)."""
    started = time.monotonic()
    today = today or timezone.localdate()
    if Organization.objects.exists() and not append:
        raise ScaleDataRefused(
            _("数据库中已有社会组织，生成的数据会与其混在一起。请使用新的空数据库；确需追加时请加 --append。")
        )
    settings = settings_for_database(seed=seed, organizations=organizations, today=today)
    plan = ScalePlan(settings)
    run = Run(plan=plan, activity_fields=dict(ActivityField.objects.values_list("code", "id")))
    if missing := set(FieldOfActivity.values) - run.activity_fields.keys():
        raise RuntimeError(f"activity fields missing (run migrate): {sorted(missing)}")
    deriver = Deriver(workers)
    try:
        with transaction.atomic():
            write_tree(run)
            prepare_evaluation(run)
            _write(
                out,
                _("已建立行政区划 %(units)s 个、评估活动 %(campaigns)s 个，开始写入社会组织。")
                % {"units": f"{run.counts[AdministrativeUnit]:,}", "campaigns": f"{run.counts[Campaign]:,}"},
            )
            pending = deque()
            for plans in _batched(plan.organizations(), batch):
                reset_queries()  # with DEBUG on, the query log would hold every batch's SQL
                pending.append((plans, deriver.submit([derivation_row(p, run.units) for p in plans])))
                if len(pending) > LOOKAHEAD:
                    _write_batch(run, *pending.popleft(), out=out, started=started)
            while pending:
                _write_batch(run, *pending.popleft(), out=out, started=started)
        deriver.close()
    except BaseException:
        deriver.terminate()
        raise
    _write(out, _("正在更新数据库的统计信息（ANALYZE）……"))
    analyze_tables(run.counts)
    return GenerationResult(counts=dict(run.counts), seconds=time.monotonic() - started, settings=settings)


def _write_batch(run: Run, plans: list[OrganizationPlan], derivation, *, out, started: float) -> None:
    ids = write_organizations(run, plans, derivation.get())
    write_activity_fields(run, plans, ids)
    write_changes(run, plans, ids)
    write_annual_reports(run, plans, ids)
    write_credit_listings(run, plans, ids)
    write_evaluations(run, plans, ids)
    done, total = run.counts[Organization], run.plan.settings.organizations
    elapsed = time.monotonic() - started
    _write(
        out,
        _("已写入社会组织 %(done)s / %(total)s 个，用时 %(seconds).0f 秒（每秒 %(rate)s 个）")
        % {"done": f"{done:,}", "total": f"{total:,}", "seconds": elapsed, "rate": f"{done / max(elapsed, 1e-3):,.0f}"},
    )


def analyze_tables(models: Iterable) -> None:
    """Refresh the query planner's statistics of the tables just filled. PostgreSQL's autovacuum
    gets to them only later; meanwhile plans are made for near-empty tables (on a million
    organizations the directory's grade counts took 40 s instead of 2 s)."""
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def table_label(model) -> str:
    """A table's name as people read it (the models' plural names)."""
    if model is Organization.activity_fields.through:
        return _("社会组织的活动领域")
    return str(model._meta.verbose_name_plural)


def _write(out, line: str) -> None:
    if out is not None:
        out.write(line + "\n")


def default_workers() -> int:
    return os.cpu_count() or 1
