"""Fixtures of the evaluation tests: a small framework, a campaign of the district with its
committee and an agency, and cases put directly into a state (setup only; the tests move them on
through `evaluation.services.cases.act_on_case`)."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from evaluation.enums import AgencyRole, CaseState, Grade
from evaluation.models import Agency, Campaign, CampaignFramework, Case, Committee, Framework, GradeBand, Indicator
from evaluation.services.people import add_agency_member, add_committee_member
from registry.enums import OrganizationKind, Role
from registry.services.roles import link_organization_account
from tests.factories import UserFactory, create_org

D = Decimal
# The campaign below takes applications and scores until this day. The services refuse both
# afterwards, by default as of the real today, so it lies far ahead: the tests that do not pass a
# day of their own keep working whenever the suite runs; those of the deadlines pass theirs.
CLOSES_ON = datetime.date(2099, 12, 31)


@pytest.fixture
def small_framework(db) -> Framework:
    """100 points: 1 基础 (1.1 章程 30, 1.2 党建 20, veto → at most 4A) and 2 绩效 (50, a leaf).
    Bands 5A ≥ 90, 4A ≥ 80, 3A > 70."""
    framework = Framework.objects.create(
        code="small",
        name="测试指标体系",
        scale=D(100),
        applies_to=[OrganizationKind.SOCIAL_GROUP, OrganizationKind.SERVICE_INSTITUTION],
    )
    basics = Indicator.objects.create(
        framework=framework, code="1", level=1, position=1, name="基础条件", max_points=D(50)
    )
    Indicator.objects.create(
        framework=framework, parent=basics, code="1.1", level=2, position=2, name="章程", max_points=D(30)
    )
    Indicator.objects.create(
        framework=framework,
        parent=basics,
        code="1.2",
        level=2,
        position=3,
        name="党建",
        max_points=D(20),
        veto_caps_grade=Grade.A4,
    )
    Indicator.objects.create(framework=framework, code="2", level=1, position=4, name="工作绩效", max_points=D(50))
    for grade, minimum, inclusive in ((Grade.A5, 90, True), (Grade.A4, 80, True), (Grade.A3, 70, False)):
        GradeBand.objects.create(framework=framework, grade=grade, min_score=D(minimum), inclusive=inclusive)
    return framework


@pytest.fixture
def evaluation(tree, make_officer, small_framework):
    """The district's 2026 campaign with a committee of three, an agency with a manager and three
    assessors, an organization with its account, and a district officer."""
    committee = Committee.objects.create(name="市南区社会组织评估委员会", authority=tree.district)
    members = [add_committee_member(user=UserFactory(username=f"member{n}"), committee=committee) for n in range(3)]
    campaign = Campaign.objects.create(
        name="2026年度市南区社会组织评估",
        year=2026,
        authority=tree.district,
        committee=committee,
        applications_open_on=datetime.date(2026, 3, 1),
        applications_close_on=CLOSES_ON,
        scoring_closes_on=CLOSES_ON,
    )
    for kind in (OrganizationKind.SOCIAL_GROUP, OrganizationKind.SERVICE_INSTITUTION):
        CampaignFramework.objects.create(campaign=campaign, kind=kind, framework=small_framework)
    agency = Agency.objects.create(name="青岛众诚社会组织评估中心", uscc="52370202MJD602187J")
    manager = UserFactory(username="agency_manager")
    add_agency_member(user=manager, agency=agency, role=AgencyRole.MANAGER)
    assessors = []
    for n in range(3):
        assessor = UserFactory(username=f"assessor{n}")
        add_agency_member(user=assessor, agency=agency, role=AgencyRole.ASSESSOR)
        assessors.append(assessor)
    organization = create_org(street=tree.zhanshan, name="市南区老年书画研究会", founded_on=datetime.date(2018, 5, 1))
    account = UserFactory(username="org_account")
    link_organization_account(user=account, organization=organization)
    return SimpleNamespace(
        campaign=campaign,
        committee=committee,
        members=members,
        agency=agency,
        manager=manager,
        assessors=assessors,
        organization=organization,
        account=account,
        officer=make_officer(Role.DISTRICT_OFFICER, tree.district),
        framework=small_framework,
    )


@pytest.fixture
def make_case(evaluation):
    """make_case(state=..., organization=...) → a case put straight into `state` (setup only)."""

    def make(state: str = CaseState.DRAFT, organization=None, **fields) -> Case:
        return Case.objects.create(
            campaign=evaluation.campaign,
            organization=organization or evaluation.organization,
            framework=evaluation.framework,
            applicant=evaluation.account,
            state=state,
            **fields,
        )

    return make
