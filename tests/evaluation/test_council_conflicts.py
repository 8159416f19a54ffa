"""Conflicts of interest found in federation council seats (DESIGN.md section 9): an assessor whose
name is that of a person on a council seat of the organization itself (its delegate) or of the
council of a federation it belongs to (president, vice-presidents, secretary-general) may not be
assigned, and the reason is shown."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluation.enums import CaseState
from evaluation.models import Assignment
from evaluation.services.assignment import assign_team, conflicts_for, conflicts_for_many
from federation.council import appoint_council_member, end_council_term
from federation.enums import CouncilRole
from federation.selectors import council_seats_of
from federation.services import admit_member, found_federation
from registry.enums import OrganizationKind
from tests.factories import UserFactory, create_org

JOINED, SEATED = datetime.date(2024, 1, 1), datetime.date(2024, 3, 1)
FEDERATION = "湛山街道社区社会组织联合会"


def named(user, family: str, given: str):
    user.last_name, user.first_name = family, given
    user.save(update_fields=["last_name", "first_name"])
    return user


@pytest.fixture
def registrar(db):
    """Who records memberships and seats here: a superuser, none of the cases' people."""
    return UserFactory(username="root", is_superuser=True)


@pytest.fixture
def council(evaluation, tree, registrar):
    """The street's federation, with the evaluated organization and a choir as members; the
    choir's 王桂兰 is its president, the organization's 张建国 one of its vice-presidents."""
    federation = found_federation(street=tree.zhanshan, name=FEDERATION)
    choir = create_org(
        street=tree.zhanshan, community=tree.yancheng, kind=OrganizationKind.COMMUNITY_GROUP, name="盐城路社区合唱团"
    )
    for organization in (evaluation.organization, choir):
        admit_member(federation=federation, organization=organization, joined_on=JOINED, actor=registrar)
    president = appoint_council_member(
        federation=federation,
        organization=choir,
        role=CouncilRole.PRESIDENT,
        person_name="王桂兰",
        started_on=SEATED,
        actor=registrar,
    )
    delegate = appoint_council_member(
        federation=federation,
        organization=evaluation.organization,
        role=CouncilRole.VICE_PRESIDENT,
        person_name="张 建国",  # as typed, with a space: names compare without spaces
        started_on=SEATED,
        actor=registrar,
    )
    return federation, president, delegate


@pytest.fixture
def allocated(make_case, evaluation):
    return make_case(state=CaseState.ALLOCATED, agency=evaluation.agency)


def test_the_president_of_a_federation_the_organization_belongs_to_is_in_conflict(evaluation, council, allocated):
    wang = named(evaluation.assessors[0], "王", "桂兰")
    assert conflicts_for(wang, allocated) == [f"本人与该组织所属联合会（{FEDERATION}）的会长同名：王桂兰。"]


def test_the_organizations_own_delegate_on_a_council_is_in_conflict(evaluation, council, allocated):
    zhang = named(evaluation.assessors[1], "张", "建国")
    assert conflicts_for(zhang, allocated) == [f"本人与该组织在{FEDERATION}理事会担任副会长的人员同名：张 建国。"]


def test_assigning_a_council_person_is_refused_with_the_reason_and_writes_nothing(evaluation, council, allocated):
    wang = named(evaluation.assessors[0], "王", "桂兰")
    with pytest.raises(ValidationError) as error:
        assign_team(case=allocated, actor=evaluation.manager, assessors=[wang, evaluation.assessors[2]], lead=wang)
    assert (
        f"王桂兰：本人与该组织所属联合会（{FEDERATION}）的会长同名：王桂兰。" in error.value.message_dict["assessors"]
    )
    allocated.refresh_from_db()
    assert allocated.state == CaseState.ALLOCATED and not Assignment.objects.exists()


def test_someone_else_or_a_council_of_another_federation_is_no_conflict(
    evaluation, council, allocated, tree, registrar
):
    other = found_federation(street=tree.badaguan, name="八大关街道社区社会组织联合会")
    dancers = create_org(street=tree.badaguan, community=tree.taipingjiao, kind=OrganizationKind.COMMUNITY_GROUP)
    admit_member(federation=other, organization=dancers, joined_on=JOINED, actor=registrar)
    appoint_council_member(
        federation=other,
        organization=dancers,
        role=CouncilRole.PRESIDENT,
        person_name="李秀英",
        started_on=SEATED,
        actor=registrar,
    )
    li = named(evaluation.assessors[0], "李", "秀英")
    wang_hua = named(evaluation.assessors[1], "王", "华")
    assert conflicts_for_many([li, wang_hua], allocated) == {li.pk: [], wang_hua.pk: []}


def test_an_organization_outside_the_federation_is_not_tied_to_its_council(evaluation, council, make_case, tree):
    outsider = create_org(street=tree.zhanshan, name="湛山非会员协会")
    case = make_case(state=CaseState.ALLOCATED, agency=evaluation.agency, organization=outsider)
    wang = named(evaluation.assessors[0], "王", "桂兰")
    assert conflicts_for(wang, case) == []


def test_a_seat_whose_term_has_ended_is_no_longer_a_conflict(evaluation, council, allocated, registrar, today):
    _federation, president, _delegate = council
    wang = named(evaluation.assessors[0], "王", "桂兰")
    end_council_term(seat=president, ended_on=today - datetime.timedelta(days=1), actor=registrar)
    assert conflicts_for(wang, allocated) == []
    assert list(council_seats_of(evaluation.organization, today).values_list("person_name", flat=True)) == ["张 建国"]


def test_council_conflicts_take_the_same_queries_for_one_assessor_or_three(evaluation, council, allocated):
    named(evaluation.assessors[0], "王", "桂兰")
    one, three = evaluation.assessors[:1], evaluation.assessors
    counts = []
    for assessors in (one, three):
        with CaptureQueriesContext(connection) as queries:
            conflicts_for_many(assessors, allocated)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_evaluation_reaches_federation_only_through_the_registry():
    """DESIGN.md section 3: evaluation depends on the registry, not on federation (which depends on
    evaluation); the council's findings come through `registry.access.connections_to`."""
    imports = re.compile(r"^\s*(from|import)\s+federation\b", re.MULTILINE)
    offenders = [
        str(path.relative_to(settings.BASE_DIR))
        for path in (Path(settings.BASE_DIR) / "evaluation").rglob("*.py")
        if imports.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
