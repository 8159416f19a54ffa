"""The evaluation bodies in the back office: agencies with a checked credit code, their managers
and assessors, committees of an authority and their members; managed by city and district
officers, read by their own people only."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluation.enums import AgencyRole, CaseState, Grade, Vote
from evaluation.models import Agency, AgencyMember, Assignment, CaseVote, Committee, CommitteeMember
from evaluation.services import committee as committee_service
from evaluation.services.people import remove_committee_member
from registry.access import held_roles
from registry.enums import Role, UnitLevel
from registry.services.units import add_unit
from tests.factories import UserFactory, create_org, make_uscc

pytestmark = pytest.mark.django_db

VALID_USCC = "52370202MJD602187J"  # the demo agency's, with a correct check character


@pytest.fixture
def officer(make_officer, tree):
    return make_officer(Role.DISTRICT_OFFICER, tree.district)


def test_an_officer_registers_an_agency_with_a_checked_credit_code(client, officer):
    client.force_login(officer)
    url = reverse("evaluation_agencies:add")
    data = {"name": "青岛评估中心", "uscc": "52370202MJD602188J", "organization": "", "contact_phone": "0532-1"}
    response = client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "统一社会信用代码校验位错误。" in page and 'value="青岛评估中心"' in page
    response = client.post(url, data | {"uscc": VALID_USCC.lower()})
    assert response.status_code == 302
    assert Agency.objects.get().uscc == VALID_USCC


def test_an_agency_that_is_an_organization_carries_its_credit_code(client, officer, tree):
    organization = create_org(street=tree.zhanshan, name="青岛社会组织评估研究会", uscc=make_uscc())
    client.force_login(officer)
    data = {"name": "评估研究会", "uscc": VALID_USCC, "organization": organization.pk, "contact_phone": ""}
    response = client.post(reverse("evaluation_agencies:add"), data)
    assert "统一社会信用代码与所选社会组织“青岛社会组织评估研究会”的代码" in response.content.decode()
    response = client.post(reverse("evaluation_agencies:add"), data | {"uscc": organization.uscc})
    assert response.status_code == 302
    assert Agency.objects.get().organization == organization


def test_an_officer_adds_an_assessor_who_then_holds_the_role(client, officer, evaluation):
    person = UserFactory(username="new_assessor")
    client.force_login(officer)
    data = {
        "user": person.pk,
        "agency": evaluation.agency.pk,
        "role": AgencyRole.ASSESSOR,
        "expertise": "财务管理、审计",
    }
    response = client.post(reverse("evaluation_agency_members:add"), data)
    assert response.status_code == 302
    member = AgencyMember.objects.get(user=person)
    assert member.expertise == "财务管理、审计"
    assert [held.role for held in held_roles(person)] == [Role.ASSESSOR]
    # Adding the same role again is refused by the form, not by a database error.
    response = client.post(reverse("evaluation_agency_members:add"), data)
    assert response.status_code == 200 and "已经存在" in response.content.decode()
    response = client.post(
        reverse("evaluation_agency_members:edit", args=[member.pk]), {"role": AgencyRole.ASSESSOR, "expertise": "法律"}
    )
    member.refresh_from_db()
    assert member.expertise == "法律"


def test_an_assessor_at_work_on_a_case_cannot_be_removed(client, officer, evaluation, make_case):
    case = make_case(state=CaseState.SCORING, agency=evaluation.agency)
    busy = evaluation.assessors[0]
    Assignment.objects.create(case=case, assessor=busy, is_lead=True, assigned_by=evaluation.manager)
    client.force_login(officer)
    member = AgencyMember.objects.get(user=busy)
    response = client.post(reverse("evaluation_agency_members:delete", args=[member.pk]))
    assert response.status_code == 302
    assert AgencyMember.objects.filter(pk=member.pk).exists()
    messages = [str(message) for message in response.wsgi_request._messages]
    assert any("评估结束前不能移除" in message for message in messages)
    idle = AgencyMember.objects.get(user=evaluation.assessors[1])
    client.post(reverse("evaluation_agency_members:delete", args=[idle.pk]))
    assert not AgencyMember.objects.filter(pk=idle.pk).exists()
    # The agency has taken a case: it stays.
    client.post(reverse("evaluation_agencies:delete", args=[evaluation.agency.pk]))
    assert Agency.objects.filter(pk=evaluation.agency.pk).exists()


def test_agency_people_see_their_own_agency_only(client, evaluation):
    other = Agency.objects.create(name="另一评估机构", uscc=make_uscc())
    outsider = UserFactory(username="other_assessor")
    AgencyMember.objects.create(user=outsider, agency=other, role=AgencyRole.ASSESSOR)
    client.force_login(evaluation.manager)
    members = client.get(reverse("evaluation_agency_members:index")).context["object_list"]
    assert {member.user.username for member in members} == {"agency_manager", "assessor0", "assessor1", "assessor2"}
    agencies = client.get(reverse("evaluation_agencies:index")).context["object_list"]
    assert [agency.name for agency in agencies] == [evaluation.agency.name]
    assert client.get(reverse("evaluation_agencies:inspect", args=[other.pk])).status_code == 404
    assert client.get(reverse("evaluation_agencies:edit", args=[evaluation.agency.pk])).status_code == 302
    client.force_login(evaluation.assessors[0])
    members = client.get(reverse("evaluation_agency_members:index")).context["object_list"]
    assert [member.user.username for member in members] == ["assessor0"]
    outsider_member = AgencyMember.objects.get(user=outsider)
    assert client.get(reverse("evaluation_agency_members:inspect", args=[outsider_member.pk])).status_code == 404


def test_a_street_officer_manages_no_evaluation_bodies(client, make_officer, tree, evaluation):
    client.force_login(make_officer(Role.STREET_OFFICER, tree.zhanshan))
    for name in ("evaluation_agencies", "evaluation_agency_members", "evaluation_committees"):
        assert client.get(reverse(f"{name}:index")).status_code == 302, name
        assert client.get(reverse(f"{name}:add")).status_code == 302, name


def test_an_officer_sets_up_a_committee_of_a_reachable_authority(client, officer, tree):
    shibei = add_unit(parent=tree.city, code="370203", name="市北区", level=UnitLevel.DISTRICT)
    client.force_login(officer)
    form = client.get(reverse("evaluation_committees:add")).context["form"]
    assert list(form.fields["authority"].queryset) == [tree.district]
    response = client.post(reverse("evaluation_committees:add"), {"name": "市北区评估委员会", "authority": shibei.pk})
    assert response.status_code == 200 and not Committee.objects.exists()
    response = client.post(
        reverse("evaluation_committees:add"), {"name": "市南区评估委员会", "authority": tree.district.pk}
    )
    assert response.status_code == 302
    committee = Committee.objects.get()
    member = UserFactory(username="committee_member_x")
    response = client.post(reverse("evaluation_committee_members:add"), {"user": member.pk, "committee": committee.pk})
    assert response.status_code == 302
    assert [held.role for held in held_roles(member)] == [Role.COMMITTEE_MEMBER]


def test_committee_members_see_their_colleagues_and_nothing_to_edit(client, evaluation):
    outsider_committee = Committee.objects.create(name="另一评估委员会", authority=evaluation.campaign.authority)
    stranger = CommitteeMember.objects.create(user=UserFactory(username="stranger"), committee=outsider_committee)
    member = evaluation.members[0]
    client.force_login(member.user)
    listed = client.get(reverse("evaluation_committee_members:index")).context["object_list"]
    assert {row.user.username for row in listed} == {"member0", "member1", "member2"}
    assert client.get(reverse("evaluation_committee_members:inspect", args=[stranger.pk])).status_code == 404
    assert client.get(reverse("evaluation_committee_members:edit", args=[member.pk])).status_code == 302
    assert client.get(reverse("evaluation_committees:add")).status_code == 302


def test_a_committee_a_campaign_relies_on_stays(client, officer, evaluation):
    client.force_login(officer)
    response = client.post(reverse("evaluation_committees:delete", args=[evaluation.committee.pk]))
    assert response.status_code == 302
    assert Committee.objects.filter(pk=evaluation.committee.pk).exists()
    member = evaluation.members[0]
    client.post(reverse("evaluation_committee_members:delete", args=[member.pk]))
    assert not CommitteeMember.objects.filter(pk=member.pk).exists()
    assert held_roles(type(member.user).objects.get(pk=member.user_id)) == []


MEMBER_KEPT = "该委员已出席会议或参加表决，不能删除；会议记录须保持不变。"


def test_a_member_who_attended_a_meeting_stays_and_the_meeting_keeps_its_quorum(client, officer, evaluation):
    present = evaluation.members[:2]
    meeting = committee_service.record_meeting(
        campaign=evaluation.campaign, held_on=datetime.date(2026, 11, 2), attendees=present, actor=evaluation.officer
    )
    assert committee_service.has_quorum(meeting)
    client.force_login(officer)
    response = client.post(reverse("evaluation_committee_members:delete", args=[present[0].pk]))
    assert response.status_code == 302
    assert any(MEMBER_KEPT in str(message) for message in response.wsgi_request._messages)
    assert CommitteeMember.objects.filter(pk=present[0].pk).exists()
    assert list(meeting.attendees.order_by("pk")) == present and committee_service.has_quorum(meeting)
    # The member who was absent has no part in the record and may go.
    absent = evaluation.members[2]
    client.post(reverse("evaluation_committee_members:delete", args=[absent.pk]))
    assert not CommitteeMember.objects.filter(pk=absent.pk).exists()


def test_a_member_who_voted_stays_without_an_error_page(client, officer, evaluation, make_case):
    case = make_case(state=CaseState.MODERATED, total=Decimal(85), proposed_grade=Grade.A4)
    meeting = committee_service.record_meeting(
        campaign=evaluation.campaign,
        held_on=datetime.date(2026, 11, 2),
        attendees=evaluation.members,
        actor=evaluation.officer,
    )
    committee_service.record_decision(
        meeting=meeting,
        case=case,
        grade=Grade.A4,
        votes={member: Vote.YES for member in evaluation.members},
        actor=evaluation.officer,
    )
    voter = evaluation.members[0]
    with pytest.raises(ValidationError, match=MEMBER_KEPT):
        remove_committee_member(member=voter)
    client.force_login(officer)
    response = client.post(reverse("evaluation_committee_members:delete", args=[voter.pk]))
    assert response.status_code == 302
    assert any(MEMBER_KEPT in str(message) for message in response.wsgi_request._messages)
    assert CaseVote.objects.filter(member=voter).count() == 1
    assert [held.role for held in held_roles(voter.user)] == [Role.COMMITTEE_MEMBER]


def test_the_people_lists_render_for_an_officer(client, officer, evaluation):
    client.force_login(officer)
    for name, text in (
        ("evaluation_agencies", "青岛众诚社会组织评估中心"),
        ("evaluation_agency_members", "assessor2"),
        ("evaluation_committees", "市南区社会组织评估委员会"),
        ("evaluation_committee_members", "member2"),
    ):
        response = client.get(reverse(f"{name}:index"))
        assert response.status_code == 200, name
        assert text in response.content.decode(), name


def test_every_page_of_the_evaluation_bodies_and_frameworks_renders_for_an_officer(client, officer, evaluation):
    client.force_login(officer)
    objects = {
        "evaluation_agencies": evaluation.agency,
        "evaluation_agency_members": AgencyMember.objects.filter(agency=evaluation.agency).first(),
        "evaluation_committees": evaluation.committee,
        "evaluation_committee_members": evaluation.members[0],
        "evaluation_campaigns": evaluation.campaign,
        "evaluation_frameworks": evaluation.framework,
        "evaluation_indicators": evaluation.framework.indicators.first(),
    }
    for name, row in objects.items():
        for view in ("index", "add"):
            assert client.get(reverse(f"{name}:{view}")).status_code == 200, (name, view)
        assert client.get(reverse(f"{name}:inspect", args=[row.pk])).status_code == 200, name
        views = ("delete",) if name == "evaluation_committee_members" else ("edit", "delete")
        for view in views:
            response = client.get(reverse(f"{name}:{view}", args=[row.pk]))
            # The framework (and its indicators) is in use by the campaign: back to its page.
            expected = 302 if name in ("evaluation_frameworks", "evaluation_indicators") else 200
            assert response.status_code == expected, (name, view)


def test_the_agency_people_list_queries_do_not_grow_with_the_rows(client, officer, evaluation):
    client.force_login(officer)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("evaluation_agency_members:index")).status_code == 200
        return len(queries.captured_queries)

    count_queries()
    before = count_queries()
    other = Agency.objects.create(name="另一评估机构", uscc=make_uscc())
    for n in range(3):
        AgencyMember.objects.create(user=UserFactory(username=f"extra{n}"), agency=other, role=AgencyRole.ASSESSOR)
    assert count_queries() == before
