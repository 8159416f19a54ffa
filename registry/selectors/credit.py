"""Reads of the credit lists, proposals and administrative penalties: public ones for an
organization's page, scoped ones for the back office. Proposals are never public."""

import datetime

from django.db.models import Case, CharField, Exists, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Concat

from ..enums import AnnualReportState, CreditProposalStatus, ListingCause
from ..models import AdministrativePenalty, AnnualReport, CreditListing, CreditProposal, Organization
from .annual_reports import grace_period_end, must_report_filter, report_due_date, reporting_window
from .organizations import organizations_for_user


def listings_for_organization(organization: Organization) -> QuerySet[CreditListing]:
    """Every listing of the organization, current and past, newest first. Public (DESIGN.md
    section 6: the public page shows current and past listings)."""
    return organization.credit_listings.order_by("-listed_on", "-id")


def penalties_for_organization(organization: Organization) -> QuerySet[AdministrativePenalty]:
    """The organization's administrative penalties, newest first. Public."""
    return organization.penalties.order_by("-decided_on", "-id")


def credit_listings_for_user(user) -> QuerySet[CreditListing]:
    """The listings of the organizations the user may read (the back office's scope)."""
    return CreditListing.objects.filter(organization__in=organizations_for_user(user).values("pk")).select_related(
        "organization", "listed_by", "removed_by"
    )


def penalties_for_user(user) -> QuerySet[AdministrativePenalty]:
    """The penalties of the organizations the user may read (the back office's scope)."""
    return AdministrativePenalty.objects.filter(
        organization__in=organizations_for_user(user).values("pk")
    ).select_related("organization", "decided_by")


def credit_proposals_for_user(user) -> QuerySet[CreditProposal]:
    """The proposals of the organizations the user may read (the back office's scope); deciding
    on one is for those who manage the organization (`registry.rules`)."""
    return CreditProposal.objects.filter(organization__in=organizations_for_user(user).values("pk")).select_related(
        "organization", "decided_by", "listing"
    )


def open_credit_proposals_for_user(user) -> QuerySet[CreditProposal]:
    """The proposals still waiting for a decision, oldest first: an officer's queue."""
    return credit_proposals_for_user(user).filter(status=CreditProposalStatus.OPEN).order_by("proposed_on", "pk")


def overdue_annual_report_organizations(today: datetime.date) -> QuerySet[Organization]:
    """Organizations to propose for the abnormal list for a missed annual report on `today`
    (DESIGN.md sections 6 and 7), annotated with `overdue_years`, the years concerned ("2024 2025").

    An organization is overdue when, for a year of the site's filing window, it must report, the
    due date plus the grace period (REGISTRY_ANNUAL_REPORT_GRACE_DAYS) has passed, and no report
    was filed (a draft or a report returned for correction is not filed). It is left out
    - while it is on a credit list: it has at most one current listing per list, and one on the
      serious list is already past the abnormal one; if its report is still missing when it
      leaves, the next review proposes it;
    - while a proposal for a missed report waits for an officer's decision;
    - when it was proposed or listed for a missed report after that year's due date, even if the
      proposal was dismissed or the listing since removed: each missed deadline is proposed once,
      so an officer's decision is not undone the next day.

    One query whatever the number of organizations.
    """
    years = [year for year in reporting_window(today) if grace_period_end(year) < today]
    if not years:
        return Organization.objects.none()
    flags = [Case(When(_missed_report(year), then=Value(f"{year} ")), default=Value("")) for year in years]
    on_a_list = CreditListing.objects.filter(organization=OuterRef("pk"), removed_on__isnull=True)
    proposed = CreditProposal.objects.filter(
        organization=OuterRef("pk"), cause=ListingCause.MISSED_ANNUAL_REPORT, status=CreditProposalStatus.OPEN
    )
    return (
        # Whoever must report on an earlier year must on the latest one too: a cheap first cut.
        Organization.objects.filter(must_report_filter(years[-1]))
        .exclude(Exists(on_a_list))
        .exclude(Exists(proposed))
        .annotate(overdue_years=Concat(*flags, output_field=CharField()) if len(flags) > 1 else flags[0])
        .exclude(overdue_years="")
    )


def organizations_with_overdue_annual_report(
    organizations: QuerySet[Organization], today: datetime.date
) -> QuerySet[Organization]:
    """Those of `organizations` with a report past its due date and not filed, for a year of the
    site's filing window (the years an organization's reporting calendar marks overdue), whether
    or not they are on a credit list for it: what a federation's staff follow up among their
    members. Annotated with `overdue_years` like `overdue_annual_report_organizations`. One query."""
    years = [year for year in reporting_window(today) if report_due_date(year) < today]
    if not years:
        return organizations.none()
    flags = [Case(When(_report_missing(year), then=Value(f"{year} ")), default=Value("")) for year in years]
    return (
        organizations.filter(must_report_filter(years[-1]))
        .annotate(overdue_years=Concat(*flags, output_field=CharField()) if len(flags) > 1 else flags[0])
        .exclude(overdue_years="")
    )


def _report_missing(year: int) -> Q:
    """The organization must report on `year` and has not filed a report (a draft or a report
    returned for correction is not filed)."""
    filed = AnnualReport.objects.filter(organization=OuterRef("pk"), year=year, state__in=AnnualReportState.filed())
    return must_report_filter(year) & ~Exists(filed)


def _missed_report(year: int) -> Q:
    """The organization must report on `year`, has not, and was neither proposed nor listed for it
    since it fell due."""
    listed_since_due = CreditListing.objects.filter(
        organization=OuterRef("pk"), cause=ListingCause.MISSED_ANNUAL_REPORT, listed_on__gt=report_due_date(year)
    )
    proposed_since_due = CreditProposal.objects.filter(
        organization=OuterRef("pk"), cause=ListingCause.MISSED_ANNUAL_REPORT, proposed_on__gt=report_due_date(year)
    )
    return _report_missing(year) & ~Exists(listed_since_due) & ~Exists(proposed_since_due)
