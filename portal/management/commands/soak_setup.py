"""python manage.py soak_setup --accounts 20 --password ... [--certificates 60]

The accounts and data of `make soak` (scripts/soak.sh, docs/performance.md), in the soak's own
database after the demo data: `--accounts` organization accounts `soak-org-<n>` (each linked to an
organization with its last five annual reports to file), and a campaign of the district bureau with
`--certificates` final grades whose certificates are still to issue (the worker-kill phase).
Everything is made through the services, as the site makes it. Never run on a real database: the
accounts share one password given on the command line."""

import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from evaluation.enums import CampaignPurpose, CaseState, Grade, GradeStatus
from evaluation.models import Campaign, CampaignFramework, Case, OrganizationGrade
from evaluation.services.certificates import certificates_to_issue
from registry.enums import OrganizationStatus, Role
from registry.models import AnnualReport, Organization, OrganizationAccount, UnitRole
from registry.selectors.annual_reports import must_report_filter, reporting_window
from registry.services.roles import link_organization_account

ACCOUNT_PREFIX = "soak-org-"
CAMPAIGN_NAME = "浸泡测试批量发证"


class Command(BaseCommand):
    help = "为浸泡测试（make soak）创建组织账号和待发证的评估结果。"

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=20)
        parser.add_argument("--password", required=True)
        parser.add_argument("--certificates", type=int, default=60)

    @transaction.atomic
    def handle(self, *args, accounts, password, certificates, **options):
        today = timezone.localdate()
        linked = self.link_accounts(accounts, password, today)
        campaign = self.certificate_campaign(certificates, today)
        to_issue = certificates_to_issue(campaign).count() if campaign else 0
        self.stdout.write(f"{linked} organization accounts, {to_issue} certificates to issue")

    def link_accounts(self, count: int, password: str, today: datetime.date) -> int:
        """Accounts for the first organizations without one that must report. The demo has filed
        every report, so theirs of the reporting window are taken back: each account has its last
        five years to file."""
        users = get_user_model().objects
        window = reporting_window(today)
        organizations = list(
            Organization.objects.filter(must_report_filter(window.start), status=OrganizationStatus.ACTIVE)
            .exclude(pk__in=OrganizationAccount.objects.values("organization"))
            .order_by("pk")[:count]
        )
        if len(organizations) < count:
            raise CommandError(f"only {len(organizations)} organizations report every year; asked for {count}")
        AnnualReport.objects.filter(organization__in=organizations, year__in=window).delete()
        for number, organization in enumerate(organizations):
            user = users.create_user(username=f"{ACCOUNT_PREFIX}{number}", password=password)
            link_organization_account(user=user, organization=organization)
        return len(organizations)

    def certificate_campaign(self, count: int, today: datetime.date) -> Campaign | None:
        """A campaign of the demo's bureau with `count` final 4A grades, copied from the
        demo's latest campaign (its authority, committee and frameworks)."""
        if not count:
            return None
        model = Campaign.objects.filter(purpose=CampaignPurpose.EVALUATION).order_by("-year").first()
        if model is None:
            raise CommandError("no evaluation campaign to copy: load the demo data first")
        # One evaluation campaign per bureau and year: the soak's takes the latest free year before.
        taken = set(
            Campaign.objects.filter(authority=model.authority, purpose=model.purpose).values_list("year", flat=True)
        )
        year = next(year for year in range(model.year - 1, 1990, -1) if year not in taken)
        campaign = Campaign.objects.create(
            name=CAMPAIGN_NAME,
            year=year,
            purpose=model.purpose,
            authority=model.authority,
            committee=model.committee,
            applications_open_on=model.applications_open_on,
            applications_close_on=model.applications_close_on,
            scoring_closes_on=model.scoring_closes_on,
            certificate_threshold=model.certificate_threshold,
        )
        frameworks = {each.kind: each.framework for each in CampaignFramework.objects.filter(campaign=model)}
        for kind, framework in frameworks.items():
            CampaignFramework.objects.create(campaign=campaign, kind=kind, framework=framework)
        organizations = Organization.objects.filter(
            status=OrganizationStatus.ACTIVE, kind__in=list(frameworks)
        ).order_by("pk")[:count]
        # Setup only: the cases go straight to final, recorded as filed by the bureau's officer.
        officer = UnitRole.objects.filter(role=Role.DISTRICT_OFFICER, unit=model.authority).first().user
        for organization in organizations:
            case = Case.objects.create(
                applicant=officer,
                campaign=campaign,
                organization=organization,
                framework=frameworks[organization.kind],
                state=CaseState.FINAL,
                decided_grade=Grade.A4,
            )
            OrganizationGrade.objects.create(
                organization=organization,
                case=case,
                grade=Grade.A4,
                framework=case.framework,
                awarded_on=today,
                valid_from=today,
                valid_until=today + datetime.timedelta(days=5 * 365),
                status=GradeStatus.VALID,
            )
        return campaign
