"""The federation staff's dashboard: its figures (members, filings waiting for the federation's
pre-review, incubations by stage, members with an overdue annual report), the landing panel on
the admin home, scoping (another federation's staff or street sees nothing of it), and the
per-street statistics."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from federation.enums import IncubationStage
from federation.hub_selectors import COMMUNITY_GROUPS_AIM, federation_dashboard, street_statistics
from federation.incubation import apply_for_incubation, move_incubation, open_support_centre
from federation.models import Membership
from federation.services import admit_member
from registry.enums import ApplicationAction, ApplicationKind, OrganizationKind, OrganizationStatus
from registry.selectors.credit import organizations_with_overdue_annual_report
from registry.services.annual_reports import submit_annual_report
from registry.services.applications import act_on_application, start_application
from registry.services.roles import link_organization_account
from tests.factories import UserFactory, create_org, file_required_materials

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.federation.hub_fixtures"]

TODAY = datetime.date(2026, 7, 1)  # the 2025 reports fell due on 31 May
REPORT_FACTS = {
    "income": Decimal("1000"),
    "expenditure": Decimal("800"),
    "net_assets": Decimal("200"),
    "staff": 1,
    "volunteers": 10,
    "activities": "开展志愿服务。",
}


def filing(tree, street, name, *, submit=True, pre_review_by=None):
    applicant = UserFactory()
    community = tree.yancheng if street == tree.zhanshan else tree.taipingjiao
    application = start_application(
        applicant=applicant,
        kind=ApplicationKind.FILING,
        street=street,
        proposed={"name": name, "community": community.pk, "address": "湛山路8号", "legal_representative": "张敏"},
    )
    if submit:
        file_required_materials(application)
        act_on_application(application=application, action=ApplicationAction.SUBMIT, actor=applicant, reason="")
    if pre_review_by is not None:
        act_on_application(
            application=application, action=ApplicationAction.PRE_REVIEW, actor=pre_review_by, reason="同意"
        )
    return application


@pytest.fixture
def figures(hub, tree):
    """Beside the hub's three members: a former member, a member that filed its 2025 report and
    one that did not (the society did not either), a non-member that did not, filings in every
    state, and 湛山's support centre with three incubations."""
    former = create_org(street=tree.zhanshan, kind=OrganizationKind.COMMUNITY_GROUP, name="湛山社区棋友会")
    admit_member(federation=hub.federation, organization=former, joined_on=datetime.date(2022, 1, 1), actor=hub.staff)
    Membership.objects.filter(organization=former).update(left_on=datetime.date(2024, 1, 1))
    diligent = create_org(street=tree.zhanshan, name="湛山志愿服务协会", founded_on=datetime.date(2025, 1, 1))
    late = create_org(street=tree.zhanshan, name="湛山体育协会", founded_on=datetime.date(2025, 1, 1))
    for organization in (diligent, late):
        admit_member(
            federation=hub.federation, organization=organization, joined_on=datetime.date(2025, 3, 1), actor=hub.staff
        )
    create_org(street=tree.zhanshan, name="湛山餐饮协会", founded_on=datetime.date(2025, 1, 1))  # not a member
    account = UserFactory()
    link_organization_account(user=account, organization=diligent)
    submit_annual_report(organization=diligent, actor=account, year=2025, **REPORT_FACTS)
    filing(tree, tree.zhanshan, "盐城路社区银发志愿队")
    filing(tree, tree.zhanshan, "仰口路社区读书会", submit=False)
    filing(tree, tree.zhanshan, "湛山社区调解小组", pre_review_by=hub.staff)
    filing(tree, tree.badaguan, "太平角社区摄影队")
    centre = open_support_centre(street=tree.zhanshan, name="湛山街道社会组织服务中心", actor=hub.street)
    for name in ("湛山社区手工坊", "湛山社区剪纸社", "湛山社区口琴队"):
        incubation = apply_for_incubation(
            centre=centre,
            group_name=name,
            community=tree.yancheng,
            contact_person="李红",
            activities="每周活动。",
            actor=hub.staff,
        )
    move_incubation(
        incubation=incubation, to_stage=IncubationStage.INCUBATING, mentor="周老师", on=TODAY, actor=hub.staff
    )
    return {"late": late, "diligent": diligent}


def test_the_dashboard_figures(hub, figures):
    dashboard = federation_dashboard(hub.federation, TODAY)
    assert dashboard.member_count == 5
    assert {o.name for o in dashboard.members} == {
        "盐城路社区合唱团",
        "仰口路社区舞蹈队",
        "湛山书画研究会",
        "湛山志愿服务协会",
        "湛山体育协会",
    }
    assert [str(application) for application in dashboard.filings] == ["社区社会组织备案 · 盐城路社区银发志愿队"]
    assert dashboard.incubations == [
        ("applied", "已申请", 2),
        ("incubating", "孵化中", 1),
        ("graduated", "已出壳", 0),
        ("withdrawn", "已退出", 0),
    ]
    # The society (founded 2015) missed every report of the window; the sports club its first.
    assert {(o.name, o.overdue_years.split()[-1]) for o in dashboard.overdue} == {
        ("湛山书画研究会", "2025"),
        ("湛山体育协会", "2025"),
    }


def test_without_a_support_centre_there_are_no_incubation_figures(hub):
    assert federation_dashboard(hub.other_federation, TODAY).incubations is None


def test_overdue_means_past_the_due_date_listed_or_not(hub, figures):
    organizations = hub.federation.street.street_organizations.all()
    before_due = organizations_with_overdue_annual_report(organizations, datetime.date(2026, 5, 31))
    assert "湛山体育协会" not in {o.name for o in before_due}
    after_due = organizations_with_overdue_annual_report(organizations, datetime.date(2026, 6, 1))
    assert {o.name for o in after_due} == {"湛山书画研究会", "湛山体育协会", "湛山餐饮协会"}


def test_the_overdue_members_are_found_in_one_query(hub, figures, django_assert_num_queries):
    organizations = hub.federation.street.street_organizations.all()
    with django_assert_num_queries(1):
        assert len(organizations_with_overdue_annual_report(organizations, TODAY)) == 3


def test_the_staff_dashboard_page(client, hub, figures):
    client.force_login(hub.staff)
    # With one federation, the hub's menu entry leads straight to its dashboard.
    response = client.get(reverse("federation_hub:index"), follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("federation_hub:dashboard", args=[hub.federation.pk])
    assert "盐城路社区银发志愿队" in html and "太平角社区摄影队" not in html and "湛山社区调解小组" not in html
    assert "湛山体育协会" in html and "湛山棋友会" not in html
    assert reverse("applications:index") + "?kind=filing&amp;state=submitted" in html


def test_the_staff_land_on_their_figures_on_the_admin_home(client, hub, figures):
    client.force_login(hub.staff)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert 'id="federation-hub-panel"' in html
    assert "湛山街道社区社会组织联合会" in html and "有 1 件社区社会组织备案申请等待联合会预审" in html
    client.force_login(hub.other_staff)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "湛山街道社区社会组织联合会" not in html


@pytest.mark.parametrize("who", ["other_staff", "other_street", "supervisor"])
def test_another_federation_or_street_sees_nothing_of_it(client, hub, figures, who):
    client.force_login(getattr(hub, who))
    assert client.get(reverse("federation_hub:dashboard", args=[hub.federation.pk])).status_code == 404
    index = client.get(reverse("federation_hub:index"), follow=True).content.decode()
    assert "湛山街道社区社会组织联合会" not in index and "盐城路社区银发志愿队" not in index


def test_officers_over_the_street_read_the_dashboard(client, hub, figures):
    for user in (hub.street, hub.district):
        client.force_login(user)
        html = client.get(reverse("federation_hub:dashboard", args=[hub.federation.pk])).content.decode()
        assert "盐城路社区银发志愿队" in html


def test_street_statistics(hub, figures, tree):
    for _n in range(COMMUNITY_GROUPS_AIM - 2):
        create_org(street=tree.zhanshan, community=tree.yancheng, kind=OrganizationKind.COMMUNITY_GROUP)
    lapsed = create_org(street=tree.zhanshan, community=tree.yancheng, kind=OrganizationKind.COMMUNITY_GROUP)
    type(lapsed).objects.filter(pk=lapsed.pk).update(status=OrganizationStatus.LAPSED)  # no longer counted
    rows = {row.code: row for row in street_statistics()}
    zhanshan, badaguan = rows[tree.zhanshan.code], rows[tree.badaguan.code]
    assert zhanshan.federation == "湛山街道社区社会组织联合会" and zhanshan.members == 5
    # 盐城路: the choir and eight more filed groups make nine, short of ten; the test tree's
    # 湛山 has no other filed group in 仰口路 than the dance team.
    assert [(c.name, c.groups, c.short_of_aim) for c in zhanshan.communities] == [
        ("盐城路社区", COMMUNITY_GROUPS_AIM - 1, True),
        ("仰口路社区", 1, True),
    ]
    assert zhanshan.incubation_rows == [("已申请", 2), ("孵化中", 1), ("已出壳", 0), ("已退出", 0)]
    assert badaguan.members == 0 and badaguan.incubation_rows is None
    create_org(street=tree.zhanshan, community=tree.yancheng, kind=OrganizationKind.COMMUNITY_GROUP)
    assert not {row.code: row for row in street_statistics()}[tree.zhanshan.code].communities[0].short_of_aim


def test_street_statistics_take_a_constant_number_of_queries(hub, figures, tree, django_assert_num_queries):
    with django_assert_num_queries(6):
        street_statistics()


def test_the_dashboard_takes_as_many_queries_for_five_members_as_for_eight(client, hub, figures, tree):
    client.force_login(hub.staff)
    url = reverse("federation_hub:dashboard", args=[hub.federation.pk])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    queries()  # the site and its settings are cached from the first request on
    before = queries()
    for _n in range(3):
        member = create_org(
            street=tree.zhanshan, community=tree.yangkou, name=None, founded_on=datetime.date(2020, 1, 1)
        )
        admit_member(
            federation=hub.federation, organization=member, joined_on=datetime.date(2023, 1, 1), actor=hub.staff
        )
    filing(tree, tree.zhanshan, "湛山社区新备案")
    assert queries() == before
