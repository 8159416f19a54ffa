"""Reads of the credit lists and administrative penalties: public ones for an organization's page,
scoped ones for the back office."""

import datetime

from django.db.models import QuerySet

from ..models import AdministrativePenalty, CreditListing, Organization
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


def overdue_annual_report_organizations(today: datetime.date) -> QuerySet[Organization]:
    """Organizations whose annual report is overdue past the grace period on `today`, to be
    proposed for the abnormal list (cause: missed annual report).

    A hook only: annual reports are not modelled yet (DESIGN.md section 7), so this returns no
    organization. When they are, it should return the organizations due a report whose deadline
    plus grace period has passed without one, and not already on the abnormal list.
    """
    return Organization.objects.none()
