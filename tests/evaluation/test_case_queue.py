"""Who sees which cases and evidence (`cases_for_user`, `evidence_files_for_user`), and the
officers' queue and case page in the back office: the self-assessment with evidence links,
eligibility overrides with a reason, and the officer's steps, refusals shown on the page with
what was typed kept."""

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluation.enums import CaseAction, CaseState, EligibilityRule
from evaluation.models import Assignment, Case, EligibilityCheck
from evaluation.selectors.cases import cases_for_user, evidence_files_for_user
from evaluation.services.applying import attach_evidence, save_self_assessment
from registry.enums import Role, UnitLevel
from registry.services.roles import link_organization_account
from registry.services.units import add_unit
from tests.factories import UserFactory, create_org

S = CaseState
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
INDEX = reverse("evaluation_cases:index")


def inspect_url(case) -> str:
    return reverse("evaluation_cases:inspect", args=[case.pk])


@pytest.fixture
def other(evaluation, tree, make_officer):
    """Another organization with its account, and an officer of another district."""
    organization = create_org(street=tree.badaguan, name="八大关志愿者协会")
    account = UserFactory(username="other_account")
    link_organization_account(user=account, organization=organization)
    shibei = add_unit(parent=tree.city, code="370203", name="市北区", level=UnitLevel.DISTRICT)
    return SimpleNamespace(
        organization=organization, account=account, officer=make_officer(Role.DISTRICT_OFFICER, shibei)
    )


def visible(user) -> set[int]:
    return set(cases_for_user(user).values_list("pk", flat=True))


# --- Scoping ------------------------------------------------------------------------------------------


def test_accounts_see_their_organizations_cases_only(evaluation, make_case, other):
    own = make_case()
    theirs = make_case(organization=other.organization)
    assert visible(evaluation.account) == {own.pk}
    assert visible(other.account) == {theirs.pk}


def test_officers_see_the_cases_of_campaigns_of_their_unit_or_below(evaluation, make_case, other, tree, make_officer):
    case = make_case()
    assert visible(evaluation.officer) == {case.pk}
    assert visible(make_officer(Role.CITY_OFFICER, tree.city)) == {case.pk}
    assert visible(other.officer) == set()
    assert visible(make_officer(Role.STREET_OFFICER, tree.zhanshan)) == set()


def test_the_agency_manager_sees_the_cases_allocated_to_the_agency(evaluation, make_case):
    allocated = make_case(state=S.ALLOCATED, agency=evaluation.agency)
    make_case(state=S.ELIGIBLE, organization=create_org(street=evaluation.organization.street))
    assert visible(evaluation.manager) == {allocated.pk}


def test_assessors_see_the_cases_they_are_assigned_to(evaluation, make_case):
    case = make_case(state=S.SCORING, agency=evaluation.agency)
    Assignment.objects.create(case=case, assessor=evaluation.assessors[0], assigned_by=evaluation.manager)
    assert visible(evaluation.assessors[0]) == {case.pk}
    assert visible(evaluation.assessors[1]) == set()


@pytest.mark.parametrize(
    ("state", "seen"),
    [(S.MODERATION, False), (S.MODERATED, True), (S.DECIDED, True), (S.IN_NOTICE, True), (S.FINAL, True)],
)
def test_committee_members_see_their_committees_cases_from_moderation_on(evaluation, make_case, state, seen):
    case = make_case(state=state)
    assert (case.pk in visible(evaluation.members[0].user)) is seen


def test_superusers_see_all_and_deactivated_users_nothing(evaluation, make_case):
    case = make_case()
    assert visible(UserFactory(username="root", is_superuser=True)) == {case.pk}
    evaluation.officer.is_active = False
    evaluation.officer.save()
    evaluation.officer.refresh_from_db()
    assert visible(evaluation.officer) == set()


def test_evidence_is_read_by_the_account_the_campaign_officers_and_assigned_assessors(evaluation, make_case, other):
    case = make_case()
    evidence = attach_evidence(
        case=case,
        indicator=evaluation.framework.indicators.get(code="2"),
        actor=evaluation.account,
        upload=SimpleUploadedFile("总结.pdf", PDF),
    )
    assignment = Assignment.objects.create(case=case, assessor=evaluation.assessors[0], assigned_by=evaluation.manager)
    readers = [evaluation.account, evaluation.officer, evaluation.assessors[0]]
    others = [other.account, other.officer, evaluation.manager, evaluation.assessors[1], evaluation.members[0].user]
    for user in readers:
        assert list(evidence_files_for_user(user)) == [evidence], user
    for user in others:
        assert not evidence_files_for_user(user).exists(), user
    assignment.delete()  # no longer assigned: no longer a reader
    assert not evidence_files_for_user(evaluation.assessors[0]).exists()


# --- The queue ----------------------------------------------------------------------------------------


def test_the_queue_lists_open_cases_of_the_officers_scope_with_their_waiting_time(client, evaluation, make_case, other):
    make_case(state=S.APPLIED)
    make_case(state=S.WITHDRAWN, organization=create_org(street=evaluation.organization.street, name="已撤回的协会"))
    make_case(state=S.APPLIED, organization=other.organization)  # another org, same campaign: still in scope
    client.force_login(evaluation.officer)
    page = client.get(INDEX).content.decode()
    assert "市南区老年书画研究会" in page and "八大关志愿者协会" in page
    assert "已撤回的协会" not in page
    assert "已等待" in page
    assert "已撤回的协会" in client.get(INDEX + "?all=1").content.decode()
    client.force_login(other.officer)
    assert "市南区老年书画研究会" not in client.get(INDEX).content.decode()


def _queue_queries(client, evaluation, count: int) -> int:
    for _ in range(count):
        Case.objects.create(
            campaign=evaluation.campaign,
            organization=create_org(street=evaluation.organization.street),
            framework=evaluation.framework,
            applicant=evaluation.account,
            state=S.APPLIED,
            agency=evaluation.agency,
        )
    with CaptureQueriesContext(connection) as queries:
        response = client.get(INDEX)
    assert response.status_code == 200
    return len(queries)


def test_the_queue_uses_the_same_number_of_queries_for_1_and_3_cases(client, evaluation):
    client.force_login(evaluation.officer)
    assert _queue_queries(client, evaluation, 1) == _queue_queries(client, evaluation, 2)


def test_the_case_page_is_not_found_outside_the_scope(client, evaluation, make_case, other):
    case = make_case(state=S.APPLIED)
    client.force_login(other.officer)
    assert client.get(inspect_url(case)).status_code == 404
    assert (
        client.post(inspect_url(case), {"form": "act", "action": CaseAction.REFUSE, "reason": "x"}).status_code == 404
    )
    client.force_login(evaluation.account)  # an organization account has no back office
    assert client.get(inspect_url(case)).status_code == 302
    case.refresh_from_db()
    assert case.state == S.APPLIED


# --- The case page ---------------------------------------------------------------------------------------


@pytest.fixture
def applied(evaluation, make_case):
    """A draft filled in with evidence, then marked applied, with one failing check."""
    case = make_case()
    leaves = evaluation.framework.indicators.filter(children__isnull=True)
    save_self_assessment(
        case=case, actor=evaluation.account, entries={leaf.pk: ("10", f"说明{leaf.code}") for leaf in leaves}
    )
    attach_evidence(
        case=case,
        indicator=leaves.get(code="1.1"),
        actor=evaluation.account,
        upload=SimpleUploadedFile("章程.pdf", PDF),
    )
    case.state = S.APPLIED
    case.save()
    for rule in EligibilityRule.values:
        EligibilityCheck.objects.create(
            case=case,
            rule=rule,
            passed=rule != EligibilityRule.YEARS_REGISTERED,
            reason="成立日期为2025-03-01，登记不满2年。" if rule == EligibilityRule.YEARS_REGISTERED else "符合",
        )
    return case


def test_the_case_page_shows_the_self_assessment_evidence_and_checks(client, evaluation, applied):
    client.force_login(evaluation.officer)
    page = client.get(inspect_url(applied)).content.decode()
    assert "1.1 章程" in page and "说明1.1" in page and "自评20 / 50分" in page  # 1.1 and 1.2 at 10 each
    evidence = applied.evidence_files.get()
    assert reverse("evidence_download", args=[evidence.pk]) in page
    assert "成立日期为2025-03-01，登记不满2年。" in page
    assert "认定理由（必填）" in page
    assert "确认符合条件" in page and "确认不符合条件" in page
    assert b"".join(client.get(reverse("evidence_download", args=[evidence.pk])).streaming_content) == PDF


def test_an_override_without_a_reason_is_refused_on_the_page(client, evaluation, applied):
    check = applied.eligibility_checks.get(rule=EligibilityRule.YEARS_REGISTERED)
    client.force_login(evaluation.officer)
    response = client.post(inspect_url(applied), {"form": "override", "check": check.pk, "reason": " "})
    assert response.status_code == 200
    assert "请填写认定理由" in response.content.decode()
    check.refresh_from_db()
    assert check.overridden_by is None
    response = client.post(
        inspect_url(applied), {"form": "override", "check": check.pk, "reason": "原登记证书已满两年"}
    )
    assert response.status_code == 302
    check.refresh_from_db()
    assert (check.overridden_by, check.override_reason) == (evaluation.officer, "原登记证书已满两年")
    page = client.get(inspect_url(applied)).content.decode()
    assert "原登记证书已满两年" in page and "认定：" in page


def test_confirming_while_a_check_fails_is_refused_and_keeps_the_typed_opinion(client, evaluation, applied):
    client.force_login(evaluation.officer)
    response = client.post(
        inspect_url(applied), {"form": "act", "action": CaseAction.CONFIRM_ELIGIBLE, "reason": "材料齐全，同意"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "以下条件不符合，且未经认定：登记满规定年限" in page
    assert "材料齐全，同意</textarea>" in page
    applied.refresh_from_db()
    assert applied.state == S.APPLIED


def test_the_officer_refuses_with_a_reason(client, evaluation, applied):
    client.force_login(evaluation.officer)
    response = client.post(inspect_url(applied), {"form": "act", "action": CaseAction.REFUSE, "reason": ""})
    assert "请填写理由或意见" in response.content.decode()
    client.post(inspect_url(applied), {"form": "act", "action": CaseAction.REFUSE, "reason": "登记不满2年"})
    applied.refresh_from_db()
    assert applied.state == S.INELIGIBLE
    assert applied.events.get().reason == "登记不满2年"


def test_the_officer_allocates_an_eligible_case_to_a_chosen_agency(client, evaluation, make_case):
    case = make_case(state=S.ELIGIBLE)
    client.force_login(evaluation.officer)
    page = client.get(inspect_url(case)).content.decode()
    assert evaluation.agency.name in page and "分配评估机构" in page
    response = client.post(inspect_url(case), {"form": "act", "action": CaseAction.ALLOCATE, "agency": ""})
    assert "请选择评估机构" in response.content.decode()
    for typed in ("not-a-number", "²", "9" * 30):  # "²" passes isdigit() but not int()
        response = client.post(inspect_url(case), {"form": "act", "action": CaseAction.ALLOCATE, "agency": typed})
        assert response.status_code == 200 and "请选择评估机构" in response.content.decode()
    client.post(inspect_url(case), {"form": "act", "action": CaseAction.ALLOCATE, "agency": evaluation.agency.pk})
    case.refresh_from_db()
    assert (case.state, case.agency) == (S.ALLOCATED, evaluation.agency)


def test_the_agency_manager_reads_an_allocated_case_but_takes_no_officer_step(client, evaluation, make_case):
    case = make_case(state=S.ELIGIBLE, agency=evaluation.agency)
    client.force_login(evaluation.manager)
    page = client.get(inspect_url(case)).content.decode()
    assert "市南区老年书画研究会" in page and "分配评估机构" not in page
    response = client.post(
        inspect_url(case), {"form": "act", "action": CaseAction.ALLOCATE, "agency": evaluation.agency.pk}
    )
    assert "无权" in response.content.decode()
    case.refresh_from_db()
    assert case.state == S.ELIGIBLE


def test_unknown_forms_and_actions_are_refused_without_an_error_page(client, evaluation, applied):
    client.force_login(evaluation.officer)
    assert client.post(inspect_url(applied), {"form": "nonsense"}).status_code == 302
    response = client.post(inspect_url(applied), {"form": "act", "action": CaseAction.FINALIZE})
    assert response.status_code == 200 and "未知的办理事项" in response.content.decode()
    for typed in ("abc", "²", "9" * 30):
        response = client.post(inspect_url(applied), {"form": "override", "check": typed, "reason": "x"})
        assert response.status_code == 200 and "该资格检查不存在" in response.content.decode()
    applied.refresh_from_db()
    assert applied.state == S.APPLIED


def test_the_officer_reruns_the_checks(client, evaluation, applied):
    client.force_login(evaluation.officer)
    response = client.post(inspect_url(applied), {"form": "rerun"})
    assert response.status_code == 302
    # The organization was founded on 2018-05-01: the rerun replaces the failing fixture check.
    check = applied.eligibility_checks.get(rule=EligibilityRule.YEARS_REGISTERED)
    assert check.passed and "2018-05-01" in check.reason


def test_roles_without_cases_have_no_queue(client, evaluation, make_case, tree, make_officer):
    make_case(state=S.APPLIED)
    client.force_login(make_officer(Role.STREET_OFFICER, tree.zhanshan))
    response = client.get(INDEX)
    assert response.status_code == 302  # the admin's denial
    client.force_login(evaluation.members[0].user)  # a committee member has a queue, empty until moderation
    assert client.get(INDEX).status_code == 200
