"""Back office for evaluation cases: the queue (scoped by `cases_for_user`) with how long each
case has waited, and a case's page with its self-assessment, evidence, eligibility checks and
the officer's steps (confirm eligible, refuse, allocate to an agency, and closing an undecided
case with a reason), all through the services.

The case page takes its own forms by POST: a refusal (a missing reason, a failing check, an
agency that may not take the case) comes back on the same page with what was typed kept."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin import messages
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import BasePermissionPolicy

from registry.views.scoped import ScopedIndexView, ScopedInspectView, ScopedViewSetMixin

from ..enums import CaseAction, CaseState
from ..models import Agency, Case
from ..selectors.cases import (
    cases_for_user,
    eligibility_results,
    evidence_files_for_user,
    may_see_cases,
    open_cases_for_user,
    self_assessment_sheet,
)
from ..services import cases, eligibility
from .params import as_id

# The steps taken on this page; the later phases have their own pages. Closing a case (终止评估)
# is offered in its own form, with its required reason, whatever phase the case is in.
OFFICER_ACTIONS = (CaseAction.CONFIRM_ELIGIBLE, CaseAction.REFUSE, CaseAction.ALLOCATE, CaseAction.CLOSE)


class CasePermissionPolicy(BasePermissionPolicy):
    """Cases are read within `cases_for_user` and never added, edited or deleted in the admin:
    every change is a step of `act_on_case` or a phase service."""

    def user_has_permission(self, user, action):
        return action == "view" and may_see_cases(user)

    def user_has_permission_for_instance(self, user, action, instance):
        return action == "view" and cases_for_user(user).filter(pk=instance.pk).exists()

    def instances_user_has_permission_for(self, user, action):
        return cases_for_user(user) if self.user_has_permission(user, action) else Case.objects.none()

    def users_with_any_permission(self, actions):
        # Wagtail asks this for its own notifications, which cases do not use.
        return get_user_model().objects.none()


class WaitingColumn(Column):
    """How long since the last step: what an officer sorts a queue by."""

    def get_value(self, instance):
        return timesince(instance.last_action_at, timezone.now())


class CaseIndexView(ScopedIndexView):
    def get_base_queryset(self):
        if self.request.GET.get("all"):
            return cases_for_user(self.request.user)
        return open_cases_for_user(self.request.user)


def _error_text(error: Exception) -> str:
    return "；".join(error.messages) if isinstance(error, ValidationError) else str(error)


class CaseInspectView(ScopedInspectView):
    template_name = "evaluation/admin/case_inspect.html"
    typed: dict = {}
    override_error: tuple[int, str] | None = None  # the check whose override was refused, and why

    def post(self, request, *args, **kwargs):
        handlers = {"act": self._act, "override": self._override, "rerun": self._rerun}
        handler = handlers.get(request.POST.get("form", ""))
        if handler is None:
            messages.error(request, _("未知的办理事项。"))
            return redirect(self.request.path)
        try:
            done = handler()
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, _error_text(error))
            self.typed = request.POST
            self.object = self.get_object()
            return self.get(request, *args, **kwargs)
        messages.success(request, done)
        return redirect(self.request.path)

    def _act(self) -> str:
        action = self.request.POST.get("action", "")
        if action not in OFFICER_ACTIONS:
            raise ValidationError(_("未知的办理事项。"))
        agency = Agency.objects.filter(pk=as_id(self.request.POST.get("agency"))).first()
        cases.act_on_case(
            case=self.object,
            action=action,
            actor=self.request.user,
            reason=self.request.POST.get("reason", ""),
            extra={"agency": agency},
        )
        return _("已办理：%(action)s。") % {"action": CaseAction(action).label}

    def _override(self) -> str:
        check = self.object.eligibility_checks.filter(pk=as_id(self.request.POST.get("check"))).first()
        if check is None:
            raise ValidationError(_("该资格检查不存在。"))
        try:
            eligibility.override_check(check=check, actor=self.request.user, reason=self.request.POST.get("reason", ""))
        except (ValidationError, PermissionDenied) as error:
            self.override_error = (check.pk, _error_text(error))
            raise
        return _("已认定“%(rule)s”符合条件。") % {"rule": check.get_rule_display()}

    def _rerun(self) -> str:
        eligibility.rerun_checks(case=self.object, actor=self.request.user)
        return _("已重新检查资格条件。")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case, user = self.object, self.request.user
        allowed = cases.allowed_actions(user, case)
        actions = [action for action in allowed if action in OFFICER_ACTIONS and action != CaseAction.CLOSE]
        reviewing = case.state == CaseState.APPLIED and cases.is_campaign_officer(user, case.campaign)
        context.update(
            sheet=self_assessment_sheet(case, evidence_files_for_user(user)),
            checks=eligibility_results(case),
            may_review=reviewing,
            events=case.events.select_related("actor"),
            actions=[(action, CaseAction(action).label) for action in actions],
            may_close=CaseAction.CLOSE in allowed,
            agencies=Agency.objects.all() if CaseAction.ALLOCATE in actions else [],
            typed=self.typed,
            override_error=self.override_error,
        )
        return context


class CaseViewSet(ScopedViewSetMixin, ModelViewSet):
    model = Case
    name = "evaluation_cases"
    icon = "tasks"
    menu_label = gettext_lazy("评估申请")
    index_view_class = CaseIndexView
    inspect_view_class = CaseInspectView
    list_display = [
        "organization",
        "campaign",
        "state",
        "agency",
        WaitingColumn("waiting", label=gettext_lazy("已等待")),
    ]
    list_filter = ["state", "campaign"]
    search_fields = ["organization__name"]
    search_backend_name = None
    inspect_view_fields = [
        "campaign",
        "organization",
        "framework",
        "state",
        "applicant",
        "submitted_at",
        "self_assessment_total",
        "agency",
        "total",
        "proposed_grade",
        "decided_grade",
    ]
    list_per_page = 50
    # Required by ModelViewSet; the add and edit views are refused to everyone by the policy.
    form_fields = ["state"]

    @property
    def permission_policy(self):
        return CasePermissionPolicy(Case)


viewsets = (CaseViewSet,)
admin_urls = []
