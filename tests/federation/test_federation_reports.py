"""A federation's yearly report to its street: filed by its staff once a year for a finished
year, with member changes and the year-end count computed from the membership records; the
street's officers acknowledge it; everyone reads only their own area's reports."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from federation.hub_selectors import reports_for_user
from federation.models import FederationReport, Membership
from federation.reports import acknowledge_federation_report, file_federation_report
from federation.services import admit_member
from registry.enums import OrganizationKind
from registry.models import Notification
from tests.factories import UserFactory, create_org

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.federation.hub_fixtures"]

YEAR = 2025


def file(hub, year=YEAR, actor=None, federation=None, **extra):
    return file_federation_report(
        federation=federation or hub.federation,
        year=year,
        activities=extra.pop("activities", "全年开展志愿服务48场。"),
        actor=actor or hub.staff,
        **extra,
    )


@pytest.fixture
def changes(hub, tree):
    """In 2025 the reading club joined (10 Apr) and the dance team left (30 Jun); the chess club
    joined in 2024 and left in 2026; the art club joined only in 2026."""
    reading = create_org(street=tree.zhanshan, kind=OrganizationKind.COMMUNITY_GROUP, name="湛山社区读书会")
    chess = create_org(street=tree.zhanshan, kind=OrganizationKind.COMMUNITY_GROUP, name="湛山社区棋友会")
    art = create_org(street=tree.zhanshan, kind=OrganizationKind.COMMUNITY_GROUP, name="湛山社区美术社")
    admit_member(federation=hub.federation, organization=reading, joined_on=datetime.date(2025, 4, 10), actor=hub.staff)
    admit_member(federation=hub.federation, organization=chess, joined_on=datetime.date(2024, 5, 1), actor=hub.staff)
    admit_member(federation=hub.federation, organization=art, joined_on=datetime.date(2026, 2, 1), actor=hub.staff)
    Membership.objects.filter(organization=hub.dance).update(left_on=datetime.date(2025, 6, 30))
    Membership.objects.filter(organization=chess).update(left_on=datetime.date(2026, 1, 15))


def test_member_changes_and_the_year_end_count_come_from_the_records(hub, changes):
    report = file(hub, member_changes_note="舞蹈队因负责人迁居解散。")
    assert report.member_changes == (
        "2025-04-10 入会：湛山社区读书会\n2025-06-30 退会：仰口路社区舞蹈队\n\n补充说明：舞蹈队因负责人迁居解散。"
    )
    # 合唱团, 书画研究会, 读书会, and 棋友会 (left only in 2026); not 舞蹈队 nor 美术社.
    assert report.members_at_year_end == 4
    assert report.submitted_by == hub.staff and report.acknowledged_at is None


def test_a_year_without_changes_says_so(hub):
    assert file(hub).member_changes == "本年度无会员变动。"


def test_once_a_year_for_a_finished_year_since_the_founding(hub):
    file(hub)
    with pytest.raises(ValidationError, match="2025年度的报告已经报送，每年只报送一次"):
        file(hub)
    with pytest.raises(ValidationError, match="只能报送已结束年度的报告"):
        file(hub, year=timezone.localdate().year)
    with pytest.raises(ValidationError, match="报告年度不能早于联合会成立的年份（2020年）"):
        file(hub, year=2019)
    with pytest.raises(ValidationError, match="请填写年度工作情况"):
        file(hub, year=2024, activities="   ")
    assert FederationReport.objects.count() == 1


@pytest.mark.parametrize("who", ["other_staff", "street", "district", "nobody"])
def test_only_the_federations_staff_file(hub, who):
    actor = UserFactory() if who == "nobody" else getattr(hub, who)
    with pytest.raises(PermissionDenied):
        file(hub, actor=actor)
    assert not FederationReport.objects.exists()


def test_the_street_is_notified_then_acknowledges_and_the_staff_are_told(hub):
    report = file(hub)
    assert list(Notification.objects.filter(user=hub.street).values_list("message", flat=True)) == [
        "湛山街道社区社会组织联合会报送了2025年度工作报告，请签收。"
    ]
    assert not Notification.objects.filter(user=hub.other_street).exists()
    acknowledge_federation_report(report=report, actor=hub.street, comment="  工作扎实。 ")
    report.refresh_from_db()
    assert (report.acknowledged_by, report.street_comment) == (hub.street, "工作扎实。")
    assert Notification.objects.filter(user=hub.staff, message__contains="街道已签收").exists()
    with pytest.raises(ValidationError, match=r"该报告已于.*签收"):
        acknowledge_federation_report(report=report, actor=hub.street, comment="")


@pytest.mark.parametrize("who", ["staff", "other_street", "district", "supervisor"])
def test_only_the_streets_officers_acknowledge(hub, who):
    report = file(hub)
    with pytest.raises(PermissionDenied):
        acknowledge_federation_report(report=report, actor=getattr(hub, who), comment="")
    report.refresh_from_db()
    assert report.acknowledged_at is None


def test_reports_are_read_within_ones_area(hub):
    own = file(hub)
    other = file(hub, federation=hub.other_federation, actor=hub.other_staff)
    assert set(reports_for_user(hub.staff)) == {own}
    assert set(reports_for_user(hub.street)) == {own}
    assert set(reports_for_user(hub.other_street)) == {other}
    assert set(reports_for_user(hub.district)) == {own, other}
    assert not reports_for_user(hub.supervisor).exists()
    assert not reports_for_user(UserFactory()).exists()


def test_the_staff_file_and_the_street_acknowledges_in_the_back_office(client, hub, changes):
    client.force_login(hub.staff)
    url = reverse("federation_hub:file_report", args=[hub.federation.pk])
    form = client.get(url).content.decode()
    assert "2025年度" in form and "2019年度" not in form
    refused = client.post(url, {"year": "2025", "activities": "", "member_changes_note": "补充"})
    assert "请填写年度工作情况" in refused.content.decode() and "补充" in refused.content.decode()
    response = client.post(
        url, {"year": "2025", "activities": "开展邻里节活动。", "member_changes_note": ""}, follow=True
    )
    html = response.content.decode()
    assert "2025年度工作报告已报送街道" in html and "2025-04-10 入会：湛山社区读书会" in html
    report = FederationReport.objects.get()
    # The year filed is no longer offered.
    assert "2025年度" not in client.get(url).content.decode()

    client.force_login(hub.other_street)
    assert client.get(reverse("federation_reports:report", args=[report.pk])).status_code == 404
    assert client.post(reverse("federation_reports:report", args=[report.pk]), {"comment": "x"}).status_code == 404

    client.force_login(hub.street)
    waiting = client.get(reverse("federation_reports:index")).content.decode()
    assert "湛山街道社区社会组织联合会" in waiting and "待签收" in waiting
    response = client.post(reverse("federation_reports:report", args=[report.pk]), {"comment": "同意。"}, follow=True)
    assert "已签收" in response.content.decode()
    report.refresh_from_db()
    assert report.acknowledged_by == hub.street and report.street_comment == "同意。"


def test_the_staff_cannot_acknowledge_their_own_report_through_the_form(client, hub):
    report = file(hub)
    client.force_login(hub.staff)
    page = client.get(reverse("federation_reports:report", args=[report.pk])).content.decode()
    assert "待街道签收" in page
    response = client.post(reverse("federation_reports:report", args=[report.pk]), {"comment": "x"}, follow=True)
    assert "只有联合会所在街道的工作人员可以签收年度报告" in response.content.decode()
    report.refresh_from_db()
    assert report.acknowledged_at is None


def test_a_bad_year_in_the_form_is_refused_with_a_message(client, hub):
    client.force_login(hub.staff)
    url = reverse("federation_hub:file_report", args=[hub.federation.pk])
    for year in ("2019", "abc", str(timezone.localdate().year)):
        response = client.post(url, {"year": year, "activities": "开展活动。"})
        assert response.status_code == 200
        assert "请选择尚未报送的已结束年度" in response.content.decode()
    assert not FederationReport.objects.exists()
