"""Back office of certificates, for the officers of each campaign: the list of certificates (with
the revoked ones, and whether each signature still checks), the campaigns with their certificates
to issue and the "issue certificates" button that starts a background run, the run's progress
page, and the campaign's certificates as one ZIP. Every write goes through
`services.certificate_runs`; every read through `selectors.certificate_access`."""

import zipfile

import django_filters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponseNotAllowed, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, StatusTagColumn
from wagtail.admin.viewsets.model import ModelViewSet

from registry.views.scoped import ScopedViewSetMixin

from ..models import Certificate
from ..selectors.certificate_access import (
    certificate_runs_for_officer,
    certificate_state_condition,
    certificates_for_officer,
)
from ..selectors.committee import campaigns_for_officer
from ..services import certificates
from ..services.certificate_pdf import DamagedCertificateFile, pdf_file
from ..services.certificate_runs import ACTIVE, requeue_certificate_run, start_certificate_run
from .grades import OfficerReadPolicy
from .moderation import ShownToViewSet, refusal

# While a run is going, its page reloads itself this often (seconds).
REFRESH_SECONDS = 3
ZIP_CHUNK = 1 << 16


# --- The list of certificates ----------------------------------------------------------------------


def _officer_campaigns(request):
    return campaigns_for_officer(getattr(request, "user", None))


class CertificateFilterSet(WagtailFilterSet):
    campaign = django_filters.ModelChoiceFilter(
        label=gettext_lazy("评估活动"), field_name="grade_record__case__campaign", queryset=_officer_campaigns
    )
    state = django_filters.ChoiceFilter(
        label=gettext_lazy("状态"),
        # "invalid" is not among them: it needs each signature checked, which the list shows per row.
        choices=[(state.value, state.label) for state in certificates.RECORDED_STATES],
        method="filter_state",
        empty_label=gettext_lazy("全部"),
    )

    class Meta:
        model = Certificate
        fields = ["campaign", "state", "grade"]

    def filter_state(self, queryset, name, value):
        return queryset.filter(certificate_state_condition(value, timezone.localdate()))


class StateColumn(StatusTagColumn):
    """Valid, not yet valid, expired or revoked; "signature fails" in front of it when the
    record was altered."""

    def __init__(self, name, **kwargs):
        super().__init__(
            name,
            primary=lambda certificate: self.status(certificate).state != certificates.CertificateState.VALID,
            **kwargs,
        )

    def status(self, certificate):
        # Asked twice a row (tag and text); the signature is checked once.
        if not hasattr(certificate, "_listed_status"):
            certificate._listed_status = certificates.certificate_status(certificate, timezone.localdate())
        return certificate._listed_status

    def get_value(self, certificate):
        status = self.status(certificate)
        if not status.signature_ok:
            return _("签名不符（%(state)s）") % {"state": status.recorded_label}
        if not status.revocation_ok:
            return _("撤销记录与签名不符（%(state)s）") % {"state": status.recorded_label}
        return status.label


class PdfColumn(Column):
    def get_value(self, certificate):
        return format_html('<a href="{}">{}</a>', reverse("certificate_download", args=[certificate.pk]), _("下载"))


class CertificateViewSet(ScopedViewSetMixin, ModelViewSet):
    model = Certificate
    name = "evaluation_certificates"
    icon = "doc-full-inverse"
    menu_label = gettext_lazy("评估等级证书")
    filterset_class = CertificateFilterSet
    list_display = [
        "number",
        "organization_name",
        "grade",
        "valid_until",
        "issued_on",
        StateColumn("state", label=gettext_lazy("状态")),
        PdfColumn("pdf_link", label=gettext_lazy("证书文件")),
    ]
    search_fields = ["number", "organization_name", "identifier", "code"]
    search_backend_name = None
    inspect_view_fields = [
        "number",
        "code",
        "organization_name",
        "identifier",
        "grade",
        "valid_from",
        "valid_until",
        "committee_name",
        "bureau_name",
        "issued_on",
        "revoked_on",
        "revocation_reason",
        "replaced_by",
        "key_id",
    ]
    list_per_page = 50
    # Required by ModelViewSet; the add and edit views are refused to everyone by the policy.
    form_fields = ["number"]

    @property
    def permission_policy(self):
        return OfficerReadPolicy(Certificate, certificates_for_officer)


# --- Issuing: campaigns, runs, ZIP ------------------------------------------------------------------


class IssueIndexView(View):
    """The officer's campaigns, each with its certificates, those still to issue and its latest
    runs, and the buttons to issue them and to download them."""

    template_name = "evaluation/admin/certificate_issue_index.html"

    def get(self, request):
        campaigns = list(
            certificates.with_count_to_issue(campaigns_for_officer(request.user))
            .annotate(
                issued=Count(
                    "cases__final_grade__certificates",
                    filter=Q(cases__final_grade__certificates__revoked_on__isnull=True),
                )
            )
            .order_by("-year", "pk")
        )
        active = set(
            certificate_runs_for_officer(request.user).filter(status__in=ACTIVE).values_list("campaign", flat=True)
        )
        for campaign in campaigns:
            campaign.running = campaign.pk in active
        runs = certificate_runs_for_officer(request.user)[:20]
        return TemplateResponse(request, self.template_name, {"campaigns": campaigns, "runs": runs})


class StartRunView(View):
    def get(self, request, campaign_pk):
        return HttpResponseNotAllowed(["POST"])

    def post(self, request, campaign_pk):
        campaign = get_object_or_404(campaigns_for_officer(request.user), pk=campaign_pk)
        try:
            run = start_certificate_run(campaign=campaign, actor=request.user)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, refusal(error))
            return redirect("evaluation_certificate_issue:index")
        messages.success(request, _("已开始批量发证，共%(total)d份证书。") % {"total": run.total})
        return redirect("evaluation_certificate_issue:run", run.pk)


class RunView(View):
    """A run's progress; the page reloads itself while the run is queued or running."""

    template_name = "evaluation/admin/certificate_run.html"

    def get(self, request, pk):
        run = get_object_or_404(certificate_runs_for_officer(request.user), pk=pk)
        active = run.status in ACTIVE
        context = {
            "run": run,
            "active": active,
            "refresh_seconds": REFRESH_SECONDS,
            "percent": round(100 * run.issued / run.total) if run.total else 100,
        }
        return TemplateResponse(request, self.template_name, context)


class RequeueRunView(View):
    def get(self, request, pk):
        return HttpResponseNotAllowed(["POST"])

    def post(self, request, pk):
        run = get_object_or_404(certificate_runs_for_officer(request.user), pk=pk)
        try:
            requeue_certificate_run(run=run, actor=request.user)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, refusal(error))
        else:
            messages.success(request, _("已重新排队。"))
        return redirect("evaluation_certificate_issue:run", run.pk)


class _Sink:
    """A write-only stream for `zipfile`, emptied after each file: the ZIP goes out while it is
    written and never sits whole in memory."""

    def __init__(self):
        self.chunks: list[bytes] = []

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


def _pdf_bytes(certificate: Certificate) -> bytes:
    with pdf_file(certificate).open("rb") as handle:
        return handle.read()


def zip_chunks(certificates_qs):
    """The certificates' PDFs as a ZIP, in pieces, each named by its number. PDFs are already
    compressed: stored as they are."""
    sink = _Sink()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for certificate in certificates_qs.iterator(chunk_size=100):
            name = f"{certificate.number}.pdf"
            try:
                data = _pdf_bytes(certificate)
            except DamagedCertificateFile as error:  # not served: a note in its place, the rest go on
                name, data = f"{certificate.number}.txt", str(error).encode()
            with archive.open(name, mode="w") as entry:
                for start in range(0, len(data), ZIP_CHUNK):
                    entry.write(data[start : start + ZIP_CHUNK])
            yield sink.take()
    yield sink.take()


class ZipView(View):
    """The campaign's standing (not revoked) certificates, one PDF each, as one ZIP."""

    def get(self, request, campaign_pk):
        campaign = get_object_or_404(campaigns_for_officer(request.user), pk=campaign_pk)
        standing = (
            certificates_for_officer(request.user)
            .filter(grade_record__case__campaign=campaign, revoked_on__isnull=True)
            .order_by("year", "sequence")
        )
        response = StreamingHttpResponse(zip_chunks(standing), content_type="application/zip")
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=_("%(campaign)s证书.zip") % {"campaign": campaign.name}
        )
        return response


def may_issue(user) -> bool:
    return campaigns_for_officer(user).exists()


class IssueViewSet(ShownToViewSet):
    name = "evaluation_certificate_issue"
    url_prefix = "evaluation/certificate-issue"
    icon = "upload"
    menu_label = gettext_lazy("证书发放")
    shown_to = staticmethod(may_issue)
    views = (
        ("", IssueIndexView, "index"),
        ("campaigns/<int:campaign_pk>/issue/", StartRunView, "start"),
        ("campaigns/<int:campaign_pk>/certificates.zip", ZipView, "zip"),
        ("runs/<int:pk>/", RunView, "run"),
        ("runs/<int:pk>/requeue/", RequeueRunView, "requeue"),
    )


viewsets = (CertificateViewSet, IssueViewSet)
admin_urls = ()
