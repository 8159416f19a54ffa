"""Scoring: points and comments per indicator, partial saves, submission that locks, the lead's
logged reopening, who sees whose scores, and the assessor's pages."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluation.enums import CaseAction, CaseState
from evaluation.models import Case, Score, ScoreReopening
from evaluation.selectors.assessments import cases_for_assessor, visible_scores
from evaluation.services.applying import attach_evidence, save_self_assessment
from evaluation.services.assignment import assign_team
from evaluation.services.scoring import (
    complete_scoring,
    reopen_scores,
    save_scores,
    submit_scores,
)
from registry.selectors.organizations import organizations_for_user
from tests.factories import create_org

D = Decimal
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def team(make_case, evaluation):
    """A case in scoring: assessor0 leads, assessor1 scores too; assessor2 is not on it."""
    case = make_case(state=CaseState.ALLOCATED, agency=evaluation.agency)
    lead, member, _outsider = evaluation.assessors
    case = assign_team(case=case, actor=evaluation.manager, assessors=[lead, member], lead=lead)
    lead_assignment, member_assignment = case.assignments.get(assessor=lead), case.assignments.get(assessor=member)
    leaves = {indicator.code: indicator for indicator in evaluation.framework.indicators.filter(children__isnull=True)}
    return case, lead_assignment, member_assignment, leaves


def indicator_code(name: str) -> str:
    """Keyword names for indicator codes: c1_2 is 1.2."""
    return name.removeprefix("c").replace("_", ".")


def entries(leaves, **points_by_code):
    """c1_1="30" → save_scores entries; a tuple gives (points, comment)."""
    result = {}
    for code, value in points_by_code.items():
        points, comment = value if isinstance(value, tuple) else (value, "")
        result[leaves[indicator_code(code)].pk] = {"points": points, "comment": comment}
    return result


def visit_day(today) -> datetime.date:
    """The date of a visit already made: the day before `today`."""
    return today - datetime.timedelta(days=1)


def score_fully(assignment, leaves, today, **overrides):
    values = {"c1_1": "30", "c1_2": "20", "c2": "50", **overrides}
    save_scores(
        assignment=assignment,
        actor=assignment.assessor,
        entries=entries(leaves, **values),
        visit_date=visit_day(today),
    )
    return submit_scores(assignment=assignment, actor=assignment.assessor)


def codes(error) -> dict:
    return error.value.message_dict


# --- points, comments, partial work ----------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("30.1", "分数应在0至30分之间"),
        ("-0.5", "分数应在0至30分之间"),
        ("12.25", "分数最多保留一位小数"),
        ("十分", "请填写数字，如 8 或 7.5"),
        ("NaN", "请填写数字，如 8 或 7.5"),
    ],
)
def test_points_outside_0_to_max_or_with_two_decimals_are_refused_per_indicator(team, typed, message):
    _case, lead, _member, leaves = team
    with pytest.raises(ValidationError) as error:
        save_scores(assignment=lead, actor=lead.assessor, entries=entries(leaves, c1_1=typed, c1_2="20"))
    assert codes(error) == {"1.1": [message + "。"]}
    assert not Score.objects.exists(), "nothing is saved when any entry is refused"


def test_points_from_0_to_max_with_one_decimal_are_saved(team):
    _case, lead, _member, leaves = team
    save_scores(assignment=lead, actor=lead.assessor, entries=entries(leaves, c1_1="0", c1_2="19.5", c2="50.0"))
    assert dict(lead.scores.values_list("indicator__code", "points")) == {"1.1": D("0"), "1.2": D("19.5"), "2": D(50)}


def test_partial_work_is_saved_and_completed_later(team, today):
    _case, lead, _member, leaves = team
    visit = visit_day(today)
    save_scores(assignment=lead, actor=lead.assessor, entries=entries(leaves, c1_1=("25.5", "章程未备案修订")))
    save_scores(assignment=lead, actor=lead.assessor, entries=entries(leaves, c2="40"), visit_date=visit)
    scores = {score.indicator.code: (score.points, score.comment) for score in lead.scores.select_related("indicator")}
    assert scores == {"1.1": (D("25.5"), "章程未备案修订"), "2": (D(40), "")}
    lead.refresh_from_db()
    assert lead.visit_date == visit


def test_a_comment_without_points_is_refused_rather_than_dropped(team):
    _case, lead, _member, leaves = team
    with pytest.raises(ValidationError) as error:
        save_scores(assignment=lead, actor=lead.assessor, entries=entries(leaves, c2=("", "待核实")))
    assert "请同时填写得分" in codes(error)["2"][0]


def test_only_the_framework_scored_indicators_are_accepted(team, evaluation):
    _case, lead, _member, _leaves = team
    parent = evaluation.framework.indicators.get(code="1")
    with pytest.raises(ValidationError, match="不是本指标体系的评分指标"):
        save_scores(assignment=lead, actor=lead.assessor, entries={parent.pk: {"points": "10"}})


def test_evidence_links_must_be_addresses(team):
    _case, lead, _member, leaves = team
    good = {leaves["2"].pk: {"points": "50", "evidence_links": "https://example.com/a.pdf\n/materials/3/"}}
    save_scores(assignment=lead, actor=lead.assessor, entries=good)
    assert lead.scores.get().evidence_links == "https://example.com/a.pdf\n/materials/3/"
    with pytest.raises(ValidationError, match="佐证材料链接每行一个"):
        save_scores(
            assignment=lead, actor=lead.assessor, entries={leaves["2"].pk: {"points": "50", "evidence_links": "章程"}}
        )


def test_only_the_assigned_assessor_scores_and_only_during_scoring(team, evaluation, make_case, today):
    case, lead, member, leaves = team
    for actor in (member.assessor, evaluation.assessors[2], evaluation.manager):
        with pytest.raises(PermissionDenied):
            save_scores(assignment=lead, actor=actor, entries=entries(leaves, c2="50"))
    score_fully(lead, leaves, today)
    score_fully(member, leaves, today)
    complete_scoring(case, lead.assessor)
    lead.submitted_at = None  # as if reopened without the service: the case state still refuses
    lead.save()
    with pytest.raises(ValidationError, match="不能评分"):
        save_scores(assignment=lead, actor=lead.assessor, entries=entries(leaves, c2="49", c1_1="30"))


# --- submitting and locking ---------------------------------------------------------------------


def test_submitting_needs_every_indicator_a_comment_below_full_marks_and_a_visit_date(team):
    _case, lead, _member, leaves = team
    save_scores(assignment=lead, actor=lead.assessor, entries=entries(leaves, c1_1="28", c2="50"))
    with pytest.raises(ValidationError) as error:
        submit_scores(assignment=lead, actor=lead.assessor)
    assert codes(error) == {
        "1.1": ["未得满分，请填写扣分说明。"],
        "1.2": ["尚未评分。"],
        "visit_date": ["请填写实地评估日期。"],
    }
    lead.refresh_from_db()
    assert lead.submitted_at is None


def test_a_visit_date_in_the_future_is_refused_on_submission(team):
    _case, lead, _member, leaves = team
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    save_scores(
        assignment=lead,
        actor=lead.assessor,
        entries=entries(leaves, c1_1="30", c1_2="20", c2="50"),
        visit_date=tomorrow,
    )
    with pytest.raises(ValidationError, match="不能晚于今天"):
        submit_scores(assignment=lead, actor=lead.assessor)


def test_submitted_scores_are_locked(team, today):
    _case, lead, _member, leaves = team
    score_fully(lead, leaves, today, c2=("45", "服务记录不全"))
    lead.refresh_from_db()
    assert lead.submitted_at is not None
    with pytest.raises(ValidationError, match="已提交并锁定"):
        save_scores(assignment=lead, actor=lead.assessor, entries=entries(leaves, c2="50"))
    with pytest.raises(ValidationError, match="已提交并锁定"):
        submit_scores(assignment=lead, actor=lead.assessor)
    assert lead.scores.get(indicator=leaves["2"]).points == D(45)


# --- reopening and completing -------------------------------------------------------------------


def test_the_lead_reopens_with_a_logged_reason_and_a_member_cannot(team, today):
    _case, lead, member, leaves = team
    score_fully(member, leaves, today)
    with pytest.raises(PermissionDenied):
        reopen_scores(assignment=member, actor=member.assessor, reason="想改")
    with pytest.raises(ValidationError, match="请填写退回理由"):
        reopen_scores(assignment=member, actor=lead.assessor, reason=" ")
    reopen_scores(assignment=member, actor=lead.assessor, reason="2项扣分说明不清")
    member.refresh_from_db()
    assert member.submitted_at is None
    assert list(ScoreReopening.objects.values_list("assignment", "by", "reason")) == [
        (member.pk, lead.assessor.pk, "2项扣分说明不清")
    ]
    save_scores(assignment=member, actor=member.assessor, entries=entries(leaves, c2=("48", "说明已补充")))


def test_reopening_after_completion_moves_the_case_back_to_scoring(team, today):
    case, lead, member, leaves = team
    score_fully(lead, leaves, today)
    score_fully(member, leaves, today)
    complete_scoring(case, lead.assessor)
    reopen_scores(assignment=member, actor=lead.assessor, reason="1.2项需复核")
    case.refresh_from_db()
    assert case.state == CaseState.SCORING
    event = case.events.latest("pk")
    assert (event.action, event.reason) == (CaseAction.REOPEN, "1.2项需复核")


def test_scoring_completes_only_when_everyone_submitted_and_only_by_the_lead(team, today):
    case, lead, member, leaves = team
    score_fully(lead, leaves, today)
    with pytest.raises(ValidationError, match="以下专家尚未提交评分：assessor1"):
        complete_scoring(case, lead.assessor)
    score_fully(member, leaves, today)
    with pytest.raises(PermissionDenied):
        complete_scoring(case, member.assessor)
    case = complete_scoring(case, lead.assessor)
    assert case.state == CaseState.MODERATION


# --- who sees what ------------------------------------------------------------------------------


def test_colleagues_scores_are_hidden_until_ones_own_are_submitted(team, evaluation, today):
    case, lead, member, leaves = team
    score_fully(member, leaves, today)
    save_scores(assignment=lead, actor=lead.assessor, entries=entries(leaves, c2="40"))
    assert set(visible_scores(lead.assessor, case).values_list("assignment", flat=True)) == {lead.pk}
    assert set(visible_scores(member.assessor, case).values_list("assignment", flat=True)) == {lead.pk, member.pk}
    assert not visible_scores(evaluation.assessors[2], case).exists()
    assert not visible_scores(evaluation.officer, case).exists(), "officers wait for scoring to complete"
    score_fully(lead, leaves, today, c2="50")
    assert visible_scores(lead.assessor, case).count() == 6
    complete_scoring(case, lead.assessor)
    case.refresh_from_db()
    assert visible_scores(evaluation.officer, case).count() == 6


def test_assessors_see_only_their_cases_while_scoring_is_open(team, evaluation, make_case, tree):
    case, lead, _member, _leaves = team
    other_case = make_case(
        state=CaseState.ALLOCATED, agency=evaluation.agency, organization=create_org(street=tree.badaguan)
    )
    outsider = evaluation.assessors[2]
    open_day, closed_day = datetime.date(2026, 6, 1), evaluation.campaign.scoring_closes_on + datetime.timedelta(days=1)
    assert list(cases_for_assessor(lead.assessor, open_day)) == [case]
    assert not cases_for_assessor(outsider, open_day).exists(), "another case of the same agency"
    assert not cases_for_assessor(lead.assessor, closed_day).exists(), "scoring has closed"
    assert not cases_for_assessor(outsider, closed_day).exists()
    assert other_case.agency == case.agency


def test_the_registry_shows_assessors_and_managers_the_organizations_of_their_cases(team, evaluation, tree):
    case, lead, _member, _leaves = team
    today, days = datetime.date.today(), datetime.timedelta(days=1)
    campaign = evaluation.campaign  # in its scoring phase today, whatever today is
    campaign.applications_open_on, campaign.applications_close_on = today - 60 * days, today - 30 * days
    campaign.scoring_closes_on = today + 30 * days
    campaign.save()
    create_org(street=tree.zhanshan, name="不相关的组织")
    assert list(organizations_for_user(lead.assessor)) == [case.organization]
    assert list(organizations_for_user(evaluation.manager)) == [case.organization]
    assert not organizations_for_user(evaluation.assessors[2]).exists()


# --- the assessor's pages -----------------------------------------------------------------------


def sheet(assignment) -> str:
    return reverse("evaluation_assessments:sheet", args=[assignment.pk])


def post_sheet(client, assignment, leaves, today, action="save", visit=None, **values):
    data = {"action": action, "visit_date": visit or visit_day(today).isoformat()}
    for code, value in values.items():
        points, comment = value if isinstance(value, tuple) else (value, "")
        pk = leaves[indicator_code(code)].pk
        data[f"points_{pk}"], data[f"comment_{pk}"] = points, comment
    return client.post(sheet(assignment), data)


def test_another_assessors_assignment_is_unreachable_by_address(client, team, evaluation, today):
    _case, lead, member, leaves = team
    client.force_login(member.assessor)
    assert client.get(sheet(lead)).status_code == 404
    assert post_sheet(client, lead, leaves, today, c2="1").status_code == 404
    assert client.post(reverse("evaluation_assessments:complete", args=[lead.pk])).status_code == 404
    client.force_login(evaluation.assessors[2])
    assert client.get(sheet(member)).status_code == 404
    assert client.post(reverse("evaluation_assessments:reopen", args=[member.pk]), {"reason": "x"}).status_code == 404
    assert not Score.objects.exists()


def test_the_sheet_shows_the_framework_and_keeps_what_was_typed_when_refused(client, team, today):
    _case, lead, _member, leaves = team
    client.force_login(lead.assessor)
    page = client.get(sheet(lead)).content.decode()
    for text in ("1 基础条件", "1.1 章程", "满分30.0分", "1.2 党建", "否决项", "2 工作绩效", "未自评"):
        assert text in page
    response = post_sheet(client, lead, leaves, today, c1_1=("31", "超出"), c2="45.5")
    page = response.content.decode()
    assert response.status_code == 200
    assert "分数应在0至30分之间" in page
    assert 'value="31"' in page and "超出" in page and 'value="45.5"' in page
    assert not Score.objects.exists()


def test_the_sheet_shows_the_self_assessment_and_links_the_evidence(client, make_case, evaluation):
    case = make_case(state=CaseState.DRAFT, agency=evaluation.agency)
    charter = case.framework.indicators.get(code="1.1")
    save_self_assessment(case=case, actor=evaluation.account, entries={charter.pk: ("25", "章程已核准")})
    evidence = attach_evidence(
        case=case, indicator=charter, actor=evaluation.account, upload=SimpleUploadedFile("章程.pdf", PDF)
    )
    Case.objects.filter(pk=case.pk).update(state=CaseState.ALLOCATED)  # setup: past application
    lead, member, _outsider = evaluation.assessors
    assign_team(case=case, actor=evaluation.manager, assessors=[lead, member], lead=lead)
    client.force_login(member)
    page = client.get(sheet(case.assignments.get(assessor=member))).content.decode()
    link = reverse("evidence_download", args=[evidence.pk])
    assert "25.0分（章程已核准）" in page and f'href="{link}"' in page and "章程.pdf" in page
    assert client.get(link).status_code == 200


def test_saving_submitting_and_the_locked_sheet(client, team, today):
    _case, lead, _member, leaves = team
    client.force_login(lead.assessor)
    response = post_sheet(client, lead, leaves, today, c1_1=("28", "章程未按期修订"))
    assert response.status_code == 302
    response = post_sheet(client, lead, leaves, today, action="submit", c1_1=("28", "章程未按期修订"), c1_2="20")
    assert "尚未评分" in response.content.decode(), "submission refused: indicator 2 is missing"
    assert lead.scores.count() == 2, "but the work was saved"
    response = post_sheet(
        client, lead, leaves, today, action="submit", c1_1=("28", "章程未按期修订"), c1_2="20", c2="50"
    )
    assert response.status_code == 302
    page = client.get(sheet(lead)).content.decode()
    assert "评分已锁定" in page and 'name="points_' not in page
    assert post_sheet(client, lead, leaves, today, c2="1").status_code == 200
    assert lead.scores.get(indicator=leaves["2"]).points == D(50)


def test_the_lead_sees_the_team_and_reopens_from_the_sheet(client, team, today):
    _case, lead, member, leaves = team
    score_fully(member, leaves, today)
    client.force_login(member.assessor)
    assert "评估组进度" not in client.get(sheet(member)).content.decode()
    client.force_login(lead.assessor)
    page = client.get(sheet(lead)).content.decode()
    assert "评估组进度" in page and "3 / 3" in page and "0 / 3" in page
    response = client.post(reverse("evaluation_assessments:reopen", args=[member.pk]), {"reason": "请补充说明"})
    assert response.status_code == 302
    assert ScoreReopening.objects.get().reason == "请补充说明"


def test_my_cases_lists_only_ones_own_in_constant_queries(client, team, evaluation, make_case, tree):
    _case, lead, _member, _leaves = team
    client.force_login(lead.assessor)
    url = reverse("evaluation_assessments:index")
    with CaptureQueriesContext(connection) as one:
        page = client.get(url).content.decode()
    assert evaluation.organization.name in page and "已评0项，共3项" in page
    for name in ("第二个组织", "第三个组织"):
        case = make_case(
            state=CaseState.ALLOCATED,
            agency=evaluation.agency,
            organization=create_org(street=tree.zhanshan, name=name),
        )
        assign_team(case=case, actor=evaluation.manager, assessors=evaluation.assessors[:2], lead=lead.assessor)
    lonely = make_case(
        state=CaseState.ALLOCATED,
        agency=evaluation.agency,
        organization=create_org(street=tree.zhanshan, name="别人的组织"),
    )
    assign_team(case=lonely, actor=evaluation.manager, assessors=evaluation.assessors[1:], lead=evaluation.assessors[1])
    with CaptureQueriesContext(connection) as three:
        page = client.get(url).content.decode()
    assert "第三个组织" in page and "别人的组织" not in page
    assert len(three) == len(one)


def test_an_assessor_declares_a_conflict_by_credit_code(client, evaluation):
    assessor = evaluation.assessors[0]
    client.force_login(assessor)
    url = reverse("evaluation_assessments:conflicts")
    response = client.post(url, {"identifier": "52370202MA0000000X", "reason": "亲属任职"})
    assert "没有找到" in response.content.decode() and "亲属任职" in response.content.decode()
    response = client.post(url, {"identifier": evaluation.organization.uscc, "reason": "亲属任职"})
    assert response.status_code == 302
    assert evaluation.organization.name in client.get(url).content.decode()
    assert assessor.conflict_declarations.get().reason == "亲属任职"


def test_the_admin_menu_offers_each_role_its_own_pages(client, evaluation):
    """The sidebar (JSON in the page) links each role to its pages and not to the other's."""
    mine, theirs = reverse("evaluation_assessments:index"), reverse("evaluation_agency_cases:index")
    client.force_login(evaluation.assessors[0])
    page = client.get("/admin/").content.decode()
    assert f'"url": "{mine}"' in page and f'"url": "{theirs}"' not in page
    client.force_login(evaluation.manager)
    page = client.get("/admin/").content.decode()
    assert f'"url": "{theirs}"' in page and f'"url": "{mine}"' not in page
