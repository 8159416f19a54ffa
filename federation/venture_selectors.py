"""Reads of venture philanthropy: who sees which calls and projects, the eligibility rules, the
budget already committed, the published results and the figures per street."""

import datetime
from decimal import Decimal

from django.db.models import Case, Count, DecimalField, F, Prefetch, Q, QuerySet, Sum, When
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from evaluation.enums import CampaignPurpose
from evaluation.models import Campaign
from evaluation.selectors.cases import campaigns_covering, officer_condition
from registry.access import held_roles
from registry.enums import Role
from registry.models import Organization, OrganizationAccount
from registry.selectors.credit import organizations_with_overdue_annual_report
from registry.services.credit import years_before

from .enums import ProjectState, VentureRule
from .models import ProjectEvent, VentureCall, VentureProject, VentureTier
from .models.venture import GRANTED_STATES

ZERO = Decimal("0.00")


def _active(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_active


def _date(day: datetime.date) -> str:
    return date_format(day, "Y年n月j日")


# --- Eligibility ----------------------------------------------------------------------------------


def _credit_lists(call: VentureCall, organization: Organization, today: datetime.date) -> tuple[bool, str]:
    listing = (
        organization.credit_listings.filter(listed_on__lte=today)
        .filter(Q(removed_on__isnull=True) | Q(removed_on__gt=today))
        .order_by("-listed_on")
        .first()
    )
    if listing is None:
        return True, _("截至%(today)s未列入活动异常名录或严重违法失信名单。") % {"today": _date(today)}
    return False, _("自%(date)s起列入%(list)s（%(cause)s）。") % {
        "date": _date(listing.listed_on),
        "list": listing.get_list_display(),
        "cause": listing.get_cause_display(),
    }


def _annual_report(call: VentureCall, organization: Organization, today: datetime.date) -> tuple[bool, str]:
    overdue = organizations_with_overdue_annual_report(Organization.objects.filter(pk=organization.pk), today).first()
    if overdue is None:
        return True, _("截至%(today)s无逾期未报的年度报告。") % {"today": _date(today)}
    return False, _("%(years)s年度报告逾期未报。") % {"years": "、".join(overdue.overdue_years.split())}


def _ban(call: VentureCall, organization: Organization, today: datetime.date) -> tuple[bool, str]:
    since = years_before(today, call.ban_years)
    facts = {"since": _date(since), "years": call.ban_years}
    penalty = organization.penalties.filter(decided_on__gt=since).order_by("-decided_on").first()
    if penalty is not None:
        return False, _("%(date)s受到行政处罚（%(kind)s，%(number)s），在近%(years)d年内。") % {
            **facts,
            "date": _date(penalty.decided_on),
            "kind": penalty.get_kind_display(),
            "number": penalty.decision_number,
        }
    stopped = (
        ProjectEvent.objects.filter(
            project__organization=organization,
            to_state=ProjectState.STOPPED,
            at__date__gt=since,
            at__date__lte=today,
        )
        .select_related("project")
        .order_by("-at")
        .first()
    )
    if stopped is not None:
        return False, _("%(date)s项目“%(title)s”被终止公益创投资助，在近%(years)d年内。") % {
            **facts,
            "date": _date(timezone.localdate(stopped.at)),  # the bureau's day, not UTC's
            "title": stopped.project.title,
        }
    return True, _("%(since)s以来（近%(years)d年）无行政处罚，也未被终止公益创投资助。") % facts


# rule → (the call's switch, the check)
RULES = {
    VentureRule.CREDIT_LISTS: ("check_credit_lists", _credit_lists),
    VentureRule.ANNUAL_REPORT: ("check_annual_report", _annual_report),
    VentureRule.BAN: ("check_ban", _ban),
}


def rule_results(call: VentureCall, organization: Organization, today: datetime.date) -> list[dict]:
    """Each rule the call switches on: {rule, label, passed, reason}, in the order of VentureRule."""
    results = []
    for rule, (switch, check) in RULES.items():
        if getattr(call, switch):
            passed, reason = check(call, organization, today)
            results.append({"rule": rule.value, "label": str(rule.label), "passed": passed, "reason": reason})
    return results


# --- Money ----------------------------------------------------------------------------------------


def _committed_expression():
    """A project's share of its call's budget: its grant, or what was paid before it was stopped."""
    return Case(
        When(state=ProjectState.STOPPED, then=F("paid_amount")),
        When(state__in=GRANTED_STATES, then=F("granted_amount")),
        default=None,
        output_field=DecimalField(max_digits=12, decimal_places=2),
    )


def committed_amount(call: VentureCall) -> Decimal:
    """How much of the call's budget the funding decisions have used."""
    total = call.projects.aggregate(total=Sum(_committed_expression()))["total"]
    return (total or ZERO).quantize(Decimal("0.01"))


# --- Scopes ---------------------------------------------------------------------------------------


def _projects() -> QuerySet[VentureProject]:
    return VentureProject.objects.select_related("call__campaign", "organization", "tier", "case")


def is_venture_officer(user) -> bool:
    return any(held.role in (Role.DISTRICT_OFFICER, Role.CITY_OFFICER) for held in held_roles(user))


def calls_for_user(user) -> QuerySet[VentureCall]:
    """The calls a back-office user manages: those of the units where they are district or city
    officers (every one for a superuser)."""
    calls = VentureCall.objects.select_related("campaign__authority", "panel")
    if not _active(user):
        return calls.none()
    if user.is_superuser:
        return calls
    return calls.filter(officer_condition(user, "campaign__authority__path"))


def projects_for_user(user) -> QuerySet[VentureProject]:
    """Officers see the projects of their calls; federation staff those of organizations of their
    streets; an organization's accounts its own; active superusers all."""
    if not _active(user):
        return VentureProject.objects.none()
    projects = _projects()
    if user.is_superuser:
        return projects
    condition = officer_condition(user, "call__campaign__authority__path") | Q(
        organization__in=OrganizationAccount.objects.filter(user=user).values("organization")
    )
    for held in held_roles(user):
        if held.role == Role.FEDERATION_STAFF and held.unit is not None:
            condition |= Q(organization__street__path__startswith=held.unit.path)
    return projects.filter(condition)


def own_projects(user, organization: Organization) -> QuerySet[VentureProject]:
    """The organization's projects, newest first, for its accounts."""
    if not OrganizationAccount.objects.filter(user=user, organization=organization).exists():
        return VentureProject.objects.none()
    return _projects().filter(organization=organization).order_by("-created_at", "-pk")


def open_calls_for_organization(organization: Organization, today: datetime.date) -> QuerySet[VentureCall]:
    """Calls of the organization's authority (or its district) taking submissions on `today`."""
    return (
        VentureCall.objects.filter(
            campaign__in=_covering_campaigns(organization),
            campaign__applications_open_on__lte=today,
            campaign__applications_close_on__gte=today,
        )
        .select_related("campaign")
        .prefetch_related("tiers")
        .order_by("campaign__applications_close_on")
    )


def _covering_campaigns(organization: Organization):
    return Campaign.objects.filter(campaigns_covering(organization), purpose=CampaignPurpose.VENTURE).values("pk")


def project_timeline(project: VentureProject) -> QuerySet[ProjectEvent]:
    return project.events.select_related("actor")


# --- The site -------------------------------------------------------------------------------------


def public_calls() -> QuerySet[VentureCall]:
    """Every call is announced on the site; the funded projects only once published."""
    return (
        VentureCall.objects.select_related("campaign__authority")
        .prefetch_related(Prefetch("tiers", queryset=VentureTier.objects.order_by("-max_amount")))
        .annotate(
            funded=Count("projects", filter=Q(projects__state__in=GRANTED_STATES)),
            submitted=Count("projects", filter=~Q(projects__state__in=[ProjectState.DRAFT, ProjectState.WITHDRAWN])),
        )
        .order_by("-campaign__year", "-pk")
    )


def published_results(call: VentureCall) -> QuerySet[VentureProject]:
    """The funded projects of a call whose results are published, best score first; none before."""
    if call.results_published_at is None:
        return VentureProject.objects.none()
    return (
        _projects()
        .filter(call=call, state__in=GRANTED_STATES)
        .select_related("organization__street")
        .order_by("-case__total", "organization__name")
    )


def funding_by_street() -> dict[str, dict]:
    """street code → {projects, amount}: funded projects of published calls and what they hold
    of the budget, by the street of their organization. One query."""
    rows = (
        VentureProject.objects.filter(state__in=GRANTED_STATES, call__results_published_at__isnull=False)
        .values("organization__street__code")
        .annotate(projects=Count("pk"), amount=Sum(_committed_expression()))
    )
    return {
        row["organization__street__code"]: {"projects": row["projects"], "amount": row["amount"] or ZERO}
        for row in rows
    }


def calls_covering_organization(organization: Organization) -> QuerySet[VentureCall]:
    """Every call of the organization's authority (or its district), whatever its dates: the
    project form looks its call up here, so a call that closed while the form was open answers
    with the service's message rather than a missing page."""
    return VentureCall.objects.filter(campaign__in=_covering_campaigns(organization)).select_related("campaign")


# --- The back office ------------------------------------------------------------------------------


def reads_venture_projects(user) -> bool:
    """District and city officers (their calls' projects) and federation staff (their streets'),
    and active superusers: who opens the back office's venture-philanthropy pages."""
    if not _active(user):
        return False
    return user.is_superuser or any(
        held.role in (Role.DISTRICT_OFFICER, Role.CITY_OFFICER, Role.FEDERATION_STAFF) for held in held_roles(user)
    )


def back_office_projects(user) -> QuerySet[VentureProject]:
    """`projects_for_user` for the back office: to its readers only, and without the drafts, which
    stay the organization's own until submitted."""
    if not reads_venture_projects(user):
        return VentureProject.objects.none()
    return projects_for_user(user).exclude(state=ProjectState.DRAFT)


def with_call_figures(calls: QuerySet[VentureCall]) -> QuerySet[VentureCall]:
    """`calls` annotated in the same query with `committed` (as `committed_amount`) and, for each
    project state, `count_<state>`: what the calls list shows, whatever the number of projects."""
    committed = Case(
        When(projects__state=ProjectState.STOPPED, then=F("projects__paid_amount")),
        When(projects__state__in=GRANTED_STATES, then=F("projects__granted_amount")),
        default=None,
        output_field=DecimalField(max_digits=12, decimal_places=2),
    )
    counts = {f"count_{state}": Count("projects", filter=Q(projects__state=state)) for state in ProjectState.values}
    return calls.annotate(committed=Sum(committed), **counts)
