"""Back office for moderation: the lead's page per case (each assessor's points, the aggregate,
the spread and the flags, a reconciliation form per flagged indicator, "finish moderation"), and
the officer's computation of totals and proposed grades for a whole campaign. Every write goes
through `services.moderation`."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem

from registry.views.scoped import add_service_errors

from ..enums import CampaignPurpose, CaseState
from ..models import Indicator
from ..selectors.committee import campaigns_for_officer
from ..selectors.moderation import leads_any_case, moderation_cases_for_user
from ..selectors.people import person_name
from ..services import cases
from ..services.moderation import case_moderation, compute_campaign_totals, moderate, reconcile
from .assignment import RoleViewSet
from .params import as_id

CASES_PER_PAGE = 50


def refusal(error: Exception) -> str:
    return "；".join(error.messages) if isinstance(error, ValidationError) else str(error)


class ShownToViewSet(RoleViewSet):
    """Plain admin views whose menu item `shown_to(user)` decides (rather than one role); the
    views themselves answer 404 to anyone their selectors do not cover."""

    @staticmethod
    def shown_to(user) -> bool:
        raise NotImplementedError

    @cached_property
    def menu_item_class(self):
        shown_to = self.shown_to

        class ShownToMenuItem(MenuItem):
            def is_shown(self, request):
                return shown_to(request.user)

        return ShownToMenuItem


class ModerationIndexView(View):
    """The cases the user may moderate or follow, and for officers their campaigns with the
    "compute totals" action."""

    template_name = "evaluation/admin/moderation_index.html"

    def get(self, request):
        campaigns = campaigns_for_officer(request.user).annotate(
            in_moderation=Count("cases", filter=Q(cases__state=CaseState.MODERATION)),
            moderated=Count("cases", filter=Q(cases__state=CaseState.MODERATED)),
        )
        page = Paginator(
            moderation_cases_for_user(request.user).order_by("state", "organization__name", "pk"), CASES_PER_PAGE
        ).get_page(request.GET.get("p"))
        return TemplateResponse(request, self.template_name, {"campaigns": campaigns, "page": page})


class ComputeTotalsView(View):
    """POST: totals and proposed grades of every case of a campaign in moderation, at once."""

    def post(self, request, pk):
        campaign = get_object_or_404(campaigns_for_officer(request.user), pk=pk)
        counts = compute_campaign_totals(campaign)
        messages.success(
            request,
            _("已计算%(campaign)s中%(cases)d个评估申请的得分和建议等级；其中%(flagged)d个尚有待组长协调的分歧。")
            % {"campaign": campaign.name, "cases": counts["cases"], "flagged": counts["flagged_cases"]},
        )
        return redirect("evaluation_moderation:index")


class ReconcileForm(forms.Form):
    points = forms.DecimalField(
        label=gettext_lazy("协调得分"),
        min_value=0,
        max_digits=6,
        decimal_places=1,
        error_messages={"required": gettext_lazy("请填写协调得分。"), "invalid": gettext_lazy("协调得分须为数字。")},
    )
    comment = forms.CharField(
        label=gettext_lazy("协调意见"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("请填写协调意见。")},
    )


class CaseModerationView(View):
    """GET: the lead's page. POST: one indicator's reconciliation; when refused the page comes
    back with what was typed and the reasons beside it."""

    template_name = "evaluation/admin/moderation_case.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.case = get_object_or_404(moderation_cases_for_user(request.user), pk=kwargs["pk"])

    def render(self, bound: dict | None = None):
        bound = bound or {}
        case, user = self.case, self.request.user
        moderation = case_moderation(case)
        may_reconcile = case.state == CaseState.MODERATION and cases.is_party(user, case, cases.Party.LEAD)
        rows = []
        for row in moderation.rows:
            form = None
            if may_reconcile and (row.flagged or row.reconciliation):
                form = bound.get(row.indicator.pk) or ReconcileForm(
                    prefix=f"indicator-{row.indicator.pk}",
                    initial={
                        "points": row.reconciliation.points if row.reconciliation else None,
                        "comment": row.reconciliation.comment if row.reconciliation else "",
                    },
                )
            rows.append((row, row.indicator.name_for(case.organization.kind), form))
        context = {
            "case": case,
            "assessors": [
                (person_name(assignment.assessor), assignment.is_lead) for assignment in moderation.assignments
            ],
            "rows": rows,
            "flagged_codes": [row.indicator.code for row in moderation.flagged],
            "may_reconcile": may_reconcile,
            "column_count": len(moderation.assignments) + 7,
        }
        return TemplateResponse(self.request, self.template_name, context)

    def get(self, request, pk):
        return self.render()

    def post(self, request, pk):
        typed = as_id(request.POST.get("indicator"))
        indicator = Indicator.objects.filter(framework_id=self.case.framework_id, pk=typed).first()
        if indicator is None:
            messages.error(request, _("请选择要协调的指标。"))
            return redirect("evaluation_moderation:case", pk)
        form = ReconcileForm(request.POST, prefix=f"indicator-{indicator.pk}")
        if form.is_valid():
            try:
                reconcile(
                    case=self.case,
                    indicator=indicator,
                    points=form.cleaned_data["points"],
                    comment=form.cleaned_data["comment"],
                    actor=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except PermissionDenied as error:  # an officer following the case: no form to show it on
                messages.error(request, str(error))
                return redirect("evaluation_moderation:case", pk)
        if form.errors:
            messages.error(request, _("指标%(code)s的协调未保存，请按提示修改。") % {"code": indicator.code})
            return self.render(bound={indicator.pk: form})
        messages.success(request, _("已保存指标%(code)s的协调得分。") % {"code": indicator.code})
        return redirect("evaluation_moderation:case", pk)


class FinishModerationView(View):
    """POST: the lead finishes moderation; the case goes to the committee."""

    def post(self, request, pk):
        case = get_object_or_404(moderation_cases_for_user(request.user), pk=pk)
        try:
            case = moderate(case, request.user)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, refusal(error))
        else:
            if case.campaign.purpose == CampaignPurpose.VENTURE:  # a project gets a score, not a grade
                done = _("已完成复核汇总：得分%(total)s。") % {"total": case.total}
            else:
                done = _("已完成复核汇总：得分%(total)s，建议等级%(grade)s。") % {
                    "total": case.total,
                    "grade": case.get_proposed_grade_display() or _("不予评定等级"),
                }
            messages.success(request, done)
        return redirect("evaluation_moderation:case", pk)


def may_open_moderation(user) -> bool:
    return leads_any_case(user) or campaigns_for_officer(user).exists()


class ModerationViewSet(ShownToViewSet):
    name = "evaluation_moderation"
    url_prefix = "evaluation/moderation"
    icon = "list-ol"
    menu_label = gettext_lazy("复核汇总")
    shown_to = staticmethod(may_open_moderation)
    views = (
        ("", ModerationIndexView, "index"),
        ("campaigns/<int:pk>/totals/", ComputeTotalsView, "totals"),
        ("<int:pk>/", CaseModerationView, "case"),
        ("<int:pk>/finish/", FinishModerationView, "finish"),
    )


viewsets = (ModerationViewSet,)
admin_urls = ()
