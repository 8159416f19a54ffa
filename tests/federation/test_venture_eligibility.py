"""Who may submit a venture-philanthropy project, and when (DESIGN.md section 8): each eligibility
rule of the call refuses with its reason and passes once the cause is gone, is not checked when
the call switches it off, and is checked again when the project is funded; the submission dates,
one project per organization and call, the tier's ceiling, closed organizations and other
organizations' accounts; withdrawing before the experts have the project."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from evaluation.enums import CaseState
from evaluation.models import Case
from federation.enums import ProjectState, VentureRule
from federation.models import ProjectEvent, VentureProject
from federation.venture import (
    decide_funding,
    open_review,
    save_call,
    save_draft,
    stop_funding,
    submit_project,
    withdraw_project,
)
from federation.venture_selectors import committed_amount, rule_results
from registry.enums import CreditList, ListingCause, OrganizationKind, OrganizationStatus, PenaltyKind
from registry.models import Organization
from registry.services.annual_reports import submit_annual_report
from registry.services.credit import list_organization, record_penalty, remove_listing, years_before
from tests.federation.venture_fixtures import (
    DAY,
    TIERS,
    call_data,
    change_call,
    close_submissions,
    organization_with_account,
    project_data,
    review,
    submissions_open_on,
    submitted_project,
)

pytest_plugins = ["tests.federation.venture_fixtures"]

REPORT_FACTS = {
    "income": 1000,
    "expenditure": 800,
    "net_assets": 200,
    "staff": 1,
    "volunteers": 10,
    "activities": "开展书画展览。",
}


def chinese_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def draft(venture, organization=None, account=None, today=None, tier="一般项目", **changes) -> VentureProject:
    return save_draft(
        project=None,
        call=venture.call,
        organization=organization or venture.organization,
        data=project_data(venture.tiers[tier], **changes),
        actor=account or venture.account,
        today=today,
    )


def refused_with_nothing_written(project, account, today=None) -> list[str]:
    """Submit, expect the eligibility refusal, check nothing was written; the reasons given."""
    with pytest.raises(ValidationError) as refused:
        submit_project(project=project, actor=account, today=today)
    project.refresh_from_db()
    assert (project.state, project.case, project.submitted_at, project.eligibility) == (
        ProjectState.DRAFT,
        None,
        None,
        [],
    )
    assert not Case.objects.filter(organization=project.organization, campaign=project.call.campaign).exists()
    assert not project.events.exists()
    messages = refused.value.messages
    assert messages[0] == "不符合本期公益创投的申报条件："
    return messages[1:]


def result_of(project, rule) -> dict:
    return next(result for result in project.eligibility if result["rule"] == rule)


def registered_society(venture, tree):
    """A social group registered in 2010 (it files annual reports), with its account."""
    return organization_with_account(
        tree.zhanshan,
        "市南区老年书画研究会",
        "society_account",
        kind=OrganizationKind.SOCIAL_GROUP,
        founded_on=datetime.date(2010, 1, 1),
    )


# --- Credit lists ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("credit_list", "cause", "words"),
    [
        (CreditList.ABNORMAL_ACTIVITY, ListingCause.UNREACHABLE, "列入活动异常名录（通过登记的住所无法联系）"),
        (CreditList.SERIOUS_VIOLATION, ListingCause.OTHER, "列入严重违法失信名单（其他）"),
    ],
)
def test_a_listed_organization_is_refused_with_the_listing_and_passes_once_removed(
    venture, today, credit_list, cause, words
):
    project = draft(venture)
    listed_on = today - 20 * DAY
    listing = list_organization(
        organization=venture.organization,
        credit_list=credit_list,
        cause=cause,
        listed_on=listed_on,
        actor=venture.officer,
    )
    assert refused_with_nothing_written(project, venture.account) == [f"自{chinese_date(listed_on)}起{words}。"]

    remove_listing(listing=listing, actor=venture.officer, reason="已恢复联系", on=today)
    project = submit_project(project=project, actor=venture.account)
    assert project.state == ProjectState.SUBMITTED and project.case.state == CaseState.DRAFT
    assert result_of(project, VentureRule.CREDIT_LISTS)["passed"] is True


# --- Annual reports -------------------------------------------------------------------------------


def test_an_overdue_annual_report_is_refused_naming_the_year_after_31_may(venture, tree, today):
    society, account = registered_society(venture, tree)
    last_year = today.year - 1
    # Every year of the filing window reported but the last one.
    for year in range(today.year - 5, last_year):
        submit_annual_report(organization=society, actor=account, year=year, **REPORT_FACTS)
    assert [r["passed"] for r in rule_results(venture.call, society, datetime.date(today.year, 5, 31))] == [True] * 3

    june = datetime.date(today.year, 6, 1)
    submissions_open_on(venture, june)
    project = draft(venture, society, account, today=june)
    assert refused_with_nothing_written(project, account, today=june) == [f"{last_year}年度报告逾期未报。"]

    submit_annual_report(organization=society, actor=account, year=last_year, **REPORT_FACTS)
    project = submit_project(project=project, actor=account, today=june)
    assert project.state == ProjectState.SUBMITTED
    assert result_of(project, VentureRule.ANNUAL_REPORT)["passed"] is True


def test_every_overdue_year_is_named(venture, tree, today):
    society, account = registered_society(venture, tree)
    project = draft(venture, society, account)
    overdue = [str(year) for year in range(today.year - 5, today.year) if datetime.date(year + 1, 5, 31) < today]
    assert refused_with_nothing_written(project, account) == [f"{'、'.join(overdue)}年度报告逾期未报。"]


# --- Penalties and stopped projects ---------------------------------------------------------------


def penalize(venture, decided_on):
    return record_penalty(
        organization=venture.organization,
        kind=PenaltyKind.WARNING,
        decided_on=decided_on,
        decision_number="市南民罚字〔2024〕第3号",
        reason="未按章程开展活动",
        actor=venture.officer,
    )


def test_a_penalty_within_the_ban_years_is_refused(venture, today):
    decided_on = years_before(today, 3) + DAY  # the last day still within three years
    penalize(venture, decided_on)
    project = draft(venture)
    assert refused_with_nothing_written(project, venture.account) == [
        f"{chinese_date(decided_on)}受到行政处罚（警告，市南民罚字〔2024〕第3号），在近3年内。"
    ]


def test_a_penalty_older_than_the_ban_years_passes(venture, today):
    penalize(venture, years_before(today, 3))
    project = submit_project(project=draft(venture), actor=venture.account)
    assert project.state == ProjectState.SUBMITTED
    assert result_of(project, VentureRule.BAN)["passed"] is True


def test_the_ban_years_are_the_calls(venture, today):
    decided_on = years_before(today, 2)
    penalize(venture, decided_on)
    project = draft(venture)
    change_call(venture, today, ban_years=1)
    assert submit_project(project=project, actor=venture.account).state == ProjectState.SUBMITTED


def second_call(venture, today):
    data = call_data(today, venture.sheet, venture.panel, name=f"{today.year}年度市南区公益创投（第二期）")
    return save_call(
        call=None, authority=venture.call.campaign.authority, data=data, tiers=TIERS, actor=venture.officer
    )


def test_a_project_stopped_in_an_earlier_call_within_the_ban_years_is_refused(venture, today):
    (stopped,) = review(venture, [submitted_project(venture)], today)
    decide_funding(project=stopped, fund=True, amount="20000", actor=venture.officer, today=today)
    stop_funding(project=stopped, paid_amount="5000", reason="中期检查发现资金挪用", actor=venture.officer)
    later = second_call(venture, today)
    project = save_draft(
        project=None,
        call=later,
        organization=venture.organization,
        data=project_data(later.tiers.get(name="一般项目"), title="银龄书画进社区（二期）"),
        actor=venture.account,
    )
    assert refused_with_nothing_written(project, venture.account) == [
        f"{chinese_date(today)}项目“银龄书画进社区”被终止公益创投资助，在近3年内。"
    ]

    # Once the stop is more than three years old, the organization may apply again.
    ProjectEvent.objects.filter(project=stopped, to_state=ProjectState.STOPPED).update(
        at=F("at") - datetime.timedelta(days=4 * 366)
    )
    project = submit_project(project=project, actor=venture.account)
    assert project.state == ProjectState.SUBMITTED


# --- Each rule switched off -------------------------------------------------------------------------


def listed(venture, tree, today):
    list_organization(
        organization=venture.organization,
        credit_list=CreditList.ABNORMAL_ACTIVITY,
        cause=ListingCause.UNREACHABLE,
        listed_on=today,
        actor=venture.officer,
    )
    return venture.organization, venture.account


def overdue(venture, tree, today):
    return registered_society(venture, tree)  # it has filed no report since 2010


def penalized(venture, tree, today):
    penalize(venture, today)
    return venture.organization, venture.account


@pytest.mark.parametrize(
    ("rule", "switch", "make_ineligible"),
    [
        (VentureRule.CREDIT_LISTS, "check_credit_lists", listed),
        (VentureRule.ANNUAL_REPORT, "check_annual_report", overdue),
        (VentureRule.BAN, "check_ban", penalized),
    ],
)
def test_a_rule_the_call_switches_off_is_not_checked(venture, tree, today, rule, switch, make_ineligible):
    organization, account = make_ineligible(venture, tree, today)
    project = draft(venture, organization, account)
    checked = {result["rule"]: result["passed"] for result in rule_results(venture.call, organization, today)}
    assert checked[rule] is False  # the rule would refuse it

    change_call(venture, today, **{switch: False})
    project = submit_project(project=project, actor=account)
    assert project.state == ProjectState.SUBMITTED
    assert [result["rule"] for result in project.eligibility] == [r for r in VentureRule.values if r != rule]
    assert all(result["passed"] for result in project.eligibility)


def test_eligibility_is_checked_again_when_the_project_is_funded(venture, today):
    (project,) = review(venture, [submitted_project(venture)], today)
    listed_on = today
    list_organization(
        organization=venture.organization,
        credit_list=CreditList.ABNORMAL_ACTIVITY,
        cause=ListingCause.NOT_CORRECTED,
        listed_on=listed_on,
        actor=venture.officer,
    )
    with pytest.raises(ValidationError) as refused:
        decide_funding(project=project, fund=True, amount="20000", actor=venture.officer, today=today)
    assert f"自{chinese_date(listed_on)}起列入活动异常名录（未按期改正）。" in refused.value.messages
    project.refresh_from_db()
    assert (project.state, project.granted_amount) == (ProjectState.IN_REVIEW, None)
    assert committed_amount(venture.call) == 0


# --- Submission rules -------------------------------------------------------------------------------


def test_submissions_are_refused_outside_the_calls_dates(venture, today):
    campaign = venture.call.campaign
    opens, closes = campaign.applications_open_on, campaign.applications_close_on
    period = f"“{venture.call.name}”的申报时间为{opens.isoformat()}至{closes.isoformat()}，现在不能申报。"
    for day in (opens - DAY, closes + DAY):
        with pytest.raises(ValidationError) as refused:
            draft(venture, today=day)
        assert refused.value.messages == [period]
    assert not VentureProject.objects.exists()

    project = draft(venture, today=closes)
    with pytest.raises(ValidationError) as refused:
        submit_project(project=project, actor=venture.account, today=closes + DAY)
    assert refused.value.messages == [period]
    project.refresh_from_db()
    assert (project.state, project.case) == (ProjectState.DRAFT, None)
    assert submit_project(project=project, actor=venture.account, today=closes).state == ProjectState.SUBMITTED


def test_an_organization_has_one_project_per_call(venture):
    first = submitted_project(venture)
    with pytest.raises(ValidationError) as refused:
        draft(venture, title="另一个项目")
    assert refused.value.messages == ["每个组织每期公益创投只能申报一个项目。"]

    # The database holds the rule too, with the same message for a form that trips over it.
    second = VentureProject(
        call=venture.call,
        organization=venture.organization,
        applicant=venture.account,
        **{
            name: value for name, value in project_data(venture.tiers["一般项目"]).items() if name != "amount_requested"
        },
        amount_requested=20000,
    )
    with pytest.raises(ValidationError) as refused:
        second.full_clean()
    assert "每个组织每期公益创投只能申报一个项目。" in refused.value.messages
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()
    assert list(VentureProject.objects.all()) == [first]


@pytest.mark.django_db(transaction=True)
def test_two_drafts_started_at_once_make_one_project(venture):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serializes writers, so two drafts cannot race past the check")
    start = threading.Barrier(4)
    saved, refused, errors = [], [], []

    def start_draft():
        try:
            start.wait()
            saved.append(draft(venture).pk)
        except ValidationError as error:
            refused.extend(error.messages)
        except Exception as error:  # a double click must not end in an error page
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=start_draft) for _n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(saved) == 1
    assert refused == ["每个组织每期公益创投只能申报一个项目。"] * 3
    assert list(VentureProject.objects.values_list("pk", flat=True)) == saved


def test_the_amount_requested_stays_within_the_tier(venture):
    with pytest.raises(ValidationError) as refused:
        draft(venture, amount_requested="20000.01")
    assert refused.value.message_dict == {"amount_requested": ["申请资助金额不能超过“一般项目”的上限20,000.00元。"]}
    assert not VentureProject.objects.exists()

    project = draft(venture, tier="重点项目", amount_requested="50000")
    with pytest.raises(ValidationError) as refused:
        save_draft(
            project=project,
            data=project_data(venture.tiers["一般项目"], amount_requested="30000"),
            actor=venture.account,
        )
    assert refused.value.message_dict["amount_requested"] == ["申请资助金额不能超过“一般项目”的上限20,000.00元。"]
    project.refresh_from_db()
    assert (project.tier, project.amount_requested) == (venture.tiers["重点项目"], 50000)


@pytest.mark.parametrize("amount", ["0", "-100", "12.345", "两万", "NaN"])
def test_the_amount_requested_must_be_a_positive_amount_in_yuan(venture, amount):
    with pytest.raises(ValidationError) as refused:
        draft(venture, amount_requested=amount)
    assert "申请资助金额须为" in refused.value.message_dict["amount_requested"][0]
    assert not VentureProject.objects.exists()


def test_a_closed_organization_cannot_submit(venture, tree):
    society, account = registered_society(venture, tree)
    project = draft(venture, society, account)
    Organization.objects.filter(pk=society.pk).update(status=OrganizationStatus.DEREGISTERED)
    with pytest.raises(ValidationError) as refused:
        submit_project(project=project, actor=account)
    assert refused.value.messages == ["该组织当前状态为“已注销”，不能申报公益创投。"]
    project.refresh_from_db()
    assert (project.state, project.case) == (ProjectState.DRAFT, None)


def test_another_organizations_account_may_not_act_for_it(venture, tree):
    _other, stranger = organization_with_account(tree.badaguan, "太平角社区摄影队", "photographers")
    with pytest.raises(PermissionDenied):
        draft(venture, account=stranger)
    project = draft(venture)
    with pytest.raises(PermissionDenied):
        save_draft(project=project, data=project_data(venture.tiers["一般项目"], title="改名"), actor=stranger)
    with pytest.raises(PermissionDenied):
        submit_project(project=project, actor=stranger)
    with pytest.raises(PermissionDenied):
        withdraw_project(project=project, actor=stranger)
    project.refresh_from_db()
    assert (project.state, project.title, project.case) == (ProjectState.DRAFT, "银龄书画进社区", None)
    project = submit_project(project=project, actor=venture.account)
    with pytest.raises(PermissionDenied):
        withdraw_project(project=project, actor=stranger)
    project.refresh_from_db()
    assert project.state == ProjectState.SUBMITTED


def test_withdrawing_a_submitted_project_withdraws_its_case(venture):
    project = submitted_project(venture)
    project = withdraw_project(project=project, actor=venture.account, reason="负责人调离")
    case = Case.objects.get(pk=project.case_id)
    assert (project.state, case.state) == (ProjectState.WITHDRAWN, CaseState.WITHDRAWN)
    event = project.events.last()
    assert (event.from_state, event.to_state, event.reason) == (
        ProjectState.SUBMITTED,
        ProjectState.WITHDRAWN,
        "负责人调离",
    )


def test_a_draft_is_withdrawn_without_a_case(venture):
    project = withdraw_project(project=draft(venture), actor=venture.account)
    assert (project.state, project.case) == (ProjectState.WITHDRAWN, None)
    assert not Case.objects.exists()


def test_a_project_with_the_experts_cannot_be_withdrawn(venture, today):
    project = submitted_project(venture)
    close_submissions(venture, today)
    open_review(call=venture.call, actor=venture.officer, today=today)
    project.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        withdraw_project(project=project, actor=venture.account)
    assert refused.value.messages == ["项目已提交专家评审，不能撤回。"]
    project.refresh_from_db()
    assert (project.state, project.case.state) == (ProjectState.IN_REVIEW, CaseState.ALLOCATED)
