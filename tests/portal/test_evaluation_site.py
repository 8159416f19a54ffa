"""An organization's evaluation in its area of the site: applying, the self-assessment form
(typed values kept on refusal), evidence per indicator, submitting, the eligibility results and
timeline, withdrawing; and another organization's case and evidence answering 404."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from evaluation.enums import CaseAction, CaseState, Grade
from evaluation.models import Campaign, Case, CaseEvent, EvidenceFile, Notice
from evaluation.selectors.cases import timeline_for_applicant
from evaluation.services.notices import publish_notice
from evaluation.services.scoring import reopen_scores
from registry.services.roles import link_organization_account
from tests.evaluation import conftest as evaluation_fixtures
from tests.evaluation.test_moderation import score_case
from tests.factories import UserFactory, create_org

# The evaluation's shared fixtures, used here outside tests/evaluation.
small_framework = evaluation_fixtures.small_framework
evaluation = evaluation_fixtures.evaluation
make_case = evaluation_fixtures.make_case

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200


@pytest.fixture
def open_campaign(evaluation):
    """The campaign with its applications open today, whatever day the tests run."""
    today = timezone.localdate()
    Campaign.objects.filter(pk=evaluation.campaign.pk).update(
        applications_open_on=today - datetime.timedelta(days=30),
        applications_close_on=today + datetime.timedelta(days=30),
        scoring_closes_on=today + datetime.timedelta(days=90),
    )
    evaluation.framework.indicators.filter(code="1.1").update(
        guidance="章程经会员大会通过并核准的得满分。", evidence="章程核准文件"
    )
    return evaluation.campaign


@pytest.fixture
def account(client, evaluation, open_campaign):
    client.force_login(evaluation.account)
    return evaluation.account


def ids(evaluation) -> dict[str, int]:
    return dict(evaluation.framework.indicators.values_list("code", "pk"))


def start(client, campaign) -> Case:
    response = client.post(reverse("account_evaluation_start", args=[campaign.pk]))
    case = Case.objects.get()
    assert response.url == reverse("account_evaluation_self_assessment", args=[case.pk])
    return case


def form_data(evaluation, **points_by_code) -> dict:
    codes = ids(evaluation)
    data = {}
    for code, points in points_by_code.items():
        code = code.replace("_", ".")
        data[f"points_{codes[code]}"] = points
        data[f"note_{codes[code]}"] = f"{code}的说明"
    return data


def test_the_account_home_links_to_evaluation(client, account):
    assert reverse("account_evaluation") in client.get(reverse("account_home")).content.decode()


def test_the_open_campaign_is_offered_and_applying_opens_the_self_assessment(client, account, open_campaign):
    page = client.get(reverse("account_evaluation")).content.decode()
    assert open_campaign.name in page and "申请参加评估" in page
    case = start(client, open_campaign)
    assert case.state == CaseState.DRAFT
    page = client.get(reverse("account_evaluation_self_assessment", args=[case.pk])).content.decode()
    for text in (
        "1 基础条件",
        "1.1 章程",
        "1.2 党建",
        "2 工作绩效",
        "章程经会员大会通过并核准的得满分。",
        "章程核准文件",
    ):
        assert text in page
    assert "否决项：得0分时等级最高为4A" in page
    page = client.get(reverse("account_evaluation")).content.decode()
    assert "申请参加评估" not in page  # one case per campaign
    assert reverse("account_evaluation_case", args=[case.pk]) in page


def test_a_refused_value_keeps_everything_typed_and_the_valid_values_are_saved(client, account, evaluation):
    case = start(client, evaluation.campaign)
    url = reverse("account_evaluation_self_assessment", args=[case.pk])
    typed = form_data(evaluation, **{"1_1": "28.5", "1_2": "25", "2": "45.5"})
    response = client.post(url, {**typed, "save": ""})
    assert response.status_code == 200
    page = response.content.decode()
    assert "分数应在0至20分之间" in page
    assert 'value="28.5"' in page and 'value="25"' in page and 'value="45.5"' in page and "1.2的说明" in page
    case.refresh_from_db()
    assert case.self_assessment_total == Decimal("74.0")
    assert "<strong>74</strong>" in page  # the saved total
    assert "已自评28.5 / 50分" in page  # the subtotal of 1 基础条件
    assert sorted(case.self_assessments.values_list("indicator__code", flat=True)) == ["1.1", "2"]


def test_submitting_an_incomplete_self_assessment_is_refused_with_the_form_kept(client, account, evaluation):
    case = start(client, evaluation.campaign)
    url = reverse("account_evaluation_self_assessment", args=[case.pk])
    response = client.post(url, {**form_data(evaluation, **{"1_1": "28"}), "submit": ""})
    page = response.content.decode()
    assert "以下指标尚未自评：1.2 党建、2 工作绩效。" in page and 'value="28"' in page
    case.refresh_from_db()
    assert case.state == CaseState.DRAFT


def test_submitting_shows_the_eligibility_results_and_the_timeline(client, account, evaluation):
    case = start(client, evaluation.campaign)
    url = reverse("account_evaluation_self_assessment", args=[case.pk])
    response = client.post(url, {**form_data(evaluation, **{"1_1": "28", "1_2": "20", "2": "45"}), "submit": ""})
    assert response.url == reverse("account_evaluation_case", args=[case.pk])
    case.refresh_from_db()
    assert case.state == CaseState.APPLIED and case.self_assessment_total == 93
    page = client.get(response.url).content.decode()
    assert "资格检查结果" in page and "已登记满2年" in page and "登记满规定年限" in page
    assert "提交申请" in page and "已申请" in page  # the timeline
    response = client.get(url)  # the self-assessment is closed now
    assert response.url == reverse("account_evaluation_case", args=[case.pk])


def test_evidence_is_uploaded_per_indicator_listed_downloaded_and_removed(
    client, account, evaluation, django_capture_on_commit_callbacks
):
    case = start(client, evaluation.campaign)
    url = reverse("account_evaluation_evidence", args=[case.pk])
    chapter = ids(evaluation)["1.1"]
    response = client.post(url, {"indicator": chapter, "file": SimpleUploadedFile("章程.pdf", PDF)})
    assert response.url == url
    evidence = EvidenceFile.objects.get()
    assert evidence.indicator_id == chapter
    download = reverse("evidence_download", args=[evidence.pk])
    assert download in client.get(url).content.decode()
    assert download in client.get(reverse("account_evaluation_self_assessment", args=[case.pk])).content.decode()
    assert download in client.get(reverse("account_evaluation_case", args=[case.pk])).content.decode()
    assert b"".join(client.get(download).streaming_content) == PDF
    stored = Path(evidence.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_evaluation_evidence_remove", args=[case.pk, evidence.pk]))
    assert not EvidenceFile.objects.exists()
    assert not stored.exists()


def test_a_refused_upload_says_why_beside_its_indicator_and_stores_nothing(client, account, evaluation):
    case = start(client, evaluation.campaign)
    url = reverse("account_evaluation_evidence", args=[case.pk])
    before = set(Path(settings.PRIVATE_MEDIA_ROOT).rglob("*"))
    response = client.post(url, {"indicator": ids(evaluation)["2"], "file": SimpleUploadedFile("总结.pdf", EXE)})
    assert response.status_code == 200
    assert "不能上传" in response.content.decode()
    response = client.post(url, {"indicator": ids(evaluation)["1"], "file": SimpleUploadedFile("a.pdf", PDF)})
    assert "请选择本评估指标体系的评分项" in response.content.decode()
    response = client.post(url, {"indicator": ids(evaluation)["2"]})
    assert "请选择要上传的文件" in response.content.decode()
    assert not EvidenceFile.objects.exists()
    assert set(Path(settings.PRIVATE_MEDIA_ROOT).rglob("*")) == before


def test_the_applicant_withdraws(client, account, evaluation):
    case = start(client, evaluation.campaign)
    client.post(reverse("account_evaluation_act", args=[case.pk]), {"action": "withdraw"})
    case.refresh_from_db()
    assert case.state == CaseState.WITHDRAWN
    assert "已撤回" in client.get(reverse("account_evaluation_case", args=[case.pk])).content.decode()
    response = client.post(reverse("account_evaluation_act", args=[case.pk]), {"action": "confirm_eligible"})
    assert response.status_code == 404  # not the applicant's step


def test_another_organizations_case_and_evidence_are_not_found(client, evaluation, open_campaign, tree):
    client.force_login(evaluation.account)
    case = start(client, open_campaign)
    client.post(
        reverse("account_evaluation_evidence", args=[case.pk]),
        {"indicator": ids(evaluation)["2"], "file": SimpleUploadedFile("总结.pdf", PDF)},
    )
    evidence = EvidenceFile.objects.get()
    intruder = UserFactory(username="intruder")
    link_organization_account(user=intruder, organization=create_org(street=tree.badaguan))
    client.force_login(intruder)
    for name, args in [
        ("account_evaluation_case", [case.pk]),
        ("account_evaluation_self_assessment", [case.pk]),
        ("account_evaluation_evidence", [case.pk]),
        ("evidence_download", [evidence.pk]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 404, name
    for name, args, data in [
        ("account_evaluation_self_assessment", [case.pk], {"save": ""}),
        ("account_evaluation_evidence", [case.pk], {"indicator": ids(evaluation)["2"]}),
        ("account_evaluation_evidence_remove", [case.pk, evidence.pk], {}),
        ("account_evaluation_act", [case.pk], {"action": "withdraw"}),
    ]:
        assert client.post(reverse(name, args=args), data).status_code == 404, name
    case.refresh_from_db()
    assert case.state == CaseState.DRAFT and EvidenceFile.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, evaluation, open_campaign):
    response = client.get(reverse("account_evaluation"))
    assert response.status_code == 302 and reverse("account_login") in response.url


def test_an_account_without_an_organization_has_no_evaluation_area(client, evaluation):
    client.force_login(UserFactory(username="lonely"))
    assert client.get(reverse("account_evaluation")).status_code == 404


def test_the_organization_reads_its_own_steps_reasons_and_the_assessors_steps_bare(client, evaluation, make_case):
    case = score_case(make_case(state=CaseState.MODERATION), evaluation.assessors, {"1.1": [30, 20, 25]})
    reopen_scores(
        assignment=case.assignments.get(assessor=evaluation.assessors[1]),
        actor=evaluation.assessors[0],
        reason="李专家打分明显偏低",
    )
    client.force_login(evaluation.account)
    page = client.get(reverse("account_evaluation_case", args=[case.pk])).content.decode()
    assert "退回重新评分" in page and "李专家打分明显偏低" not in page


def test_the_timeline_gives_reasons_of_the_organizations_and_the_public_steps_only(evaluation, make_case):
    case = make_case(state=CaseState.FINAL)
    for action in CaseAction.values:  # setup only: every kind of step, each with a reason
        CaseEvent.objects.create(
            case=case, action=action, from_state=CaseState.DRAFT, to_state=CaseState.FINAL, reason=f"{action}理由"
        )
    reasons = {step.action: step.reason for step in timeline_for_applicant(case)}
    shown = ("submit", "withdraw", "confirm_eligible", "refuse", "publish", "finalize", "close")
    assert reasons == {
        CaseAction(action).label: f"{action}理由" if action in shown else "" for action in CaseAction.values
    }


def test_the_grade_and_the_appeal_wait_for_the_notice_to_begin(client, evaluation, make_case):
    case = make_case(state=CaseState.DECIDED, decided_grade=Grade.A4)
    today = timezone.localdate()
    publish_notice(campaign=evaluation.campaign, actor=evaluation.officer, starts_on=today + datetime.timedelta(3))
    case.refresh_from_db()
    assert case.state == CaseState.IN_NOTICE  # publishing ahead moves the case at once
    client.force_login(evaluation.account)
    shown = f"<strong>{Grade.A4}</strong>"  # as the pages set it (a bare "4A" may be in a token)
    case_url = reverse("account_evaluation_case", args=[case.pk])
    appeal_url = reverse("account_evaluation_appeal", args=[case.pk])
    page = client.get(case_url).content.decode()
    assert "审定等级" not in page and appeal_url not in page and shown not in page
    page = client.get(appeal_url).content.decode()
    assert "审定等级" not in page and shown not in page and "公示期内可以提出复核申请" in page
    Notice.objects.update(starts_on=today, ends_on=today + datetime.timedelta(6))
    page = client.get(case_url).content.decode()
    assert "审定等级" in page and appeal_url in page and shown in page
    assert shown in client.get(appeal_url).content.decode()
