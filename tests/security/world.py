"""The objects the permission matrix fills URLs with, picked from the demo (`portal.demo`).

The demo puts every scoped role in one place: the street officer on 湛山街道, the community
supervisor on its 盐城路社区, the federation staff on its federation, the organization account on an
organization of that community, the assessor in the demo agency. For each kind of object the world
holds up to three versions, which the matrix calls *variants*:

- ``own``: the object as close to those roles as the demo has it: of the account's organization
  if there is one, else of its community, else of its street (the docstring of each picker says);
- ``other``: the same kind of object of another street (so of another organization, another
  community and another federation too);
- ``assigned``: for evaluation cases and score sheets, the demo assessor's own; ``other`` is then
  one the demo assessor is not on.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from wagtail.contrib.redirects.models import Redirect
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, Page, Revision, Site, Task, Workflow

from audit.models import AuditEntry
from evaluation import models as evaluation
from federation import models as federation
from portal.demo import DEMO_USERS
from registry import models as registry
from registry.demo import ACCOUNT_ORGANIZATION_NAME, DEMO_COMMUNITY_NAME, DEMO_STREET_CODE
from registry.enums import ApplicationAction, ApplicationKind, ListingCause, PenaltyKind, SupervisionKind
from registry.services.applications import CLOSED_STATUSES, act_on_application, start_application
from registry.services.credit import propose_listing, record_penalty
from registry.services.roles import claim_organization, link_organization_account
from registry.services.supervision import attach_supervision_file, record_supervision
from tests.factories import PDF_BYTES, UserFactory, file_required_materials

ANONYMOUS = "anonymous"
# The demo's usernames are the role names of the matrix ("admin" is the superuser).
USERNAMES = tuple(user.username for user in DEMO_USERS)
ROLES = (ANONYMOUS, *USERNAMES)
DEMO_ASSESSOR = "assessor"
ACCOUNT = "org_account"


@dataclass(frozen=True)
class Kind:
    """How to pick one kind of object: the model, and filters for each variant."""

    model: type
    own: Q | list[Q] | None = None  # a list: the first filter that finds an object wins
    other: Q | None = None
    assigned: Q | None = None


def _near(path: str) -> list[Q]:
    """Filters from the closest to the demo's roles to the loosest, for objects reached from an
    organization through `path` ('' for the organization itself)."""
    prefix = f"{path}__" if path else ""
    return [
        Q(**{f"{prefix}name": ACCOUNT_ORGANIZATION_NAME}),
        Q(**{f"{prefix}community__name": DEMO_COMMUNITY_NAME, f"{prefix}street__code": DEMO_STREET_CODE}),
        Q(**{f"{prefix}street__code": DEMO_STREET_CODE}),
    ]


def _far(path: str) -> Q:
    """Of another street, and with no evaluation case the demo assessor is on (an assessor sees
    the organizations of the cases assigned to them)."""
    prefix = f"{path}__" if path else ""
    return _other_street(path) & ~Q(**{f"{prefix}evaluation_cases__assignments__assessor__username": DEMO_ASSESSOR})


def _other_street(path: str) -> Q:
    prefix = f"{path}__" if path else ""
    return ~Q(**{f"{prefix}street__code": DEMO_STREET_CODE})


def _by_organization(model, path: str) -> Kind:
    return Kind(model, own=_near(path), other=_far(path))


ASSESSED = Q(assignments__assessor__username=DEMO_ASSESSOR)

KINDS = {
    "organization": _by_organization(registry.Organization, ""),
    # An application is the applicant's: the organization account's own are those it filed.
    "application": Kind(
        registry.Application,
        own=[Q(applicant__username=ACCOUNT), *_near("organization")],
        other=~Q(applicant__username=ACCOUNT) & ~Q(street__code=DEMO_STREET_CODE) & _far("organization"),
    ),
    "material": Kind(
        registry.Material,
        own=[Q(application__applicant__username=ACCOUNT), *_near("application__organization")],
        other=~Q(application__applicant__username=ACCOUNT)
        & ~Q(application__street__code=DEMO_STREET_CODE)
        & _far("application__organization"),
    ),
    "annual_report": _by_organization(registry.AnnualReport, "organization"),
    "claim": _by_organization(registry.OrganizationClaim, "organization"),
    "supervision": _by_organization(registry.SupervisionRecord, "organization"),
    "supervision_attachment": _by_organization(registry.SupervisionAttachment, "record__organization"),
    "credit_listing": _by_organization(registry.CreditListing, "organization"),
    "credit_proposal": _by_organization(registry.CreditProposal, "organization"),
    "penalty": _by_organization(registry.AdministrativePenalty, "organization"),
    "unit": Kind(registry.AdministrativeUnit, own=Q(code=DEMO_STREET_CODE), other=Q(code="370202009")),
    "unit_role": Kind(
        registry.UnitRole, own=Q(unit__code=DEMO_STREET_CODE), other=~Q(unit__code__startswith=DEMO_STREET_CODE)
    ),
    "federation": Kind(federation.Federation, own=Q(street__code=DEMO_STREET_CODE), other=_other_street("")),
    "council_seat": Kind(
        federation.CouncilSeat, own=Q(federation__street__code=DEMO_STREET_CODE), other=_other_street("federation")
    ),
    "membership": Kind(
        federation.Membership, own=Q(federation__street__code=DEMO_STREET_CODE), other=_other_street("federation")
    ),
    "federation_report": Kind(
        federation.FederationReport, own=Q(federation__street__code=DEMO_STREET_CODE), other=_other_street("federation")
    ),
    "support_centre": Kind(federation.SupportCentre, own=Q(street__code=DEMO_STREET_CODE), other=_other_street("")),
    "incubation": Kind(
        federation.Incubation, own=Q(centre__street__code=DEMO_STREET_CODE), other=_other_street("centre")
    ),
    "venture_call": Kind(federation.VentureCall),
    "venture_project": _by_organization(federation.VentureProject, "organization"),
    "campaign": Kind(evaluation.Campaign),
    "framework": Kind(evaluation.Framework),
    "indicator": Kind(evaluation.Indicator),
    "agency": Kind(evaluation.Agency),
    "agency_member": Kind(
        evaluation.AgencyMember, own=Q(user__username=DEMO_ASSESSOR), other=~Q(user__username=DEMO_ASSESSOR)
    ),
    "committee": Kind(evaluation.Committee),
    "committee_member": Kind(evaluation.CommitteeMember),
    "case": Kind(
        evaluation.Case,
        own=_near("organization"),
        other=_far("organization") & ~ASSESSED,
        assigned=ASSESSED,
    ),
    "assignment": Kind(
        evaluation.Assignment,
        assigned=Q(assessor__username=DEMO_ASSESSOR),
        other=~Q(case__assignments__assessor__username=DEMO_ASSESSOR),
    ),
    "evidence": _by_organization(evaluation.EvidenceFile, "case__organization"),
    "meeting": Kind(evaluation.Meeting),
    "notice": Kind(evaluation.Notice),
    "appeal": _by_organization(evaluation.Appeal, "case__organization"),
    "appeal_attachment": _by_organization(evaluation.AppealAttachment, "appeal__case__organization"),
    "grade": _by_organization(evaluation.OrganizationGrade, "organization"),
    "review_flag": _by_organization(evaluation.GradeReviewFlag, "grade__organization"),
    "grade_change": _by_organization(evaluation.GradeChange, "grade__organization"),
    "certificate": _by_organization(evaluation.Certificate, "grade_record__organization"),
    "certificate_run": Kind(evaluation.CertificateRun),
    # An audit entry names its organization by id (no foreign key: the log outlives what it names).
    "audit_entry": Kind(
        AuditEntry,
        own=[Q(organization_id__in=registry.Organization.objects.filter(q).values("pk")) for q in _near("")],
        other=Q(organization_id__in=registry.Organization.objects.filter(_other_street("")).values("pk")),
    ),
    # Wagtail's own objects: no scoping of ours, one of each.
    "page": Kind(Page, own=Q(depth=2)),
    "revision": Kind(Revision),
    "image": Kind(get_image_model()),
    "document": Kind(get_document_model()),
    "collection": Kind(Collection),
    "workflow": Kind(Workflow),
    "task": Kind(Task),
    "site": Kind(Site),
    "redirect": Kind(Redirect),
    "group": Kind(Group),
    "user": Kind(get_user_model(), own=Q(username="admin")),
}


def _first(model, filters) -> object | None:
    queryset = model._default_manager.order_by("pk")
    for condition in filters if isinstance(filters, list) else [filters]:
        found = queryset.filter(condition).first()
        if found is not None:
            return found
    return None


def build_world() -> dict[str, dict[str, object]]:
    """kind → {variant: object}; a kind with no scoping (campaigns, frameworks...) has one
    variant, ``any``. A variant the demo has no object for is left out, and the matrix says so."""
    world = {}
    for name, kind in KINDS.items():
        if kind.own is kind.other is kind.assigned is None:
            world[name] = {"any": _first(kind.model, Q())}
            continue
        variants = {"own": kind.own, "assigned": kind.assigned, "other": kind.other}
        world[name] = {
            variant: found
            for variant, filters in variants.items()
            if filters is not None and (found := _first(kind.model, filters)) is not None
        }
    return world


def add_what_the_demo_lacks(today) -> None:
    """Supervision records (with a file), penalties, claims and credit proposals, one for the
    account's organization and one for an organization of another street, through the services
    officers use (the daily review's for proposals); and an
    application (with its materials) of another street's organization, filed by its own account:
    every demo application is the demo account's."""
    people = users()
    organizations = registry.Organization.objects.order_by("pk")
    own = organizations.get(name=ACCOUNT_ORGANIZATION_NAME)
    other = organizations.filter(_far("")).first()
    for organization, recorder in ((own, people["street_officer"]), (other, people["district_officer"])):
        record = record_supervision(
            actor=recorder,
            organization=organization,
            kind=SupervisionKind.OBSERVATION,
            occurred_on=today,
            summary="活动场地整洁",
        )
        attach_supervision_file(record=record, actor=recorder, upload=SimpleUploadedFile("现场.pdf", PDF_BYTES))
        record_penalty(
            organization=organization,
            kind=PenaltyKind.WARNING,
            decided_on=today,
            decision_number=f"市南民罚〔{today.year}〕{organization.pk}号",
            reason="未按时报送年度报告",
            actor=people["district_officer"],
        )
        claimant = UserFactory(username=f"claimant_{organization.pk}")
        claim_organization(
            user=claimant, identifier=organization.uscc or organization.filing_number, statement="本人为负责人"
        )
        if not organization.credit_proposals.exists() and not organization.credit_listings.filter(
            removed_on__isnull=True
        ):
            propose_listing(
                organization=organization,
                cause=ListingCause.MISSED_ANNUAL_REPORT,
                details="年度报告逾期未报送",
                proposed_on=today,
            )
    _file_another_organizations_change()


def _file_another_organizations_change() -> None:
    """A change of an open organization of another street, by an account of that organization
    (the `other` application and material), submitted and returned for correction: officers see
    it, and its applicant may still edit it and upload to it, so only ownership refuses the
    demo account there."""
    organization = (
        registry.Organization.objects.order_by("pk").filter(_far("")).exclude(status__in=CLOSED_STATUSES).first()
    )
    applicant = UserFactory(username="other_org_account")
    link_organization_account(user=applicant, organization=organization)
    application = start_application(
        applicant=applicant,
        kind=ApplicationKind.CHANGE,
        street=organization.street,
        proposed={"address": "青岛市市南区香港中路1号"},
        organization=organization,
    )
    file_required_materials(application)
    act_on_application(application=application, action=ApplicationAction.SUBMIT, actor=applicant)
    act_on_application(
        application=application,
        action=ApplicationAction.RETURN,
        actor=users()["district_officer"],
        reason="请补充会员大会决议",
    )


def users() -> dict[str, object]:
    """role → the demo user holding it (None for anonymous)."""
    found = get_user_model().objects.in_bulk(USERNAMES, field_name="username")
    return {ANONYMOUS: None, **{name: found[name] for name in USERNAMES}}
