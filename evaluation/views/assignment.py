"""The agency manager's back office: the cases allocated to the agency, and the form that
assigns each a team of assessors with a lead (through `services.assignment.assign_team`)."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet

from registry.access import held_roles
from registry.enums import Role
from registry.views.scoped import add_service_errors

from ..enums import AgencyRole, CaseState
from ..models import AgencyMember
from ..selectors.assessments import cases_for_agency_manager
from ..selectors.people import person_name
from ..services.assignment import assign_team, conflicts_for_many


class RoleViewSet(ViewSet):
    """A group of plain admin views whose menu item only holders of `role` see (the views
    themselves answer 404 to anyone else, as their selectors find nothing)."""

    role: Role
    views: tuple = ()  # (route, view class, url name); the first is the menu's target

    def get_urlpatterns(self):
        return [path(route, view.as_view(), name=name) for route, view, name in self.views]

    @cached_property
    def menu_item_class(self):
        role = self.role

        class RoleMenuItem(MenuItem):
            def is_shown(self, request):
                return any(held.role == role for held in held_roles(request.user))

        return RoleMenuItem


class TeamForm(forms.Form):
    assessors = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.none(),
        label=gettext_lazy("评估专家"),
        error_messages={"required": gettext_lazy("请至少指派两名评估专家。")},
    )
    lead = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        label=gettext_lazy("组长"),
        error_messages={"required": gettext_lazy("请从所选专家中指定一名组长。")},
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessors"].queryset = self.fields["lead"].queryset = candidates


class AgencyCaseIndexView(View):
    template_name = "evaluation/admin/assign_index.html"

    def get(self, request):
        cases = cases_for_agency_manager(request.user).order_by("-last_action_at", "-pk")
        rows = [(case, [(person_name(a.assessor), a.is_lead) for a in case.assignments.all()]) for case in cases]
        return TemplateResponse(request, self.template_name, {"rows": rows, "allocated": CaseState.ALLOCATED})


class AssignTeamView(View):
    """The case with its team, or, while it waits for one, the form that assigns it."""

    template_name = "evaluation/admin/assign_team.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.case = get_object_or_404(cases_for_agency_manager(request.user), pk=kwargs["pk"])
        members = AgencyMember.objects.filter(agency=self.case.agency, role=AgencyRole.ASSESSOR)
        self.candidates = get_user_model().objects.filter(pk__in=members.values("user")).order_by("username")
        self.expertise = dict(members.values_list("user_id", "expertise"))

    def render(self, form):
        open_for_team = self.case.state == CaseState.ALLOCATED
        chosen = {str(value) for value in (form["assessors"].value() or [])}
        users = list(self.candidates) if open_for_team else []
        conflicts = conflicts_for_many(users, self.case)
        candidates = [
            {
                "user": user,
                "name": person_name(user),
                "expertise": self.expertise.get(user.pk, ""),
                "conflicts": conflicts[user.pk],
                "chosen": str(user.pk) in chosen,
                "lead": str(user.pk) == str(form["lead"].value() or ""),
            }
            for user in users
        ]
        context = {
            "case": self.case,
            "form": form,
            "open_for_team": open_for_team,
            "candidates": candidates,
            "team": [
                (person_name(assignment.assessor), assignment)
                for assignment in self.case.assignments.select_related("assessor")
            ],
        }
        return TemplateResponse(self.request, self.template_name, context)

    def get(self, request, pk):
        return self.render(TeamForm(candidates=self.candidates))

    def post(self, request, pk):
        form = TeamForm(request.POST, candidates=self.candidates)
        if not form.is_valid():
            return self.render(form)
        try:
            assign_team(
                case=self.case,
                actor=request.user,
                assessors=form.cleaned_data["assessors"],
                lead=form.cleaned_data["lead"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.render(form)
        except PermissionDenied as error:
            messages.error(request, str(error))
            return redirect("evaluation_agency_cases:index")
        messages.success(request, _("已指派评估专家，评估进入评分阶段。"))
        return redirect("evaluation_agency_cases:index")


class AgencyCasesViewSet(RoleViewSet):
    name = "evaluation_agency_cases"
    icon = "group"
    menu_label = gettext_lazy("指派评估专家")
    role = Role.AGENCY_MANAGER
    views = (("", AgencyCaseIndexView, "index"), ("<int:pk>/", AssignTeamView, "assign"))


viewsets = (AgencyCasesViewSet,)
admin_urls = ()
