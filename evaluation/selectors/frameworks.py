"""Reads of frameworks. Frameworks are reference material: everyone in the back office reads them
(organizations see theirs through their cases)."""

from django.db.models import QuerySet

from registry.access import holds_back_office_role

from ..models import Framework, Indicator


def _reads_frameworks(user) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active) or holds_back_office_role(user)


def frameworks_for_user(user) -> QuerySet[Framework]:
    return Framework.objects.all() if _reads_frameworks(user) else Framework.objects.none()


def indicators_for_user(user) -> QuerySet[Indicator]:
    rows = Indicator.objects.select_related("framework", "parent")
    return rows if _reads_frameworks(user) else rows.none()
