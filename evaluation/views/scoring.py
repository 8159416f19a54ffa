"""The assessor's back office: "my cases", the scoring sheet of each assignment (saved, then
submitted and locked), the lead's team progress, reopening and completion, and conflict
declarations. Every write goes through `services.scoring` or `services.assignment`."""

from collections import defaultdict

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from wagtail.admin import messages

from registry.enums import Role
from registry.selectors.public import public_organization
from registry.views.scoped import add_service_errors

from ..enums import CaseState
from ..models import ConflictDeclaration, Indicator
from ..selectors.assessments import (
    assignments_for_user,
    managed_assignments_for_lead,
    scored_leaves,
    team_progress,
    visible_scores,
)
from ..selectors.cases import evidence_files_for_user, self_assessment_sheet
from ..selectors.people import person_name
from ..services.assignment import declare_conflict
from ..services.scoring import complete_scoring, reopen_scores, save_scores, scoring_closed, submit_scores
from .assignment import RoleViewSet


class VisitForm(forms.Form):
    visit_date = forms.DateField(
        label=gettext_lazy("实地评估日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class ConflictForm(forms.Form):
    identifier = forms.CharField(
        label=gettext_lazy("组织的统一社会信用代码或备案编号"),
        max_length=40,
        error_messages={"required": gettext_lazy("请填写统一社会信用代码或备案编号。")},
    )
    reason = forms.CharField(
        label=gettext_lazy("回避理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("请填写回避理由。")},
    )


class AssessmentIndexView(View):
    template_name = "evaluation/admin/scoring_index.html"

    def get(self, request):
        assignments = list(assignments_for_user(request.user).annotate(scored=Count("scores")))
        leaves = dict(
            Indicator.objects.filter(
                framework__in={assignment.case.framework_id for assignment in assignments}, children__isnull=True
            )
            .values("framework")
            .annotate(n=Count("pk"))
            .values_list("framework", "n")
        )
        rows = [(assignment, leaves.get(assignment.case.framework_id, 0)) for assignment in assignments]
        return TemplateResponse(request, self.template_name, {"rows": rows})


class ScoringSheetView(View):
    """One assignment's scoring sheet: GET shows it, POST saves (action=save) or saves and
    submits (action=submit). What was typed is shown again with the errors whenever the
    service refuses it."""

    template_name = "evaluation/admin/scoring_sheet.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.assignment = get_object_or_404(assignments_for_user(request.user), pk=kwargs["pk"])
        self.case = self.assignment.case
        self.leaves = list(scored_leaves(self.case.framework))

    def typed_entries(self) -> dict[str, dict[str, str]]:
        post = self.request.POST
        return {
            str(leaf.pk): {
                "points": post.get(f"points_{leaf.pk}", ""),
                "comment": post.get(f"comment_{leaf.pk}", ""),
                "evidence_links": post.get(f"evidence_{leaf.pk}", ""),
            }
            for leaf in self.leaves
        }

    def saved_entries(self) -> dict[str, dict[str, str]]:
        return {
            str(score.indicator_id): {
                "points": str(score.points),
                "comment": score.comment,
                "evidence_links": score.evidence_links,
            }
            for score in self.assignment.scores.all()
        }

    def sections(self, entries, errors):
        """The organization's self-assessment sheet (headings, and each scored indicator with
        the points self-assessed and the evidence filed), with the assessor's entry and its
        errors, and the colleagues' scores the user may see, on each scored indicator."""
        others = defaultdict(list)
        for score in visible_scores(self.request.user, self.case).exclude(assignment=self.assignment):
            others[score.indicator_id].append((person_name(score.assignment.assessor), score))
        return [
            {
                "sheet": row,
                "entry": entries.get(str(row.indicator.pk), {}),
                "errors": errors.get(row.indicator.code, []),
                "others": others[row.indicator.pk],
            }
            for row in self_assessment_sheet(self.case, evidence_files_for_user(self.request.user))
        ]

    def render(self, *, entries, errors=None, visit_form=None):
        errors = errors or {}
        assignment, case = self.assignment, self.case
        closed = scoring_closed(case.campaign, timezone.localdate())
        context = {
            "assignment": assignment,
            "case": case,
            "rows": self.sections(entries, errors),
            "general_errors": errors.get("__all__", []),
            "visit_form": visit_form or VisitForm(initial={"visit_date": assignment.visit_date}),
            "editable": assignment.submitted_at is None and case.state == CaseState.SCORING and not closed,
            "scoring_closed": closed,
            "leaf_count": len(self.leaves),
        }
        if assignment.is_lead:
            context["team"] = [(person_name(member.assessor), member) for member in team_progress(case)]
            context["may_complete"] = case.state == CaseState.SCORING
            context["may_reopen"] = case.state in (CaseState.SCORING, CaseState.MODERATION) and not closed
        return TemplateResponse(self.request, self.template_name, context)

    def get(self, request, pk):
        return self.render(entries=self.saved_entries())

    def post(self, request, pk):
        entries = self.typed_entries()
        visit_form = VisitForm(request.POST)
        if not visit_form.is_valid():
            return self.render(entries=entries, visit_form=visit_form)
        try:
            save_scores(
                assignment=self.assignment,
                actor=request.user,
                entries=entries,
                visit_date=visit_form.cleaned_data["visit_date"],
            )
        except ValidationError as error:
            return self.refused(error, entries, visit_form)
        except PermissionDenied as error:
            messages.error(request, str(error))
            return redirect("evaluation_assessments:index")
        if request.POST.get("action") != "submit":
            messages.success(request, _("评分已保存。"))
            return redirect("evaluation_assessments:sheet", pk)
        try:
            submit_scores(assignment=self.assignment, actor=request.user)
        except ValidationError as error:
            messages.warning(request, _("评分已保存，但尚不能提交，请按提示补充。"))
            return self.refused(error, entries, visit_form)
        messages.success(request, _("评分已提交并锁定。"))
        return redirect("evaluation_assessments:sheet", pk)

    def refused(self, error: ValidationError, entries, visit_form):
        errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        if "visit_date" in errors:
            visit_form.add_error("visit_date", errors.pop("visit_date"))
        return self.render(entries=entries, errors=errors, visit_form=visit_form)


class ReopenView(View):
    """The lead reopens a team member's submitted scores (POST, with the reason)."""

    def post(self, request, pk):
        target = get_object_or_404(managed_assignments_for_lead(request.user), pk=pk)
        try:
            reopen_scores(assignment=target, actor=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, _("已退回 %(name)s 的评分。") % {"name": person_name(target.assessor)})
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, "；".join(getattr(error, "messages", [str(error)])))
        own = assignments_for_user(request.user).get(case=target.case_id)
        return redirect("evaluation_assessments:sheet", own.pk)


class CompleteScoringView(View):
    """The lead closes scoring once everyone has submitted (POST)."""

    def post(self, request, pk):
        assignment = get_object_or_404(assignments_for_user(request.user), pk=pk)
        try:
            complete_scoring(assignment.case, request.user)
            messages.success(request, _("评分已完成，进入复核汇总。"))
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, "；".join(getattr(error, "messages", [str(error)])))
        return redirect("evaluation_assessments:sheet", pk)


class ConflictDeclarationView(View):
    template_name = "evaluation/admin/scoring_conflicts.html"

    def render(self, form):
        declarations = ConflictDeclaration.objects.filter(assessor=self.request.user).select_related("organization")
        return TemplateResponse(self.request, self.template_name, {"form": form, "declarations": declarations})

    def get(self, request):
        return self.render(ConflictForm())

    def post(self, request):
        form = ConflictForm(request.POST)
        if not form.is_valid():
            return self.render(form)
        organization = public_organization(form.cleaned_data["identifier"])
        if organization is None:
            form.add_error("identifier", _("没有找到该统一社会信用代码或备案编号对应的组织。"))
            return self.render(form)
        try:
            declare_conflict(assessor=request.user, organization=organization, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, ValidationError(_rename(error.message_dict, organization="identifier")))
            return self.render(form)
        except PermissionDenied as error:
            messages.error(request, str(error))
            return self.render(form)
        messages.success(request, _("已申报对“%(name)s”的回避。") % {"name": organization.name})
        return redirect("evaluation_assessments:conflicts")


def _rename(errors: dict, **names) -> dict:
    """A service's error keys as the form's field names."""
    return {names.get(key, key): value for key, value in errors.items()}


class AssessmentsViewSet(RoleViewSet):
    name = "evaluation_assessments"
    icon = "doc-full"
    menu_label = gettext_lazy("我的评估任务")
    role = Role.ASSESSOR
    views = (
        ("", AssessmentIndexView, "index"),
        ("<int:pk>/", ScoringSheetView, "sheet"),
        ("<int:pk>/complete/", CompleteScoringView, "complete"),
        ("reopen/<int:pk>/", ReopenView, "reopen"),
        ("conflicts/", ConflictDeclarationView, "conflicts"),
    )


viewsets = (AssessmentsViewSet,)
admin_urls = ()
