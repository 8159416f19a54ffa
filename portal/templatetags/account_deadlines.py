"""The short "due soon" summary on the account page, kept apart from the page's own view."""

from django import template
from django.utils import timezone

from registry.selectors.deadlines import DeadlineStatus, deadlines_for_organization

register = template.Library()


@register.simple_tag
def deadlines_needing_attention(organization) -> list:
    """The organization's deadlines that are due soon or overdue (none without an organization)."""
    if organization is None:
        return []
    deadlines = deadlines_for_organization(organization, timezone.localdate())
    return [deadline for deadline in deadlines if deadline.status != DeadlineStatus.UPCOMING]
