"""Applying for evaluation: starting a case, the self-assessment (partial saving, each value
checked, only the framework's scored indicators, only in draft), evidence per indicator, and
what must be true before the organization may submit."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluation.enums import CaseAction, CaseState, Grade
from evaluation.models import Campaign, EvidenceFile, Indicator, SelfAssessment
from evaluation.selectors.cases import open_campaigns_for_organization
from evaluation.services import applying, cases
from evaluation.services.applying import (
    attach_evidence,
    check_ready_to_submit,
    save_self_assessment,
    start_case,
)
from registry.enums import OrganizationKind, OrganizationStatus
from registry.models import Organization
from registry.services.roles import link_organization_account
from tests.evaluation.conftest import CLOSES_ON
from tests.factories import UserFactory, create_org

D = Decimal
IN_WINDOW = datetime.date(2026, 6, 1)
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def leaf(framework, code: str) -> Indicator:
    return framework.indicators.get(code=code)


def entries(framework, **points_by_code):
    """{indicator id: (points, note)} from codes written with underscores (1_1 for 1.1)."""
    return {leaf(framework, code.replace("_", ".")).pk: (value, "") for code, value in points_by_code.items()}


@pytest.fixture
def other_account(evaluation, tree):
    organization = create_org(street=tree.badaguan, name="八大关志愿者协会", founded_on=datetime.date(2015, 1, 1))
    user = UserFactory(username="other_account")
    link_organization_account(user=user, organization=organization)
    return user


# --- Starting a case ---------------------------------------------------------------------------------


def test_an_account_starts_a_draft_case_with_the_framework_for_its_kind(evaluation):
    case = start_case(
        campaign=evaluation.campaign, organization=evaluation.organization, actor=evaluation.account, today=IN_WINDOW
    )
    assert case.state == CaseState.DRAFT
    assert case.framework == evaluation.framework
    assert case.applicant == evaluation.account
    assert case.events.count() == 0


def test_only_an_account_of_the_organization_may_start_its_case(evaluation, other_account):
    for actor in (other_account, evaluation.officer, evaluation.manager):
        with pytest.raises(PermissionDenied):
            start_case(campaign=evaluation.campaign, organization=evaluation.organization, actor=actor, today=IN_WINDOW)


@pytest.mark.parametrize("today", [datetime.date(2026, 2, 28), CLOSES_ON + datetime.timedelta(days=1)])
def test_a_case_cannot_be_started_outside_the_applications_window(evaluation, today):
    with pytest.raises(ValidationError) as error:
        start_case(
            campaign=evaluation.campaign, organization=evaluation.organization, actor=evaluation.account, today=today
        )
    assert f"申请时间为2026-03-01至{CLOSES_ON.isoformat()}，现在不能申请" in error.value.messages[0]


def test_a_kind_without_a_framework_in_the_campaign_cannot_apply(evaluation, tree):
    foundation = create_org(street=tree.zhanshan, kind=OrganizationKind.FOUNDATION, name="市南区慈善基金会")
    account = UserFactory(username="foundation_account")
    link_organization_account(user=account, organization=foundation)
    with pytest.raises(ValidationError) as error:
        start_case(campaign=evaluation.campaign, organization=foundation, actor=account, today=IN_WINDOW)
    assert "不接受基金会申请" in error.value.messages[0]


def test_one_case_per_campaign(evaluation):
    arguments = {"campaign": evaluation.campaign, "organization": evaluation.organization, "actor": evaluation.account}
    start_case(**arguments, today=IN_WINDOW)
    with pytest.raises(ValidationError) as error:
        start_case(**arguments, today=IN_WINDOW)
    assert "不能重复申请" in error.value.messages[0]


def test_a_closed_organization_cannot_apply(evaluation):
    Organization.objects.filter(pk=evaluation.organization.pk).update(status=OrganizationStatus.DEREGISTERED)
    with pytest.raises(ValidationError) as error:
        start_case(
            campaign=evaluation.campaign,
            organization=evaluation.organization,
            actor=evaluation.account,
            today=IN_WINDOW,
        )
    assert "已注销" in error.value.messages[0]


def test_a_campaign_of_another_authority_is_neither_offered_nor_open_to_the_organization(evaluation, tree):
    city_campaign = Campaign.objects.create(
        name="2026年度青岛市社会组织评估",
        year=2026,
        authority=tree.city,
        committee=evaluation.committee,
        applications_open_on=datetime.date(2026, 3, 1),
        applications_close_on=datetime.date(2026, 12, 31),
        scoring_closes_on=datetime.date(2026, 12, 31),
    )
    city_campaign.frameworks.create(kind=OrganizationKind.SOCIAL_GROUP, framework=evaluation.framework)
    assert list(open_campaigns_for_organization(evaluation.organization, IN_WINDOW)) == [evaluation.campaign]
    with pytest.raises(ValidationError) as error:
        start_case(
            campaign=city_campaign, organization=evaluation.organization, actor=evaluation.account, today=IN_WINDOW
        )
    assert "不是本组织登记管理机关组织的评估" in error.value.messages[0]


def test_open_campaigns_are_those_in_their_window_with_a_framework_for_the_kind_and_no_case_yet(evaluation, tree):
    organization = evaluation.organization
    assert list(open_campaigns_for_organization(organization, IN_WINDOW)) == [evaluation.campaign]
    assert not open_campaigns_for_organization(organization, CLOSES_ON + datetime.timedelta(days=1)).exists()
    foundation = create_org(street=tree.zhanshan, kind=OrganizationKind.FOUNDATION)
    assert not open_campaigns_for_organization(foundation, IN_WINDOW).exists()
    start_case(campaign=evaluation.campaign, organization=organization, actor=evaluation.account, today=IN_WINDOW)
    assert not open_campaigns_for_organization(organization, IN_WINDOW).exists()


def test_a_filed_community_group_is_offered_the_campaign_of_its_district(evaluation, tree):
    group = create_org(street=tree.zhanshan, kind=OrganizationKind.COMMUNITY_GROUP, community=tree.yancheng)
    evaluation.campaign.frameworks.create(kind=OrganizationKind.COMMUNITY_GROUP, framework=evaluation.framework)
    assert group.registration_authority is None
    assert list(open_campaigns_for_organization(group, IN_WINDOW)) == [evaluation.campaign]


# --- The self-assessment -------------------------------------------------------------------------------


def test_partial_saving_keeps_what_is_given_and_totals_it(make_case, evaluation):
    case = make_case()
    save_self_assessment(
        case=case, actor=evaluation.account, entries={leaf(evaluation.framework, "1.1").pk: ("28.5", "章程齐全")}
    )
    assert case.self_assessment_total == D("28.5")
    save_self_assessment(case=case, actor=evaluation.account, entries=entries(evaluation.framework, **{"2": "45"}))
    case.refresh_from_db()
    assert case.self_assessment_total == D("73.5")
    assert SelfAssessment.objects.get(case=case, indicator__code="1.1").note == "章程齐全"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("30.5", "分数应在0至30分之间"),
        ("-1", "分数应在0至30分之间"),
        ("12.25", "最多保留一位小数"),
        ("十二", "请填写数字"),
        ("NaN", "请填写数字"),
        ("Infinity", "请填写数字"),
    ],
)
def test_an_invalid_value_is_reported_on_its_indicator_while_the_valid_ones_are_saved(
    make_case, evaluation, typed, message
):
    case = make_case()
    chapter, results = leaf(evaluation.framework, "1.1"), leaf(evaluation.framework, "2")
    with pytest.raises(ValidationError) as error:
        save_self_assessment(
            case=case, actor=evaluation.account, entries={chapter.pk: (typed, ""), results.pk: ("40", "")}
        )
    assert list(error.value.error_dict) == [str(chapter.pk)]
    assert message in error.value.error_dict[str(chapter.pk)][0].messages[0]
    assert not SelfAssessment.objects.filter(case=case, indicator=chapter).exists()
    assert SelfAssessment.objects.get(case=case, indicator=results).points == D(40)
    case.refresh_from_db()
    assert case.self_assessment_total == D(40)


def test_only_the_scored_indicators_of_the_case_framework_take_points(make_case, evaluation):
    case = make_case()
    heading = evaluation.framework.indicators.get(code="1")
    other_framework_leaf = Indicator.objects.create(
        framework=evaluation.framework.__class__.objects.create(code="other", name="其他", scale=D(10)),
        code="1",
        level=1,
        name="其他指标",
        max_points=D(10),
    )
    with pytest.raises(ValidationError) as error:
        save_self_assessment(
            case=case,
            actor=evaluation.account,
            entries={heading.pk: ("10", ""), other_framework_leaf.pk: ("5", ""), "x": ("1", "")},
        )
    assert set(error.value.error_dict) == {str(heading.pk), str(other_framework_leaf.pk), "x"}
    assert not case.self_assessments.exists()


def test_blank_points_clear_an_entry_and_a_note_without_points_is_refused(make_case, evaluation):
    case = make_case()
    chapter = leaf(evaluation.framework, "1.1")
    save_self_assessment(case=case, actor=evaluation.account, entries={chapter.pk: ("20", "")})
    save_self_assessment(case=case, actor=evaluation.account, entries={chapter.pk: ("  ", "")})
    assert not case.self_assessments.exists() and case.self_assessment_total is None
    with pytest.raises(ValidationError) as error:
        save_self_assessment(case=case, actor=evaluation.account, entries={chapter.pk: ("", "只写了说明")})
    assert "请同时填写自评分" in error.value.messages[0]


def test_the_self_assessment_is_changed_only_by_an_account_of_the_organization(make_case, evaluation, other_account):
    case = make_case()
    chapter = leaf(evaluation.framework, "1.1")
    for actor in (other_account, evaluation.officer, evaluation.manager):
        with pytest.raises(PermissionDenied):
            save_self_assessment(case=case, actor=actor, entries={chapter.pk: ("20", "")})
    assert not case.self_assessments.exists()


def test_a_submitted_case_keeps_its_self_assessment(make_case, evaluation):
    case = make_case(state=CaseState.APPLIED)
    with pytest.raises(ValidationError) as error:
        save_self_assessment(
            case=case, actor=evaluation.account, entries={leaf(evaluation.framework, "1.1").pk: ("20", "")}
        )
    assert "“已申请”，不能再修改自评" in error.value.messages[0]


# --- Evidence -------------------------------------------------------------------------------------------


def test_evidence_is_stored_privately_for_its_indicator(make_case, evaluation):
    case = make_case()
    evidence = attach_evidence(
        case=case,
        indicator=leaf(evaluation.framework, "1.1"),
        actor=evaluation.account,
        upload=SimpleUploadedFile("章程.pdf", PDF),
    )
    assert evidence.case == case and evidence.indicator.code == "1.1"
    assert evidence.original_name == "章程.pdf" and evidence.file.name.startswith("evidence/")
    assert Path(evidence.file.path).read_bytes() == PDF


def test_evidence_is_refused_for_a_heading_a_disguised_file_or_a_submitted_case(make_case, evaluation):
    case = make_case()
    with pytest.raises(ValidationError) as error:
        attach_evidence(
            case=case,
            indicator=evaluation.framework.indicators.get(code="1"),
            actor=evaluation.account,
            upload=SimpleUploadedFile("a.pdf", PDF),
        )
    assert "评分项" in error.value.messages[0]
    with pytest.raises(ValidationError) as error:
        attach_evidence(
            case=case,
            indicator=leaf(evaluation.framework, "2"),
            actor=evaluation.account,
            upload=SimpleUploadedFile("a.pdf", b"MZ\x90\x00" + b"\x00" * 100),
        )
    assert "不能上传" in error.value.messages[0]
    applied = make_case(state=CaseState.APPLIED, organization=create_org(street=evaluation.organization.street))
    with pytest.raises(PermissionDenied):  # not this account's organization
        attach_evidence(
            case=applied,
            indicator=leaf(evaluation.framework, "2"),
            actor=evaluation.account,
            upload=SimpleUploadedFile("a.pdf", PDF),
        )
    assert not EvidenceFile.objects.exists()


def test_evidence_per_case_is_limited(make_case, evaluation, monkeypatch):
    monkeypatch.setattr(applying, "MAX_EVIDENCE_FILES", 1)
    case = make_case()
    arguments = {"case": case, "indicator": leaf(evaluation.framework, "2"), "actor": evaluation.account}
    attach_evidence(**arguments, upload=SimpleUploadedFile("a.pdf", PDF))
    with pytest.raises(ValidationError) as error:
        attach_evidence(**arguments, upload=SimpleUploadedFile("b.pdf", PDF))
    assert "最多上传1个佐证材料文件" in error.value.messages[0]
    assert case.evidence_files.count() == 1


def test_evidence_per_indicator_is_limited(make_case, evaluation, settings):
    settings.UPLOAD_MAX_FILES_PER_ITEM = 1
    case = make_case()
    arguments = {"case": case, "indicator": leaf(evaluation.framework, "2"), "actor": evaluation.account}
    attach_evidence(**arguments, upload=SimpleUploadedFile("a.pdf", PDF))
    with pytest.raises(ValidationError) as error:
        attach_evidence(**arguments, upload=SimpleUploadedFile("b.pdf", PDF))
    assert "每个评分项最多上传1个佐证材料文件" in error.value.messages[0]
    other = leaf(evaluation.framework, "1.1")
    attach_evidence(**{**arguments, "indicator": other}, upload=SimpleUploadedFile("c.pdf", PDF))
    assert case.evidence_files.count() == 2


# --- Ready to submit -------------------------------------------------------------------------------------


def fill(case, evaluation, **points_by_code):
    save_self_assessment(case=case, actor=evaluation.account, entries=entries(evaluation.framework, **points_by_code))


def test_every_scored_indicator_must_be_self_assessed_before_submitting(make_case, evaluation):
    case = make_case()
    fill(case, evaluation, **{"1_1": "30"})
    with pytest.raises(ValidationError) as error:
        check_ready_to_submit(case)
    assert error.value.messages == ["以下指标尚未自评：1.2 党建、2 工作绩效。"]
    with pytest.raises(ValidationError):
        cases.act_on_case(case=case, action=CaseAction.SUBMIT, actor=evaluation.account)
    case.refresh_from_db()
    assert case.state == CaseState.DRAFT


def test_a_self_assessment_below_the_framework_minimum_stops_the_application(make_case, evaluation):
    framework = evaluation.framework
    framework.self_assessment_min_grade = Grade.A3  # 3A is "above 70" in the small framework
    framework.save()
    case = make_case()
    fill(case, evaluation, **{"1_1": "20", "1_2": "10", "2": "40"})
    with pytest.raises(ValidationError) as error:
        check_ready_to_submit(case)
    assert error.value.messages == ["自评得分为70分，未达到3A（高于70分），不能申请。"]
    fill(case, evaluation, **{"2": "40.1"})
    check_ready_to_submit(case)


def test_a_veto_item_scored_zero_caps_the_self_assessed_grade(make_case, evaluation):
    framework = evaluation.framework
    framework.self_assessment_min_grade = Grade.A3
    framework.save()
    framework.indicators.filter(code="1.2").update(veto_caps_grade=Grade.A2)
    case = make_case()
    fill(case, evaluation, **{"1_1": "30", "1_2": "0", "2": "50"})  # 80 would be 4A
    with pytest.raises(ValidationError) as error:
        check_ready_to_submit(case)
    assert error.value.messages == ["“1.2 党建”自评为0分，等级最高为2A，未达到3A（高于70分），不能申请。"]


def test_submitting_a_complete_case_applies_and_checks_eligibility(make_case, evaluation):
    case = make_case()
    fill(case, evaluation, **{"1_1": "30", "1_2": "20", "2": "45"})
    case = cases.act_on_case(case=case, action=CaseAction.SUBMIT, actor=evaluation.account)
    assert case.state == CaseState.APPLIED and case.submitted_at is not None
    assert case.eligibility_checks.count() == 5
    event = case.events.get()
    assert (event.action, event.actor, event.to_state) == (CaseAction.SUBMIT, evaluation.account, CaseState.APPLIED)


def test_saving_the_whole_sheet_takes_as_many_queries_as_saving_one_entry(make_case, evaluation):
    def queries_to_save(case, actor, **points_by_code) -> int:
        given = entries(evaluation.framework, **points_by_code)
        with CaptureQueriesContext(connection) as queries:
            save_self_assessment(case=case, actor=actor, entries=given)
        return len(queries)

    one = queries_to_save(make_case(), evaluation.account, **{"1_1": "30"})
    other = make_case(organization=create_org(street=evaluation.organization.street))
    other_account = UserFactory(username="sheet_account")
    link_organization_account(user=other_account, organization=other.organization)
    assert queries_to_save(other, other_account, **{"1_1": "30", "1_2": "20", "2": "5"}) == one
    assert other.self_assessment_total == D(55)
