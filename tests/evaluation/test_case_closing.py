"""A case that will not reach the committee leaves the process (DESIGN.md section 9): the
organization withdraws it, or the campaign's officer closes it (终止评估) with a reason. Either way
it no longer holds up the campaign's notice, is left out of it and is never graded; the step is
on the timeline and in the audit log, and the people working on the case are told."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import AuditEntry
from evaluation.enums import CaseAction, CaseState, Grade
from evaluation.models import Assignment, OrganizationGrade
from evaluation.selectors.cases import open_cases_for_user, timeline_for_applicant
from evaluation.selectors.notices import published_grades
from evaluation.services.cases import act_on_case
from evaluation.services.notices import finalize_campaign, publish_notice
from registry.models import Notification
from registry.services.roles import link_organization_account
from tests.factories import UserFactory, create_org

DAY = datetime.timedelta(days=1)
STARTS_ON = datetime.date(2026, 10, 1)  # the notice: 1 to 7 October
REASON = "该组织已于2026年9月办理注销登记。"


@pytest.fixture
def decided(make_case, tree):
    organization = create_org(street=tree.badaguan, name="八大关志愿者协会")
    return make_case(state=CaseState.DECIDED, decided_grade=Grade.A4, organization=organization)


@pytest.fixture
def stuck(make_case, evaluation):
    """The organization's case, in scoring with a team of two (assessor0 leads)."""
    case = make_case(state=CaseState.SCORING, agency=evaluation.agency)
    for n, assessor in enumerate(evaluation.assessors[:2]):
        Assignment.objects.create(case=case, assessor=assessor, is_lead=n == 0, assigned_by=evaluation.manager)
    return case


def refresh(case):
    case.refresh_from_db()
    return case


def messages_to(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("message", flat=True))


@pytest.mark.parametrize("stop", ["close", "withdraw"])
def test_a_stopped_case_no_longer_holds_up_the_notice_and_is_never_graded(evaluation, decided, stuck, stop):
    with pytest.raises(ValidationError) as error:
        publish_notice(campaign=evaluation.campaign, actor=evaluation.officer, starts_on=STARTS_ON)
    assert "尚有1件评估申请未经评估委员会审定" in error.value.messages[0]
    assert "可由组织撤回，或在评估申请页面终止评估" in error.value.messages[0]

    if stop == "close":
        act_on_case(case=stuck, action=CaseAction.CLOSE, actor=evaluation.officer, reason=REASON)
    else:
        act_on_case(case=stuck, action=CaseAction.WITHDRAW, actor=evaluation.account)
    notice = publish_notice(campaign=evaluation.campaign, actor=evaluation.officer, starts_on=STARTS_ON)

    assert published_grades(notice) == [refresh(decided)]
    assert finalize_campaign(campaign=evaluation.campaign, today=notice.ends_on + DAY) == 1
    assert list(OrganizationGrade.objects.values_list("case", flat=True)) == [decided.pk]
    assert refresh(stuck).state == (CaseState.CLOSED if stop == "close" else CaseState.WITHDRAWN)


def test_closing_is_recorded_with_its_reason_and_told_to_the_organization_and_the_team(evaluation, stuck):
    act_on_case(case=stuck, action=CaseAction.CLOSE, actor=evaluation.officer, reason=REASON)

    entry = AuditEntry.objects.get(action="case.close")
    assert (entry.actor_id, entry.reason, entry.before, entry.after) == (
        evaluation.officer.pk,
        REASON,
        {"state": "评分中"},
        {"state": "已终止评估"},
    )
    assert entry.organization_id == evaluation.organization.pk
    # The organization reads the officer's reason on its timeline.
    assert [(step.action, step.state, step.reason) for step in timeline_for_applicant(stuck)] == [
        ("终止评估", "已终止评估", REASON)
    ]
    expected = (
        f"“{evaluation.campaign.name}”中{evaluation.organization.name}的评估申请已由登记管理机关终止评估，"
        f"不再参加评估和等级评定。理由：{REASON}"
    )
    for user in (evaluation.account, evaluation.manager, *evaluation.assessors[:2]):
        assert messages_to(user) == [expected], user
    assert messages_to(evaluation.officer) == [] and messages_to(evaluation.assessors[2]) == []
    # Out of the officers' queue; the assessors' scores cannot change any more.
    assert stuck not in open_cases_for_user(evaluation.officer)


def test_withdrawing_is_told_to_the_team_not_to_the_organization_itself(evaluation, stuck):
    act_on_case(case=stuck, action=CaseAction.WITHDRAW, actor=evaluation.account, reason="负责人变更，明年再申请")

    entry = AuditEntry.objects.get(action="case.withdraw")
    assert (entry.actor_id, entry.reason, entry.after) == (
        evaluation.account.pk,
        "负责人变更，明年再申请",
        {"state": "已撤回"},
    )
    expected = (
        f"“{evaluation.campaign.name}”中{evaluation.organization.name}的评估申请已由该组织撤回，"
        "不再参加评估和等级评定。说明：负责人变更，明年再申请"
    )
    for user in (evaluation.manager, *evaluation.assessors[:2]):
        assert messages_to(user) == [expected], user
    assert messages_to(evaluation.account) == []


@pytest.mark.parametrize("state", [CaseState.DECIDED, CaseState.IN_NOTICE, CaseState.FINAL])
def test_once_the_committee_has_decided_the_case_stays(evaluation, make_case, state):
    case = make_case(state=state, decided_grade=Grade.A4)
    for action, actor, reason in (
        (CaseAction.WITHDRAW, evaluation.account, ""),
        (CaseAction.CLOSE, evaluation.officer, REASON),
    ):
        with pytest.raises(ValidationError, match="不能"):
            act_on_case(case=case, action=action, actor=actor, reason=reason)
    assert refresh(case).state == state and not case.events.exists()


def test_only_the_campaigns_officer_closes_a_case(evaluation, stuck):
    for actor in (evaluation.account, evaluation.manager, evaluation.assessors[0], evaluation.members[0].user):
        with pytest.raises(PermissionDenied):
            act_on_case(case=stuck, action=CaseAction.CLOSE, actor=actor, reason=REASON)
    assert refresh(stuck).state == CaseState.SCORING


# --- the pages ----------------------------------------------------------------------------------------


def test_the_officer_closes_a_case_from_its_page_and_a_reason_is_required(client, evaluation, stuck):
    client.force_login(evaluation.officer)
    url = reverse("evaluation_cases:inspect", args=[stuck.pk])
    page = client.get(url).content.decode()
    assert 'id="close-case"' in page and 'name="action" value="close"' in page

    response = client.post(url, {"form": "act", "action": "close", "reason": "  "})
    assert response.status_code == 200 and "请填写理由或意见。" in response.content.decode()
    assert refresh(stuck).state == CaseState.SCORING

    response = client.post(url, {"form": "act", "action": "close", "reason": REASON})
    assert response.status_code == 302
    assert refresh(stuck).state == CaseState.CLOSED
    page = client.get(url).content.decode()
    assert 'id="close-case"' not in page and REASON in page


def test_the_agency_manager_has_no_close_button(client, evaluation, stuck):
    client.force_login(evaluation.manager)
    page = client.get(reverse("evaluation_cases:inspect", args=[stuck.pk])).content.decode()
    assert 'id="close-case"' not in page
    client.post(
        reverse("evaluation_cases:inspect", args=[stuck.pk]), {"form": "act", "action": "close", "reason": REASON}
    )
    assert refresh(stuck).state == CaseState.SCORING


def test_the_organization_withdraws_its_case_in_scoring_from_its_area(client, evaluation, stuck, make_case, tree):
    client.force_login(evaluation.account)
    case_url = reverse("account_evaluation_case", args=[stuck.pk])
    page = client.get(case_url).content.decode()
    assert 'id="withdraw-form"' in page and "撤回后，本次评估即告终止" in page

    response = client.post(
        reverse("account_evaluation_act", args=[stuck.pk]), {"action": "withdraw", "reason": "明年再申请"}, follow=True
    )
    assert "已撤回" in response.content.decode()
    assert refresh(stuck).state == CaseState.WITHDRAWN
    assert stuck.events.get().reason == "明年再申请"
    assert 'id="withdraw-form"' not in client.get(case_url).content.decode()


def test_a_decided_case_offers_the_organization_no_withdraw_button(client, evaluation, make_case, tree):
    other = create_org(street=tree.badaguan, name="八大关书法协会")
    account = UserFactory(username="calligraphy_account")
    link_organization_account(user=account, organization=other)
    case = make_case(state=CaseState.MODERATED, organization=other)
    client.force_login(account)
    assert 'id="withdraw-form"' in client.get(reverse("account_evaluation_case", args=[case.pk])).content.decode()
    case.state = CaseState.DECIDED
    case.save(update_fields=["state"])
    assert 'id="withdraw-form"' not in client.get(reverse("account_evaluation_case", args=[case.pk])).content.decode()
