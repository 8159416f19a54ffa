"""Assigning a team of assessors: who may, who may be on it, and every conflict of interest."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluation.enums import AgencyRole, CaseAction, CaseState
from evaluation.models import Agency, AgencyMember, Assignment
from evaluation.services import cases
from evaluation.services.assignment import (
    assign_team,
    check_agency_may_take,
    check_team,
    conflicts_for,
    conflicts_for_many,
    declare_conflict,
)
from evaluation.services.people import add_agency_member
from federation.services import add_federation_staff, admit_member, found_federation
from registry.access import held_roles
from registry.enums import OrganizationKind, Role
from registry.models import Organization
from registry.services.roles import link_organization_account
from tests.factories import UserFactory, create_org


def messages_of(error: ValidationError) -> str:
    return " ".join(error.value.messages)


def registrar():
    """Who records a federation membership here: a superuser, none of the cases' people."""
    return UserFactory(username="root", is_superuser=True)


@pytest.fixture
def allocated(make_case, evaluation):
    return make_case(state=CaseState.ALLOCATED, agency=evaluation.agency)


def test_manager_assigns_two_assessors_and_a_lead_and_the_case_moves_to_scoring(allocated, evaluation):
    first, second, _third = evaluation.assessors
    case = assign_team(case=allocated, actor=evaluation.manager, assessors=[first, second], lead=second)
    assert case.state == CaseState.SCORING
    team = {(assignment.assessor, assignment.is_lead) for assignment in case.assignments.all()}
    assert team == {(first, False), (second, True)}
    assert case.events.get().action == CaseAction.ASSIGN


def test_fewer_than_two_assessors_is_refused(allocated, evaluation):
    with pytest.raises(ValidationError) as error:
        assign_team(
            case=allocated, actor=evaluation.manager, assessors=evaluation.assessors[:1], lead=evaluation.assessors[0]
        )
    assert "请至少指派两名评估专家" in messages_of(error)
    assert not Assignment.objects.exists()


def test_a_lead_from_outside_the_team_or_none_is_refused(allocated, evaluation):
    first, second, third = evaluation.assessors
    for lead in (None, third):
        with pytest.raises(ValidationError) as error:
            assign_team(case=allocated, actor=evaluation.manager, assessors=[first, second], lead=lead)
        assert error.value.message_dict["lead"] == ["请从所选专家中指定一名组长。"]
    assert allocated.state == CaseState.ALLOCATED
    assert not Assignment.objects.exists()


def test_only_the_manager_of_the_case_agency_assigns(allocated, evaluation):
    other_agency = Agency.objects.create(name="青岛另一评估机构")
    other_manager = UserFactory(username="other_manager")
    add_agency_member(user=other_manager, agency=other_agency, role=AgencyRole.MANAGER)
    for actor in (other_manager, evaluation.assessors[0], evaluation.officer):
        with pytest.raises(PermissionDenied):
            assign_team(case=allocated, actor=actor, assessors=evaluation.assessors[:2], lead=evaluation.assessors[0])
    assert not Assignment.objects.exists()


def test_assessors_of_another_agency_are_refused(allocated, evaluation):
    other_agency = Agency.objects.create(name="青岛另一评估机构")
    stranger = UserFactory(username="stranger", last_name="王", first_name="明")
    add_agency_member(user=stranger, agency=other_agency, role=AgencyRole.ASSESSOR)
    with pytest.raises(ValidationError) as error:
        assign_team(
            case=allocated, actor=evaluation.manager, assessors=[evaluation.assessors[0], stranger], lead=stranger
        )
    assert "王明 不是本机构的评估专家" in messages_of(error)
    assert not Assignment.objects.exists()


def test_a_case_not_yet_allocated_cannot_be_assigned(make_case, evaluation):
    case = make_case(state=CaseState.ELIGIBLE, agency=evaluation.agency)
    with pytest.raises(ValidationError) as error:
        assign_team(
            case=case, actor=evaluation.manager, assessors=evaluation.assessors[:2], lead=evaluation.assessors[0]
        )
    assert "不能指派评估专家" in messages_of(error)


# --- conflicts of interest -------------------------------------------------------------------


def assert_blocked(case, evaluation, conflicted, reason: str):
    """The conflicted assessor is reported with the reason, and nobody is assigned."""
    assert any(reason in text for text in conflicts_for(conflicted, case))
    with pytest.raises(ValidationError) as error:
        assign_team(
            case=case, actor=evaluation.manager, assessors=[conflicted, evaluation.assessors[2]], lead=conflicted
        )
    assert reason in " ".join(error.value.message_dict["assessors"])
    assert not Assignment.objects.exists()
    case.refresh_from_db()
    assert case.state == CaseState.ALLOCATED


def test_a_declared_conflict_blocks_with_its_reason(allocated, evaluation):
    assessor = evaluation.assessors[0]
    declare_conflict(assessor=assessor, organization=evaluation.organization, reason="曾任该会顾问")
    assert_blocked(allocated, evaluation, assessor, "本人已申报回避：曾任该会顾问")


def test_an_account_holder_of_the_organization_is_blocked(allocated, evaluation):
    assessor = evaluation.assessors[0]
    link_organization_account(user=assessor, organization=evaluation.organization)
    assert_blocked(allocated, evaluation, assessor, "本人是该组织的账号持有人")


def test_the_legal_representative_of_the_organization_is_blocked(allocated, evaluation):
    assessor = evaluation.assessors[0]
    assessor.last_name, assessor.first_name = "李", "秀兰"
    assessor.save()
    organization = evaluation.organization
    organization.legal_representative = "李 秀兰"
    organization.save()
    assert_blocked(allocated, evaluation, assessor, "法定代表人（负责人）同名：李秀兰")


def test_staff_of_a_federation_the_organization_belongs_to_is_blocked(allocated, evaluation, tree):
    federation = found_federation(street=tree.zhanshan, name="湛山街道社区社会组织联合会")
    admit_member(
        federation=federation,
        organization=evaluation.organization,
        joined_on=datetime.date(2024, 1, 1),
        actor=registrar(),
    )
    assessor = evaluation.assessors[0]
    add_federation_staff(user=assessor, federation=federation)
    assert_blocked(allocated, evaluation, assessor, "所属联合会（湛山街道社区社会组织联合会）的工作人员")


def test_staff_of_another_street_federation_is_not_a_conflict(allocated, evaluation, tree):
    federation = found_federation(street=tree.badaguan, name="八大关街道社区社会组织联合会")
    add_federation_staff(user=evaluation.assessors[0], federation=federation)
    assert conflicts_for(evaluation.assessors[0], allocated) == []


def test_staff_of_the_street_federation_serving_a_community_group_is_blocked(make_case, evaluation, tree):
    group = create_org(
        street=tree.zhanshan, community=tree.yancheng, kind=OrganizationKind.COMMUNITY_GROUP, name="盐城路书法队"
    )
    case = make_case(state=CaseState.ALLOCATED, agency=evaluation.agency, organization=group)
    add_federation_staff(
        user=evaluation.assessors[0],
        federation=found_federation(street=tree.zhanshan, name="湛山街道社区社会组织联合会"),
    )
    assert_blocked(case, evaluation, evaluation.assessors[0], "所属联合会（湛山街道社区社会组织联合会）的工作人员")


def test_federation_conflicts_agree_with_what_the_staff_role_sees(make_case, evaluation, tree):
    """`conflicts_for_many` asks the federation question from the organization's side; it must
    give the answer of the staff role itself (`held_roles`) for members, former members and
    community groups of the street and of another street."""
    zhanshan = found_federation(street=tree.zhanshan, name="湛山街道社区社会组织联合会")
    badaguan = found_federation(street=tree.badaguan, name="八大关街道社区社会组织联合会")
    staff = [UserFactory(username="zhanshan_staff"), UserFactory(username="badaguan_staff")]
    add_federation_staff(user=staff[0], federation=zhanshan)
    add_federation_staff(user=staff[1], federation=badaguan)
    member = create_org(street=tree.zhanshan, name="湛山会员")
    admit_member(federation=zhanshan, organization=member, joined_on=datetime.date(2024, 1, 1), actor=registrar())
    former = create_org(street=tree.zhanshan, name="湛山原会员")
    membership = admit_member(
        federation=zhanshan, organization=former, joined_on=datetime.date(2020, 1, 1), actor=registrar()
    )
    membership.left_on = datetime.date(2023, 1, 1)
    membership.save()
    organizations = [
        member,
        former,
        create_org(street=tree.zhanshan, name="湛山非会员"),
        create_org(street=tree.zhanshan, community=tree.yancheng, kind=OrganizationKind.COMMUNITY_GROUP),
        create_org(street=tree.badaguan, community=tree.taipingjiao, kind=OrganizationKind.COMMUNITY_GROUP),
    ]
    expected = {
        (organization.pk, user.pk)
        for organization in organizations
        for user in staff
        for held in held_roles(user)
        if held.role == Role.FEDERATION_STAFF and Organization.objects.filter(held.sees, pk=organization.pk).exists()
    }
    found = {
        (organization.pk, user_id)
        for organization in organizations
        for user_id, reasons in conflicts_for_many(staff, make_case(organization=organization)).items()
        if any("联合会" in reason for reason in reasons)
    }
    assert found == expected
    assert len(expected) == 3  # the member, the community group of the street, the other street's group


def test_every_conflict_of_every_assessor_is_shown_at_once(allocated, evaluation):
    first, second, _third = evaluation.assessors
    declare_conflict(assessor=first, organization=evaluation.organization, reason="亲属任理事")
    link_organization_account(user=second, organization=evaluation.organization)
    with pytest.raises(ValidationError) as error:
        assign_team(case=allocated, actor=evaluation.manager, assessors=[first, second], lead=first)
    reasons = error.value.message_dict["assessors"]
    assert any("assessor0" in text and "亲属任理事" in text for text in reasons)
    assert any("assessor1" in text and "账号持有人" in text for text in reasons)


def test_the_team_is_checked_again_when_the_case_moves_on(allocated, evaluation):
    """`check_team` guards the state machine itself, not only the assignment form."""
    first, second, _third = evaluation.assessors
    Assignment.objects.create(case=allocated, assessor=first, is_lead=True, assigned_by=evaluation.manager)
    with pytest.raises(ValidationError, match="请至少指派两名评估专家"):
        check_team(allocated)
    Assignment.objects.create(case=allocated, assessor=second, assigned_by=evaluation.manager)
    declare_conflict(assessor=second, organization=evaluation.organization, reason="曾为其提供有偿服务")
    with pytest.raises(ValidationError, match="曾为其提供有偿服务"):
        cases.act_on_case(case=allocated, action=CaseAction.ASSIGN, actor=evaluation.manager)


def test_declaring_needs_a_reason_and_is_made_once(evaluation):
    assessor = evaluation.assessors[0]
    with pytest.raises(ValidationError, match="请填写回避理由"):
        declare_conflict(assessor=assessor, organization=evaluation.organization, reason="  ")
    declare_conflict(assessor=assessor, organization=evaluation.organization, reason="亲属任秘书长")
    with pytest.raises(ValidationError, match="已申报过"):
        declare_conflict(assessor=assessor, organization=evaluation.organization, reason="再次申报")
    with pytest.raises(PermissionDenied):
        declare_conflict(assessor=evaluation.manager, organization=evaluation.organization, reason="非专家")


# --- the agency itself --------------------------------------------------------------------------


def test_an_agency_may_not_evaluate_itself(make_case, evaluation, tree):
    case = make_case(state=CaseState.ELIGIBLE)
    agency = evaluation.agency
    agency.organization = evaluation.organization
    agency.save()
    with pytest.raises(ValidationError) as error:
        check_agency_may_take(case, agency)
    assert "即被评估组织本身" in messages_of(error)
    with pytest.raises(ValidationError, match="即被评估组织本身"):
        cases.act_on_case(case=case, action=CaseAction.ALLOCATE, actor=evaluation.officer, extra={"agency": agency})


def test_an_agency_with_the_organization_credit_code_is_the_organization(make_case, evaluation, tree):
    organization = create_org(
        street=tree.zhanshan, kind=OrganizationKind.SERVICE_INSTITUTION, uscc=evaluation.agency.uscc
    )
    with pytest.raises(ValidationError, match="即被评估组织本身"):
        check_agency_may_take(make_case(state=CaseState.ELIGIBLE, organization=organization), evaluation.agency)


def test_another_agency_may_take_the_case(make_case, evaluation):
    case = make_case(state=CaseState.ELIGIBLE)
    case = cases.act_on_case(
        case=case, action=CaseAction.ALLOCATE, actor=evaluation.officer, extra={"agency": evaluation.agency}
    )
    assert (case.state, case.agency) == (CaseState.ALLOCATED, evaluation.agency)


# --- the agency manager's pages -----------------------------------------------------------------


def test_the_manager_lists_the_agency_cases_and_assigns_through_the_form(client, allocated, evaluation):
    first, second, _third = evaluation.assessors
    AgencyMember.objects.filter(user=first).update(expertise="财务管理")
    client.force_login(evaluation.manager)
    assert evaluation.organization.name in client.get(reverse("evaluation_agency_cases:index")).content.decode()
    url = reverse("evaluation_agency_cases:assign", args=[allocated.pk])
    page = client.get(url).content.decode()
    assert "assessor0" in page and "财务管理" in page
    response = client.post(url, {"assessors": [first.pk, second.pk], "lead": first.pk})
    assert response.status_code == 302
    allocated.refresh_from_db()
    assert allocated.state == CaseState.SCORING
    assert "assessor1" in client.get(url).content.decode(), "the team is shown once assigned"


def test_the_form_shows_conflicts_with_their_reasons_and_keeps_the_choice(client, allocated, evaluation):
    first, second, _third = evaluation.assessors
    declare_conflict(assessor=second, organization=evaluation.organization, reason="曾为其提供有偿咨询")
    client.force_login(evaluation.manager)
    url = reverse("evaluation_agency_cases:assign", args=[allocated.pk])
    assert "曾为其提供有偿咨询" in client.get(url).content.decode(), "shown before choosing"
    response = client.post(url, {"assessors": [first.pk, second.pk], "lead": first.pk})
    page = response.content.decode()
    assert response.status_code == 200
    assert "未能指派" in page and "assessor1：本人已申报回避：曾为其提供有偿咨询" in page
    assert f'value="{second.pk}" id="assessor-{second.pk}" checked' in page
    response = client.post(url, {"assessors": [first.pk]})
    assert "请从所选专家中指定一名组长" in response.content.decode()
    assert not Assignment.objects.exists()


def test_another_agency_manager_or_an_assessor_cannot_reach_the_case(client, allocated, evaluation):
    other_agency = Agency.objects.create(name="青岛另一评估机构")
    other_manager = UserFactory(username="other_manager")
    add_agency_member(user=other_manager, agency=other_agency, role=AgencyRole.MANAGER)
    url = reverse("evaluation_agency_cases:assign", args=[allocated.pk])
    for user in (other_manager, evaluation.assessors[0]):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"assessors": [a.pk for a in evaluation.assessors[:2]]}).status_code == 404
        assert evaluation.organization.name not in client.get(reverse("evaluation_agency_cases:index")).content.decode()
    client.force_login(evaluation.account)
    assert client.get(url).status_code == 302, "organization accounts are refused the back office"
    assert not Assignment.objects.exists()


def test_the_agency_list_takes_constant_queries(client, allocated, evaluation, tree, make_case):
    client.force_login(evaluation.manager)
    url = reverse("evaluation_agency_cases:index")
    assign_team(
        case=allocated, actor=evaluation.manager, assessors=evaluation.assessors[:2], lead=evaluation.assessors[0]
    )
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for name in ("第二个组织", "第三个组织"):
        case = make_case(
            state=CaseState.ALLOCATED,
            agency=evaluation.agency,
            organization=create_org(street=tree.zhanshan, name=name),
        )
        assign_team(
            case=case, actor=evaluation.manager, assessors=evaluation.assessors[1:], lead=evaluation.assessors[2]
        )
    with CaptureQueriesContext(connection) as three:
        page = client.get(url).content.decode()
    assert "第三个组织" in page and "assessor2（组长）" in page
    assert len(three) == len(one)


def test_the_assign_page_takes_the_same_queries_for_3_or_8_assessors(client, allocated, evaluation, tree):
    federation = found_federation(street=tree.zhanshan, name="湛山街道社区社会组织联合会")
    admit_member(
        federation=federation,
        organization=evaluation.organization,
        joined_on=datetime.date(2024, 1, 1),
        actor=registrar(),
    )
    declare_conflict(assessor=evaluation.assessors[1], organization=evaluation.organization, reason="亲属任理事")
    client.force_login(evaluation.manager)
    url = reverse("evaluation_agency_cases:assign", args=[allocated.pk])

    def queries() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            page = client.get(url).content.decode()
        return len(captured), page

    three, _page = queries()
    for n in range(5):
        assessor = UserFactory(username=f"extra{n}")
        add_agency_member(user=assessor, agency=evaluation.agency, role=AgencyRole.ASSESSOR)
    declare_conflict(assessor=assessor, organization=evaluation.organization, reason="曾任该会监事")
    add_federation_staff(user=assessor, federation=federation)
    eight, page = queries()
    assert "曾任该会监事" in page and "所属联合会（湛山街道社区社会组织联合会）的工作人员" in page
    assert eight == three
