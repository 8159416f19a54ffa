"""The public annual-report results per year: each year's results of public organizations
(organization, kind, result), newest year first with a year selector, linked from the
organization page; never the reported figures, never an organization not yet public."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.site_structure import ensure_site_pages
from registry.enums import AnnualReportResult, OrganizationKind, OrganizationStatus
from registry.models import AnnualReport
from tests.factories import create_org

pytestmark = pytest.mark.django_db

URL = "/annual-reports/"
FACTS = {
    "income": Decimal("120000.00"),
    "expenditure": Decimal("98765.43"),
    "net_assets": Decimal("56000.00"),
    "staff": 3,
    "volunteers": 40,
    "activities": "开展社区书画培训12次。",
}


def report(organization, year, result=""):
    return AnnualReport.objects.create(
        organization=organization, year=year, result=result, state="checked" if result else "submitted", **FACTS
    )


@pytest.fixture
def results(tree):
    society = create_org(street=tree.zhanshan, name="湛山书画研究会", founded_on=datetime.date(2015, 3, 1))
    school = create_org(
        street=tree.badaguan,
        name="八大关艺术培训学校",
        kind=OrganizationKind.SERVICE_INSTITUTION,
        founded_on=datetime.date(2016, 1, 1),
    )
    pending = create_org(street=tree.zhanshan, name="尚未登记的协会", status=OrganizationStatus.PENDING)
    report(society, 2024, AnnualReportResult.PASS)
    report(society, 2025, AnnualReportResult.BASIC_PASS)
    report(school, 2025, AnnualReportResult.FAIL)
    report(school, 2024)  # no result yet: not public
    report(pending, 2025, AnnualReportResult.PASS)
    return society, school


def test_the_latest_year_is_shown_first_with_every_public_result(client, results):
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["years"] == [2025, 2024] and response.context["year"] == 2025
    assert "2025年度报告检查结果" in html
    assert "湛山书画研究会" in html and "<td>基本合格</td>" in html
    assert "八大关艺术培训学校" in html and "<td>民办非企业单位</td>" in html and "<td>不合格</td>" in html
    assert "尚未登记的协会" not in html
    assert "98765.43" not in html and "开展社区书画培训12次" not in html
    assert '<option value="2024">' in html and '<option value="2025" selected>' in html


def test_a_year_is_chosen_with_the_selector(client, results):
    html = client.get(URL, {"year": "2024"}).content.decode()
    assert "2024年度报告检查结果" in html and "湛山书画研究会" in html and "<td>合格</td>" in html
    assert "<td>基本合格</td>" not in html
    assert "八大关艺术培训学校" not in html  # its 2024 report has no result yet


@pytest.mark.parametrize("asked", ["1999", "abc", "20255", "２０２５"])
def test_a_year_without_results_gets_a_message_not_an_error(client, results, asked):
    response = client.get(URL, {"year": asked})
    assert response.status_code == 404
    assert "年度公开的年度报告检查结果" in response.content.decode()


def test_no_results_at_all(client, tree):
    response = client.get(URL)
    assert response.status_code == 200 and "暂无公开的年度报告检查结果" in response.content.decode()


def test_the_organization_page_links_to_the_results_and_they_link_back(client, results):
    ensure_site_pages()
    society, _school = results
    html = client.get(f"/directory/{society.uscc}/").content.decode()
    assert f'href="{reverse("annual_report_results")}"' in html
    assert f'href="/directory/{society.uscc}/"' in client.get(URL).content.decode()


def test_the_page_takes_as_many_queries_for_one_organization_as_for_three(client, tree):
    first = create_org(street=tree.zhanshan, founded_on=datetime.date(2015, 1, 1))
    report(first, 2025, AnnualReportResult.PASS)
    client.get(URL)
    with CaptureQueriesContext(connection) as one:
        client.get(URL)
    for _ in range(2):
        report(create_org(street=tree.zhanshan, founded_on=datetime.date(2015, 1, 1)), 2025, AnnualReportResult.PASS)
    with CaptureQueriesContext(connection) as three:
        client.get(URL)
    assert len(three) == len(one)
