"""The public pages of the street federations (DESIGN.md section 8): a list, and a page per
federation at /federations/<street code>/ with its council, its members and its acknowledged
yearly work. Public facts only: no contact person, no phone numbers."""

from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import render

from federation.hub_selectors import acknowledged_reports, council_in_office, members_per_community, public_members
from federation.selectors import public_federations

from ..models import DirectoryPage

TEMPLATES = "portal/federations/"


def _directory_url() -> str | None:
    directory = DirectoryPage.objects.live().first()
    return directory.url if directory else None


def federation_list(request):
    federations = public_federations().annotate(
        member_count=Count("memberships", filter=Q(memberships__left_on__isnull=True))
    )
    return render(request, TEMPLATES + "list.html", {"federations": federations})


def federation_detail(request, street_code: str):
    federation = public_federations().filter(street__code=street_code).first()
    if federation is None:
        raise Http404
    members = public_members(federation)
    return render(
        request,
        TEMPLATES + "detail.html",
        {
            "federation": federation,
            "council": council_in_office(federation),
            "members": members,
            "per_community": members_per_community(members),
            "reports": acknowledged_reports(federation),
            "directory_url": _directory_url(),
        },
    )
