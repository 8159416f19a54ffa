"""`manage.py load_demo_data`: the figures of the source text, valid identifiers, one user per role,
the evaluation's finished and current campaigns, the same data for the same seed, and nothing new
on a second run."""

import io
from collections import Counter
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, Max
from django.utils import timezone

from evaluation.demo import APPEAL_OUTCOME, FINISHED_YEAR
from evaluation.enums import AppealState, CampaignPurpose, CaseAction, CaseState, Grade, ValidityRule, Vote
from evaluation.models import (
    Appeal,
    Assignment,
    Campaign,
    Case,
    CaseDecision,
    Framework,
    OrganizationGrade,
    Score,
)
from evaluation.selectors.statistics import assessor_agreement, evaluation_rate
from evaluation.services import grading, moderation
from evaluation.services.committee import has_quorum
from federation.models import Federation
from portal.demo import ADMIN_URL, DEMO_PASSWORD, DEMO_USERS, SITE_URL, load_demo_data
from registry.access import held_roles
from registry.demo import (
    ACCOUNT_ORGANIZATION_NAME,
    OtherSeedLoaded,
    demo_random,
    plan_organizations,
    source_era_streets,
)
from registry.enums import Category, FieldOfActivity, OrganizationKind, Role, UnitLevel
from registry.models import AdministrativeUnit, Organization, OrganizationChange, UnitRole
from registry.validators import FILING_NUMBER_RE, validate_resident_id, validate_uscc_for_kind

SEED = 2026
ZHANSHAN = "370202010"


def organizations():
    return Organization.objects.select_related("street", "community", "registration_authority")


def names_planned(seed: int) -> list[str]:
    return [plan.name for plan in plan_organizations(demo_random(seed, "organizations"), source_era_streets())]


def test_plan_is_the_same_for_a_seed_and_differs_for_another():
    assert names_planned(SEED) == names_planned(SEED)
    assert set(names_planned(SEED)) != set(names_planned(SEED + 1))


@pytest.mark.django_db
def test_counts_are_those_of_the_source_text(demo):
    assert Counter(Organization.objects.values_list("kind", flat=True)) == {
        OrganizationKind.SOCIAL_GROUP: 56,
        OrganizationKind.SERVICE_INSTITUTION: 155,
        OrganizationKind.COMMUNITY_GROUP: 365,
    }
    streets = AdministrativeUnit.objects.filter(level=UnitLevel.STREET)
    assert sorted(streets.values_list("name", flat=True)) == sorted(row.name for row in source_era_streets())
    assert not streets.filter(code="370202011").exists()  # 金湖路 came after the source text
    assert AdministrativeUnit.objects.get(code="370202010001").name == "盐城路社区"
    assert AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNITY).count() == sum(
        len(row.communities) for row in source_era_streets()
    )
    assert Federation.objects.count() == 10
    assert set(Federation.objects.values_list("street__code", flat=True)) == set(streets.values_list("code", flat=True))
    assert Federation.objects.get(street__code=ZHANSHAN).name == "湛山街道社区社会组织联合会"
    assert all(date(2019, 1, 1) <= f.founded_on <= date(2021, 12, 31) for f in Federation.objects.all())


@pytest.mark.django_db
def test_identifiers_are_valid_and_filing_numbers_have_no_gaps(demo):
    numbers_by_year = {}
    for organization in organizations():
        if organization.kind == OrganizationKind.COMMUNITY_GROUP:
            year, number = FILING_NUMBER_RE.match(organization.filing_number).groups()
            numbers_by_year.setdefault(year, []).append(int(number))
        else:
            validate_uscc_for_kind(organization.uscc, organization.kind)
        validate_resident_id(organization.legal_representative_id_number)
    assert all(sorted(numbers) == list(range(1, len(numbers) + 1)) for numbers in numbers_by_year.values())


@pytest.mark.django_db
def test_every_organization_sits_in_a_community_of_its_street(demo):
    for organization in organizations():
        assert organization.street.level == UnitLevel.STREET
        assert organization.community.get_parent() == organization.street
        assert organization.address.startswith("青岛市市南区")


@pytest.mark.django_db
def test_registered_facts_follow_the_kind(demo):
    registered = [o for o in organizations() if o.kind != OrganizationKind.COMMUNITY_GROUP]
    groups = [o for o in organizations() if o.kind == OrganizationKind.COMMUNITY_GROUP]
    assert all(o.category == "" and o.registration_authority is None and o.registered_capital is None for o in groups)
    assert all(date(2012, 1, 1) <= o.founded_on <= date(2025, 12, 31) for o in groups)
    assert all(date(1995, 1, 1) <= o.founded_on <= date(2025, 12, 31) for o in registered)
    authorities = Counter((o.kind, o.registration_authority.code) for o in registered)
    assert authorities[(OrganizationKind.SOCIAL_GROUP, "370200")] == 4
    assert authorities[(OrganizationKind.SERVICE_INSTITUTION, "370200")] == 0
    supervised = [o for o in registered if o.category == Category.OTHER]
    assert 0.10 <= len(supervised) / len(registered) <= 0.20
    assert all(o.supervising_unit and "字〔" in o.supervising_approval_number for o in supervised)
    for o in registered:
        low, high = (30_000, 100_000) if o.kind == OrganizationKind.SOCIAL_GROUP else (30_000, 2_000_000)
        assert Decimal(low) <= o.registered_capital <= Decimal(high)
        assert (o.member_count is not None) == (o.kind == OrganizationKind.SOCIAL_GROUP)


@pytest.mark.django_db
def test_names_are_unique_and_fields_of_activity_all_used(demo):
    names = list(Organization.objects.values_list("name", flat=True))
    assert len(names) == len(set(names))
    fields_per_organization = Counter(Organization.activity_fields.through.objects.values_list("organization_id"))
    assert len(fields_per_organization) == len(names)
    assert set(fields_per_organization.values()) <= {1, 2}
    used = set(Organization.objects.values_list("activity_fields__code", flat=True))
    assert used == set(FieldOfActivity.values)


@pytest.mark.django_db
def test_names_the_demos_look_for_are_present(demo):
    assert Organization.objects.filter(name__contains="颐和老年公寓养老服务中心").count() == 1
    assert Organization.objects.filter(street__code=ZHANSHAN, name__contains="志愿者").count() >= 3
    for kind in OrganizationKind.values:
        if kind != OrganizationKind.FOUNDATION:
            assert Organization.objects.filter(kind=kind, name__contains="养老").exists()


@pytest.mark.django_db
def test_names_are_those_planned_for_the_seed(demo):
    assert sorted(Organization.objects.values_list("name", flat=True)) == sorted(names_planned(SEED))


@pytest.mark.django_db
def test_second_run_creates_and_changes_nothing(demo):
    def state():
        return (
            sorted((o.identifier, o.name) for o in Organization.objects.all()),
            Organization.objects.aggregate(Max("updated_at")),
            AdministrativeUnit.objects.count(),
            Federation.objects.count(),
            sorted(get_user_model().objects.values_list("username", "password")),
            UnitRole.objects.count(),
            Framework.objects.count(),
            sorted(Campaign.objects.values_list("year", flat=True)),
            sorted(Case.objects.values_list("pk", "state", "total", "decided_grade")),
            Score.objects.count(),
            OrganizationGrade.objects.count(),
            Appeal.objects.count(),
        )

    before = state()
    assert load_demo_data(SEED, io.StringIO()) == dict.fromkeys(demo, 0)
    assert state() == before
    assert not OrganizationChange.objects.exists()


@pytest.mark.django_db
def test_another_seed_on_top_is_refused_and_writes_nothing(demo):
    count = Organization.objects.count()
    with pytest.raises(OtherSeedLoaded):
        load_demo_data(SEED + 1, io.StringIO())
    assert Organization.objects.count() == count


@pytest.mark.django_db
def test_every_role_has_a_demo_user_who_holds_it(demo):
    by_role = {spec.role: spec for spec in DEMO_USERS}
    assert set(Role.values) <= set(by_role)
    for role in Role:
        user = get_user_model().objects.get(username=by_role[role].username)
        assert role in {held.role for held in held_roles(user)}, role
        assert user.check_password(DEMO_PASSWORD)
        assert user.email.endswith("@example.com") and user.last_name
    admin = get_user_model().objects.get(username=by_role[None].username)
    assert admin.is_superuser and admin.is_staff
    account = get_user_model().objects.get(username=by_role[Role.ORGANIZATION_ACCOUNT].username)
    organization = account.organization_account.organization
    assert organization.kind == OrganizationKind.SOCIAL_GROUP and organization.street.code == ZHANSHAN


@pytest.mark.django_db
def test_command_prints_the_addresses_and_the_logins(demo):
    out = io.StringIO()
    call_command("load_demo_data", stdout=out)
    output = out.getvalue()
    assert SITE_URL in output and ADMIN_URL in output and DEMO_PASSWORD in output
    for spec in DEMO_USERS:
        assert spec.username in output and spec.where in output
    assert "社区社会监督员" in output and "盐城路社区（湛山街道）" in output


# --- Evaluation -------------------------------------------------------------------------------------


def finished_campaign() -> Campaign:
    return Campaign.objects.get(year=FINISHED_YEAR, purpose=CampaignPurpose.EVALUATION)


def current_campaign() -> Campaign:
    # The venture-philanthropy calls of the demo have campaigns (of purpose venture) too.
    return Campaign.objects.get(year=timezone.localdate().year, purpose=CampaignPurpose.EVALUATION)


@pytest.mark.django_db
def test_the_finished_campaign_leaves_sixty_percent_graded_today(demo):
    today = timezone.localdate()
    rate = evaluation_rate(today)["overall"]
    assert rate.registered == 211  # social groups and private non-enterprise units in force
    assert rate.meets_target and rate.rate >= 0.6
    campaign = finished_campaign()
    assert campaign.validity_rule == ValidityRule.FROM_AWARD
    assert set(campaign.cases.values_list("state", flat=True)) == {CaseState.FINAL}
    mix = Counter(campaign.cases.values_list("decided_grade", flat=True))
    assert 0 < mix[Grade.A5] < mix[Grade.A4] < mix[Grade.A3] and 0 < mix[""] < mix[Grade.A5]
    awarded_on = campaign.notice.ends_on  # the notice's last day, as `finalize_campaign` awards
    grades = OrganizationGrade.objects.filter(case__campaign=campaign)
    assert grades.count() == campaign.cases.exclude(decided_grade="").count()
    assert {(g.awarded_on, g.valid_from, g.valid_until) for g in grades} == {
        (awarded_on, *grading.validity(ValidityRule.FROM_AWARD, awarded_on))
    }
    assert all(g.grade == g.case.decided_grade for g in grades.select_related("case"))


@pytest.mark.django_db
def test_finished_cases_have_their_timeline_scores_and_decisions(demo):
    campaign = finished_campaign()
    cases = list(campaign.cases.select_related("framework").prefetch_related("events"))
    for case in cases:
        events = list(case.events.all())
        assert [event.action for event in events][:: len(events) - 1] == [CaseAction.SUBMIT, CaseAction.FINALIZE]
        assert len(events) == 9 and events[-1].to_state == CaseState.FINAL
        assert [event.at for event in events] == sorted(event.at for event in events)
        assert events[0].at.year == events[-1].at.year == FINISHED_YEAR
        assert case.decided_grade == grading.framework_grade(case.framework, case.total)
    # The stored totals are what moderation makes of the assessors' scores.
    for case in cases[:10]:
        rows = moderation.case_moderation(case).rows
        assert len(moderation.case_moderation(case).assignments) == 2 and all(row.final is not None for row in rows)
        assert sum(row.final for row in rows).quantize(Decimal("0.1"), ROUND_HALF_UP) == case.total
    agreement = assessor_agreement(campaign)
    assert agreement["indicators"] == 13 * len(cases) and 0.95 <= agreement["agreement"] < 1
    decisions = CaseDecision.objects.filter(case__campaign=campaign, appeal__isnull=True).select_related("meeting")
    assert decisions.count() == len(cases) and all(d.passed and has_quorum(d.meeting) for d in decisions)
    assert all(d.grade == d.case.decided_grade for d in decisions.select_related("case"))


@pytest.mark.django_db
def test_the_notice_shows_the_grades_and_the_decided_appeal(client, demo):
    campaign = finished_campaign()
    notice = campaign.notice
    assert notice.starts_on.year == notice.ends_on.year == FINISHED_YEAR and notice.starts_on.month == 12
    appeal = Appeal.objects.get(case__campaign=campaign)
    assert appeal.state == AppealState.DISMISSED and appeal.lodged_by.username == "org_account"
    assert appeal.case.organization.name == ACCOUNT_ORGANIZATION_NAME and appeal.case.decided_grade == ""
    decision = appeal.decisions.get()
    assert decision.passed and has_quorum(decision.meeting)
    assert Counter(decision.votes.values_list("vote", flat=True))[Vote.YES] * 2 > decision.meeting.members_total
    page = client.get(f"/evaluation/notices/{notice.pk}/").content.decode()
    assert ACCOUNT_ORGANIZATION_NAME in page and APPEAL_OUTCOME in page
    graded = campaign.cases.exclude(decided_grade="").select_related("organization").first()
    assert graded.organization.name in page


@pytest.mark.django_db
def test_the_current_campaign_is_in_its_scoring_phase(demo):
    today = timezone.localdate()
    campaign = current_campaign()
    assert campaign.validity_rule == ValidityRule.CALENDAR_YEARS
    assert campaign.applications_open_on <= today <= campaign.applications_close_on <= campaign.scoring_closes_on
    states = Counter(campaign.cases.values_list("state", flat=True))
    assert states == {CaseState.SCORING: 3, CaseState.MODERATION: 1, CaseState.ALLOCATED: 1, CaseState.APPLIED: 1}
    own = campaign.cases.get(organization__name=ACCOUNT_ORGANIZATION_NAME)
    assert own.applicant.username == "org_account" and own.self_assessments.count() == 13
    overridden = [check for c in campaign.cases.all() for check in c.eligibility_checks.all() if not check.passed]
    assert overridden and all(check.overridden_by.username == "district_officer" for check in overridden)


@pytest.mark.django_db
def test_the_demo_assessor_finds_their_current_cases_in_the_back_office(client, demo):
    campaign = current_campaign()
    mine = Assignment.objects.filter(case__campaign=campaign, assessor__username="assessor").select_related(
        "case__organization"
    )
    assert Counter(a.is_lead for a in mine) == {True: 3, False: 1}
    partly = mine.annotate(scored=Count("scores")).get(case__organization__name=ACCOUNT_ORGANIZATION_NAME)
    assert partly.submitted_at is None and 0 < partly.scored < 13
    waiting = mine.get(is_lead=False)
    assert waiting.submitted_at is None and waiting.case.assignments.get(is_lead=True).submitted_at is not None
    assert mine.get(case__state=CaseState.MODERATION).is_lead
    assert moderation.case_moderation(mine.get(case__state=CaseState.MODERATION).case).flagged
    assert client.login(username="assessor", password=DEMO_PASSWORD)
    page = client.get("/admin/evaluation_assessments/").content.decode()
    for assignment in mine:
        assert assignment.case.organization.name in page and f"/admin/evaluation_assessments/{assignment.pk}/" in page


@pytest.mark.django_db
def test_the_agency_manager_sees_the_allocated_cases(client, demo):
    allocated = current_campaign().cases.get(state=CaseState.ALLOCATED)
    assert client.login(username="agency_manager", password=DEMO_PASSWORD)
    page = client.get("/admin/evaluation_agency_cases/").content.decode()
    assert allocated.organization.name in page and f"/admin/evaluation_agency_cases/{allocated.pk}/" in page
    assert client.get(f"/admin/evaluation_agency_cases/{allocated.pk}/").status_code == 200
