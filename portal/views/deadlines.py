"""The organization's area on the site: what is due (DESIGN.md section 7) and the full list of
notifications. An account sees only its own organization and its own notifications."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import ngettext

from registry.models import Notification
from registry.selectors.deadlines import deadlines_for_user
from registry.services.notifications import mark_read

from .account import LOGIN_URL
from .applications import account_organization

NOTIFICATIONS_PER_PAGE = 20


@login_required(login_url=LOGIN_URL)
def deadlines(request):
    organization = account_organization(request.user)
    return render(
        request,
        "portal/account/deadlines.html",
        {
            "organization": organization,
            # The applicant's own returned registrations and filings too, before any organization exists.
            "deadlines": deadlines_for_user(request.user, organization, timezone.localdate()),
        },
    )


@login_required(login_url=LOGIN_URL)
def notifications(request):
    """Every notification of the user, newest first. Showing a page does not mark it read (the
    marks would vanish on the next page); a POST marks all the user's notifications read."""
    own = Notification.objects.filter(user=request.user)
    if request.method == "POST":
        count = mark_read(user=request.user, notifications=list(own.filter(read_at__isnull=True)))
        message = ngettext("已将%(count)d条通知标为已读。", "已将%(count)d条通知标为已读。", count)
        messages.success(request, message % {"count": count})
        return redirect("account_notifications")
    page = Paginator(own, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/account/notifications.html",
        {"entries": page, "has_unread": own.filter(read_at__isnull=True).exists()},
    )
