"""Annual reports: who must report, filing once per year by the organization, the officer's
result with a reason, and results public per year. The steps of a report (draft, submission,
return for correction, result) are tested in test_annual_report_workflow.py."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from portal.site_structure import ensure_site_pages
from registry.enums import AnnualReportResult, OrganizationKind, Role
from registry.models import AnnualReport
from registry.services.annual_reports import (
    must_report,
    report_due_date,
    set_annual_report_result,
    submit_annual_report,
)
from registry.services.roles import link_organization_account
from tests.factories import UserFactory, create_org

pytestmark = pytest.mark.django_db

FACTS = {
    "income": Decimal("120000.00"),
    "expenditure": Decimal("98000.50"),
    "net_assets": Decimal("56000.00"),
    "staff": 3,
    "volunteers": 40,
    "activities": "开展社区书画培训12次。",
}


@pytest.fixture
def society(tree):
    return create_org(street=tree.zhanshan, name="湛山书画研究会", founded_on=datetime.date(2015, 3, 1))


@pytest.fixture
def account(society):
    user = UserFactory()
    link_organization_account(user=user, organization=society)
    return user


def test_due_date_and_who_must_report(tree):
    assert report_due_date(2025) == datetime.date(2026, 5, 31)
    early = create_org(street=tree.zhanshan, founded_on=datetime.date(2025, 6, 30))
    late = create_org(street=tree.zhanshan, founded_on=datetime.date(2025, 7, 1))
    group = create_org(street=tree.zhanshan, kind=OrganizationKind.COMMUNITY_GROUP)
    assert must_report(early, 2025)
    assert not must_report(late, 2025)  # registered less than six months before 31 December
    assert must_report(late, 2026)
    assert not must_report(group, 2025)


def test_the_organization_files_once_a_year(society, account):
    report = submit_annual_report(organization=society, actor=account, year=2025, **FACTS)
    assert report.result == ""
    with pytest.raises(ValidationError) as second:
        submit_annual_report(organization=society, actor=account, year=2025, **FACTS)
    assert second.value.messages == ["该年度的年度报告已经报送。"]
    with pytest.raises(PermissionDenied):
        submit_annual_report(organization=society, actor=UserFactory(), year=2024, **FACTS)
    with pytest.raises(ValidationError, match="金额不能为负数"):
        submit_annual_report(organization=society, actor=account, year=2024, **{**FACTS, "income": Decimal("-1")})


def test_the_result_is_set_by_an_officer_who_manages_it_with_a_reason(tree, society, account, make_officer):
    report = submit_annual_report(organization=society, actor=account, year=2025, **FACTS)
    with pytest.raises(PermissionDenied):
        set_annual_report_result(
            report=report,
            actor=make_officer(Role.STREET_OFFICER, tree.zhanshan),
            result=AnnualReportResult.PASS,
            reason="x",
        )
    district = make_officer(Role.DISTRICT_OFFICER, tree.district)
    with pytest.raises(ValidationError, match="请填写结果说明"):
        set_annual_report_result(report=report, actor=district, result=AnnualReportResult.PASS, reason="")
    report = set_annual_report_result(
        report=report, actor=district, result=AnnualReportResult.BASIC_PASS, reason="财务报表附注不全"
    )
    assert report.get_result_display() == "基本合格" and report.result_by == district
    assert account.notifications.filter(message__contains="基本合格").exists()


def test_results_are_public_per_year_and_set_in_the_admin(client, tree, society, account, make_officer):
    ensure_site_pages()
    report = submit_annual_report(organization=society, actor=account, year=2025, **FACTS)
    client.force_login(make_officer(Role.DISTRICT_OFFICER, tree.district))
    response = client.post(
        reverse("annual_reports:edit", args=[report.pk]), {"result": "pass", "result_reason": "材料齐全"}
    )
    assert response.status_code == 302
    client.logout()
    html = client.get(f"/directory/{society.uscc}/").content.decode()
    assert "<td>2025</td><td>合格</td>" in html
    assert "98000.50" not in html  # the report's figures are not on the public page


@pytest.mark.django_db(transaction=True)
def test_a_double_submission_files_one_report_and_refuses_the_other_with_a_message(tree):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serializes writers, so submissions cannot race for the row lock")
    society = create_org(street=tree.zhanshan, name="湛山书画研究会", founded_on=datetime.date(2015, 3, 1))
    accounts = [UserFactory(), UserFactory()]
    for user in accounts:
        link_organization_account(user=user, organization=society)
    start = threading.Barrier(len(accounts))
    outcomes = []

    def submit(user):
        try:
            start.wait()
            submit_annual_report(organization=society, actor=user, year=2025, **FACTS)
            outcomes.append("filed")
        except ValidationError as error:
            outcomes.append(error.messages)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(user,)) for user in accounts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str) == sorted(["filed", ["该年度的年度报告已经报送。"]], key=str)
    assert AnnualReport.objects.filter(organization=society, year=2025).count() == 1
