"""The committee back office: recording a meeting, its quorum, and the vote on a moderated case
with the result and the counts; 404 for anyone outside the campaign's committee and officers."""

import datetime

import pytest
from django.urls import reverse

from evaluation.enums import CaseState, Grade, Vote
from evaluation.models import CaseDecision, Committee, Meeting
from evaluation.services.committee import record_meeting
from evaluation.services.people import add_committee_member
from tests.factories import UserFactory

HELD_ON = datetime.date(2026, 11, 20)


@pytest.fixture
def moderated(make_case):
    return make_case(state=CaseState.MODERATED, total="85.0", proposed_grade=Grade.A4)


def meeting_of(evaluation, attendees):
    return record_meeting(campaign=evaluation.campaign, held_on=HELD_ON, attendees=attendees, actor=evaluation.officer)


def test_an_officer_records_a_meeting_and_sees_its_quorum(client, evaluation):
    client.force_login(evaluation.officer)
    url = reverse("evaluation_meetings:add", args=[evaluation.campaign.pk])
    form = client.get(url).content.decode()
    assert all(f"member{n}" in form for n in range(3))
    response = client.post(
        url,
        {"held_on": "2026-11-20", "attendees": [m.pk for m in evaluation.members[:2]], "notes": "审定2026年度等级"},
        follow=True,
    )
    meeting = Meeting.objects.get()
    assert (meeting.members_total, meeting.attendees.count(), meeting.notes) == (3, 2, "审定2026年度等级")
    html = response.content.decode()
    assert "全体委员3人，出席2人" in html
    assert "可以表决；等级须获至少2票同意方为通过" in html


def test_a_meeting_without_attendees_is_refused_and_keeps_the_typing(client, evaluation):
    client.force_login(evaluation.members[0].user)
    response = client.post(
        reverse("evaluation_meetings:add", args=[evaluation.campaign.pk]),
        {"held_on": "2026-11-20", "notes": "纪要草稿"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "请选择出席会议的委员" in html
    assert 'value="2026-11-20"' in html and "纪要草稿" in html
    assert not Meeting.objects.exists()


def test_a_meeting_short_of_quorum_says_so(client, evaluation, moderated):
    meeting = meeting_of(evaluation, evaluation.members[:1])
    client.force_login(evaluation.officer)
    html = client.get(reverse("evaluation_meetings:meeting", args=[meeting.pk])).content.decode()
    assert "不足全体委员的三分之二（至少2人），本次会议不能表决" in html
    response = client.post(
        reverse("evaluation_meetings:decide", args=[meeting.pk, moderated.pk]),
        {"grade": Grade.A4, f"vote_{evaluation.members[0].pk}": Vote.YES},
    )
    assert "本次会议不能表决" in response.content.decode()
    assert not CaseDecision.objects.exists()


def test_the_committee_votes_on_a_moderated_case(client, evaluation, moderated):
    first, second, _absent = evaluation.members
    meeting = meeting_of(evaluation, [first, second])
    client.force_login(first.user)
    meeting_page = client.get(reverse("evaluation_meetings:meeting", args=[meeting.pk])).content.decode()
    assert moderated.organization.name in meeting_page.split('id="waiting"')[1]

    url = reverse("evaluation_meetings:decide", args=[meeting.pk, moderated.pk])
    form = client.get(url)
    assert form.context["form"]["grade"].value() == Grade.A4  # the proposal preselected
    assert '<option value="4A" selected>' in form.content.decode()

    response = client.post(
        url, {"grade": Grade.A4, f"vote_{first.pk}": Vote.YES, f"vote_{second.pk}": Vote.ABSTAIN}, follow=True
    )
    html = response.content.decode()
    assert "4A仅获1票同意（全体委员3人），未过半数，未通过" in html
    decisions = html.split('id="decisions"')[1].split("</table>")[0]
    assert "<td>1</td><td>0</td><td>1</td>" in decisions and "未通过" in decisions
    moderated.refresh_from_db()
    assert moderated.state == CaseState.MODERATED

    second_meeting = meeting_of(evaluation, [first, second])
    response = client.post(
        reverse("evaluation_meetings:decide", args=[second_meeting.pk, moderated.pk]),
        {"grade": Grade.A4, f"vote_{first.pk}": Vote.YES, f"vote_{second.pk}": Vote.YES},
        follow=True,
    )
    assert "4A获2票同意（全体委员3人），表决通过" in response.content.decode()
    moderated.refresh_from_db()
    assert (moderated.state, moderated.decided_grade) == (CaseState.DECIDED, Grade.A4)


def test_every_attendee_vote_is_required_and_typing_is_kept(client, evaluation, moderated):
    first, second, _absent = evaluation.members
    meeting = meeting_of(evaluation, [first, second])
    client.force_login(evaluation.officer)
    response = client.post(
        reverse("evaluation_meetings:decide", args=[meeting.pk, moderated.pk]),
        {"grade": Grade.A3, f"vote_{first.pk}": Vote.YES},
    )
    html = response.content.decode()
    assert "请记录member1的表决意见" in html
    assert '<option value="3A" selected>' in html
    assert not CaseDecision.objects.exists()


def test_outsiders_get_404(client, evaluation, moderated, tree):
    meeting = meeting_of(evaluation, evaluation.members)
    stranger = add_committee_member(
        user=UserFactory(username="stranger"),
        committee=Committee.objects.create(name="其他委员会", authority=tree.city),
    ).user
    for outsider in (evaluation.assessors[0], stranger):
        client.force_login(outsider)
        assert client.get(reverse("evaluation_meetings:meeting", args=[meeting.pk])).status_code == 404
        assert client.get(reverse("evaluation_meetings:decide", args=[meeting.pk, moderated.pk])).status_code == 404
        assert client.get(reverse("evaluation_meetings:add", args=[evaluation.campaign.pk])).status_code == 404
        assert evaluation.campaign.name not in client.get(reverse("evaluation_meetings:index")).content.decode()


def test_the_menu_shows_meetings_to_members_and_officers_only(client, evaluation):
    index = f'"{reverse("evaluation_meetings:index")}"'  # the sidebar's menu is JSON
    for user, shown in (
        (evaluation.members[0].user, True),
        (evaluation.officer, True),
        (evaluation.assessors[0], False),
    ):
        client.force_login(user)
        assert (index in client.get(reverse("wagtailadmin_home")).content.decode()) is shown, user


def test_the_decision_form_offers_only_grades_the_case_may_get(client, evaluation, moderated):
    meeting = meeting_of(evaluation, evaluation.members)
    client.force_login(evaluation.officer)
    form = client.get(reverse("evaluation_meetings:decide", args=[meeting.pk, moderated.pk])).context["form"]
    # Proposed 4A: the committee may lower it to 3A or no grade, never raise it to 5A.
    assert [value for value, _label in form.fields["grade"].choices] == ["4A", "3A", ""]
