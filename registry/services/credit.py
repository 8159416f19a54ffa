"""Writes to the credit lists and administrative penalties (DESIGN.md section 6).

An organization on the abnormal-activity list has the status abnormal; it keeps that status while
moved on to the serious-violation list, and becomes active again when it leaves the lists. Status
changes go through `update_organization`, so they land in the organization's history.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import translation
from django.utils.translation import gettext as _

from audit.services import record

from ..enums import CreditList, ListingCause, OrganizationStatus, PenaltyKind
from ..models import AdministrativePenalty, CreditListing, Organization
from ..selectors.credit import overdue_annual_report_organizations
from ..selectors.organizations import manageable_organizations_for_user
from .organizations import update_organization

CREDIT_SOURCE = "信用名录"
YEARS_ON_A_LIST = 2
MOVED_REASON = "列入活动异常名录满2年，转入严重违法失信名单"
CLEAN_YEARS_REASON = "满2年未再发生违法失信行为"


def years_before(day: datetime.date, years: int = YEARS_ON_A_LIST) -> datetime.date:
    """The same calendar day `years` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _check_actor(actor, organization: Organization) -> None:
    """The actor must manage the organization; None is the daily system job."""
    if actor is None:
        return
    if not manageable_organizations_for_user(actor).filter(pk=organization.pk).exists():
        raise ValidationError({"organization": _("您无权对该组织作出信用名录或行政处罚决定。")})


def _set_status(organization: Organization, *, status: str, actor) -> None:
    update_organization(organization=organization, actor=actor, data={"status": status}, source=CREDIT_SOURCE)


def _create_listing(*, organization: Organization, credit_list: str, cause: str, listed_on, actor, details: str):
    if CreditListing.objects.filter(organization=organization, list=credit_list, removed_on__isnull=True).exists():
        raise ValidationError({"list": _("该组织已在此名录中，不能重复列入。")})
    listing = CreditListing(
        organization=organization,
        list=credit_list,
        cause=cause,
        details=details,
        listed_on=listed_on,
        listed_by=actor,
    )
    listing.full_clean()
    listing.save()
    record(
        actor=actor,
        action="credit.list",
        target=listing,
        reason=details,
        after={"list": CreditList(credit_list).label, "cause": ListingCause(cause).label, "listed_on": listed_on},
        organization=organization,
    )
    return listing


@transaction.atomic
def list_organization(
    *,
    organization: Organization,
    credit_list: str,
    cause: str,
    listed_on: datetime.date,
    actor,
    details: str = "",
) -> CreditListing:
    """Put the organization on a credit list. At most one current listing per list; the
    abnormal list makes an active organization abnormal."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    _check_actor(actor, organization)
    if cause == ListingCause.MOVED_FROM_ABNORMAL:
        raise ValidationError({"cause": _("该事由仅用于活动异常名录满2年转入严重违法失信名单。")})
    listing = _create_listing(
        organization=organization,
        credit_list=credit_list,
        cause=cause,
        listed_on=listed_on,
        actor=actor,
        details=details,
    )
    if credit_list == CreditList.ABNORMAL_ACTIVITY and organization.status == OrganizationStatus.ACTIVE:
        _set_status(organization, status=OrganizationStatus.ABNORMAL, actor=actor)
    return listing


def _close(listing: CreditListing, *, actor, on: datetime.date, reason: str) -> CreditListing:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"removal_reason": _("请填写移出理由。")})
    if listing.removed_on is not None:
        raise ValidationError(_("该记录已于%(date)s移出。") % {"date": listing.removed_on.isoformat()})
    if on < listing.listed_on:
        raise ValidationError({"removed_on": _("移出日期不能早于列入日期。")})
    listing.removed_on = on
    listing.removal_reason = reason
    listing.removed_by = actor
    listing.full_clean()
    listing.save()
    record(
        actor=actor,
        action="credit.remove",
        target=listing,
        reason=reason,
        before={"list": CreditList(listing.list).label, "removed_on": None},
        after={"removed_on": on},
        organization=listing.organization,
    )
    return listing


def _moved_details(listing: CreditListing) -> str:
    # Stored data, so written in the bureau's language whatever the request's language.
    with translation.override("zh-hans"):
        return f"{listing.listed_on.isoformat()}列入活动异常名录，事由：{listing.get_cause_display()}"


def _restore_if_off_the_lists(organization: Organization, *, actor) -> None:
    still_listed = CreditListing.objects.filter(organization=organization, removed_on__isnull=True).exists()
    if not still_listed and organization.status == OrganizationStatus.ABNORMAL:
        _set_status(organization, status=OrganizationStatus.ACTIVE, actor=actor)


@transaction.atomic
def remove_listing(*, listing: CreditListing, actor, reason: str, on: datetime.date) -> CreditListing:
    """Take the organization off a list, with a reason (required). Once it is on no list, an
    abnormal organization is active again."""
    organization = Organization.objects.select_for_update().get(pk=listing.organization_id)
    _check_actor(actor, organization)
    listing = CreditListing.objects.select_for_update().get(pk=listing.pk)
    _close(listing, actor=actor, on=on, reason=reason)
    _restore_if_off_the_lists(organization, actor=actor)
    return listing


@transaction.atomic
def move_to_serious_list(*, listing: CreditListing, actor, on: datetime.date) -> CreditListing:
    """After two years on the abnormal list: close the abnormal listing and list the organization
    on the serious-violation list (cause: moved from the abnormal list). Returns the new listing;
    the old one points to it through `moved_to`."""
    organization = Organization.objects.select_for_update().get(pk=listing.organization_id)
    _check_actor(actor, organization)
    listing = CreditListing.objects.select_for_update().get(pk=listing.pk)
    if listing.list != CreditList.ABNORMAL_ACTIVITY or listing.removed_on is not None:
        raise ValidationError(_("只有仍在活动异常名录中的组织才能转入严重违法失信名单。"))
    if listing.listed_on > years_before(on):
        raise ValidationError(_("列入活动异常名录未满2年，不能转入严重违法失信名单。"))
    _close(listing, actor=actor, on=on, reason=MOVED_REASON)
    serious = _create_listing(
        organization=organization,
        credit_list=CreditList.SERIOUS_VIOLATION,
        cause=ListingCause.MOVED_FROM_ABNORMAL,
        listed_on=on,
        actor=actor,
        details=_moved_details(listing),
    )
    listing.moved_to = serious
    listing.save(update_fields=["moved_to"])
    return serious


def _penalty_facts(penalty: AdministrativePenalty) -> dict:
    return {
        "kind": PenaltyKind(penalty.kind).label,
        "amount": penalty.amount,
        "decided_on": penalty.decided_on,
        "decision_number": penalty.decision_number,
        "reason": penalty.reason,
    }


@transaction.atomic
def record_penalty(
    *,
    organization: Organization,
    kind: str,
    decided_on: datetime.date,
    decision_number: str,
    reason: str,
    actor,
    amount: Decimal | None = None,
) -> AdministrativePenalty:
    """Record an administrative penalty. A fine needs an amount; other kinds have none. A
    revocation of registration (撤销登记) ends the organization: its status becomes revoked, in
    its history, and its public record stays."""
    _check_actor(actor, organization)
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.status in (OrganizationStatus.REVOKED, OrganizationStatus.DEREGISTERED):
        raise ValidationError(_("该组织已撤销登记或已注销，不能再作出行政处罚。"))
    if kind == PenaltyKind.FINE and not amount:
        raise ValidationError({"amount": _("罚款须填写金额。")})
    if kind != PenaltyKind.FINE and amount is not None:
        raise ValidationError({"amount": _("只有罚款填写金额。")})
    penalty = AdministrativePenalty(
        organization=organization,
        kind=kind,
        amount=amount,
        decided_on=decided_on,
        decision_number=decision_number,
        reason=reason,
        decided_by=actor,
    )
    penalty.full_clean()
    penalty.save()
    record(
        actor=actor,
        action="penalty.record",
        target=penalty,
        reason=reason,
        after=_penalty_facts(penalty),
        organization=organization,
    )
    if kind == PenaltyKind.REVOCATION:
        _set_status(organization, status=OrganizationStatus.REVOKED, actor=actor)
    return penalty


@transaction.atomic
def correct_penalty(*, penalty: AdministrativePenalty, actor, data: dict) -> AdministrativePenalty:
    """Correct a recorded penalty's facts (not its organization)."""
    penalty = AdministrativePenalty.objects.select_for_update().get(pk=penalty.pk)
    _check_actor(actor, penalty.organization)
    before = _penalty_facts(penalty)
    if "kind" in data and (PenaltyKind.REVOCATION in (data["kind"], penalty.kind)) and data["kind"] != penalty.kind:
        # The revocation has ended the registration; undoing it is a new decision, not a correction.
        raise ValidationError({"kind": _("撤销登记的处罚不能改为其他类型，其他处罚也不能改为撤销登记。")})
    for field in ("kind", "amount", "decided_on", "decision_number", "reason"):
        if field in data:
            setattr(penalty, field, data[field])
    if penalty.kind == PenaltyKind.FINE and not penalty.amount:
        raise ValidationError({"amount": _("罚款须填写金额。")})
    if penalty.kind != PenaltyKind.FINE and penalty.amount is not None:
        raise ValidationError({"amount": _("只有罚款填写金额。")})
    penalty.full_clean()
    penalty.save()
    after = _penalty_facts(penalty)
    changed = [field for field in after if after[field] != before[field]]
    record(
        actor=actor,
        action="penalty.correct",
        target=penalty,
        before={field: before[field] for field in changed},
        after={field: after[field] for field in changed},
        organization=penalty.organization,
    )
    return penalty


def _serious_listings_due_for_removal(today: datetime.date):
    """Serious listings of two years or more with no new cause since: no other listing of the
    organization and no penalty after the serious listing's date."""
    later_listing = CreditListing.objects.filter(
        organization=OuterRef("organization"), listed_on__gt=OuterRef("listed_on")
    ).exclude(pk=OuterRef("pk"))
    later_penalty = AdministrativePenalty.objects.filter(
        organization=OuterRef("organization"), decided_on__gt=OuterRef("listed_on")
    )
    return CreditListing.objects.filter(
        list=CreditList.SERIOUS_VIOLATION, removed_on__isnull=True, listed_on__lte=years_before(today)
    ).exclude(Exists(later_listing) | Exists(later_penalty))


def _missed_report_details(years: list[str]) -> str:
    # Stored data, so written in the bureau's language whatever the request's language.
    return "{years}年度的年度报告逾期未报送（截止日期后宽限{days}天）".format(
        years="、".join(years), days=settings.REGISTRY_ANNUAL_REPORT_GRACE_DAYS
    )


@transaction.atomic
def review_credit_lists(*, today: datetime.date) -> dict[str, int]:
    """The daily review of the credit lists, as the system (actor None):

    - organizations whose annual report is overdue past the grace period go on the abnormal list
      (cause: missed annual report), as `overdue_annual_report_organizations` finds them;
    - abnormal listings of two years or more move to the serious-violation list (unless the
      organization is already on it);
    - serious listings of two years or more with no new cause since are removed.

    Returns how many organizations each step concerned.
    """
    # Overdue reports first: an organization leaving the serious list today after two years without
    # a new cause is not put straight back by the same review; tomorrow's looks at it afresh.
    overdue = 0
    for organization in overdue_annual_report_organizations(today).order_by("pk"):
        list_organization(
            organization=organization,
            credit_list=CreditList.ABNORMAL_ACTIVITY,
            cause=ListingCause.MISSED_ANNUAL_REPORT,
            listed_on=today,
            actor=None,
            details=_missed_report_details(organization.overdue_years.split()),
        )
        overdue += 1
    already_serious = CreditListing.objects.filter(
        organization=OuterRef("organization"), list=CreditList.SERIOUS_VIOLATION, removed_on__isnull=True
    )
    to_move = CreditListing.objects.filter(
        list=CreditList.ABNORMAL_ACTIVITY, removed_on__isnull=True, listed_on__lte=years_before(today)
    ).exclude(Exists(already_serious))
    moved = 0
    for listing in to_move.order_by("pk"):
        move_to_serious_list(listing=listing, actor=None, on=today)
        moved += 1
    removed = 0
    for listing in _serious_listings_due_for_removal(today).order_by("pk"):
        remove_listing(listing=listing, actor=None, reason=CLEAN_YEARS_REASON, on=today)
        removed += 1
    return {
        "moved_to_serious": moved,
        "removed_from_serious": removed,
        "overdue_annual_reports": overdue,
    }
