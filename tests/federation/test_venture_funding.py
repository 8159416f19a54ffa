"""Funding venture-philanthropy projects (DESIGN.md section 8): the budget is never exceeded, not
by one officer's grants in a row nor by several at once; tiers' places and ceilings and the
amount requested bound each grant; stopping a project gives back what was not paid. Decisions
come in order (the experts' moderated score, then the decisions, then publication) and only the
officers of the call's authority take them."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from evaluation.enums import CaseState
from evaluation.selectors.assessments import scored_leaves
from evaluation.services.assignment import assign_team
from evaluation.services.scoring import complete_scoring, save_scores, submit_scores
from federation.enums import ProjectState
from federation.models import VentureProject
from federation.venture import (
    decide_funding,
    is_call_officer,
    open_review,
    publish_results,
    stop_funding,
)
from federation.venture_selectors import committed_amount, published_results
from registry.enums import Role, UnitLevel
from registry.models import Notification
from registry.services.units import add_unit
from tests.federation.venture_fixtures import (
    change_call,
    close_submissions,
    funded_project,
    reviewed_projects,
    submitted_project,
)

pytest_plugins = ["tests.federation.venture_fixtures"]

D = Decimal


def fund(venture, project, amount, today):
    return decide_funding(project=project, fund=True, amount=amount, actor=venture.officer, today=today)


def decline(venture, project, today, reason="与本期资助方向不符"):
    return decide_funding(project=project, fund=False, reason=reason, actor=venture.officer, today=today)


def refusal(service, *args, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        service(*args, **kwargs)
    return refused.value


def assert_undecided(project):
    project.refresh_from_db()
    assert (project.state, project.granted_amount) == (ProjectState.IN_REVIEW, None)


# --- The budget -------------------------------------------------------------------------------------


def test_grants_add_up_to_the_budget_and_no_further(venture, tree, today):
    change_call(venture, today, budget=D("50000"))
    first, second, third, fourth = reviewed_projects(venture, today, tree.zhanshan, 4)
    fund(venture, first, "20000", today)
    fund(venture, second, "20000", today)
    assert committed_amount(venture.call) == D("40000.00")

    refused = refusal(fund, venture, third, "20000", today)
    assert refused.message_dict == {"amount": ["资助金额超出预算：本期预算剩余10,000.00元。"]}
    assert_undecided(third)

    fund(venture, third, "10000", today)
    assert committed_amount(venture.call) == D("50000.00")
    refused = refusal(fund, venture, fourth, "1", today)
    assert refused.message_dict == {"amount": ["资助金额超出预算：本期预算剩余0.00元。"]}
    assert_undecided(fourth)
    assert committed_amount(venture.call) == venture.call.budget


def test_the_budget_cannot_be_lowered_below_the_grants(venture, tree, today):
    (project,) = reviewed_projects(venture, today, tree.zhanshan, 1)
    fund(venture, project, "20000", today)
    refused = refusal(change_call, venture, today, budget=D("19999.99"))
    assert refused.message_dict["budget"] == ["资助总预算不能少于已立项资助的金额。"]
    venture.call.refresh_from_db()
    assert venture.call.budget == D("100000.00")


def test_a_tier_whose_places_are_taken_is_refused(venture, tree, today):
    first, second, third = reviewed_projects(venture, today, tree.zhanshan, 3, tier="重点项目", amount="30000")
    fund(venture, first, "30000", today)
    fund(venture, second, "30000", today)
    refused = refusal(fund, venture, third, "30000", today)
    assert refused.messages == ["“重点项目”的2个名额已满。"]
    assert_undecided(third)
    # A stopped project keeps its place: what it was paid stays granted.
    stop_funding(project=first, paid_amount="10000", reason="中期检查未通过", actor=venture.officer)
    assert refusal(fund, venture, third, "30000", today).messages == ["“重点项目”的2个名额已满。"]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("15000.01", "资助金额不能超过申请金额。"),
        ("20000.01", "资助金额不能超过“一般项目”的上限。"),
        ("0", "资助金额须为大于零"),
        ("-1", "资助金额须为大于零"),
        ("100.001", "最多两位小数的金额（元）。"),
        ("一万", "资助金额须为数字（元）。"),
        ("", "资助金额须为数字（元）。"),
    ],
)
def test_a_grant_stays_within_the_request_and_the_tier(venture, tree, today, amount, message):
    (project,) = reviewed_projects(venture, today, tree.zhanshan, 1, amount="15000")
    refused = refusal(fund, venture, project, amount, today)
    assert list(refused.message_dict) == ["amount"]
    assert message in refused.message_dict["amount"][0]
    assert_undecided(project)
    assert fund(venture, project, "15000", today).granted_amount == D("15000")


def test_stopping_a_project_releases_its_unpaid_part(venture, tree, today):
    change_call(venture, today, budget=D("50000"))
    big, small = reviewed_projects(venture, today, tree.zhanshan, 2, tier="重点项目", amount="50000")
    fund(venture, big, "50000", today)
    assert refusal(fund, venture, small, "20000", today).message_dict["amount"] == [
        "资助金额超出预算：本期预算剩余0.00元。"
    ]

    stop_funding(project=big, paid_amount="12,000.50", reason="中期检查发现未按计划实施", actor=venture.officer)
    big.refresh_from_db()
    assert (big.state, big.granted_amount, big.paid_amount) == (ProjectState.STOPPED, D("50000"), D("12000.50"))
    assert committed_amount(venture.call) == D("12000.50")
    fund(venture, small, "37999.50", today)
    assert committed_amount(venture.call) == venture.call.budget


@pytest.mark.parametrize(
    ("paid", "reason", "errors"),
    [
        ("20000.01", "未按计划实施", {"paid_amount": ["已拨付金额须在0至资助金额20,000.00元之间。"]}),
        ("-1", "未按计划实施", {"paid_amount": ["已拨付金额须在0至资助金额20,000.00元之间。"]}),
        ("五千", "未按计划实施", {"paid_amount": ["已拨付金额须在0至资助金额20,000.00元之间。"]}),
        ("5000", "  ", {"reason": ["终止资助须填写理由。"]}),
    ],
)
def test_stopping_needs_a_reason_and_a_paid_amount_within_the_grant(venture, today, paid, reason, errors):
    project = funded_project(venture, today)
    assert refusal(
        stop_funding, project=project, paid_amount=paid, reason=reason, actor=venture.officer
    ).message_dict == (errors)
    project.refresh_from_db()
    assert (project.state, project.paid_amount) == (ProjectState.FUNDED, None)
    assert committed_amount(venture.call) == D("20000.00")


@pytest.mark.django_db(transaction=True)
def test_concurrent_grants_never_exceed_the_budget(venture, tree, today):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serializes writers, so grants cannot race for the call's row lock")
    change_call(venture, today, budget=D("50000"))
    projects = reviewed_projects(venture, today, tree.zhanshan, 6)  # 6 × 20,000 asked of 50,000
    start = threading.Barrier(len(projects))
    funded, refused, errors = [], [], []

    def grant(project):
        try:
            start.wait()
            fund(venture, project, "20000", today)
            funded.append(project.pk)
        except ValidationError as error:
            refused.append(error.message_dict["amount"][0])
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=grant, args=(project,)) for project in projects]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(funded) == 2
    assert sorted(refused) == ["资助金额超出预算：本期预算剩余10,000.00元。"] * 4
    assert committed_amount(venture.call) == D("40000.00") <= venture.call.budget
    assert set(VentureProject.objects.filter(state=ProjectState.FUNDED).values_list("pk", flat=True)) == set(funded)


# --- The order of decisions ---------------------------------------------------------------------------


def test_funding_waits_for_the_moderated_score(venture, today):
    project = submitted_project(venture)
    waiting = "专家评审完成（复核汇总后）才能作资助决定。"
    assert refusal(fund, venture, project, "20000", today).messages == [waiting]

    close_submissions(venture, today)
    open_review(call=venture.call, actor=venture.officer, today=today)
    project.refresh_from_db()
    assert project.case.state == CaseState.ALLOCATED
    assert refusal(fund, venture, project, "20000", today).messages == [waiting]
    assert refusal(decline, venture, project, today).messages == [waiting]

    lead, second = venture.experts[:2]
    case = assign_team(case=project.case, actor=venture.manager, assessors=[lead, second], lead=lead)
    for expert in (lead, second):
        assignment = case.assignments.get(assessor=expert)
        entries = {leaf.pk: {"points": str(leaf.max_points)} for leaf in scored_leaves(case.framework)}
        save_scores(assignment=assignment, actor=expert, entries=entries, visit_date=today)
        submit_scores(assignment=assignment, actor=expert)
    complete_scoring(case, lead)
    project.refresh_from_db()
    assert project.case.state == CaseState.MODERATION
    assert refusal(fund, venture, project, "20000", today).messages == [waiting]
    assert_undecided(project)


def test_declining_needs_a_reason_and_tells_the_applicant(venture, tree, today):
    (project,) = reviewed_projects(venture, today, tree.zhanshan, 1)
    assert refusal(decline, venture, project, today, reason=" ").message_dict == {"reason": ["不予资助须填写理由。"]}
    assert_undecided(project)
    decline(venture, project, today)
    project.refresh_from_db()
    assert (project.state, project.granted_amount) == (ProjectState.NOT_FUNDED, None)
    assert project.events.last().reason == "与本期资助方向不符"
    assert Notification.objects.filter(user=project.applicant, message="您申报的项目“邻里守望行动0”未获资助。").exists()
    # A decision is final: neither funded afterwards nor declined again.
    assert refusal(fund, venture, project, "20000", today).messages == ["专家评审完成（复核汇总后）才能作资助决定。"]


def test_results_are_published_once_every_reviewed_project_is_decided(venture, tree, today):
    first, second = reviewed_projects(venture, today, tree.zhanshan, 2)
    fund(venture, first, "20000", today)
    refused = refusal(publish_results, call=venture.call, actor=venture.officer)
    assert refused.messages == ["还有1个项目未作出资助决定，不能公布结果。"]
    venture.call.refresh_from_db()
    assert venture.call.results_published_at is None
    assert list(published_results(venture.call)) == []

    decline(venture, second, today)
    publish_results(call=venture.call, actor=venture.officer)
    venture.call.refresh_from_db()
    assert venture.call.results_published_at is not None
    assert list(published_results(venture.call)) == [first]


def test_results_with_no_funded_project_are_not_published(venture, tree, today):
    (project,) = reviewed_projects(venture, today, tree.zhanshan, 1)
    decline(venture, project, today)
    assert refusal(publish_results, call=venture.call, actor=venture.officer).messages == [
        "尚无立项资助的项目，不能公布结果。"
    ]
    venture.call.refresh_from_db()
    assert venture.call.results_published_at is None


def test_no_decision_after_publication(venture, tree, today):
    funded, late = reviewed_projects(venture, today, tree.zhanshan, 2)
    fund(venture, funded, "20000", today)
    decline(venture, late, today)
    publish_results(call=venture.call, actor=venture.officer)
    # A project that reached the officers afterwards (put back by hand here) is not decided any more.
    VentureProject.objects.filter(pk=late.pk).update(state=ProjectState.IN_REVIEW)
    assert refusal(fund, venture, late, "20000", today).messages == ["结果已公布，不能再作资助决定。"]
    assert refusal(decline, venture, late, today).messages == ["结果已公布，不能再作资助决定。"]
    assert_undecided(late)
    assert refusal(publish_results, call=venture.call, actor=venture.officer).messages == ["结果已经公布。"]


# --- Who decides ----------------------------------------------------------------------------------


@pytest.fixture
def outsiders(venture, tree, make_officer):
    shibei = add_unit(parent=tree.city, code="370203", name="市北区", level=UnitLevel.DISTRICT)
    return {
        "street officer": make_officer(Role.STREET_OFFICER, tree.zhanshan),
        "organization account": venture.account,
        "officer of another district": make_officer(Role.DISTRICT_OFFICER, shibei),
        "panel manager": venture.manager,
    }


def test_only_the_officers_of_the_calls_authority_decide(venture, tree, today, outsiders, make_officer):
    assert is_call_officer(venture.officer, venture.call)
    assert is_call_officer(make_officer(Role.CITY_OFFICER, tree.city), venture.call)
    project = submitted_project(venture)
    close_submissions(venture, today)
    for name, user in outsiders.items():
        assert not is_call_officer(user, venture.call), name
        with pytest.raises(PermissionDenied):
            open_review(call=venture.call, actor=user, today=today)
    project.refresh_from_db()
    assert (project.state, project.case.state) == (ProjectState.SUBMITTED, CaseState.DRAFT)


def test_only_the_officers_of_the_calls_authority_fund_publish_and_stop(venture, tree, today, outsiders):
    waiting, funded = reviewed_projects(venture, today, tree.zhanshan, 2)
    fund(venture, funded, "20000", today)
    for user in outsiders.values():
        with pytest.raises(PermissionDenied):
            decide_funding(project=waiting, fund=True, amount="20000", actor=user, today=today)
        with pytest.raises(PermissionDenied):
            decide_funding(project=waiting, fund=False, reason="不符合", actor=user, today=today)
        with pytest.raises(PermissionDenied):
            publish_results(call=venture.call, actor=user)
        with pytest.raises(PermissionDenied):
            stop_funding(project=funded, paid_amount="0", reason="终止", actor=user)
    assert_undecided(waiting)
    funded.refresh_from_db()
    assert funded.state == ProjectState.FUNDED
    venture.call.refresh_from_db()
    assert venture.call.results_published_at is None
    assert committed_amount(venture.call) == D("20000.00")
