"""Writes to the credit lists, the listings the daily review proposes, and administrative
penalties (DESIGN.md section 6).

An organization on the abnormal-activity list has the status abnormal; it keeps that status while
moved on to the serious-violation list, and becomes active again when it leaves the lists. Status
changes go through `update_organization`, so they land in the organization's history.

A missed annual report is not listed by the system: the daily review proposes the listing and an
officer who manages the organization confirms or dismisses it. The two-year moves are the
review's own. Every listing, removal, move and penalty is notified to the organization's accounts.
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

from ..enums import CreditList, CreditProposalStatus, ListingCause, OrganizationStatus, PenaltyKind
from ..models import AdministrativePenalty, CreditListing, CreditProposal, Organization, OrganizationAccount
from ..selectors.credit import overdue_annual_report_organizations
from ..selectors.organizations import manageable_organizations_for_user
from .notifications import notify
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


def _check_officer(actor, organization: Organization) -> None:
    """A decision only a person takes (confirming or dismissing a proposal)."""
    if actor is None:
        raise ValidationError(_("该决定须由管理该组织的工作人员作出。"))
    _check_actor(actor, organization)


def _notify_organization(organization: Organization, build_message) -> None:
    """Tell the organization's active accounts, in the bureau's language: the message is stored
    and e-mailed, whatever the language of the request that caused it. `build_message` is called
    with that language active."""
    users = [
        account.user
        for account in OrganizationAccount.objects.filter(organization=organization, user__is_active=True)
        .select_related("user")
        .order_by("pk")
    ]
    if not users:
        return
    with translation.override(settings.LANGUAGE_CODE):
        message = str(build_message())
    notify(users=users, message=message)


def _listing_message(listing: CreditListing, note: str = "") -> str:
    message = _("贵组织已于%(date)s被列入%(list)s，列入事由：%(cause)s。") % {
        "date": listing.listed_on.isoformat(),
        "list": CreditList(listing.list).label,
        "cause": ListingCause(listing.cause).label,
    }
    if listing.details:
        message += _("情况说明：%(details)s") % {"details": listing.details}
    if note:
        message += _("处理意见：%(note)s") % {"note": note}
    return message


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
    listing = _list(
        organization=organization,
        credit_list=credit_list,
        cause=cause,
        listed_on=listed_on,
        actor=actor,
        details=details,
    )
    _notify_organization(organization, lambda: _listing_message(listing))
    return listing


def _list(*, organization: Organization, credit_list: str, cause: str, listed_on, actor, details: str):
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
    _notify_organization(
        organization,
        lambda: (
            _("贵组织已于%(date)s移出%(list)s，移出理由：%(reason)s")
            % {"date": on.isoformat(), "list": CreditList(listing.list).label, "reason": listing.removal_reason}
        ),
    )
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
    _notify_organization(
        organization,
        lambda: (
            _("贵组织于%(listed_on)s列入活动异常名录（事由：%(cause)s）已满2年，已于%(date)s转入严重违法失信名单。")
            % {
                "listed_on": listing.listed_on.isoformat(),
                "cause": ListingCause(listing.cause).label,
                "date": on.isoformat(),
            }
        ),
    )
    return serious


# --- Proposals of the daily review ------------------------------------------------------------------


@transaction.atomic
def propose_listing(
    *, organization: Organization, cause: str, details: str, proposed_on: datetime.date
) -> CreditProposal:
    """Propose, as the system, to put the organization on the abnormal list for `cause`. Refused
    while a proposal for the same cause is open or the organization is on the abnormal list."""
    if CreditProposal.objects.filter(organization=organization, cause=cause, status=CreditProposalStatus.OPEN).exists():
        raise ValidationError(_("该组织已有待处理的同一事由的拟列入建议。"))
    if CreditListing.objects.filter(
        organization=organization, list=CreditList.ABNORMAL_ACTIVITY, removed_on__isnull=True
    ).exists():
        raise ValidationError({"list": _("该组织已在此名录中，不能重复列入。")})
    proposal = CreditProposal(organization=organization, cause=cause, details=details, proposed_on=proposed_on)
    proposal.full_clean()
    proposal.save()
    record(
        actor=None,
        action="credit.propose",
        target=proposal,
        reason=details,
        after={"cause": ListingCause(cause).label, "proposed_on": proposed_on},
        organization=organization,
    )
    return proposal


def _lock_open_proposal(proposal: CreditProposal, *, actor, on: datetime.date) -> tuple[CreditProposal, Organization]:
    organization = Organization.objects.select_for_update().get(pk=proposal.organization_id)
    _check_officer(actor, organization)
    proposal = CreditProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != CreditProposalStatus.OPEN:
        raise ValidationError(
            _("该拟列入建议已处理（%(status)s），不能再次处理。") % {"status": proposal.get_status_display()}
        )
    if on < proposal.proposed_on:
        raise ValidationError({"decided_on": _("处理日期不能早于建议提出日期。")})
    return proposal, organization


@transaction.atomic
def confirm_credit_proposal(*, proposal: CreditProposal, actor, on: datetime.date, reason: str = "") -> CreditListing:
    """An officer who manages the organization confirms the proposal: the organization goes on
    the abnormal list on `on`, as `list_organization` puts it (an active organization becomes
    abnormal), and its accounts are told. Returns the listing."""
    proposal, organization = _lock_open_proposal(proposal, actor=actor, on=on)
    reason = (reason or "").strip()
    listing = _list(
        organization=organization,
        credit_list=CreditList.ABNORMAL_ACTIVITY,
        cause=proposal.cause,
        listed_on=on,
        actor=actor,
        details=proposal.details,
    )
    proposal.status = CreditProposalStatus.CONFIRMED
    proposal.decided_on, proposal.decided_by, proposal.decision_reason = on, actor, reason
    proposal.listing = listing
    proposal.full_clean()
    proposal.save()
    record(
        actor=actor,
        action="credit.proposal_confirm",
        target=proposal,
        reason=reason,
        before={"status": CreditProposalStatus.OPEN.label},
        after={"status": CreditProposalStatus.CONFIRMED.label, "listed_on": on},
        organization=organization,
    )
    _notify_organization(organization, lambda: _listing_message(listing, note=reason))
    return listing


@transaction.atomic
def dismiss_credit_proposal(*, proposal: CreditProposal, actor, reason: str, on: datetime.date) -> CreditProposal:
    """An officer who manages the organization dismisses the proposal, with a reason (required).
    The organization was never told of the proposal, so it is not told of the dismissal; the
    review does not propose it again for the same missed deadline."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"decision_reason": _("请填写不予列入的理由。")})
    proposal, organization = _lock_open_proposal(proposal, actor=actor, on=on)
    proposal.status = CreditProposalStatus.DISMISSED
    proposal.decided_on, proposal.decided_by, proposal.decision_reason = on, actor, reason
    proposal.full_clean()
    proposal.save()
    record(
        actor=actor,
        action="credit.proposal_dismiss",
        target=proposal,
        reason=reason,
        before={"status": CreditProposalStatus.OPEN.label},
        after={"status": CreditProposalStatus.DISMISSED.label},
        organization=organization,
    )
    return proposal


PENALTY_FIELDS = ("kind", "amount", "decided_on", "decision_number", "suspended_from", "suspended_until", "reason")


def _penalty_facts(penalty: AdministrativePenalty) -> dict:
    return {field: getattr(penalty, field) for field in PENALTY_FIELDS} | {"kind": PenaltyKind(penalty.kind).label}


def _check_penalty_facts(penalty: AdministrativePenalty) -> None:
    """A fine has an amount and only a fine; a suspension has its period (from, to; to not before
    from) and only a suspension."""
    if penalty.kind == PenaltyKind.FINE and not penalty.amount:
        raise ValidationError({"amount": _("罚款须填写金额。")})
    if penalty.kind != PenaltyKind.FINE and penalty.amount is not None:
        raise ValidationError({"amount": _("只有罚款填写金额。")})
    if penalty.kind == PenaltyKind.SUSPENSION:
        errors = {}
        if penalty.suspended_from is None:
            errors["suspended_from"] = _("限期停止活动须填写停止活动起始日期。")
        if penalty.suspended_until is None:
            errors["suspended_until"] = _("限期停止活动须填写停止活动截止日期。")
        if errors:
            raise ValidationError(errors)
        if penalty.suspended_until < penalty.suspended_from:
            raise ValidationError({"suspended_until": _("停止活动截止日期不能早于起始日期。")})
    elif penalty.suspended_from is not None or penalty.suspended_until is not None:
        raise ValidationError({"suspended_from": _("只有限期停止活动填写停止活动期限。")})


def _penalty_message(penalty: AdministrativePenalty) -> str:
    message = _("贵组织被处以行政处罚：%(kind)s（处罚决定书文号：%(number)s，决定日期：%(date)s）。") % {
        "kind": PenaltyKind(penalty.kind).label,
        "number": penalty.decision_number,
        "date": penalty.decided_on.isoformat(),
    }
    if penalty.kind == PenaltyKind.FINE:
        message += _("罚款金额：%(amount)s元。") % {"amount": penalty.amount}
    if penalty.kind == PenaltyKind.SUSPENSION:
        message += _("停止活动期限：%(start)s至%(end)s。") % {
            "start": penalty.suspended_from.isoformat(),
            "end": penalty.suspended_until.isoformat(),
        }
    return message + _("处罚事由：%(reason)s") % {"reason": penalty.reason}


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
    suspended_from: datetime.date | None = None,
    suspended_until: datetime.date | None = None,
) -> AdministrativePenalty:
    """Record an administrative penalty and tell the organization's accounts. A fine needs an
    amount, a suspension its period; other kinds have neither. A revocation of registration
    (撤销登记) ends the organization: its status becomes revoked, in its history, and its public
    record stays."""
    _check_actor(actor, organization)
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.status in (OrganizationStatus.REVOKED, OrganizationStatus.DEREGISTERED):
        raise ValidationError(_("该组织已撤销登记或已注销，不能再作出行政处罚。"))
    penalty = AdministrativePenalty(
        organization=organization,
        kind=kind,
        amount=amount,
        decided_on=decided_on,
        decision_number=decision_number,
        suspended_from=suspended_from,
        suspended_until=suspended_until,
        reason=reason,
        decided_by=actor,
    )
    _check_penalty_facts(penalty)
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
    _notify_organization(organization, lambda: _penalty_message(penalty))
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
    for field in PENALTY_FIELDS:
        if field in data:
            setattr(penalty, field, data[field])
    _check_penalty_facts(penalty)
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


def missed_report_details(years: list[str]) -> str:
    """The details of a proposal (and its listing) for missed reports on `years`. Stored data, so
    written in the bureau's language whatever the request's language."""
    return "{years}年度的年度报告逾期未报送（截止日期后宽限{days}天）".format(
        years="、".join(years), days=settings.REGISTRY_ANNUAL_REPORT_GRACE_DAYS
    )


_missed_report_details = missed_report_details  # the name portal.scale_data imports


@transaction.atomic
def review_credit_lists(*, today: datetime.date) -> dict[str, int]:
    """The daily review of the credit lists, as the system (actor None):

    - organizations whose annual report is overdue past the grace period are proposed for the
      abnormal list (cause: missed annual report), as `overdue_annual_report_organizations` finds
      them, for an officer to confirm or dismiss (`confirm_credit_proposal`);
    - abnormal listings of two years or more move to the serious-violation list (unless the
      organization is already on it);
    - serious listings of two years or more with no new cause since are removed.

    Returns how many organizations each step concerned.
    """
    # Overdue reports first: an organization leaving the serious list today after two years without
    # a new cause is not proposed straight back by the same review; tomorrow's looks at it afresh.
    proposed = 0
    for organization in overdue_annual_report_organizations(today).order_by("pk"):
        propose_listing(
            organization=organization,
            cause=ListingCause.MISSED_ANNUAL_REPORT,
            details=missed_report_details(organization.overdue_years.split()),
            proposed_on=today,
        )
        proposed += 1
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
        "proposed_for_missed_reports": proposed,
    }
