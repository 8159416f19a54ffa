"""Grades on the public site: the organization page's current and other grades, the directory's
filters by grade and for government purchase of services (3A and above) with their counts, the
API's `grade` and evaluation figures, and the statistics page."""

import datetime
import re
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from evaluation.enums import CaseState, Grade, GradeChangeKind, GradeStatus
from evaluation.models import Assignment, Campaign, Case, GradeChange, Indicator, Score
from portal.charts import rate_chart
from portal.models import HomePage
from portal.site_structure import ensure_site_pages
from registry.enums import OrganizationKind, OrganizationStatus
from registry.selectors.directory import DirectoryFilters, facet_counts, search_directory
from tests.factories import create_org

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.evaluation.grade_fixtures"]

YEAR = datetime.timedelta(days=365)


def in_force(today) -> tuple[datetime.date, datetime.date]:
    """The validity of a grade in force on `today`: from a year before, for three years after."""
    return today - YEAR, today + 3 * YEAR


def expired(today) -> tuple[datetime.date, datetime.date]:
    """The validity of a grade that ended a year and a day before `today`."""
    return today - 6 * YEAR, today - YEAR - datetime.timedelta(days=1)


def upcoming(today) -> tuple[datetime.date, datetime.date]:
    """The validity of a grade that starts a year after `today`."""
    return today + YEAR, today + 5 * YEAR


def page_of(organization) -> str:
    return f"/directory/{quote(organization.identifier)}/"


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
def graded(tree, evaluation, grant, today):
    """Organizations of 湛山街道 with current grades 5A, 4A, 3A and 2A, one whose 4A expired,
    one whose 4A was cancelled, and one without any grade; 八大关街道 has one 3A."""
    street = tree.zhanshan
    organizations = {
        "5A": evaluation.organization,
        "4A": create_org(street=street, name="湛山养老服务中心", kind=OrganizationKind.SERVICE_INSTITUTION),
        "3A": create_org(street=street, name="湛山志愿服务协会"),
        "2A": create_org(street=street, name="湛山棋牌协会"),
        "expired": create_org(street=street, name="湛山老年大学协会"),
        "cancelled": create_org(street=street, name="湛山文化促进会"),
        "none": create_org(street=street, name="湛山体育协会"),
        "badaguan": create_org(street=tree.badaguan, name="八大关旅游协会"),
    }
    for grade in ("5A", "4A", "3A", "2A"):
        grant(organizations[grade], grade, valid=in_force(today))
    grant(organizations["expired"], Grade.A4, valid=expired(today))
    cancelled = grant(organizations["cancelled"], Grade.A4, valid=in_force(today), status=GradeStatus.CANCELLED)
    GradeChange.objects.create(
        grade=cancelled,
        kind=GradeChangeKind.CANCEL,
        from_grade=Grade.A4,
        reason="受到行政处罚",
        decided_by=evaluation.officer,
        decided_on=today - datetime.timedelta(days=20),
        return_due_on=today - datetime.timedelta(days=5),
    )
    grant(organizations["badaguan"], Grade.A3, valid=in_force(today))
    return organizations


# --- The organization page ---------------------------------------------------------------------------


def test_page_shows_the_current_grade_with_validity_and_framework(client, site, graded, today):
    valid_from, valid_until = in_force(today)
    html = client.get(page_of(graded["4A"])).content.decode()
    current = html[html.index('id="grade-heading"') : html.index('id="annual-heading"')]
    assert '<strong class="grade">4A</strong>' in current
    assert f"{valid_from:%Y-%m-%d} 至 {valid_until:%Y-%m-%d}" in current
    assert "测试指标体系（第1版）" in current
    assert "有资格承接政府购买服务" in current
    assert "<table" not in current  # no other grades


def test_page_of_a_2a_organization_does_not_claim_purchase_eligibility(client, site, graded):
    html = client.get(page_of(graded["2A"])).content.decode()
    assert '<strong class="grade">2A</strong>' in html
    assert "有资格承接政府购买服务" not in html


def final_case(campaign, organization, evaluation) -> Case:
    return Case.objects.create(
        campaign=campaign,
        organization=organization,
        framework=evaluation.framework,
        applicant=evaluation.account,
        state=CaseState.FINAL,
    )


def test_page_lists_expired_cancelled_and_upcoming_grades_beside_the_current_one(
    client, site, graded, grant, earlier_campaign, evaluation, today
):
    organization = graded["3A"]
    # An earlier 5A that expired, and a newer 4A whose validity starts next year.
    grant(organization, Grade.A5, valid=expired(today), case=final_case(earlier_campaign, organization, evaluation))
    later_campaign = Campaign.objects.create(
        name="下一年度评估",
        year=2030,
        authority=evaluation.campaign.authority,
        committee=evaluation.committee,
        applications_open_on=datetime.date(2030, 3, 1),
        applications_close_on=datetime.date(2030, 6, 30),
        scoring_closes_on=datetime.date(2030, 9, 30),
    )
    later = final_case(later_campaign, organization, evaluation)
    grant(organization, Grade.A4, valid=upcoming(today), case=later, awarded_on=today)
    html = client.get(page_of(organization)).content.decode()
    assert '<strong class="grade">3A</strong>' in html
    rows = re.findall(r"<tr><td>(\dA)</td><td>[\d-]+</td><td>[^<]+</td><td[^>]*>[^<]+</td><td>([^<]+)", html)
    assert rows == [("4A", "已授予，尚未生效"), ("5A", "已过期")]

    cancelled = client.get(page_of(graded["cancelled"])).content.decode()
    assert "暂无有效的评估等级" in cancelled
    assert "已取消" in cancelled and "取消等级" in cancelled
    assert "受到行政处罚" not in cancelled  # the reason stays with the district


def test_page_without_grades_says_so_and_community_groups_show_no_grade_section(client, site, graded, tree):
    assert "暂无有效的评估等级" in client.get(page_of(graded["none"])).content.decode()
    group = create_org(street=tree.zhanshan, kind=OrganizationKind.COMMUNITY_GROUP)
    assert "grade-heading" not in client.get(page_of(group)).content.decode()


def test_page_renders_in_a_constant_number_of_queries_whatever_the_grades(
    client, site, graded, grant, earlier_campaign, evaluation, today
):
    organization = graded["3A"]
    grant(organization, Grade.A5, valid=expired(today), case=final_case(earlier_campaign, organization, evaluation))
    client.get(page_of(organization))  # warm the per-process caches
    with CaptureQueriesContext(connection) as one:
        client.get(page_of(organization))
    for year in (2018, 2019, 2020):
        campaign = Campaign.objects.create(
            name=f"{year}年度评估",
            year=year,
            authority=evaluation.campaign.authority,
            committee=evaluation.committee,
            applications_open_on=datetime.date(year, 3, 1),
            applications_close_on=datetime.date(year, 6, 30),
            scoring_closes_on=datetime.date(year, 9, 30),
        )
        grant(organization, Grade.A2, valid=expired(today), case=final_case(campaign, organization, evaluation))
    with CaptureQueriesContext(connection) as four:
        response = client.get(page_of(organization))
    assert len(response.context["other_grades"]) == 4
    assert len(one) == len(four)


# --- The directory ---------------------------------------------------------------------------------


def names(**extra) -> set[str]:
    return {organization.name for organization in search_directory(DirectoryFilters(extra=extra))}


def test_directory_filters_by_current_grade(graded):
    assert names(grade=["4A"]) == {"湛山养老服务中心"}
    assert names(grade=["5A", "2A"]) == {"市南区老年书画研究会", "湛山棋牌协会"}
    assert names(grade=["1A"]) == set()


def test_directory_filters_organizations_eligible_for_government_purchase(graded):
    assert names(purchase=["eligible"]) == {
        "市南区老年书画研究会",
        "湛山养老服务中心",
        "湛山志愿服务协会",
        "八大关旅游协会",
    }


def test_grade_facets_count_with_the_other_filters_applied(graded, tree):
    counts = facet_counts(DirectoryFilters(street=[tree.zhanshan.code]))
    assert counts["grade"] == [("5A", "5A", 1), ("4A", "4A", 1), ("3A", "3A", 1), ("2A", "2A", 1), ("1A", "1A", 0)]
    assert counts["purchase"] == [("eligible", "有资格承接政府购买服务（3A及以上）", 3)]
    # The grade filter narrows the other facets' counts, but not its own.
    counts = facet_counts(DirectoryFilters(extra={"grade": ["3A"]}))
    assert {code: n for code, _label, n in counts["street"]} == {tree.zhanshan.code: 1, tree.badaguan.code: 1}
    assert counts["grade"][2] == ("3A", "3A", 2)
    assert counts["purchase"] == [("eligible", "有资格承接政府购买服务（3A及以上）", 2)]
    # With a search, whose relevance the directory's query annotates.
    counts = facet_counts(DirectoryFilters(q="协会", extra={"purchase": ["eligible"]}))
    assert counts["grade"] == [("5A", "5A", 0), ("4A", "4A", 0), ("3A", "3A", 2), ("2A", "2A", 0), ("1A", "1A", 0)]
    assert counts["purchase"] == [("eligible", "有资格承接政府购买服务（3A及以上）", 2)]


def test_directory_page_offers_the_grade_filters_with_counts(client, site, graded):
    assert client.get("/directory/", {"grade": "bogus", "purchase": "x"}).status_code == 200
    response = client.get("/directory/", {"purchase": "eligible", "grade": "4A"})
    html = response.content.decode()
    assert [o.name for o in response.context["results"]] == ["湛山养老服务中心"]
    assert re.search(r'name="grade" value="4A" checked> 4A <span class="count">（1）', html)
    assert re.search(
        r'name="purchase" value="eligible" checked> 有资格承接政府购买服务（3A及以上） <span class="count">（1）', html
    )


def test_grade_filter_takes_a_constant_number_of_queries(client, site, graded):
    client.get("/directory/", {"grade": "4A"})  # warm the per-process caches
    with CaptureQueriesContext(connection) as few:
        client.get("/directory/", {"grade": "4A"})
    with CaptureQueriesContext(connection) as many:
        response = client.get("/directory/", {"grade": ["5A", "4A", "3A"]})
    assert len(response.context["results"]) == 4
    assert len(few) == len(many)


# --- The API ----------------------------------------------------------------------------------------


def test_api_gives_the_current_grade_with_framework_and_validity(client, graded, today):
    valid_from, valid_until = in_force(today)
    data = client.get(f"/api/v1/organizations/{graded['4A'].uscc}").json()
    assert data["grade"] == {
        "grade": "4A",
        "framework": {"code": "small", "version": 1, "name": "测试指标体系"},
        "valid_from": valid_from.isoformat(),
        "valid_until": valid_until.isoformat(),
    }
    for key in ("none", "expired", "cancelled"):
        assert client.get(f"/api/v1/organizations/{graded[key].uscc}").json()["grade"] is None, key


def test_api_lists_filter_by_grade_and_purchase_eligibility(client, graded):
    data = client.get("/api/v1/organizations", {"grade": ["5A", "4A"]}).json()
    assert {item["name"] for item in data["results"]} == {"市南区老年书画研究会", "湛山养老服务中心"}
    data = client.get("/api/v1/organizations", {"purchase": "eligible"}).json()
    assert data["count"] == 4
    for bad in ({"grade": "6A"}, {"purchase": "yes"}):
        response = client.get("/api/v1/organizations", bad)
        assert 400 <= response.status_code < 500 and response.json()["detail"]


def test_api_statistics_give_the_evaluation_rate_and_distribution(client, graded, tree):
    data = client.get("/api/v1/statistics").json()
    rate = data["evaluation_rate"]
    # 5 of 8 registered organizations in force hold a grade in force.
    assert rate["overall"] == 0.625
    assert rate["by_kind"] == {"social_group": round(4 / 7, 4), "service_institution": 1.0, "foundation": None}
    assert rate["by_street"] == {tree.badaguan.code: 1.0, tree.zhanshan.code: round(4 / 7, 4)}
    assert rate["target"] == 0.6
    counts = data["evaluation_counts"]
    assert counts["overall"] == {"graded": 5, "registered": 8}
    assert counts["by_kind"]["social_group"] == {"graded": 4, "registered": 7}
    assert counts["by_street"][tree.zhanshan.code] == {"graded": 4, "registered": 7}
    assert data["grade_distribution"] == [
        {"code": "5A", "label": "5A", "count": 1},
        {"code": "4A", "label": "4A", "count": 1},
        {"code": "3A", "label": "3A", "count": 2},
        {"code": "2A", "label": "2A", "count": 1},
        {"code": "1A", "label": "1A", "count": 0},
    ]


def test_openapi_describes_the_grade_and_the_evaluation_figures(client):
    schema = client.get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]
    detail = schema["paths"]["/api/v1/organizations/{identifier}"]["get"]["responses"]["200"]
    assert detail["content"]["application/json"]["schema"]["$ref"].endswith("/OrganizationDetailOut")
    grade = components["OrganizationDetailOut"]["properties"]["grade"]
    assert {"$ref": "#/components/schemas/GradeOut"} in grade["anyOf"] and {"type": "null"} in grade["anyOf"]
    assert "grade" in components["OrganizationDetailOut"]["required"]
    assert components["GradeOut"]["properties"]["valid_from"]["format"] == "date"
    assert components["GradeOut"]["properties"]["grade"]["enum"] == ["5A", "4A", "3A", "2A", "1A"]
    assert set(components["FrameworkOut"]["properties"]) == {"code", "version", "name"}
    statistics = components["StatisticsOut"]["properties"]
    assert {"evaluation_rate", "evaluation_counts", "grade_distribution"} <= set(statistics)
    assert set(components["EvaluationRateOut"]["properties"]) == {"overall", "by_kind", "by_street", "target"}
    parameters = {p["name"] for p in schema["paths"]["/api/v1/organizations"]["get"]["parameters"]}
    assert {"grade", "purchase"} <= parameters


# --- The statistics page ---------------------------------------------------------------------------


def submitted_scores(case, assessors, points: list[str]) -> None:
    chapter = Indicator.objects.get(framework=case.framework, code="2")  # 50 points
    for assessor, value in zip(assessors, points, strict=True):
        assignment = Assignment.objects.create(
            case=case, assessor=assessor, assigned_by=assessor, submitted_at=timezone.now()
        )
        Score.objects.create(assignment=assignment, indicator=chapter, points=Decimal(value))


def test_statistics_page_shows_rates_against_the_target_distribution_and_agreement(
    client, site, graded, evaluation, make_case, tree
):
    a, b, _c = evaluation.assessors
    deregistered = create_org(street=tree.badaguan, status=OrganizationStatus.DEREGISTERED)  # not in the rate
    submitted_scores(make_case(state=CaseState.MODERATION, organization=graded["none"]), [a, b], ["40", "35"])
    submitted_scores(make_case(state=CaseState.FINAL, organization=deregistered), [a, b], ["40", "20"])
    html = client.get("/statistics/").content.decode()
    section = html[html.index('id="evaluation-heading"') :]
    assert "<dt>评估率</dt><dd>62.5%</dd>" in section
    assert "<dt>目标</dt><dd>60%</dd>" in section
    assert '<th scope="row">社会团体</th><td>4</td><td>7</td><td>57.1%</td><td>否</td>' in section
    assert '<th scope="row">民办非企业单位</th><td>1</td><td>1</td><td>100.0%</td><td>是</td>' in section
    assert '<th scope="row">基金会</th><td>0</td><td>0</td><td>—</td><td>—</td>' in section
    assert '<th scope="row">湛山街道</th><td>4</td><td>7</td><td>57.1%</td><td>否</td>' in section
    assert '<th scope="row">3A</th><td>2</td>' in section
    assert section.count("<svg") == 3  # by kind, by street, distribution
    assert "目标 60%" in section
    # One of the two indicators differs by at most 20% of its maximum; spreads 10% and 40%.
    assert "<dt>评分一致的指标</dt><dd>50.0%</dd>" in section
    assert "<dd>25.0%</dd>" in section


def test_statistics_page_below_target_and_without_scores(client, site, tree, evaluation):
    html = client.get("/statistics/").content.decode()
    section = html[html.index('id="evaluation-heading"') :]
    assert "<dt>评估率</dt><dd>0.0%</dd>" in section
    assert '<th scope="row">湛山街道</th><td>0</td><td>1</td><td>0.0%</td><td>否</td>' in section
    assert "暂无已提交的专家评分" in section


def test_rate_chart_scales_to_100_percent_and_marks_the_target():
    chart = rate_chart(
        [
            {"label": "甲", "rate": 1.0, "reached": True},
            {"label": "乙", "rate": 0.25, "reached": False},
            {"label": "丙", "rate": None, "reached": False},
        ],
        target=0.6,
        width=400,
        label_width=100,
    )
    full, quarter, empty = chart["bars"]
    assert full.width == chart["room"] == 4 * quarter.width
    assert (full.text, quarter.text, empty.text, empty.width) == ("100.0%", "25.0%", "—", 0)
    assert full.colour != quarter.colour == empty.colour
    assert chart["target_x"] == 100 + 0.6 * chart["room"]
    assert chart["value_x"] > 100 + chart["room"]  # the figures never sit on a bar or the line
