"""Demo work in progress, so that every demo login has something to do: filings waiting for the
federation and for the street office, one returned for correction, and the credit listings
behind the demo's abnormal organizations (proposed by the daily review, confirmed by the district
officer), then the daily review as of the demo day. Built through the same services; idempotent."""

import datetime

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from registry.enums import ApplicationAction, ApplicationKind, ListingCause, OrganizationStatus
from registry.models import AdministrativeUnit, Application, CreditListing, Organization
from registry.selectors.annual_reports import grace_period_end
from registry.services.applications import MATERIALS, act_on_application, attach_material, start_application
from registry.services.credit import (
    confirm_credit_proposal,
    missed_report_details,
    propose_listing,
    review_credit_lists,
)

# A one-page PDF standing in for each scanned document the demo filings carry.
SAMPLE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)

# (name, community, how far it has come): the applicant files as the demo organization account.
FILINGS = [
    ("盐城路社区银发志愿者服务队", "盐城路社区", [ApplicationAction.SUBMIT]),
    ("仰口路社区亲子阅读会", "仰口路社区", [ApplicationAction.SUBMIT, ApplicationAction.PRE_REVIEW]),
    (
        "湛山社区邻里调解小组",
        "湛山社区",
        [ApplicationAction.SUBMIT, ApplicationAction.PRE_REVIEW, ApplicationAction.RETURN],
    ),
]
REASONS = {
    ApplicationAction.PRE_REVIEW: "材料齐全，联合会同意备案。",
    ApplicationAction.RETURN: "请补充负责人身份证明和活动场所证明。",
}
ACTORS = {
    ApplicationAction.SUBMIT: "org_account",
    ApplicationAction.PRE_REVIEW: "federation_staff",
    ApplicationAction.RETURN: "street_officer",
}


def create_demo_workflows() -> int:
    """Returns how many things were created (0 on a second run)."""
    users = {user.username: user for user in get_user_model().objects.filter(username__in=set(ACTORS.values()))}
    street = AdministrativeUnit.objects.get(code="370202010")
    created = 0
    for name, community_name, steps in FILINGS:
        if Application.objects.filter(proposed__name=name).exists():
            continue
        community = AdministrativeUnit.objects.get(name=community_name, path__startswith=street.path)
        application = start_application(
            applicant=users["org_account"],
            kind=ApplicationKind.FILING,
            street=street,
            proposed={
                "name": name,
                "community": community.pk,
                "address": f"青岛市市南区{community_name.removesuffix('社区')}路1号",
                "legal_representative": "刘桂芳",
                "business_scope": "开展社区志愿服务和邻里互助活动。",
            },
        )
        for kind in MATERIALS[application.kind].required:
            attach_material(
                application=application,
                actor=users["org_account"],
                kind=kind,
                upload=SimpleUploadedFile(f"示例{kind}.pdf", SAMPLE_PDF),
            )
        for action in steps:
            act_on_application(
                application=application, action=action, actor=users[ACTORS[action]], reason=REASONS.get(action, "")
            )
        created += 1
    return created + _demo_credit_lists(today=timezone.localdate())


def _demo_credit_lists(*, today: datetime.date) -> int:
    """The demo's abnormal organizations missed last year's report (`registry.demo`): the daily
    review proposed them the day after the grace period and the district officer confirmed. Then
    the review runs as of `today`, proposing whatever else is overdue for an officer to decide."""
    district_officer = get_user_model().objects.get(username="district_officer")
    missed_year = today.year - 1
    listed_on = min(grace_period_end(missed_year) + datetime.timedelta(days=1), today)
    created = 0
    for organization in Organization.objects.filter(status=OrganizationStatus.ABNORMAL).order_by("pk"):
        if CreditListing.objects.filter(organization=organization).exists():
            continue
        proposal = propose_listing(
            organization=organization,
            cause=ListingCause.MISSED_ANNUAL_REPORT,
            details=missed_report_details([str(missed_year)]),
            proposed_on=listed_on,
        )
        confirm_credit_proposal(proposal=proposal, actor=district_officer, on=listed_on, reason="经核实，确未报送。")
        created += 1
    counts = review_credit_lists(today=today)
    return created + sum(counts.values())
