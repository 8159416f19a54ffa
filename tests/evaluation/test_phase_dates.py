"""The campaign's phase dates are enforced (DESIGN.md section 9): an organization applies, fills in
its self-assessment and files evidence until `applications_close_on`; assessors save, submit and
reopen scores until `scoring_closes_on`; an officer extends a phase by changing the campaign's
dates, which must stay in order."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evaluation.enums import CaseAction, CaseState
from evaluation.models import Campaign, EvidenceFile, Score
from evaluation.selectors.assessments import cases_for_assessor
from evaluation.services.applying import attach_evidence, remove_evidence, save_self_assessment
from evaluation.services.assignment import assign_team
from evaluation.services.campaigns import CAMPAIGN_FIELDS, change_campaign
from evaluation.services.cases import act_on_case
from evaluation.services.scoring import reopen_scores, save_scores, submit_scores

DAY = datetime.timedelta(days=1)
OPENS, CLOSES, SCORING_CLOSES = datetime.date(2026, 3, 1), datetime.date(2026, 5, 31), datetime.date(2026, 8, 31)
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def set_dates(campaign, opens, closes, scoring_closes):
    """Setup only: the campaign's phase dates written straight to the row."""
    Campaign.objects.filter(pk=campaign.pk).update(
        applications_open_on=opens, applications_close_on=closes, scoring_closes_on=scoring_closes
    )
    campaign.refresh_from_db()


@pytest.fixture
def campaign(evaluation):
    set_dates(evaluation.campaign, OPENS, CLOSES, SCORING_CLOSES)
    return evaluation.campaign


def leaves(evaluation) -> dict:
    return {indicator.code: indicator for indicator in evaluation.framework.indicators.filter(children__isnull=True)}


def full_self_assessment(evaluation) -> dict:
    return {indicator.pk: (str(indicator.max_points), "") for indicator in leaves(evaluation).values()}


def pdf():
    return SimpleUploadedFile("章程.pdf", PDF, content_type="application/pdf")


def extend(campaign, officer, **dates):
    """The officer changes the campaign's dates through the campaign service (as the edit form does)."""
    data = {name: getattr(campaign, name) for name in CAMPAIGN_FIELDS} | dates
    frameworks = {use.kind: use.framework for use in campaign.frameworks.select_related("framework")}
    return change_campaign(campaign=campaign, data=data, frameworks=frameworks, actor=officer)


# --- applying -----------------------------------------------------------------------------------------


def test_a_case_is_submitted_on_the_closing_day_but_not_after_it(evaluation, campaign, make_case):
    on_time = make_case()
    save_self_assessment(case=on_time, actor=evaluation.account, entries=full_self_assessment(evaluation), today=OPENS)

    with pytest.raises(ValidationError) as error:
        act_on_case(case=on_time, action=CaseAction.SUBMIT, actor=evaluation.account, extra={"today": CLOSES + DAY})
    assert error.value.messages == [f"“{campaign.name}”的申请已于2026-05-31截止，不能再提交申请。"]
    on_time.refresh_from_db()
    assert on_time.state == CaseState.DRAFT and not on_time.events.exists()

    act_on_case(case=on_time, action=CaseAction.SUBMIT, actor=evaluation.account, extra={"today": CLOSES})
    on_time.refresh_from_db()
    assert on_time.state == CaseState.APPLIED


def test_the_self_assessment_and_evidence_are_frozen_after_the_closing_day(evaluation, campaign, make_case):
    case = make_case()
    code_leaves = leaves(evaluation)
    save_self_assessment(case=case, actor=evaluation.account, entries={code_leaves["2"].pk: ("40", "")}, today=CLOSES)
    evidence = attach_evidence(
        case=case, indicator=code_leaves["2"], actor=evaluation.account, upload=pdf(), today=CLOSES
    )
    closed = f"“{campaign.name}”的申请已于2026-05-31截止，不能再修改自评和佐证材料。"

    with pytest.raises(ValidationError) as error:
        save_self_assessment(
            case=case, actor=evaluation.account, entries={code_leaves["2"].pk: ("50", "")}, today=CLOSES + DAY
        )
    assert error.value.messages == [closed]
    with pytest.raises(ValidationError) as error:
        attach_evidence(
            case=case, indicator=code_leaves["2"], actor=evaluation.account, upload=pdf(), today=CLOSES + DAY
        )
    assert error.value.messages == [closed]
    with pytest.raises(ValidationError) as error:
        remove_evidence(evidence=evidence, actor=evaluation.account, today=CLOSES + DAY)
    assert error.value.messages == [closed]

    case.refresh_from_db()
    assert case.self_assessment_total == Decimal(40)
    assert list(EvidenceFile.objects.values_list("pk", flat=True)) == [evidence.pk]


def test_an_officer_extends_the_application_phase_by_changing_the_campaigns_dates(evaluation, campaign, make_case):
    case = make_case()
    save_self_assessment(case=case, actor=evaluation.account, entries=full_self_assessment(evaluation), today=CLOSES)
    late = CLOSES + 10 * DAY
    with pytest.raises(ValidationError):
        act_on_case(case=case, action=CaseAction.SUBMIT, actor=evaluation.account, extra={"today": late})

    extend(campaign, evaluation.officer, applications_close_on=late)

    act_on_case(case=case, action=CaseAction.SUBMIT, actor=evaluation.account, extra={"today": late})
    case.refresh_from_db()
    assert case.state == CaseState.APPLIED


def test_the_organizations_pages_say_the_applications_have_closed(client, evaluation, make_case, today):
    set_dates(evaluation.campaign, today - 60 * DAY, today - DAY, today + 30 * DAY)
    case = make_case()
    client.force_login(evaluation.account)
    page = client.get(reverse("account_evaluation_case", args=[case.pk])).content.decode()
    assert f"申请已于{(today - DAY).isoformat()}截止，不能再填写或提交申请" in page
    assert reverse("account_evaluation_self_assessment", args=[case.pk]) not in page
    assert "撤回" in page  # the organization may still withdraw its draft

    code_leaves = leaves(evaluation)
    url = reverse("account_evaluation_self_assessment", args=[case.pk])
    response = client.post(url, {f"points_{code_leaves['2'].pk}": "40", "save": ""}, follow=True)
    assert "不能再修改自评" in response.content.decode()
    assert not case.self_assessments.exists()
    response = client.post(
        reverse("account_evaluation_evidence", args=[case.pk]),
        {"indicator": code_leaves["2"].pk, "file": pdf()},
        follow=True,
    )
    assert "不能再上传佐证材料" in response.content.decode()
    assert not EvidenceFile.objects.exists()


# --- scoring ------------------------------------------------------------------------------------------


@pytest.fixture
def team(evaluation, campaign, make_case):
    """A case in scoring: assessor0 leads, assessor1 scores too."""
    case = make_case(state=CaseState.ALLOCATED, agency=evaluation.agency)
    lead, member = evaluation.assessors[:2]
    case = assign_team(case=case, actor=evaluation.manager, assessors=[lead, member], lead=lead)
    return case, case.assignments.get(assessor=lead), case.assignments.get(assessor=member)


def full_marks(evaluation) -> dict:
    return {indicator.pk: {"points": str(indicator.max_points)} for indicator in leaves(evaluation).values()}


def test_scores_are_saved_and_submitted_until_scoring_closes(evaluation, team):
    _case, lead, _member = team
    visit = SCORING_CLOSES - 5 * DAY
    closed = f"“{evaluation.campaign.name}”的评分已于2026-08-31截止，不能再保存或提交评分。"

    with pytest.raises(ValidationError) as error:
        save_scores(
            assignment=lead,
            actor=lead.assessor,
            entries=full_marks(evaluation),
            visit_date=visit,
            today=SCORING_CLOSES + DAY,
        )
    assert error.value.messages == [closed]
    assert not Score.objects.exists()

    save_scores(
        assignment=lead, actor=lead.assessor, entries=full_marks(evaluation), visit_date=visit, today=SCORING_CLOSES
    )
    with pytest.raises(ValidationError) as error:
        submit_scores(assignment=lead, actor=lead.assessor, today=SCORING_CLOSES + DAY)
    assert error.value.messages == [closed]
    lead.refresh_from_db()
    assert lead.submitted_at is None and lead.scores.count() == 3

    submit_scores(assignment=lead, actor=lead.assessor, today=SCORING_CLOSES)
    lead.refresh_from_db()
    assert lead.submitted_at is not None


def test_the_lead_reopens_scores_only_while_scoring_is_open(evaluation, team):
    _case, lead, member = team
    save_scores(
        assignment=member,
        actor=member.assessor,
        entries=full_marks(evaluation),
        visit_date=SCORING_CLOSES - DAY,
        today=SCORING_CLOSES,
    )
    submit_scores(assignment=member, actor=member.assessor, today=SCORING_CLOSES)

    with pytest.raises(ValidationError) as error:
        reopen_scores(assignment=member, actor=lead.assessor, reason="党建指标需复核", today=SCORING_CLOSES + DAY)
    assert error.value.messages == [f"“{evaluation.campaign.name}”的评分已于2026-08-31截止，不能退回评分。"]
    member.refresh_from_db()
    assert member.submitted_at is not None and not member.reopenings.exists()

    reopen_scores(assignment=member, actor=lead.assessor, reason="党建指标需复核", today=SCORING_CLOSES)
    member.refresh_from_db()
    assert member.submitted_at is None


def test_an_officer_extends_scoring_by_changing_the_campaigns_dates(evaluation, team):
    _case, lead, _member = team
    late = SCORING_CLOSES + 7 * DAY
    arguments = {"assignment": lead, "actor": lead.assessor, "entries": full_marks(evaluation), "today": late}
    with pytest.raises(ValidationError):
        save_scores(**arguments)

    extend(evaluation.campaign, evaluation.officer, scoring_closes_on=late)

    save_scores(**arguments)
    assert lead.scores.count() == 3


def test_assessors_see_their_cases_only_until_scoring_closes(evaluation, team):
    case, lead, _member = team
    assert list(cases_for_assessor(lead.assessor, SCORING_CLOSES)) == [case]
    assert not cases_for_assessor(lead.assessor, SCORING_CLOSES + DAY).exists()
    assert not cases_for_assessor(evaluation.assessors[2], SCORING_CLOSES).exists()


def test_the_scoring_sheet_says_scoring_has_closed_and_takes_nothing(client, evaluation, team, today):
    _case, lead, member = team
    set_dates(evaluation.campaign, today - 90 * DAY, today - 60 * DAY, today - DAY)
    client.force_login(lead.assessor)
    url = reverse("evaluation_assessments:sheet", args=[lead.pk])
    page = client.get(url).content.decode()
    assert f"本次评估的评分已于{(today - DAY).isoformat()}截止" in page
    assert 'name="points_' not in page and 'value="submit"' not in page
    assert reverse("evaluation_assessments:reopen", args=[member.pk]) not in page

    code_leaves = leaves(evaluation)
    data = {"action": "save", "visit_date": (today - 2 * DAY).isoformat(), f"points_{code_leaves['2'].pk}": "50"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "不能再保存或提交评分" in response.content.decode()
    assert not Score.objects.exists()

    set_dates(evaluation.campaign, today - 90 * DAY, today - 60 * DAY, today)  # extended to today
    assert 'name="points_' in client.get(url).content.decode()
    assert client.post(url, data).status_code == 302
    assert lead.scores.get().points == Decimal(50)


# --- the campaign's dates -----------------------------------------------------------------------------


def edit_data(campaign, **changes) -> dict:
    """The campaign edit form's fields, as the officer's browser posts them."""
    data = {}
    for name in CAMPAIGN_FIELDS:
        value = getattr(campaign, name)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif name == "committee":
            data[name] = value.pk
        elif isinstance(value, datetime.date):
            data[name] = value.isoformat()
        else:
            data[name] = str(value)
    for use in campaign.frameworks.all():
        data[f"framework_{use.kind}"] = use.framework_id
    return data | changes


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"applications_close_on": "2026-02-28"}, "申请截止日期不能早于申请开始日期。"),
        ({"scoring_closes_on": "2026-05-30"}, "评分截止日期不能早于申请截止日期。"),
    ],
)
def test_the_campaign_edit_form_keeps_the_dates_in_order(client, evaluation, campaign, changes, message):
    client.force_login(evaluation.officer)
    url = reverse("evaluation_campaigns:edit", args=[campaign.pk])
    response = client.post(url, edit_data(campaign, **changes))
    assert response.status_code == 200
    page = response.content.decode()
    assert "日期顺序有误" in page or message in page
    campaign.refresh_from_db()
    assert (campaign.applications_open_on, campaign.applications_close_on, campaign.scoring_closes_on) == (
        OPENS,
        CLOSES,
        SCORING_CLOSES,
    )
    with pytest.raises(ValidationError) as error:
        extend(campaign, evaluation.officer, **{name: datetime.date.fromisoformat(v) for name, v in changes.items()})
    assert message in error.value.messages


def test_the_campaign_edit_form_extends_a_phase(client, evaluation, campaign):
    client.force_login(evaluation.officer)
    url = reverse("evaluation_campaigns:edit", args=[campaign.pk])
    response = client.post(url, edit_data(campaign, scoring_closes_on="2026-09-30"))
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.scoring_closes_on == datetime.date(2026, 9, 30)
