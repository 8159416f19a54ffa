"""The demo's venture philanthropy (run with migrations, like the demo's tests): last year's call
finished (scored by two experts each, funded within its budget, results published, projects
completed and one stopped), this year's call taking submissions with the demo account's
project, nothing new on a second load, and the funding per street on the statistics page."""

import io
import re
from collections import Counter
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.template.defaultfilters import floatformat
from django.utils import timezone

from evaluation.enums import CaseState
from federation.enums import ProjectReportKind, ProjectReportResult, ProjectState, VentureRule
from federation.hub_selectors import street_statistics
from federation.models import ProjectEvent, ProjectReport, VentureCall, VentureProject
from federation.models.venture import GRANTED_STATES
from federation.venture_selectors import committed_amount, own_projects, published_results, rule_results
from portal.demo import load_demo_data
from registry.demo import ACCOUNT_ORGANIZATION_NAME
from registry.enums import OrganizationKind, UnitLevel
from registry.models import AdministrativeUnit

pytestmark = pytest.mark.django_db
SEED = 2026


def finished_call() -> VentureCall:
    return VentureCall.objects.select_related("campaign").get(campaign__year=timezone.localdate().year - 1)


def open_call() -> VentureCall:
    today = timezone.localdate()
    return VentureCall.objects.select_related("campaign").get(
        campaign__applications_open_on__lte=today, campaign__applications_close_on__gte=today
    )


def test_last_years_call_is_finished_with_its_results_published_and_its_grants_within_budget(demo):
    call = finished_call()
    year = timezone.localdate().year - 1
    assert call.name == f"{year}年度市南区公益创投" and call.budget == Decimal("300000")
    assert call.campaign.applications_open_on.year == year and call.campaign.applications_close_on.month <= 5
    assert call.project_ends_on < timezone.localdate() and call.results_published_at is not None
    assert {(t.name, t.max_amount, t.places) for t in call.tiers.all()} == {
        ("重点项目", Decimal("50000"), 2),
        ("一般项目", Decimal("20000"), None),
    }
    projects = list(call.projects.select_related("organization__street", "tier", "case"))
    assert 8 <= len(projects) <= 10
    assert len({p.organization.street_id for p in projects}) >= 4
    kinds = Counter(p.organization.kind for p in projects)
    assert kinds[OrganizationKind.COMMUNITY_GROUP] > len(projects) / 2
    states = Counter(p.state for p in projects)
    assert states[ProjectState.COMPLETED] >= 4 and states[ProjectState.STOPPED] == 1
    assert states[ProjectState.NOT_FUNDED] >= 1 and states[ProjectState.FUNDED] == 0
    granted = [p for p in projects if p.state in GRANTED_STATES]
    assert len(granted) > len(projects) / 2
    committed = sum((p.paid_amount if p.state == ProjectState.STOPPED else p.granted_amount) for p in granted)
    assert committed_amount(call) == committed <= call.budget
    for project in granted:
        assert project.granted_amount <= min(project.amount_requested, project.tier.max_amount)
    assert sum(p.tier.name == "重点项目" for p in granted) <= 2
    # What the site publishes: the funded projects, best score first.
    assert list(published_results(call)) == sorted(granted, key=lambda p: (-p.case.total, p.organization.name))


def test_every_project_was_scored_by_two_experts_with_varied_scores_and_declines_say_why(demo):
    call = finished_call()
    projects = list(call.projects.select_related("case").prefetch_related("case__assignments__assessor"))
    for project in projects:
        assert project.case.state == CaseState.MODERATED and project.case.total is not None
        assignments = list(project.case.assignments.all())
        assert len(assignments) == 2 and all(a.submitted_at is not None for a in assignments)
        assert sum(a.is_lead for a in assignments) == 1
    totals = [project.case.total for project in projects]
    assert max(totals) - min(totals) >= 10 and max(totals) < 100 and len(set(totals)) > len(totals) / 2
    experts = {a.assessor.username for p in projects for a in p.case.assignments.all()}
    assert len(experts) >= 3  # of the demo agency's four
    for project in projects:
        if project.state == ProjectState.NOT_FUNDED:
            event = project.events.get(to_state=ProjectState.NOT_FUNDED)
            assert event.reason and event.actor.username == "district_officer"
    # Those funded scored better than those declined.
    funded = [p.case.total for p in projects if p.state in GRANTED_STATES]
    declined = [p.case.total for p in projects if p.state == ProjectState.NOT_FUNDED]
    assert min(funded) > min(declined)


def test_completed_projects_had_both_reports_accepted_and_one_was_stopped_after_its_midterm(demo):
    call = finished_call()
    for project in call.projects.filter(state=ProjectState.COMPLETED):
        reports = {r.kind: r for r in project.reports.all()}
        assert set(reports) == {ProjectReportKind.MIDTERM, ProjectReportKind.FINAL}
        assert all(r.result == ProjectReportResult.ACCEPTED and r.opinion for r in reports.values())
        assert 0 < reports[ProjectReportKind.FINAL].spent_amount <= project.granted_amount
        assert reports[ProjectReportKind.FINAL].people_served > reports[ProjectReportKind.MIDTERM].people_served
        assert project.events.get(to_state=ProjectState.COMPLETED).actor.username == "district_officer"
    stopped = call.projects.select_related("organization").get(state=ProjectState.STOPPED)
    assert 0 < stopped.paid_amount < stopped.granted_amount
    assert "终止资助" in stopped.events.get(to_state=ProjectState.STOPPED).reason
    midterm = stopped.reports.get()
    assert midterm.kind == ProjectReportKind.MIDTERM and midterm.result == ProjectReportResult.RETURNED
    # Stopped, its organization may not apply to this year's call.
    results = rule_results(open_call(), stopped.organization, timezone.localdate())
    ban = next(result for result in results if result["rule"] == VentureRule.BAN)
    assert not ban["passed"] and "被终止公益创投资助" in ban["reason"]


def test_this_years_call_takes_submissions_today_with_the_demo_accounts_draft(demo):
    call = open_call()
    today = timezone.localdate()
    assert call.campaign.applications_open_on < today < call.campaign.applications_close_on
    assert call.name == f"{call.campaign.year}年度市南区公益创投" and call.budget == Decimal("400000")
    assert call.results_published_at is None and call.tiers.count() == 3
    assert call.project_starts_on.year == call.campaign.year and call.project_starts_on > today
    states = Counter(call.projects.values_list("state", flat=True))
    assert states[ProjectState.DRAFT] == 1 and 2 <= states[ProjectState.SUBMITTED] <= 3 and sum(states.values()) <= 4
    for project in call.projects.filter(state=ProjectState.SUBMITTED).select_related("case"):
        assert project.case.state == CaseState.DRAFT and all(check["passed"] for check in project.eligibility)
    account = get_user_model().objects.get(username="org_account")
    organization = account.organization_account.organization
    own = own_projects(account, organization).get(call=call)
    assert organization.name == ACCOUNT_ORGANIZATION_NAME and own.state == ProjectState.DRAFT
    assert own.applicant == account and own.title and own.amount_requested <= own.tier.max_amount


def test_a_second_load_creates_and_changes_nothing(demo):
    def state():
        return (
            sorted(VentureCall.objects.values_list("pk", "budget", "results_published_at")),
            sorted(VentureProject.objects.values_list("pk", "state", "granted_amount", "paid_amount")),
            ProjectEvent.objects.count(),
            sorted(ProjectReport.objects.values_list("pk", "result")),
            get_user_model().objects.count(),
        )

    before = state()
    created = load_demo_data(SEED, io.StringIO())
    assert (created["venture_calls"], created["venture_projects"], created["venture_accounts"]) == (0, 0, 0)
    assert state() == before


def _expected_funding() -> dict[str, tuple[int, Decimal]]:
    """street name → (funded projects, amount held), straight from the rows."""
    funded = VentureProject.objects.filter(state__in=GRANTED_STATES, call__results_published_at__isnull=False)
    expected = {}
    for street in AdministrativeUnit.objects.filter(level=UnitLevel.STREET):
        rows = funded.filter(organization__street=street)
        paid = rows.filter(state=ProjectState.STOPPED).aggregate(total=Sum("paid_amount"))["total"] or 0
        granted = rows.exclude(state=ProjectState.STOPPED).aggregate(total=Sum("granted_amount"))["total"] or 0
        expected[street.name] = (rows.count(), Decimal(paid) + Decimal(granted))
    return expected


def test_the_statistics_page_shows_funded_projects_and_amounts_per_street(client, demo):
    html = client.get("/statistics/").content.decode()
    section = html[html.index('id="streets-heading"') : html.index('id="evaluation-heading"')]
    assert "资助项目" in section and "资助金额（元）" in section
    expected = _expected_funding()
    assert sum(count for count, _amount in expected.values()) >= 5
    assert sum(1 for count, _amount in expected.values() if count) >= 4
    for name, (count, amount) in expected.items():
        row = re.search(rf'<th scope="row" lang="zh-Hans">{name}.*?</tr>', section, re.S).group(0)
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        assert cells[-2:] == [str(count), floatformat(amount, "-2")], name
    rows = {row.name: row for row in street_statistics()}
    assert {name: (row.funded_projects, row.funded_amount) for name, row in rows.items()} == expected


def test_the_street_statistics_take_six_queries_with_the_demos_projects(demo, django_assert_num_queries):
    with django_assert_num_queries(6):
        street_statistics()
