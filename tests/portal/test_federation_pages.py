"""The public federation pages: /federations/ and /federations/<street code>/ with the council,
the members linked to their directory pages, members per community and the acknowledged yearly
work; no personal data such as phone numbers; 404 for an unknown street; the statistics page's
per-street section links to them."""

import datetime
import re
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from federation.council import appoint_council_member
from federation.enums import CouncilRole
from federation.models import Membership
from federation.reports import acknowledge_federation_report, file_federation_report
from federation.services import admit_member
from portal.models import HomePage
from portal.site_structure import ensure_site_pages
from registry.enums import OrganizationKind
from tests.factories import create_org

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.federation.hub_fixtures"]

PHONE = re.compile(r"1[3-9]\d{9}|0532-?\d{7,8}")


@pytest.fixture
def site(db):
    """The directory and statistics pages. Without migrations (--nomigrations) the data
    migrations' root page, home page and site are missing, so they are made here first."""
    if not HomePage.objects.exists():
        Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
        root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
        home = root.add_child(instance=HomePage(title="市南区社会组织门户", slug="home"))
        Site.objects.update_or_create(
            is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": home}
        )
    return ensure_site_pages()


@pytest.fixture
def federation(hub):
    """湛山's federation with a council, a former member and two yearly reports, one acknowledged."""
    for organization, role in (
        (hub.choir, CouncilRole.PRESIDENT),
        (hub.society, CouncilRole.VICE_PRESIDENT),
        (hub.dance, CouncilRole.SECRETARY_GENERAL),
    ):
        appoint_council_member(
            federation=hub.federation,
            organization=organization,
            role=role,
            person_name=organization.legal_representative,
            started_on=datetime.date(2023, 1, 5),
            actor=hub.staff,
        )
    acknowledged = file_federation_report(
        federation=hub.federation, year=2024, activities="开展邻里节和志愿服务活动36场。", actor=hub.staff
    )
    acknowledge_federation_report(report=acknowledged, actor=hub.street, comment="内部意见：加强财务管理。")
    file_federation_report(federation=hub.federation, year=2025, activities="尚未签收的报告内容。", actor=hub.staff)
    return hub.federation


def page(client, street):
    response = client.get(f"/federations/{street.code}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_the_federation_its_council_and_its_members(client, site, hub, federation, tree):
    html = page(client, tree.zhanshan)
    assert "湛山街道社区社会组织联合会" in html and "湛山街道" in html
    assert "2020-01-01" in html and "青岛市市南区湛山路1号" in html
    council = html[html.index('id="council-heading"') : html.index('id="members-heading"')]
    assert re.findall(r"<th scope=\"row\">(.+?)</th>\s*<td lang=\"zh-Hans\">(.+?)</td>", council) == [
        ("会长", "王桂兰"),
        ("副会长", "张建国"),
        ("秘书长", "刘淑芬"),
    ]
    assert f'href="/directory/{quote(hub.society.identifier)}/">湛山书画研究会</a>' in council
    members = html[html.index('id="members-heading"') : html.index('id="work-heading"')]
    for organization in (hub.choir, hub.dance, hub.society):
        assert f'href="/directory/{quote(organization.identifier)}/">{organization.name}</a>' in members
    # Per community: 盐城路 has the choir and the society, 仰口路 the dance team.
    assert re.findall(r'<th scope="row" lang="zh-Hans">(.+?)</th><td>(\d+)</td>', members) == [
        ("盐城路社区", "2"),
        ("仰口路社区", "1"),
    ]


def test_the_work_is_the_acknowledged_reports_activities(client, site, hub, federation, tree):
    html = page(client, tree.zhanshan)
    assert "2024年度" in html and "开展邻里节和志愿服务活动36场。" in html
    assert "尚未签收的报告内容" not in html and "2025年度" not in html
    assert "内部意见" not in html  # the street's comment is for the federation, not the public


def test_no_personal_data_and_no_phone_number_is_shown(client, site, hub, federation, tree):
    html = page(client, tree.zhanshan)
    assert not PHONE.findall(html)
    assert "于晓燕" not in html  # the federation's contact person


def test_former_members_are_not_listed(client, site, hub, federation, tree):
    Membership.objects.filter(organization=hub.dance).update(left_on=datetime.date(2025, 6, 30))
    members = page(client, tree.zhanshan).split('id="members-heading"')[1].split('id="work-heading"')[0]
    assert "仰口路社区舞蹈队" not in members


def test_unknown_streets_and_streets_without_a_federation_answer_404(client, site, hub, tree):
    assert client.get("/federations/370202999/").status_code == 404
    assert client.get(f"/federations/{tree.yancheng.code}/").status_code == 404  # a community
    assert client.get("/federations/%E6%B9%9B%E5%B1%B1/").status_code == 404
    federation = hub.other_federation
    federation.delete()
    assert client.get(f"/federations/{tree.badaguan.code}/").status_code == 404


def test_the_list_links_every_federation_with_its_member_count(client, site, hub, federation, tree):
    html = client.get("/federations/").content.decode()
    assert f'href="/federations/{tree.zhanshan.code}/"' in html and f'href="/federations/{tree.badaguan.code}/"' in html
    row = html[html.index(f"/federations/{tree.zhanshan.code}/") :].split("</tr>")[0]
    assert "<td>3</td>" in row


def test_the_english_page_reads_too(client, site, hub, federation, tree):
    response = client.get(f"/en/federations/{tree.zhanshan.code}/")
    assert response.status_code == 200 and "王桂兰" in response.content.decode()


def test_the_statistics_page_has_the_per_street_section_with_links(client, site, hub, federation, tree):
    html = client.get("/statistics/").content.decode()
    section = html[html.index('id="streets-heading"') : html.index('id="evaluation-heading"')]
    assert f'href="/federations/{tree.zhanshan.code}/">湛山街道社区社会组织联合会</a>' in section
    assert "盐城路社区（1）、仰口路社区（1）" in section  # filed community groups, both short of ten
    assert "未设服务中心" in section


def test_the_pages_take_as_many_queries_for_three_members_as_for_six(client, site, hub, federation, tree):
    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    urls = [f"/federations/{tree.zhanshan.code}/", "/federations/"]
    [queries(url) for url in urls]  # the site and its settings are cached from the first request on
    before = [queries(url) for url in urls]
    for _n in range(3):
        member = create_org(street=tree.zhanshan, community=tree.yangkou, kind=OrganizationKind.COMMUNITY_GROUP)
        admit_member(
            federation=hub.federation, organization=member, joined_on=datetime.date(2023, 1, 1), actor=hub.staff
        )
    assert [queries(url) for url in urls] == before
