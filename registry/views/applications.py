"""Back office for applications: a queue per tier with how long each item has waited, the
timeline, and the actions the officer may take now (all through `act_on_application`)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from wagtail.admin import messages
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet

from ..enums import ApplicationAction, ApplicationKind
from ..models import Application
from ..permissions import RulesPermissionPolicy
from ..personal_data import shows_application_personal_data
from ..selectors.applications import applications_for_user, open_applications_for_user
from ..services.applications import act_on_application, allowed_actions, material_checklist, proposed_facts
from .scoped import ScopedIndexView, ScopedInspectView, ScopedViewSetMixin


class WaitingColumn(Column):
    """How long since the last step: what an officer sorts a queue by."""

    def get_value(self, instance):
        return timesince(instance.last_action_at, timezone.now())


class ApplicationIndexView(ScopedIndexView):
    def get_base_queryset(self):
        if self.request.GET.get("all"):
            return applications_for_user(self.request.user)
        return open_applications_for_user(self.request.user)


class ApplicationInspectView(ScopedInspectView):
    template_name = "registry/admin/application_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        actions = allowed_actions(self.request.user, self.object)
        context["events"] = self.object.events.select_related("actor")
        context["actions"] = [(action, ApplicationAction(action).label) for action in actions]
        context["facts"] = proposed_facts(
            self.object, personal_in_clear=shows_application_personal_data(self.request, self.object)
        )
        context["is_change"] = self.object.kind == ApplicationKind.CHANGE
        context["checklist"] = material_checklist(self.object)
        # Approving a registration creates the organization, so it needs the credit code issued for it.
        context["needs_code"] = (
            self.object.kind == ApplicationKind.REGISTRATION and ApplicationAction.APPROVE in actions
        )
        return context


class ApplicationActionView(View):
    """POST an action with its reason; refusals come back as messages, never as an error page."""

    def post(self, request, pk):
        application = get_object_or_404(applications_for_user(request.user), pk=pk)
        action = request.POST.get("action", "")
        if action not in ApplicationAction.values:
            messages.error(request, _("未知的办理事项。"))
        else:
            try:
                act_on_application(
                    application=application,
                    action=action,
                    actor=request.user,
                    reason=request.POST.get("reason", ""),
                    extra={"uscc": request.POST.get("uscc", "").strip()},
                )
                messages.success(request, _("已办理：%(action)s。") % {"action": ApplicationAction(action).label})
            except (ValidationError, PermissionDenied) as error:
                text = "；".join(error.messages) if isinstance(error, ValidationError) else str(error)
                messages.error(request, text)
        return redirect("applications:inspect", pk)


class ApplicationViewSet(ScopedViewSetMixin, ModelViewSet):
    model = Application
    name = "applications"
    icon = "tasks"
    menu_label = gettext_lazy("申请受理")
    index_view_class = ApplicationIndexView
    inspect_view_class = ApplicationInspectView
    list_display = ["__str__", "kind", "state", "street", WaitingColumn("waiting", label=gettext_lazy("已等待"))]
    list_filter = ["kind", "state", "street"]
    search_fields = ["proposed", "organization__name"]
    search_backend_name = None
    # The proposed facts are shown by the template, as people read them (see proposed_facts).
    inspect_view_fields = ["kind", "state", "applicant", "organization", "street", "submitted_at", "correct_by"]
    list_per_page = 50
    # Required by ModelViewSet; the add and edit views are refused to everyone (see rules.py).
    form_fields = ["proposed"]

    @property
    def permission_policy(self):
        return RulesPermissionPolicy(Application, scopes={"view": applications_for_user})
