"""Public notice, appeals and complaints, and final grades (issue 5 item 9)."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from evaluation.enums import AppealKind, AppealState, CaseAction, CaseState, Grade, ValidityRule, Vote
from evaluation.models import Appeal, AppealAttachment, Campaign, CaseEvent, Notice, OrganizationGrade
from evaluation.services import cases, committee
from evaluation.services.notices import (
    MAX_ATTACHMENTS,
    check_notice_start,
    decide_appeal,
    finalize_campaign,
    lodge_appeal,
    lodge_complaint,
    publish_notice,
)
from evaluation.tasks import finalize_evaluations_task
from registry.enums import Role
from registry.services.roles import link_organization_account
from tests.factories import UserFactory, create_org

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def today():
    return timezone.localdate()


def pdf(name="说明.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def other_org(tree, evaluation):
    organization = create_org(street=tree.badaguan, name="八大关志愿者协会", founded_on=datetime.date(2015, 1, 1))
    account = UserFactory(username="other_account")
    link_organization_account(user=account, organization=organization)
    organization.account = account
    return organization


@pytest.fixture
def decided(make_case):
    return make_case(state=CaseState.DECIDED, decided_grade=Grade.A4)


@pytest.fixture
def running(evaluation, decided):
    """The campaign's notice, begun yesterday (seven days: yesterday to five days from now)."""
    return publish_notice(campaign=evaluation.campaign, actor=evaluation.officer, starts_on=today() - DAY)


@pytest.fixture
def meeting(evaluation):
    return committee.record_meeting(
        campaign=evaluation.campaign, held_on=today(), attendees=evaluation.members, actor=evaluation.officer
    )


def yes_from(members, count):
    return {member: (Vote.YES if n < count else Vote.NO) for n, member in enumerate(members)}


def refresh(case):
    case.refresh_from_db()
    return case


# --- Publishing ---------------------------------------------------------------------------------------


def test_publishing_moves_every_decided_case_into_the_notice_and_sets_its_dates(evaluation, make_case, other_org):
    first = make_case(state=CaseState.DECIDED, decided_grade=Grade.A5)
    second = make_case(state=CaseState.DECIDED, decided_grade="", organization=other_org)
    third_org = create_org(street=evaluation.organization.street, name="湛山社区书法社")
    withdrawn = make_case(state=CaseState.WITHDRAWN, organization=third_org)
    starts_on = datetime.date(2026, 11, 2)

    notice = publish_notice(campaign=evaluation.campaign, actor=evaluation.officer, starts_on=starts_on)

    assert (notice.starts_on, notice.ends_on) == (starts_on, datetime.date(2026, 11, 8))  # 7 days, both counted
    assert refresh(first).state == refresh(second).state == CaseState.IN_NOTICE
    assert refresh(withdrawn).state == CaseState.WITHDRAWN
    event = CaseEvent.objects.get(case=first, action=CaseAction.PUBLISH)
    assert (event.from_state, event.to_state, event.actor) == (
        CaseState.DECIDED,
        CaseState.IN_NOTICE,
        evaluation.officer,
    )


def test_the_notice_length_is_the_campaigns(evaluation, decided):
    Campaign.objects.filter(pk=evaluation.campaign.pk).update(notice_days=10)
    evaluation.campaign.refresh_from_db()
    notice = publish_notice(
        campaign=evaluation.campaign, actor=evaluation.officer, starts_on=datetime.date(2026, 12, 1)
    )
    assert notice.ends_on == datetime.date(2026, 12, 10)


def test_a_notice_starts_at_most_a_year_ahead(evaluation, decided):
    # A year is 365 or 366 days: 367 days ahead is always too far, 365 always within it.
    for starts_on in (datetime.date(9999, 12, 31), today() + 367 * DAY):
        with pytest.raises(ValidationError, match="公示开始日期不能晚于"):
            publish_notice(campaign=evaluation.campaign, actor=evaluation.officer, starts_on=starts_on)
    assert not Notice.objects.exists() and refresh(decided).state == CaseState.DECIDED
    notice = publish_notice(campaign=evaluation.campaign, actor=evaluation.officer, starts_on=today() + 365 * DAY)
    assert notice.starts_on == today() + 365 * DAY


def test_a_year_ahead_of_29_february_is_28_february():
    check_notice_start(datetime.date(2029, 2, 28), datetime.date(2028, 2, 29))
    with pytest.raises(ValidationError, match="不能晚于2029-02-28"):
        check_notice_start(datetime.date(2029, 3, 1), datetime.date(2028, 2, 29))


def test_only_an_officer_of_the_campaign_publishes(evaluation, decided, tree, make_officer):
    for user in (
        evaluation.members[0].user,
        evaluation.manager,
        evaluation.account,
        make_officer(Role.STREET_OFFICER, tree.zhanshan),
    ):
        with pytest.raises(PermissionDenied):
            publish_notice(campaign=evaluation.campaign, actor=user, starts_on=today())
    assert not Notice.objects.exists()
    city_officer = make_officer(Role.CITY_OFFICER, tree.city)
    assert publish_notice(campaign=evaluation.campaign, actor=city_officer, starts_on=today())


def test_publishing_is_refused_without_decided_cases_while_cases_await_the_committee_and_twice(
    evaluation, make_case, other_org
):
    with pytest.raises(ValidationError, match="没有已审定的评估申请"):
        publish_notice(campaign=evaluation.campaign, actor=evaluation.officer, starts_on=today())
    make_case(state=CaseState.DECIDED, decided_grade=Grade.A3)
    waiting = make_case(state=CaseState.MODERATED, organization=other_org)
    with pytest.raises(ValidationError, match="尚有1件评估申请未经评估委员会审定"):
        publish_notice(campaign=evaluation.campaign, actor=evaluation.officer, starts_on=today())
    waiting.delete()
    publish_notice(campaign=evaluation.campaign, actor=evaluation.officer, starts_on=today())
    with pytest.raises(ValidationError, match="已经发布过公示"):
        publish_notice(campaign=evaluation.campaign, actor=evaluation.officer, starts_on=today())


def test_a_decided_case_cannot_be_published_on_its_own_before_the_notice(evaluation, decided):
    with pytest.raises(ValidationError, match="尚未发布公示"):
        cases.act_on_case(case=decided, action=CaseAction.PUBLISH, actor=evaluation.officer)
    assert refresh(decided).state == CaseState.DECIDED


# --- Appeals and complaints ---------------------------------------------------------------------------


def test_the_organizations_account_appeals_during_the_notice(evaluation, decided, running):
    appeal = lodge_appeal(
        case=decided, actor=evaluation.account, text="  自评材料中的党建活动记录未被采纳。 ", uploads=[pdf()]
    )
    assert (appeal.kind, appeal.state, appeal.lodged_by) == (AppealKind.APPEAL, AppealState.OPEN, evaluation.account)
    assert appeal.text == "自评材料中的党建活动记录未被采纳。"
    attachment = appeal.attachments.get()
    assert (attachment.original_name, attachment.content_type) == ("说明.pdf", "application/pdf")


def test_no_one_else_appeals_for_the_organization(evaluation, decided, running, other_org):
    for user in (other_org.account, evaluation.officer, evaluation.members[0].user, None):
        with pytest.raises(PermissionDenied):
            lodge_appeal(case=decided, actor=user, text="不服")
    assert not Appeal.objects.exists()


@pytest.mark.parametrize(("starts", "message"), [(1, "只能在公示期内提出"), (-7, "只能在公示期内提出")])
def test_appeals_and_complaints_are_refused_outside_the_notice(evaluation, decided, starts, message):
    publish_notice(campaign=evaluation.campaign, actor=evaluation.officer, starts_on=today() + starts * DAY)
    decided.refresh_from_db()
    with pytest.raises(ValidationError, match=message):
        lodge_appeal(case=decided, actor=evaluation.account, text="不服")
    with pytest.raises(ValidationError, match=message):
        lodge_complaint(case=decided, name="张三", contact="13800000000", text="该组织有违规行为")
    assert not Appeal.objects.exists()


def test_an_appeal_needs_its_text_and_at_most_the_allowed_attachments(evaluation, decided, running):
    with pytest.raises(ValidationError) as error:
        lodge_appeal(case=decided, actor=evaluation.account, text="   ")
    assert error.value.message_dict == {"text": ["请填写复核理由。"]}
    with pytest.raises(ValidationError, match=f"附件最多{MAX_ATTACHMENTS}个"):
        lodge_appeal(
            case=decided, actor=evaluation.account, text="不服", uploads=[pdf() for _ in range(MAX_ATTACHMENTS + 1)]
        )
    assert not Appeal.objects.exists()


def test_a_disguised_attachment_is_refused_and_nothing_is_kept(evaluation, decided, running):
    disguised = SimpleUploadedFile("证明.pdf", b"MZ\x90\x00\x03" + b"\x00" * 64, content_type="application/pdf")
    with pytest.raises(ValidationError) as error:
        lodge_appeal(case=decided, actor=evaluation.account, text="不服", uploads=[pdf(), disguised])
    assert "不是PDF" in error.value.message_dict["uploads"][0]
    assert not Appeal.objects.exists()
    assert not AppealAttachment.objects.exists()


def test_anyone_files_a_complaint_with_a_name_and_a_contact(decided, running):
    complaint = lodge_complaint(case=decided, name=" 张三 ", contact="13800000000", text="该组织上年度未开展活动")
    assert (complaint.kind, complaint.complainant_name, complaint.lodged_by) == (AppealKind.COMPLAINT, "张三", None)
    with pytest.raises(ValidationError) as error:
        lodge_complaint(case=decided, name="", contact="13800000000", text="有问题")
    assert error.value.message_dict == {"name": ["请填写姓名。"]}
    with pytest.raises(ValidationError) as error:
        lodge_complaint(case=decided, name="张三", contact="1" * 101, text="有问题")
    assert error.value.message_dict == {"contact": ["联系方式不能超过100个字。"]}


# --- Deciding appeals ---------------------------------------------------------------------------------


def test_an_upheld_appeal_changes_the_decided_grade_and_the_final_grade(evaluation, decided, running, meeting):
    appeal = lodge_appeal(case=decided, actor=evaluation.account, text="党建指标漏计")
    decision = decide_appeal(
        appeal=appeal,
        meeting=meeting,
        upheld=True,
        outcome="经复核，党建指标应得满分，等级调整为5A。",
        grade_after=Grade.A5,
        votes=yes_from(evaluation.members, 2),
        actor=evaluation.officer,
    )
    assert decision.passed and decision.appeal == appeal and decision.grade == Grade.A5
    appeal.refresh_from_db()
    assert (appeal.state, appeal.grade_after) == (AppealState.UPHELD, Grade.A5)
    assert appeal.decided_at is not None
    assert refresh(decided).decided_grade == Grade.A5
    assert finalize_campaign(campaign=evaluation.campaign, today=running.ends_on + DAY) == 1
    assert OrganizationGrade.objects.get(case=decided).grade == Grade.A5


def test_a_dismissed_complaint_keeps_the_grade(evaluation, decided, running, meeting):
    complaint = lodge_complaint(case=decided, name="张三", contact="13800000000", text="等级偏高")
    decide_appeal(
        appeal=complaint,
        meeting=meeting,
        upheld=False,
        outcome="投诉所述情况与事实不符。",
        grade_after="",
        votes=yes_from(evaluation.members, 3),
        actor=evaluation.members[0].user,
    )
    complaint.refresh_from_db()
    assert complaint.state == AppealState.DISMISSED
    assert refresh(decided).decided_grade == Grade.A4


def test_an_appeal_stays_open_when_the_vote_fails_and_its_decision_needs_an_outcome(
    evaluation, decided, running, meeting
):
    appeal = lodge_appeal(case=decided, actor=evaluation.account, text="不服")
    with pytest.raises(ValidationError) as error:
        decide_appeal(
            appeal=appeal,
            meeting=meeting,
            upheld=True,
            outcome=" ",
            grade_after=Grade.A5,
            votes=yes_from(evaluation.members, 2),
            actor=evaluation.officer,
        )
    assert "outcome" in error.value.message_dict
    with pytest.raises(ValidationError, match="不填写复核后等级"):
        decide_appeal(
            appeal=appeal,
            meeting=meeting,
            upheld=False,
            outcome="不成立",
            grade_after=Grade.A5,
            votes=yes_from(evaluation.members, 2),
            actor=evaluation.officer,
        )
    decision = decide_appeal(
        appeal=appeal,
        meeting=meeting,
        upheld=True,
        outcome="成立",
        grade_after=Grade.A5,
        votes=yes_from(evaluation.members, 1),
        actor=evaluation.officer,
    )
    assert not decision.passed
    appeal.refresh_from_db()
    assert appeal.state == AppealState.OPEN
    assert refresh(decided).decided_grade == Grade.A4
    with pytest.raises(PermissionDenied):
        decide_appeal(
            appeal=appeal,
            meeting=meeting,
            upheld=True,
            outcome="成立",
            grade_after=Grade.A5,
            votes=yes_from(evaluation.members, 3),
            actor=evaluation.account,
        )


# --- Finalizing -----------------------------------------------------------------------------------------


def test_finalizing_is_refused_before_the_notice_ends_and_while_an_appeal_is_open(
    evaluation, decided, running, meeting
):
    with pytest.raises(ValidationError, match="结束后才能确定等级"):
        cases.act_on_case(case=decided, action=CaseAction.FINALIZE, actor=None, extra={"today": running.ends_on})
    assert finalize_campaign(campaign=evaluation.campaign, today=running.ends_on) == 0

    appeal = lodge_appeal(case=decided, actor=evaluation.account, text="不服")
    after = running.ends_on + DAY
    with pytest.raises(ValidationError, match="尚有1件复核申请或投诉未处理"):
        cases.act_on_case(case=decided, action=CaseAction.FINALIZE, actor=None, extra={"today": after})
    assert finalize_campaign(campaign=evaluation.campaign, today=after) == 0
    assert refresh(decided).state == CaseState.IN_NOTICE
    assert not OrganizationGrade.objects.exists()

    decide_appeal(
        appeal=appeal,
        meeting=meeting,
        upheld=False,
        outcome="理由不成立",
        grade_after="",
        votes=yes_from(evaluation.members, 2),
        actor=evaluation.officer,
    )
    assert finalize_campaign(campaign=evaluation.campaign, today=after, actor=evaluation.officer) == 1
    assert refresh(decided).state == CaseState.FINAL


def test_finalizing_by_hand_is_for_the_campaigns_officers(evaluation, decided, running):
    with pytest.raises(PermissionDenied):
        finalize_campaign(campaign=evaluation.campaign, today=running.ends_on + DAY, actor=evaluation.members[0].user)
    assert refresh(decided).state == CaseState.IN_NOTICE


@pytest.mark.parametrize(
    ("rule", "valid_from", "valid_until"),
    [
        (ValidityRule.CALENDAR_YEARS, datetime.date(2027, 1, 1), datetime.date(2031, 12, 31)),
        (ValidityRule.FROM_AWARD, datetime.date(2026, 6, 7), datetime.date(2031, 6, 6)),
    ],
)
def test_finalizing_awards_the_grade_under_the_campaigns_validity_rule(
    evaluation, make_case, other_org, rule, valid_from, valid_until
):
    Campaign.objects.filter(pk=evaluation.campaign.pk).update(validity_rule=rule)
    graded = make_case(state=CaseState.DECIDED, decided_grade=Grade.A3)
    ungraded = make_case(state=CaseState.DECIDED, decided_grade="", organization=other_org)
    notice = publish_notice(campaign=evaluation.campaign, actor=evaluation.officer, starts_on=datetime.date(2026, 6, 1))
    assert notice.ends_on == datetime.date(2026, 6, 7)

    assert finalize_campaign(campaign=evaluation.campaign, today=datetime.date(2026, 6, 8)) == 2

    grade = OrganizationGrade.objects.get()
    assert (grade.case, grade.organization, grade.grade, grade.framework) == (
        graded,
        evaluation.organization,
        Grade.A3,
        evaluation.framework,
    )
    assert (grade.awarded_on, grade.valid_from, grade.valid_until) == (
        datetime.date(2026, 6, 7),  # the notice's last day (`grades.award_date`)
        valid_from,
        valid_until,
    )
    assert refresh(ungraded).state == CaseState.FINAL  # final, with no grade


def test_the_daily_command_and_task_finalize_ended_notices(evaluation, decided):
    publish_notice(campaign=evaluation.campaign, actor=evaluation.officer, starts_on=datetime.date(2026, 6, 1))
    out = io.StringIO()
    call_command("finalize_evaluations", "--date", "2026-06-07", stdout=out)
    assert "截至2026-06-07确定等级的评估申请：0件" in out.getvalue()
    assert refresh(decided).state == CaseState.IN_NOTICE
    result = finalize_evaluations_task.enqueue(date="2026-06-08")
    assert result.return_value == {evaluation.campaign.name: 1}
    assert refresh(decided).state == CaseState.FINAL


# --- The public notice page ------------------------------------------------------------------------------


def test_the_public_page_lists_grades_and_decided_outcomes_and_nothing_unpublished(
    client, evaluation, make_case, other_org, meeting, tree
):
    graded = make_case(state=CaseState.DECIDED, decided_grade=Grade.A4)
    make_case(state=CaseState.DECIDED, decided_grade="", organization=other_org)
    notice = publish_notice(campaign=evaluation.campaign, actor=evaluation.officer, starts_on=today() - DAY)
    decided_complaint = lodge_complaint(case=graded, name="张三", contact="13800000000", text="怀疑材料造假")
    lodge_appeal(case=graded, actor=evaluation.account, text="尚未处理的复核理由")
    decide_appeal(
        appeal=decided_complaint,
        meeting=meeting,
        upheld=False,
        outcome="经核查，材料真实有效。",
        grade_after="",
        votes=yes_from(evaluation.members, 2),
        actor=evaluation.officer,
    )

    listing = client.get(reverse("evaluation_notices")).content.decode()
    assert evaluation.campaign.name in listing and reverse("evaluation_notice", args=[notice.pk]) in listing

    page = client.get(reverse("evaluation_notice", args=[notice.pk])).content.decode()
    assert evaluation.organization.name in page and "4A" in page
    assert "经核查，材料真实有效。" in page
    assert other_org.name not in page  # decided without a grade
    assert "张三" not in page and "13800000000" not in page and "怀疑材料造假" not in page
    assert "尚未处理的复核理由" not in page


def test_the_public_notice_takes_the_same_queries_for_one_grade_or_three(client, evaluation, make_case, tree):
    make_case(state=CaseState.DECIDED, decided_grade=Grade.A4)
    notice = publish_notice(campaign=evaluation.campaign, actor=evaluation.officer, starts_on=today() - DAY)
    url = reverse("evaluation_notice", args=[notice.pk])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    queries()  # warm the per-process caches
    one = queries()
    for _ in range(2):
        make_case(state=CaseState.IN_NOTICE, decided_grade=Grade.A3, organization=create_org(street=tree.zhanshan))
    assert queries() == one


def test_a_notice_is_hidden_until_it_begins(client, evaluation, decided):
    notice = publish_notice(campaign=evaluation.campaign, actor=evaluation.officer, starts_on=today() + DAY)
    assert evaluation.campaign.name not in client.get(reverse("evaluation_notices")).content.decode()
    assert client.get(reverse("evaluation_notice", args=[notice.pk])).status_code == 404


def test_a_complaint_is_filed_on_the_page_during_the_notice(client, evaluation, decided, running):
    url = reverse("evaluation_notice", args=[running.pk])
    response = client.post(url, {"case": decided.pk, "name": "李四", "contact": "", "text": "情况不实"})
    page = response.content.decode()
    assert "请填写联系方式。" in page
    assert "情况不实" in page and "李四" in page  # what was typed is kept
    assert not Appeal.objects.exists()
    response = client.post(url, {"case": decided.pk, "name": "李四", "contact": "li@example.com", "text": "情况不实"})
    assert response.status_code == 302
    complaint = Appeal.objects.get()
    assert (complaint.kind, complaint.case, complaint.complainant_contact) == (
        AppealKind.COMPLAINT,
        decided,
        "li@example.com",
    )


def test_the_page_says_when_complaints_are_closed(client, evaluation, decided):
    notice = publish_notice(campaign=evaluation.campaign, actor=evaluation.officer, starts_on=today() - 10 * DAY)
    url = reverse("evaluation_notice", args=[notice.pk])
    assert "不再受理投诉" in client.get(url).content.decode()
    client.post(url, {"case": decided.pk, "name": "李四", "contact": "li@example.com", "text": "情况不实"})
    assert not Appeal.objects.exists()


# --- The organization's appeal page ---------------------------------------------------------------------------


def appeal_url(case):
    return reverse("account_evaluation_appeal", args=[case.pk])


def test_the_organization_appeals_with_attachments_from_its_area(client, evaluation, decided, running):
    client.force_login(evaluation.account)
    response = client.post(appeal_url(decided), {"text": "党建指标漏计", "uploads": [pdf("一.pdf"), pdf("二.pdf")]})
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert sorted(appeal.attachments.values_list("original_name", flat=True)) == ["一.pdf", "二.pdf"]
    page = client.get(appeal_url(decided)).content.decode()
    assert "党建指标漏计" in page and "一.pdf" in page


def test_a_disguised_attachment_comes_back_on_the_form_with_the_text_kept(client, evaluation, decided, running):
    client.force_login(evaluation.account)
    disguised = SimpleUploadedFile("证明.pdf", b"not a pdf at all", content_type="application/pdf")
    response = client.post(appeal_url(decided), {"text": "党建指标漏计", "uploads": [disguised]})
    page = response.content.decode()
    assert response.status_code == 200
    assert "不是PDF" in page and "党建指标漏计" in page
    assert not Appeal.objects.exists()


def test_another_organizations_case_is_not_found_and_the_form_closes_after_the_notice(
    client, evaluation, decided, other_org
):
    notice = publish_notice(campaign=evaluation.campaign, actor=evaluation.officer, starts_on=today() - 10 * DAY)
    client.force_login(other_org.account)
    assert client.get(appeal_url(decided)).status_code == 404
    client.force_login(evaluation.account)
    page = client.get(appeal_url(decided)).content.decode()
    assert notice.ends_on.isoformat() in page and "不能再提出复核申请" in page
    client.post(appeal_url(decided), {"text": "不服"})
    assert not Appeal.objects.exists()


def test_appeal_attachments_are_read_by_the_organization_and_the_campaign_only(
    client, evaluation, decided, running, other_org
):
    appeal = lodge_appeal(case=decided, actor=evaluation.account, text="不服", uploads=[pdf()])
    url = reverse("appeal_attachment_download", args=[appeal.attachments.get().pk])
    assert client.get(url).status_code == 302  # to the login page
    for user, status in (
        (evaluation.account, 200),
        (evaluation.officer, 200),
        (evaluation.members[1].user, 200),
        (other_org.account, 404),
        (evaluation.assessors[0], 404),
    ):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == status, user
        if status == 200:
            assert b"".join(response.streaming_content) == PDF


# --- The back office -------------------------------------------------------------------------------------------


def test_an_officer_publishes_the_notice_in_the_back_office(client, evaluation, decided):
    client.force_login(evaluation.officer)
    index = client.get(reverse("evaluation_notices:index")).content.decode()
    publish = reverse("evaluation_notices:publish", args=[evaluation.campaign.pk])
    assert evaluation.campaign.name in index and publish in index
    assert evaluation.organization.name in client.get(publish).content.decode()
    response = client.post(publish, {"starts_on": (today() - DAY).isoformat()})
    assert "公示开始日期不能早于今天" in response.content.decode()
    response = client.post(publish, {"starts_on": "9999-12-31"})
    assert response.status_code == 200 and "公示开始日期不能晚于" in response.content.decode()
    assert 'value="9999-12-31"' in response.content.decode()
    assert not Notice.objects.exists()
    response = client.post(publish, {"starts_on": today().isoformat()})
    assert response.status_code == 302
    assert Notice.objects.get().ends_on == today() + 6 * DAY
    assert refresh(decided).state == CaseState.IN_NOTICE


def test_the_notice_pages_are_the_officers_only(client, evaluation, decided):
    client.force_login(evaluation.members[0].user)
    assert client.get(reverse("evaluation_notices:publish", args=[evaluation.campaign.pk])).status_code == 404
    client.post(
        reverse("evaluation_notices:publish", args=[evaluation.campaign.pk]), {"starts_on": today().isoformat()}
    )
    assert not Notice.objects.exists()


def test_the_finalize_button_makes_final_what_may_be(client, evaluation, decided):
    notice = publish_notice(campaign=evaluation.campaign, actor=evaluation.officer, starts_on=today() - 10 * DAY)
    client.force_login(evaluation.officer)
    response = client.post(reverse("evaluation_notices:finalize", args=[evaluation.campaign.pk]), follow=True)
    assert "已确定1件评估申请的等级" in response.content.decode()
    grade = OrganizationGrade.objects.get(case=decided)
    assert grade.awarded_on == notice.ends_on < today()


def test_the_committee_decides_an_appeal_in_the_back_office(client, evaluation, decided, running, meeting):
    appeal = lodge_appeal(case=decided, actor=evaluation.account, text="党建指标漏计", uploads=[pdf()])
    member = evaluation.members[0].user
    client.force_login(member)
    queue = client.get(reverse("evaluation_appeals:index")).content.decode()
    assert evaluation.organization.name in queue
    detail = client.get(reverse("evaluation_appeals:appeal", args=[appeal.pk])).content.decode()
    assert "党建指标漏计" in detail and "说明.pdf" in detail
    url = reverse("evaluation_appeals:decide", args=[appeal.pk, meeting.pk])
    votes = {f"vote_{m.pk}": Vote.YES for m in evaluation.members}
    response = client.post(url, {"upheld": "1", "outcome": "", "grade_after": Grade.A5, **votes})
    assert "请填写处理结果" in response.content.decode()
    response = client.post(url, {"upheld": "1", "outcome": "党建指标应得满分", "grade_after": Grade.A5, **votes})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert (appeal.state, appeal.outcome) == (AppealState.UPHELD, "党建指标应得满分")
    assert refresh(decided).decided_grade == Grade.A5


def test_appeals_are_not_shown_to_the_agency(client, evaluation, decided, running):
    appeal = lodge_complaint(case=decided, name="张三", contact="13800000000", text="有问题")
    client.force_login(evaluation.manager)
    assert client.get(reverse("evaluation_appeals:appeal", args=[appeal.pk])).status_code == 404
    assert "张三" not in client.get(reverse("evaluation_appeals:index")).content.decode()
