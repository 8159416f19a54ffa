"""Writes of a federation's yearly report to its street office (DESIGN.md section 8).

The federation's staff file one report a year, for a year that has ended; its member changes
and year-end count are computed from the membership records (so they cannot disagree with
them), with whatever the staff add appended. The street's officers acknowledge it with a
comment; an acknowledged report's activities are public on the federation's page.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.enums import Role
from registry.models import UnitRole
from registry.services.notifications import notify

from .council import is_federation_staff, is_officer_over
from .models import Federation, FederationReport, FederationStaff, Membership

TEXT_MAX = 10_000
# The first year a federation of the district could report on.
FIRST_YEAR = 2000


def may_file_report(user, federation: Federation) -> bool:
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return is_federation_staff(user, federation)


def may_acknowledge_report(user, report: FederationReport) -> bool:
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return is_officer_over(user, report.federation.street, roles={Role.STREET_OFFICER})


def member_changes_of_year(federation: Federation, year: int) -> str:
    """Who joined and who left in `year`, one line each in date order (names and dates)."""
    memberships = (
        Membership.objects.filter(federation=federation)
        .filter(Q(joined_on__year=year) | Q(left_on__year=year))
        .select_related("organization")
    )
    events = []
    for membership in memberships:
        if membership.joined_on.year == year:
            events.append((membership.joined_on, _("入会"), membership.organization.name))
        if membership.left_on is not None and membership.left_on.year == year:
            events.append((membership.left_on, _("退会"), membership.organization.name))
    if not events:
        return _("本年度无会员变动。")
    events.sort()
    return "\n".join(f"{on:%Y-%m-%d} {what}：{name}" for on, what, name in events)


def members_at_end_of(federation: Federation, year: int) -> int:
    """Members on 31 December of `year`."""
    end = datetime.date(year, 12, 31)
    return (
        Membership.objects.filter(federation=federation, joined_on__lte=end)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=end))
        .count()
    )


def _check_year(federation: Federation, year) -> None:
    today = timezone.localdate()
    if not isinstance(year, int) or isinstance(year, bool):
        raise ValidationError({"year": _("请填写有效的报告年度。")})
    if year >= today.year:
        raise ValidationError({"year": _("只能报送已结束年度的报告（%(year)d年及以前）。") % {"year": today.year - 1}})
    first = max(FIRST_YEAR, federation.founded_on.year if federation.founded_on else FIRST_YEAR)
    if year < first:
        raise ValidationError({"year": _("报告年度不能早于联合会成立的年份（%(year)d年）。") % {"year": first}})


@transaction.atomic
def file_federation_report(
    *, federation: Federation, year: int, activities: str, actor, member_changes_note: str = ""
) -> FederationReport:
    """File the federation's report on `year`; the street's officers are notified."""
    if not may_file_report(actor, federation):
        raise PermissionDenied(_("只有本联合会的工作人员可以报送年度报告。"))
    _check_year(federation, year)
    activities = (activities or "").strip()
    note = (member_changes_note or "").strip()
    if not activities:
        raise ValidationError({"activities": _("请填写年度工作情况。")})
    for field, text in (("activities", activities), ("member_changes_note", note)):
        if len(text) > TEXT_MAX:
            raise ValidationError({field: _("内容不能超过%(max)d个字。") % {"max": TEXT_MAX}})
    if FederationReport.objects.filter(federation=federation, year=year).exists():
        raise ValidationError({"year": _("%(year)d年度的报告已经报送，每年只报送一次。") % {"year": year}})
    changes = member_changes_of_year(federation, year)
    if note:
        changes = f"{changes}\n\n{_('补充说明：')}{note}"
    report = FederationReport(
        federation=federation,
        year=year,
        activities=activities,
        member_changes=changes,
        members_at_year_end=members_at_end_of(federation, year),
        submitted_by=actor,
    )
    report.full_clean()
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError as error:  # filed at the same moment by a colleague
        raise ValidationError({"year": _("%(year)d年度的报告已经报送，每年只报送一次。") % {"year": year}}) from error
    officers = UnitRole.objects.filter(role=Role.STREET_OFFICER, unit_id=federation.street_id).select_related("user")
    notify(
        users=[role.user for role in officers],
        message=_("%(federation)s报送了%(year)d年度工作报告，请签收。") % {"federation": federation.name, "year": year},
    )
    return report


@transaction.atomic
def acknowledge_federation_report(*, report: FederationReport, actor, comment: str = "") -> FederationReport:
    """The street office acknowledges the report with its comment; the federation's staff are notified."""
    if not may_acknowledge_report(actor, report):
        raise PermissionDenied(_("只有联合会所在街道的工作人员可以签收年度报告。"))
    report = FederationReport.objects.select_for_update().select_related("federation").get(pk=report.pk)
    if report.acknowledged_at is not None:
        raise ValidationError(
            _("该报告已于%(date)s签收。") % {"date": f"{timezone.localtime(report.acknowledged_at):%Y-%m-%d}"}
        )
    comment = (comment or "").strip()
    if len(comment) > TEXT_MAX:
        raise ValidationError({"comment": _("内容不能超过%(max)d个字。") % {"max": TEXT_MAX}})
    report.acknowledged_by = actor
    report.acknowledged_at = timezone.now()
    report.street_comment = comment
    report.full_clean()
    report.save(update_fields=["acknowledged_by", "acknowledged_at", "street_comment"])
    staff = FederationStaff.objects.filter(federation=report.federation).select_related("user")
    notify(
        users=[member.user for member in staff],
        message=_("街道已签收%(federation)s的%(year)d年度工作报告。")
        % {"federation": report.federation.name, "year": report.year},
    )
    return report
