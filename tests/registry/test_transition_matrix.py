"""The application state machines, cell by cell (issue 4, "What it must show").

For each kind of application, each (state, action) and each role:
- every transition of the machine, taken by its party, moves the state and writes one timeline
  event and one audit entry;
- every action from a state where the machine has none is refused and writes nothing;
- every role that is not the transition's party is refused and writes nothing.

The expectations below are written from DESIGN.md sections 5 and 7, not read from the code
(`registry.services.applications.TRANSITIONS`, `_is_party`), so that the tests fail when the code's
rules drift.

The people, units and organizations are built once for the module (in a transaction rolled back
at the end, like the `demo` fixture); each test runs in a savepoint inside it.
"""

import sys
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation

from audit.models import AuditEntry
from evaluation.enums import AgencyRole
from evaluation.services.people import add_agency_member, add_committee_member, save_agency, save_committee
from federation.services import add_federation_staff, found_federation
from registry.access import forget_held_roles
from registry.enums import ApplicationAction as A
from registry.enums import ApplicationKind, OrganizationKind, Role, UnitLevel
from registry.enums import ApplicationState as S
from registry.models import Application, ApplicationEvent, Notification, Organization, OrganizationChange
from registry.services.applications import TRANSITIONS, act_on_application, allowed_actions, start_application
from registry.services.roles import assign_unit_role, link_organization_account
from registry.services.units import add_unit
from tests.factories import UserFactory, create_org, file_required_materials, make_uscc

pytestmark = pytest.mark.django_db

REASON = "理由：矩阵测试"

# --- the expected rules (DESIGN.md sections 5 and 7) ---------------------------------------------

APPLICANT, FEDERATION, DECIDER = "applicant", "federation", "decider"

# The machine of an application decided directly (no pre-review): (state, action) → (new state, party).
DIRECT = {
    (S.DRAFT, A.SUBMIT): (S.SUBMITTED, APPLICANT),
    (S.RETURNED, A.SUBMIT): (S.SUBMITTED, APPLICANT),
    (S.SUBMITTED, A.ACCEPT): (S.ACCEPTED, DECIDER),
    (S.SUBMITTED, A.RETURN): (S.RETURNED, DECIDER),
    (S.ACCEPTED, A.RETURN): (S.RETURNED, DECIDER),
    (S.ACCEPTED, A.APPROVE): (S.APPROVED, DECIDER),
    (S.ACCEPTED, A.REJECT): (S.REJECTED, DECIDER),
    (S.DRAFT, A.WITHDRAW): (S.WITHDRAWN, APPLICANT),
    (S.SUBMITTED, A.WITHDRAW): (S.WITHDRAWN, APPLICANT),
    (S.RETURNED, A.WITHDRAW): (S.WITHDRAWN, APPLICANT),
}
# A community-group filing of a street with a federation: the federation pre-reviews it (or returns
# it for correction) before the street office sees it.
PRE_REVIEWED_FIRST = {
    (S.DRAFT, A.SUBMIT): (S.SUBMITTED, APPLICANT),
    (S.RETURNED, A.SUBMIT): (S.SUBMITTED, APPLICANT),
    (S.SUBMITTED, A.PRE_REVIEW): (S.PRE_REVIEWED, FEDERATION),
    (S.SUBMITTED, A.RETURN): (S.RETURNED, FEDERATION),
    (S.PRE_REVIEWED, A.ACCEPT): (S.ACCEPTED, DECIDER),
    (S.PRE_REVIEWED, A.RETURN): (S.RETURNED, DECIDER),
    (S.ACCEPTED, A.RETURN): (S.RETURNED, DECIDER),
    (S.ACCEPTED, A.APPROVE): (S.APPROVED, DECIDER),
    (S.ACCEPTED, A.REJECT): (S.REJECTED, DECIDER),
    (S.DRAFT, A.WITHDRAW): (S.WITHDRAWN, APPLICANT),
    (S.SUBMITTED, A.WITHDRAW): (S.WITHDRAWN, APPLICANT),
    (S.PRE_REVIEWED, A.WITHDRAW): (S.WITHDRAWN, APPLICANT),
    (S.RETURNED, A.WITHDRAW): (S.WITHDRAWN, APPLICANT),
}


@dataclass(frozen=True)
class Case:
    """One kind of application as the tests meet it."""

    kind: str
    street: str  # "zhanshan" (has a federation) or "badaguan" (has none)
    organization: str | None  # what a change or deregistration is about: "society" or "group"
    machine: dict


REGISTRATION = "registration"
FILING_WITH_FEDERATION = "filing_with_federation"
FILING_WITHOUT_FEDERATION = "filing_without_federation"
CHANGE_OF_SOCIETY = "change_of_a_social_group"
DEREGISTRATION_OF_SOCIETY = "deregistration_of_a_social_group"
CHANGE_OF_GROUP = "change_of_a_community_group"
DEREGISTRATION_OF_GROUP = "deregistration_of_a_community_group"

CASES = {
    REGISTRATION: Case(ApplicationKind.REGISTRATION, "zhanshan", None, DIRECT),
    FILING_WITH_FEDERATION: Case(ApplicationKind.FILING, "zhanshan", None, PRE_REVIEWED_FIRST),
    FILING_WITHOUT_FEDERATION: Case(ApplicationKind.FILING, "badaguan", None, DIRECT),
    # A social group registered by the district, and a community group filed at the street.
    CHANGE_OF_SOCIETY: Case(ApplicationKind.CHANGE, "zhanshan", "society", DIRECT),
    DEREGISTRATION_OF_SOCIETY: Case(ApplicationKind.DEREGISTRATION, "zhanshan", "society", DIRECT),
    CHANGE_OF_GROUP: Case(ApplicationKind.CHANGE, "zhanshan", "group", DIRECT),
    DEREGISTRATION_OF_GROUP: Case(ApplicationKind.DEREGISTRATION, "zhanshan", "group", DIRECT),
}
FILINGS = (FILING_WITH_FEDERATION, FILING_WITHOUT_FEDERATION)

# Every role, relative to the application: "street_officer" is an officer of the application's
# street, "other_street_officer" of another street, and so on (see `person`).
ROLES = (
    "applicant",  # the applicant; for a change or deregistration, an account of the organization
    "other_account",  # an account of another organization of the same street
    "stranger",  # a signed-up user with no role and no organization
    "community_supervisor",  # of the application's community
    "street_officer",
    "other_street_officer",
    "federation_staff",  # of the application street's federation (none for 八大关)
    "other_federation_staff",
    "district_officer",
    "city_officer",
    "agency_manager",
    "assessor",
    "committee_member",
)

# Role → the kinds of application on which it is a party, and which party. A role takes no action
# on a kind it is not listed for. DESIGN.md §5 and §7: the street office decides community-group
# filings (its federation pre-reviews them); the district and city officers decide registrations;
# changes and deregistrations are decided by whoever manages the organization (the district for
# what it registered; the street office and the district for a community group; the city only
# for what the city registered).
PARTY_OF = {
    "applicant": dict.fromkeys(CASES, APPLICANT),
    "federation_staff": {FILING_WITH_FEDERATION: FEDERATION},
    "street_officer": {
        FILING_WITH_FEDERATION: DECIDER,
        FILING_WITHOUT_FEDERATION: DECIDER,
        CHANGE_OF_GROUP: DECIDER,
        DEREGISTRATION_OF_GROUP: DECIDER,
    },
    "district_officer": {
        REGISTRATION: DECIDER,
        CHANGE_OF_SOCIETY: DECIDER,
        DEREGISTRATION_OF_SOCIETY: DECIDER,
        CHANGE_OF_GROUP: DECIDER,
        DEREGISTRATION_OF_GROUP: DECIDER,
    },
    "city_officer": {REGISTRATION: DECIDER},
}


def party_of(role: str, case: str) -> str | None:
    return PARTY_OF.get(role, {}).get(case)


def walker(case: str, party: str) -> str:
    """The role that takes a party's steps when a test walks an application to a state."""
    return next(role for role in ROLES if party_of(role, case) == party)


def has_federation(case: str) -> bool:
    return any(party == FEDERATION for _to, party in CASES[case].machine.values())


def states_of(case: str) -> list[str]:
    """The states an application of this case can be in: pre-reviewed only where there is a pre-review."""
    return [state for state in S.values if state != S.PRE_REVIEWED or has_federation(case)]


# --- the people, units and organizations, built once -------------------------------------------------


def _build_world() -> SimpleNamespace:
    city = add_unit(parent=None, code="370200", name="青岛市", level=UnitLevel.CITY)
    district = add_unit(parent=city, code="370202", name="市南区", level=UnitLevel.DISTRICT)
    zhanshan = add_unit(parent=district, code="370202010", name="湛山街道", level=UnitLevel.STREET)
    yancheng = add_unit(parent=zhanshan, code="370202010001", name="盐城路社区", level=UnitLevel.COMMUNITY)
    district.refresh_from_db()
    badaguan = add_unit(parent=district, code="370202009", name="八大关街道", level=UnitLevel.STREET)
    taipingjiao = add_unit(parent=badaguan, code="370202009001", name="太平角社区", level=UnitLevel.COMMUNITY)
    district.refresh_from_db()
    badahu = add_unit(parent=district, code="370202012", name="八大湖街道", level=UnitLevel.STREET)
    units = (city, district, zhanshan, yancheng, badaguan, taipingjiao, badahu)
    for unit in units:
        unit.refresh_from_db()

    def officer(role, unit, username):
        user = UserFactory(username=username)
        assign_unit_role(user=user, role=role, unit=unit)
        return user

    def staff_of(street, username):
        federation = found_federation(street=street, name=f"{street.name}社区社会组织联合会")
        user = UserFactory(username=username)
        add_federation_staff(user=user, federation=federation)
        return user

    district_officer = officer(Role.DISTRICT_OFFICER, district, "district_officer")
    agency = save_agency(
        data={
            "name": "青岛评估事务所",
            "uscc": make_uscc(OrganizationKind.SERVICE_INSTITUTION),
            "organization": None,
            "contact_phone": "",
        }
    )
    committee = save_committee(data={"name": "市南区评估委员会", "authority": district}, actor=district_officer)
    manager, assessor, member = (UserFactory(username=name) for name in ("manager", "assessor", "member"))
    add_agency_member(user=manager, agency=agency, role=AgencyRole.MANAGER)
    add_agency_member(user=assessor, agency=agency, role=AgencyRole.ASSESSOR)
    add_committee_member(user=member, committee=committee)

    society = create_org(street=zhanshan, community=yancheng, name="湛山书画研究会", address="湛山路8号")
    group = create_org(
        street=zhanshan,
        community=yancheng,
        kind=OrganizationKind.COMMUNITY_GROUP,
        name="盐城路合唱队",
        address="湛山路8号",
    )
    neighbour = create_org(street=zhanshan, community=yancheng, name="湛山摄影协会")
    accounts = {}
    for name, organization in (("society_account", society), ("group_account", group), ("other", neighbour)):
        accounts[name] = UserFactory(username=name)
        link_organization_account(user=accounts[name], organization=organization)

    streets = {
        "zhanshan": SimpleNamespace(
            unit=zhanshan,
            community=yancheng,
            officer=officer(Role.STREET_OFFICER, zhanshan, "zhanshan_officer"),
            supervisor=officer(Role.COMMUNITY_SUPERVISOR, yancheng, "yancheng_supervisor"),
            federation_staff=staff_of(zhanshan, "zhanshan_federation"),
        ),
        "badaguan": SimpleNamespace(
            unit=badaguan,
            community=taipingjiao,
            officer=officer(Role.STREET_OFFICER, badaguan, "badaguan_officer"),
            supervisor=officer(Role.COMMUNITY_SUPERVISOR, taipingjiao, "taipingjiao_supervisor"),
            federation_staff=None,
        ),
    }
    return SimpleNamespace(
        streets=streets,
        other_federation_staff=staff_of(badahu, "badahu_federation"),
        organizations={"society": society, "group": group},
        applicant=UserFactory(username="applicant"),
        accounts=accounts,
        stranger=UserFactory(username="stranger"),
        district_officer=district_officer,
        city_officer=officer(Role.CITY_OFFICER, city, "city_officer"),
        agency_manager=manager,
        assessor=assessor,
        committee_member=member,
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    outer = transaction.atomic()
    with django_db_blocker.unblock():
        outer.__enter__()
        try:
            built = _build_world()
        except BaseException:
            outer.__exit__(*sys.exc_info())
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def fresh_roles(world):
    """Roles are cached on the user objects, which outlive each test's rollback."""
    for user in everyone(world):
        forget_held_roles(user)


def everyone(world) -> list:
    users = [world.applicant, world.stranger, world.other_federation_staff, *world.accounts.values()]
    users += [world.district_officer, world.city_officer, world.agency_manager, world.assessor, world.committee_member]
    for street in world.streets.values():
        users += [user for user in (street.officer, street.supervisor, street.federation_staff) if user]
    return users


def person(world, case: str, role: str):
    """The user who holds `role` with respect to an application of `case` (None: nobody does)."""
    home = CASES[case].street
    street = world.streets[home]
    other_street = world.streets["badaguan" if home == "zhanshan" else "zhanshan"]
    organization = CASES[case].organization
    return {
        "applicant": world.accounts[f"{organization}_account"] if organization else world.applicant,
        "other_account": world.accounts["other"],
        "stranger": world.stranger,
        "community_supervisor": street.supervisor,
        "street_officer": street.officer,
        "other_street_officer": other_street.officer,
        "federation_staff": street.federation_staff,
        "other_federation_staff": world.other_federation_staff,
        "district_officer": world.district_officer,
        "city_officer": world.city_officer,
        "agency_manager": world.agency_manager,
        "assessor": world.assessor,
        "committee_member": world.committee_member,
    }[role]


def roles_for(case: str) -> list[str]:
    # The street of a filing without a federation has no federation staff.
    return [role for role in ROLES if not (role == "federation_staff" and not has_federation(case))]


# --- building applications -----------------------------------------------------------------------


def start(world, case: str) -> Application:
    spec = CASES[case]
    street = world.streets[spec.street]
    if spec.kind == ApplicationKind.REGISTRATION:
        proposed = {
            "name": "青岛市市南区老年书画研究会",
            "kind": OrganizationKind.SOCIAL_GROUP,
            "category": "public_welfare",
            "address": "湛山路9号",
            "registered_capital": "30000",
            "legal_representative": "王强",
        }
    elif spec.kind == ApplicationKind.FILING:
        proposed = {
            "name": "社区书画社",
            "community": street.community.pk,
            "address": "某路8号",
            "legal_representative": "张敏",
        }
    elif spec.kind == ApplicationKind.CHANGE:
        proposed = {"address": "湛山路99号"}
    else:
        proposed = {"reason": "会员大会决议解散"}
    return start_application(
        applicant=person(world, case, "applicant"),
        kind=spec.kind,
        street=street.unit,
        proposed=proposed,
        organization=world.organizations.get(spec.organization),
    )


def take(application: Application, action: str, actor) -> Application:
    extra = {"uscc": make_uscc()} if action == A.APPROVE and application.kind == ApplicationKind.REGISTRATION else {}
    return act_on_application(application=application, action=action, actor=actor, reason=REASON, extra=extra)


def walk_to(world, case: str, state: str) -> Application:
    """An application of `case` brought to `state` through the service, each step taken by the
    role that takes it in DESIGN's rules (the first of the party's roles in ROLES)."""
    application = start(world, case)
    file_required_materials(application)
    if state == S.DRAFT:
        return application
    pre_review = [A.PRE_REVIEW] if has_federation(case) else []
    steps = {
        S.SUBMITTED: [A.SUBMIT],
        S.PRE_REVIEWED: [A.SUBMIT, A.PRE_REVIEW],
        S.ACCEPTED: [A.SUBMIT, *pre_review, A.ACCEPT],
        S.RETURNED: [A.SUBMIT, *pre_review, A.RETURN],
    }[state]
    for action in steps:
        _to, party = CASES[case].machine[(application.state, action)]
        application = take(application, action, person(world, case, walker(case, party)))
    assert application.state == state
    return application


def set_state_directly(world, case: str, state: str) -> Application:
    """For refusal cases only: a fresh application put in `state` by an update, bypassing the service."""
    application = start(world, case)
    submitted_at = None if state == S.DRAFT else timezone.now()
    Application.objects.filter(pk=application.pk).update(state=state, submitted_at=submitted_at)
    return Application.objects.get(pk=application.pk)


def footprint(application: Application) -> tuple:
    """What a refused action must leave as it was."""
    row = Application.objects.get(pk=application.pk)
    return (
        row.state,
        row.last_action_at,
        row.organization_id,
        ApplicationEvent.objects.count(),
        AuditEntry.objects.count(),
        Notification.objects.count(),
        Organization.objects.count(),
        OrganizationChange.objects.count(),
    )


def label(state: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(S(state).label)


# --- the code's table and the expected machines -------------------------------------------------


def test_the_codes_table_has_exactly_the_transitions_of_the_expected_machines():
    expected = {**DIRECT, **PRE_REVIEWED_FIRST}
    assert set(TRANSITIONS) == set(expected)
    assert {key: t.to_state for key, t in TRANSITIONS.items()} == {key: to for key, (to, _p) in expected.items()}


# --- every transition, by its party -------------------------------------------------------------


ALLOWED = [
    pytest.param(case, state, action, role, id=f"{case}-{state}-{action}-{role}")
    for case, spec in CASES.items()
    for (state, action), (_to, party) in spec.machine.items()
    for role in roles_for(case)
    if party_of(role, case) == party
]


@pytest.mark.parametrize(("case", "state", "action", "role"), ALLOWED)
def test_each_transition_is_taken_by_its_party_and_recorded(world, case, state, action, role):
    application = walk_to(world, case, state)
    actor = person(world, case, role)
    to_state = CASES[case].machine[(state, action)][0]
    events = application.events.count()
    notices = Notification.objects.filter(application=application, user=application.applicant).count()
    last_entry = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    assert action in allowed_actions(actor, application)

    take(application, action, actor)

    application.refresh_from_db()
    assert application.state == to_state
    assert application.events.count() == events + 1
    event = application.events.order_by("-pk").first()
    assert (event.action, event.from_state, event.to_state, event.actor, event.reason) == (
        action,
        state,
        to_state,
        actor,
        REASON,
    )
    written = AuditEntry.objects.filter(pk__gt=last_entry)
    entry = written.get(target_type="registry.application", target_id=str(application.pk))
    assert (entry.action, entry.actor_id, entry.reason) == (f"application.{action}", actor.pk, REASON)
    assert (entry.before, entry.after) == ({"state": label(state)}, {"state": label(to_state)})
    # Only an approval writes more: what it did to the organization (and the applicant's account).
    if action != A.APPROVE:
        assert written.count() == 1
    assert Notification.objects.filter(application=application, user=application.applicant).count() == notices + 1


# --- every action from a state without it ------------------------------------------------------------


def _refusing_role(case: str, action: str) -> str:
    """Who asks for an action the state does not allow: the role that takes it elsewhere in the
    machine, so that the refusal is the state's and not the role's."""
    parties = {party for (_s, a), (_to, party) in CASES[case].machine.items() if a == action}
    return walker(case, parties.pop() if len(parties) == 1 else DECIDER)


OUT_OF_STATE = [
    pytest.param(case, state, action, id=f"{case}-{state}-{action}")
    for case, spec in CASES.items()
    for state in states_of(case)
    for action in A.values
    if (state, action) not in spec.machine
]


@pytest.mark.parametrize(("case", "state", "action"), OUT_OF_STATE)
def test_an_action_the_state_does_not_have_is_refused_and_writes_nothing(world, case, state, action):
    application = set_state_directly(world, case, state)
    actor = person(world, case, _refusing_role(case, action))
    before = footprint(application)
    assert action not in allowed_actions(actor, application)

    with pytest.raises(ValidationError, match="申请当前状态为"):
        take(application, action, actor)

    assert footprint(application) == before


# --- every role that is not the party -----------------------------------------------------------------


REFUSED_ROLES = [
    pytest.param(case, state, action, role, id=f"{case}-{state}-{action}-{role}")
    for case, spec in CASES.items()
    for (state, action), (_to, party) in spec.machine.items()
    for role in roles_for(case)
    if party_of(role, case) != party
]


@pytest.mark.parametrize(("case", "state", "action", "role"), REFUSED_ROLES)
def test_a_role_that_is_not_the_party_is_refused_and_writes_nothing(world, case, state, action, role):
    application = set_state_directly(world, case, state)
    actor = person(world, case, role)
    before = footprint(application)

    with pytest.raises(PermissionDenied):
        take(application, action, actor)

    assert footprint(application) == before
    assert action not in allowed_actions(actor, application)
