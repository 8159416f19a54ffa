"""One scoring engine (DESIGN.md section 8: "reuse the evaluation scoring engine, do not write a
second one"): a venture project's review is an evaluation case of a campaign whose purpose is
venture. Its experts' scores, totals, disagreement flags, reconciliation and conflicts of
interest are the evaluation app's; its case takes only the venture steps, an evaluation's case
never takes the venture's; the organization's evaluation pages never show the venture campaign
or case; and the campaign rules (one evaluation a year, a committee) hold for evaluations only."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from evaluation.enums import CampaignPurpose, CaseAction, CaseState
from evaluation.models import Assignment, Campaign, CampaignFramework, Case, CaseEvent, Committee, Score
from evaluation.selectors.assessments import scored_leaves
from evaluation.selectors.cases import open_campaigns_for_organization, own_cases
from evaluation.services.applying import start_case
from evaluation.services.assignment import assign_team
from evaluation.services.cases import TRANSITIONS, VENTURE_ACTIONS, act_on_case, allowed_actions
from evaluation.services.moderation import case_moderation, compute_campaign_totals, moderate, reconcile
from evaluation.services.scoring import complete_scoring, save_scores, submit_scores
from federation.venture import decide_funding, open_review
from federation.venture_selectors import open_calls_for_organization
from registry.services.roles import link_organization_account
from tests.federation.venture_fixtures import close_submissions, submitted_project

pytest_plugins = ["tests.federation.venture_fixtures"]

D = Decimal


def allocated_case(venture, today):
    """The fixture organization's project submitted and sent to the panel: its case, allocated."""
    project = submitted_project(venture)
    close_submissions(venture, today)
    open_review(call=venture.call, actor=venture.officer, today=today)
    project.refresh_from_db()
    return project, project.case


def scored_case(venture, today, points: dict[str, list[str]] | None = None):
    """Two experts (the first leads) score every leaf, full marks unless `points` gives, per
    indicator code, each one's points; they submit and the lead completes scoring."""
    project, case = allocated_case(venture, today)
    lead, second = venture.experts[:2]
    case = assign_team(case=case, actor=venture.manager, assessors=[lead, second], lead=lead)
    for index, expert in enumerate((lead, second)):
        entries = {}
        for leaf in scored_leaves(case.framework):
            value = (points or {}).get(leaf.code, [str(leaf.max_points)] * 2)[index]
            entries[leaf.pk] = {"points": value, "comment": "" if D(value) == leaf.max_points else "依据不足"}
        assignment = case.assignments.get(assessor=expert)
        save_scores(assignment=assignment, actor=expert, entries=entries, visit_date=today)
        submit_scores(assignment=assignment, actor=expert)
    case = complete_scoring(case, lead)
    return project, case


def evaluation_campaign(venture, tree, today, **fields) -> Campaign:
    """An evaluation campaign of the same authority and year as the call, open today, with the
    call's sheet as its framework for community groups (enough for these tests)."""
    committee = Committee.objects.create(name="市南区社会组织评估委员会", authority=tree.district)
    campaign = Campaign.objects.create(
        name=f"{today.year}年度市南区社会组织评估",
        year=today.year,
        authority=tree.district,
        committee=committee,
        applications_open_on=venture.call.campaign.applications_open_on,
        applications_close_on=venture.call.campaign.applications_close_on,
        scoring_closes_on=venture.call.campaign.scoring_closes_on,
        **fields,
    )
    CampaignFramework.objects.create(campaign=campaign, kind=venture.organization.kind, framework=venture.sheet)
    return campaign


def refused_as_not_of_its_purpose(case, action, actor, **extra):
    state = case.state
    with pytest.raises(ValidationError) as refused:
        act_on_case(case=case, action=action, actor=actor, extra=extra or None)
    assert refused.value.messages == [
        f"评估申请当前状态为“{CaseState(state).label}”，不能“{CaseAction(action).label}”。"
    ]
    case.refresh_from_db()
    assert case.state == state
    assert not CaseEvent.objects.filter(case=case, action=action).exists()


# --- Scores and totals --------------------------------------------------------------------------------


def test_the_experts_scores_are_evaluation_scores_and_the_total_is_moderations(venture, today):
    # Spreads within 20% of each maximum (2.1: 3 of 15 is exactly the share): nothing is flagged.
    points = {"1.1": ["10", "9"], "2.1": ["12", "15"], "4": ["13", "14"]}
    project, case = scored_case(venture, today, points)
    scores = Score.objects.filter(assignment__case=case)
    assert scores.count() == 2 * 8
    assert set(scores.values_list("assignment__assessor", flat=True)) == {e.pk for e in venture.experts[:2]}

    counts = compute_campaign_totals(venture.call.campaign)
    assert counts["cases"] == 1
    case.refresh_from_db()
    # 100 at full marks, less the mean shortfall: 0.5 on 1.1, 1.5 on 2.1, 1.5 on 4.
    assert case.total == D("96.5")

    moderate(case, venture.experts[0])
    case.refresh_from_db()
    assert (case.state, case.total) == (CaseState.MODERATED, D("96.5"))
    # The project's score is its case's: the funding decision reads nothing else.
    decide_funding(project=project, fund=True, amount="20000", actor=venture.officer, today=today)
    project.refresh_from_db()
    assert project.case.total == D("96.5")


def test_a_disagreement_is_flagged_and_reconciled_by_the_lead_before_moderation(venture, today):
    assert venture.call.campaign.disagreement_share == D("0.20")
    # 1.1 is out of 10: a spread of 5 is beyond 20% of it; 2.1 (out of 15) differs by 3, within 20%.
    _project, case = scored_case(venture, today, {"1.1": ["10", "5"], "2.1": ["15", "12"]})
    assert [row.indicator.code for row in case_moderation(case).flagged] == ["1.1"]
    assert compute_campaign_totals(venture.call.campaign)["flagged_cases"] == 1

    lead, second = venture.experts[:2]
    with pytest.raises(ValidationError, match=r"须由评估组长协调后才能完成复核汇总：1\.1。"):
        moderate(case, lead)
    case.refresh_from_db()
    assert case.state == CaseState.MODERATION

    leaf = next(leaf for leaf in scored_leaves(case.framework) if leaf.code == "1.1")
    with pytest.raises(PermissionDenied):
        reconcile(case=case, indicator=leaf, points="9", comment="走访后核实", actor=second)
    reconcile(case=case, indicator=leaf, points="9", comment="走访后核实", actor=lead)
    moderate(case, lead)
    case.refresh_from_db()
    assert (case.state, case.total) == (CaseState.MODERATED, D("97.5"))  # 100 - 1 (1.1) - 1.5 (2.1)


def test_an_expert_who_holds_an_account_of_the_organization_cannot_be_assigned(venture, today):
    _project, case = allocated_case(venture, today)
    conflicted, other, third = venture.experts
    link_organization_account(user=conflicted, organization=venture.organization)
    with pytest.raises(ValidationError) as refused:
        assign_team(case=case, actor=venture.manager, assessors=[conflicted, other], lead=conflicted)
    assert any("本人是该组织的账号持有人。" in message for message in refused.value.message_dict["assessors"])
    case.refresh_from_db()
    assert case.state == CaseState.ALLOCATED
    assert not Assignment.objects.exists()

    assign_team(case=case, actor=venture.manager, assessors=[other, third], lead=other)
    case.refresh_from_db()
    assert case.state == CaseState.SCORING


# --- The steps a venture case takes, and those it does not -------------------------------------------


def test_a_venture_case_refuses_the_evaluations_own_steps(venture, today):
    _project, case = scored_case(venture, today)
    moderate(case, venture.experts[0])
    case.refresh_from_db()
    refused_as_not_of_its_purpose(case, CaseAction.DECIDE, venture.officer)

    for state, action, actor in [
        (CaseState.DRAFT, CaseAction.SUBMIT, venture.account),
        (CaseState.APPLIED, CaseAction.CONFIRM_ELIGIBLE, venture.officer),
        (CaseState.APPLIED, CaseAction.REFUSE, venture.officer),
        (CaseState.ELIGIBLE, CaseAction.ALLOCATE, venture.officer),
        (CaseState.DECIDED, CaseAction.PUBLISH, venture.officer),
        (CaseState.IN_NOTICE, CaseAction.FINALIZE, venture.officer),
    ]:
        Case.objects.filter(pk=case.pk).update(state=state)  # setup: put it where the step starts
        case.refresh_from_db()
        extra = {"agency": venture.panel} if action == CaseAction.ALLOCATE else {}
        refused_as_not_of_its_purpose(case, action, actor, **extra)


def test_allowed_actions_offer_a_venture_case_only_the_venture_steps(venture, today):
    _project, case = scored_case(venture, today)
    people = [venture.account, venture.officer, venture.manager, *venture.experts[:2]]
    offered = set()
    for state in CaseState:
        Case.objects.filter(pk=case.pk).update(state=state)
        case.refresh_from_db()
        for user in people:
            actions = set(allowed_actions(user, case))
            assert actions <= VENTURE_ACTIONS, (state, user)
            offered |= actions
    # Not vacuous: every venture step is offered to someone in its state; none of the others is.
    assert offered == VENTURE_ACTIONS
    assert offered.isdisjoint({action for (_state, action) in TRANSITIONS} - VENTURE_ACTIONS)
    assert offered.isdisjoint({CaseAction.SUBMIT, CaseAction.CONFIRM_ELIGIBLE, CaseAction.DECIDE})


def test_an_evaluation_case_refuses_the_venture_step(venture, tree, today):
    campaign = evaluation_campaign(venture, tree, today)
    case = start_case(campaign=campaign, organization=venture.organization, actor=venture.account, today=today)
    assert CaseAction.OPEN_REVIEW not in allowed_actions(venture.officer, case)
    refused_as_not_of_its_purpose(case, CaseAction.OPEN_REVIEW, venture.officer, agency=venture.panel)
    case.refresh_from_db()
    assert case.agency is None


# --- The organization's evaluation pages ------------------------------------------------------------


def test_the_organizations_evaluation_lists_never_show_the_venture_campaign_or_case(venture, tree, today):
    campaign = evaluation_campaign(venture, tree, today)
    # Both are open today, both have a sheet for the organization's kind, and it has no case in either.
    assert list(open_campaigns_for_organization(venture.organization, today)) == [campaign]
    assert list(open_calls_for_organization(venture.organization, today)) == [venture.call]

    project = submitted_project(venture)
    assert own_cases(venture.account).count() == 0
    evaluation_case = start_case(
        campaign=campaign, organization=venture.organization, actor=venture.account, today=today
    )
    assert list(own_cases(venture.account)) == [evaluation_case]
    assert project.case not in own_cases(venture.account)


def test_the_organization_cannot_open_a_case_in_the_venture_campaign_as_an_evaluation(venture, today):
    with pytest.raises(ValidationError) as refused:
        start_case(
            campaign=venture.call.campaign, organization=venture.organization, actor=venture.account, today=today
        )
    assert refused.value.messages == [f"“{venture.call.name}”不接受此类申请。"]
    assert not Case.objects.exists()


# --- Campaign rules ----------------------------------------------------------------------------------


def test_an_evaluation_and_a_venture_call_share_an_authority_and_year_but_two_evaluations_do_not(venture, tree, today):
    venture_campaign = venture.call.campaign
    campaign = evaluation_campaign(venture, tree, today)
    assert (campaign.authority, campaign.year) == (venture_campaign.authority, venture_campaign.year)
    assert (campaign.purpose, venture_campaign.purpose) == (CampaignPurpose.EVALUATION, CampaignPurpose.VENTURE)
    with pytest.raises(IntegrityError), transaction.atomic():
        Campaign.objects.create(
            name="重复的评估",
            year=today.year,
            authority=tree.district,
            committee=campaign.committee,
            applications_open_on=campaign.applications_open_on,
            applications_close_on=campaign.applications_close_on,
            scoring_closes_on=campaign.scoring_closes_on,
        )
    assert Campaign.objects.filter(purpose=CampaignPurpose.EVALUATION).count() == 1


def test_a_venture_campaign_needs_no_committee_but_an_evaluation_campaign_does(venture, tree, today):
    venture_campaign = venture.call.campaign
    assert venture_campaign.committee is None
    venture_campaign.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Campaign.objects.create(
            name=f"{today.year}年度市南区社会组织评估",
            year=today.year,
            authority=tree.district,
            applications_open_on=venture_campaign.applications_open_on,
            applications_close_on=venture_campaign.applications_close_on,
            scoring_closes_on=venture_campaign.scoring_closes_on,
        )
    assert Campaign.objects.filter(purpose=CampaignPurpose.EVALUATION).count() == 0
