"""A funded venture-philanthropy project's mid-term and final reports (DESIGN.md section 8): the
final one only after the mid-term is accepted, a returned report corrected and filed again in the
same record, an accepted final report completes the project; spending stays within the grant and
only the call's officers review."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from federation.enums import ProjectReportKind, ProjectReportResult, ProjectState
from federation.models import ProjectReport
from federation.venture import file_report, review_report, stop_funding
from federation.venture_selectors import committed_amount
from registry.enums import Role, UnitLevel
from registry.models import Notification
from registry.services.units import add_unit
from tests.federation.venture_fixtures import funded_project, organization_with_account

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.federation.venture_fixtures"]

D = Decimal
MIDTERM, FINAL = ProjectReportKind.MIDTERM, ProjectReportKind.FINAL
REPORT = {
    "progress": "已开展书画课12次。",
    "results": "参与老人86人，完成作品40幅。",
    "people_served": "240",
    "spent_amount": "8,000",
}


@pytest.fixture
def funded(venture, today):
    return funded_project(venture, today)


def file(venture, project, kind, **changes):
    return file_report(project=project, kind=kind, data=REPORT | changes, actor=venture.account)


def accept(venture, report, opinion=""):
    return review_report(report=report, accept=True, opinion=opinion, actor=venture.officer)


def give_back(venture, report, opinion="请补充活动照片和签到表。"):
    return review_report(report=report, accept=False, opinion=opinion, actor=venture.officer)


def final_refused(venture, project):
    with pytest.raises(ValidationError) as refused:
        file(venture, project, FINAL)
    assert refused.value.messages == ["中期报告审核通过后才能报送结项报告。"]
    assert not project.reports.filter(kind=FINAL).exists()


def test_the_final_report_waits_for_an_accepted_mid_term_report(venture, funded):
    final_refused(venture, funded)
    midterm = file(venture, funded, MIDTERM)
    final_refused(venture, funded)  # filed, not yet reviewed
    give_back(venture, midterm)
    final_refused(venture, funded)  # returned
    midterm = file(venture, funded, MIDTERM)
    accept(venture, midterm)
    final = file(venture, funded, FINAL, spent_amount="19500")
    assert (final.kind, final.result, final.spent_amount) == (FINAL, ProjectReportResult.PENDING, D("19500"))


def test_a_returned_report_is_corrected_and_filed_again_in_the_same_record(venture, funded):
    midterm = file(venture, funded, MIDTERM)
    with pytest.raises(ValidationError) as refused:
        file(venture, funded, MIDTERM)
    assert refused.value.messages == ["中期报告已报送，待审核或已通过。"]

    with pytest.raises(ValidationError) as refused:
        give_back(venture, midterm, opinion=" ")
    assert refused.value.message_dict == {"opinion": ["退回修改须填写审核意见。"]}
    give_back(venture, midterm)
    midterm.refresh_from_db()
    assert (midterm.result, midterm.opinion, midterm.reviewed_by) == (
        ProjectReportResult.RETURNED,
        "请补充活动照片和签到表。",
        venture.officer,
    )
    assert Notification.objects.filter(
        user=venture.account, message="项目“银龄书画进社区”的中期报告退回修改。"
    ).exists()

    again = file(venture, funded, MIDTERM, progress="已开展书画课12次，附签到表。")
    assert again.pk == midterm.pk and ProjectReport.objects.count() == 1
    again.refresh_from_db()
    assert (again.result, again.opinion, again.reviewed_by, again.reviewed_at, again.progress) == (
        ProjectReportResult.PENDING,
        "",
        None,
        None,
        "已开展书画课12次，附签到表。",
    )
    accept(venture, again)
    again.refresh_from_db()
    assert again.result == ProjectReportResult.ACCEPTED
    with pytest.raises(ValidationError) as refused:
        file(venture, funded, MIDTERM)  # an accepted report stays as it is
    assert refused.value.messages == ["中期报告已报送，待审核或已通过。"]
    with pytest.raises(ValidationError) as refused:
        accept(venture, again)
    assert refused.value.messages == ["该报告已审核。"]


def test_an_accepted_final_report_completes_the_project(venture, funded):
    accept(venture, file(venture, funded, MIDTERM))
    funded.refresh_from_db()
    assert funded.state == ProjectState.FUNDED  # the mid-term report completes nothing
    accept(venture, file(venture, funded, FINAL, spent_amount="20000"), opinion="按计划完成。")
    funded.refresh_from_db()
    assert funded.state == ProjectState.COMPLETED
    event = funded.events.last()
    assert (event.from_state, event.to_state, event.actor, event.reason) == (
        ProjectState.FUNDED,
        ProjectState.COMPLETED,
        venture.officer,
        "按计划完成。",
    )
    assert committed_amount(venture.call) == D("20000.00")  # the grant stays counted
    with pytest.raises(ValidationError) as refused:
        file(venture, funded, FINAL)
    assert refused.value.messages == ["只有资助中的项目报送报告。"]


def test_a_returned_final_report_leaves_the_project_funded(venture, funded):
    accept(venture, file(venture, funded, MIDTERM))
    give_back(venture, file(venture, funded, FINAL))
    funded.refresh_from_db()
    assert funded.state == ProjectState.FUNDED


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"spent_amount": "20000.01"}, {"spent_amount": ["已使用资金不能超过资助金额。"]}),
        ({"spent_amount": "-1"}, {"spent_amount": ["已使用资金须为不小于零的金额（元）。"]}),
        ({"spent_amount": "八千"}, {"spent_amount": ["已使用资金须为不小于零的金额（元）。"]}),
        ({"people_served": "-3"}, {"people_served": ["服务人次须为不小于零的整数。"]}),
        ({"people_served": "2.5"}, {"people_served": ["服务人次须为不小于零的整数。"]}),
    ],
)
def test_a_report_is_checked_and_nothing_is_saved_when_wrong(venture, funded, changes, errors):
    with pytest.raises(ValidationError) as refused:
        file(venture, funded, MIDTERM, **changes)
    assert refused.value.message_dict == errors
    assert not ProjectReport.objects.exists()


def test_spending_the_whole_grant_is_allowed(venture, funded):
    assert file(venture, funded, MIDTERM, spent_amount="20000").spent_amount == D("20000")


def test_only_a_funded_project_reports(venture, funded):
    stop_funding(project=funded, paid_amount="5000", reason="中期检查未通过", actor=venture.officer)
    with pytest.raises(ValidationError) as refused:
        file(venture, funded, MIDTERM)
    assert refused.value.messages == ["只有资助中的项目报送报告。"]


def test_only_the_organizations_accounts_file(venture, tree, funded):
    _other, stranger = organization_with_account(tree.badaguan, "太平角社区摄影队", "photographers")
    with pytest.raises(PermissionDenied):
        file_report(project=funded, kind=MIDTERM, data=REPORT, actor=stranger)
    assert not ProjectReport.objects.exists()


def test_only_the_calls_officers_review(venture, tree, make_officer, funded):
    report = file(venture, funded, MIDTERM)
    shibei = add_unit(parent=tree.city, code="370203", name="市北区", level=UnitLevel.DISTRICT)
    outsiders = [
        make_officer(Role.STREET_OFFICER, tree.zhanshan),
        venture.account,
        make_officer(Role.DISTRICT_OFFICER, shibei),
        venture.manager,
    ]
    for user in outsiders:
        with pytest.raises(PermissionDenied):
            review_report(report=report, accept=True, opinion="", actor=user)
        with pytest.raises(PermissionDenied):
            review_report(report=report, accept=False, opinion="退回", actor=user)
    report.refresh_from_db()
    assert (report.result, report.reviewed_by) == (ProjectReportResult.PENDING, None)
