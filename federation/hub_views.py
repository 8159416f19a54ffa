"""Back office of the federation as a street's hub: the staff's dashboard (also shown on the
admin home, where staff land), its members joining and leaving, council appointments and ends of
term, and the yearly reports the federation files and its street office acknowledges.

Every federation is looked up through `federations_for_user` and every report through
`reports_for_user` (every membership through `memberships_for_user`), so another street's
addresses answer 404; every write goes through `federation.services`, `federation.council` or
`federation.reports`, whose refusals come back as messages on the form.
"""

from dataclasses import dataclass

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup

from registry.enums import Role
from registry.models import UnitRole
from registry.selectors.organizations import organizations_for_user
from registry.views.scoped import add_service_errors

from .council import appoint_council_member, end_council_term, may_manage_council
from .enums import CouncilRole
from .hub_selectors import (
    admissible_organizations,
    council_history,
    council_in_office,
    council_seats_for_user,
    current_member_organizations,
    current_memberships,
    federation_dashboard,
    former_memberships,
    memberships_for_user,
    organizations_to_admit,
    reports_for_user,
)
from .models import CouncilSeat, Federation, FederationStaff, Membership
from .reports import (
    FIRST_YEAR,
    acknowledge_federation_report,
    file_federation_report,
    may_acknowledge_report,
    may_file_report,
)
from .selectors import federations_for_user
from .services import admit_member, end_membership

TEMPLATES = "federation/admin/"
REPORTS_PER_PAGE = 50
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"required": gettext_lazy("请填写日期。"), "invalid": gettext_lazy("请填写有效的日期。")}


def _refusal(error: Exception) -> str:
    return "；".join(error.messages) if isinstance(error, ValidationError) else str(error)


# --- Dashboard -----------------------------------------------------------------------------------


class HubIndexView(View):
    """The federations the user may read; with only one, straight to its dashboard."""

    def get(self, request):
        federations = list(federations_for_user(request.user).order_by("street__code"))
        if len(federations) == 1:
            return redirect("federation_hub:dashboard", federations[0].pk)
        return TemplateResponse(request, TEMPLATES + "hub_index.html", {"federations": federations})


class DashboardView(View):
    def get(self, request, pk):
        federation = get_object_or_404(federations_for_user(request.user), pk=pk)
        context = {
            "dashboard": federation_dashboard(federation, timezone.localdate()),
            "council": council_in_office(federation),
            "past_council": council_history(federation)[:20],
            "reports": federation.reports.order_by("-year"),
            "may_manage_council": may_manage_council(request.user, federation),
            "may_file_report": may_file_report(request.user, federation),
            "queue_url": reverse("applications:index") + "?kind=filing&state=submitted",
        }
        return TemplateResponse(request, TEMPLATES + "dashboard.html", context)


# --- Council -------------------------------------------------------------------------------------


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class AppointForm(forms.Form):
    organization = MemberChoiceField(
        label=gettext_lazy("会员组织"),
        queryset=None,
        empty_label="——",
        error_messages={
            "required": gettext_lazy("请选择会员组织。"),
            "invalid_choice": gettext_lazy("请从本联合会的现有会员中选择。"),
        },
    )
    role = forms.ChoiceField(
        label=gettext_lazy("职务"),
        choices=CouncilRole.choices,
        error_messages={
            "required": gettext_lazy("请选择职务。"),
            "invalid_choice": gettext_lazy("请选择会长、副会长或秘书长。"),
        },
    )
    person_name = forms.CharField(
        label=gettext_lazy("担任人"),
        max_length=50,
        required=False,
        help_text=gettext_lazy("留空则填入该会员组织的法定代表人（负责人）。"),
    )
    started_on = forms.DateField(label=gettext_lazy("任职日期"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)

    def __init__(self, *args, federation: Federation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = current_member_organizations(federation).order_by("name_pinyin", "pk")

    def clean(self):
        data = super().clean()
        organization = data.get("organization")
        if organization is not None and not data.get("person_name"):
            data["person_name"] = organization.legal_representative
            if not data["person_name"]:
                self.add_error("person_name", _("该组织未登记法定代表人（负责人），请填写担任人姓名。"))
        return data


class EndTermForm(forms.Form):
    ended_on = forms.DateField(label=gettext_lazy("离任日期"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)


class FederationFormView(View):
    """One form about a federation on the shared form page: the federation comes from the address
    (through the user's scope, so another street's answers 404), a role check refuses with a message,
    and the service's refusals come back on the form. Subclasses say who may act, build the form,
    and `perform` the write, returning where to go next."""

    template_name = TEMPLATES + "form.html"
    title = ""
    refusal = ""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.federation = self.get_federation(request.user, kwargs["pk"])

    def get_federation(self, user, pk) -> Federation:
        return get_object_or_404(federations_for_user(user), pk=pk)

    def refuse(self):
        """None when the user may use the form, else the response that sends them back."""
        return None

    def dispatch(self, request, *args, **kwargs):
        return self.refuse() or super().dispatch(request, *args, **kwargs)

    def back_to_dashboard(self, message=None):
        if message:
            messages.error(self.request, message)
        return redirect("federation_hub:dashboard", self.federation.pk)

    def get_form(self, data=None) -> forms.Form:
        raise NotImplementedError

    def perform(self, data: dict):
        raise NotImplementedError

    def intro(self) -> str:
        return ""

    def render(self, form):
        context = {
            "form": form,
            "title": self.title,
            "subtitle": self.federation.name,
            "intro": self.intro(),
            "back_url": reverse("federation_hub:dashboard", args=[self.federation.pk]),
        }
        return TemplateResponse(self.request, self.template_name, context)

    def get(self, request, pk):
        return self.render(self.get_form())

    def post(self, request, pk):
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                return self.perform(form.cleaned_data)
            except (ValidationError, PermissionDenied) as error:
                add_service_errors(form, error)
        return self.render(form)


COUNCIL_REFUSAL = gettext_lazy("只有本联合会的工作人员或所在街道、区的工作人员可以任免理事会职务。")


class AppointView(FederationFormView):
    title = gettext_lazy("任命理事会职务")

    def refuse(self):
        if not may_manage_council(self.request.user, self.federation):
            return self.back_to_dashboard(COUNCIL_REFUSAL)
        return None

    def intro(self):
        return _("理事会职务由本联合会的现有会员组织委派人员担任；会长、秘书长同一时间各一人，副会长可以多人。")

    def get_form(self, data=None):
        return AppointForm(data, federation=self.federation, initial={"started_on": timezone.localdate()})

    def perform(self, data):
        seat = appoint_council_member(
            federation=self.federation,
            organization=data["organization"],
            role=data["role"],
            person_name=data["person_name"],
            started_on=data["started_on"],
            actor=self.request.user,
        )
        messages.success(
            self.request,
            _("已任命%(person)s（%(organization)s）为%(role)s。")
            % {"person": seat.person_name, "organization": seat.organization.name, "role": seat.get_role_display()},
        )
        return self.back_to_dashboard()


class EndTermView(FederationFormView):
    """Addressed by the seat, not the federation: the seat's federation is the form's."""

    title = gettext_lazy("办理离任")

    def get_federation(self, user, pk):
        self.seat = get_object_or_404(council_seats_for_user(user).select_related("federation"), pk=pk)
        return self.seat.federation

    def refuse(self):
        if not may_manage_council(self.request.user, self.federation):
            return self.back_to_dashboard(COUNCIL_REFUSAL)
        return None

    def intro(self):
        seat = self.seat
        return _("%(role)s：%(person)s（%(organization)s），%(date)s起任职。") % {
            "role": seat.get_role_display(),
            "person": seat.person_name,
            "organization": seat.organization.name,
            "date": seat.started_on,
        }

    def get_form(self, data=None):
        return EndTermForm(data, initial={"ended_on": timezone.localdate()})

    def perform(self, data):
        end_council_term(seat=self.seat, ended_on=data["ended_on"], actor=self.request.user)
        messages.success(self.request, _("%(person)s已离任。") % {"person": self.seat.person_name})
        return self.back_to_dashboard()


# --- Members -------------------------------------------------------------------------------------

MANAGE_MEMBERS_REFUSAL = gettext_lazy("只有本联合会的工作人员或所在街道、区的工作人员可以办理入会、退会。")


class AdmitForm(forms.Form):
    organization = MemberChoiceField(
        label=gettext_lazy("组织"),
        queryset=None,
        empty_label="——",
        error_messages={
            "required": gettext_lazy("请选择要入会的组织。"),
            "invalid_choice": gettext_lazy("请从本街道可以入会的组织中选择。"),
        },
    )
    joined_on = forms.DateField(label=gettext_lazy("入会日期"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)

    def __init__(self, *args, federation: Federation, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        # Offered: those not yet members. Accepted: any admissible organization of the street, so
        # that one admitted meanwhile (from another page) gets the service's "already a member".
        field.queryset = admissible_organizations(federation)
        field.choices = lambda: [
            ("", "——"),
            *((organization.pk, organization.name) for organization in organizations_to_admit(federation)),
        ]


class EndMembershipForm(forms.Form):
    left_on = forms.DateField(label=gettext_lazy("退会日期"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)

    def __init__(self, *args, membership_pk: int, **kwargs):
        super().__init__(*args, auto_id=f"id_end_{membership_pk}_%s", **kwargs)


def _seat_names(seats: list[CouncilSeat]) -> str:
    return "、".join(f"{seat.get_role_display()}（{seat.person_name}）" for seat in seats)


@dataclass
class MemberRow:
    membership: Membership
    linked: bool  # the user may open the organization's admin page
    seats: list[CouncilSeat]  # the council seats its leaving ends
    form: EndMembershipForm | None

    @property
    def seat_names(self) -> str:
        return _seat_names(self.seats)


def render_members(request, federation: Federation, *, admit_form=None, failed=None) -> TemplateResponse:
    """The members page. `admit_form` and `failed` ((membership pk, its bound end form)) bring a
    refused form back with what was typed. A constant number of queries whatever the members."""
    user = request.user
    may_manage = may_manage_council(user, federation)
    seats: dict[int, list[CouncilSeat]] = {}
    for seat in council_in_office(federation):
        seats.setdefault(seat.organization_id, []).append(seat)
    linked = set(
        organizations_for_user(user)
        .filter(pk__in=federation.memberships.values("organization_id"))
        .values_list("pk", flat=True)
    )
    today = timezone.localdate()

    def end_form(membership):
        if not may_manage:
            return None
        if failed is not None and failed[0] == membership.pk:
            return failed[1]
        return EndMembershipForm(membership_pk=membership.pk, initial={"left_on": today})

    current = [
        MemberRow(m, m.organization_id in linked, seats.get(m.organization_id, []), end_form(m))
        for m in current_memberships(federation)
    ]
    former = [MemberRow(m, m.organization_id in linked, [], None) for m in former_memberships(federation)]
    if may_manage and admit_form is None:
        admit_form = AdmitForm(federation=federation, initial={"joined_on": today})
    context = {
        "federation": federation,
        "current": current,
        "former": former,
        "admit_form": admit_form if may_manage else None,
        "back_url": reverse("federation_hub:dashboard", args=[federation.pk]),
    }
    return TemplateResponse(request, TEMPLATES + "members.html", context)


class MembersView(View):
    """Current and former members; admitting one is posted here, ending one to EndMembershipView."""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.federation = get_object_or_404(federations_for_user(request.user), pk=kwargs["pk"])

    def get(self, request, pk):
        return render_members(request, self.federation)

    def post(self, request, pk):
        federation = self.federation
        if not may_manage_council(request.user, federation):
            messages.error(request, str(MANAGE_MEMBERS_REFUSAL))
            return redirect("federation_hub:members", federation.pk)
        form = AdmitForm(request.POST, federation=federation)
        if form.is_valid():
            data = form.cleaned_data
            try:
                admit_member(
                    federation=federation,
                    organization=data["organization"],
                    joined_on=data["joined_on"],
                    actor=request.user,
                )
            except (ValidationError, PermissionDenied) as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("%(name)s已加入本联合会（%(date)s入会）。")
                    % {"name": data["organization"].name, "date": data["joined_on"]},
                )
                return redirect("federation_hub:members", federation.pk)
        return render_members(request, federation, admit_form=form)


class EndMembershipView(View):
    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.membership = get_object_or_404(memberships_for_user(request.user), pk=kwargs["pk"])

    def members_page(self):
        return redirect(reverse("federation_hub:members", args=[self.membership.federation_id]) + "#members")

    def get(self, request, pk):
        return self.members_page()

    def post(self, request, pk):
        membership = self.membership
        federation = membership.federation
        if not may_manage_council(request.user, federation):
            messages.error(request, str(MANAGE_MEMBERS_REFUSAL))
            return self.members_page()
        if membership.left_on is not None:
            messages.warning(
                request,
                _("%(name)s已于%(date)s退会。") % {"name": membership.organization.name, "date": membership.left_on},
            )
            return self.members_page()
        form = EndMembershipForm(request.POST, membership_pk=membership.pk)
        if form.is_valid():
            left_on = form.cleaned_data["left_on"]
            seats = list(
                CouncilSeat.objects.filter(
                    federation=federation, organization=membership.organization, ended_on__isnull=True
                )
            )
            try:
                end_membership(membership=membership, left_on=left_on, actor=request.user)
            except (ValidationError, PermissionDenied) as error:
                add_service_errors(form, error)
            else:
                message = _("%(name)s已于%(date)s退会。") % {"name": membership.organization.name, "date": left_on}
                if seats:
                    message += _("其理事会职务同时结束：%(seats)s。") % {"seats": _seat_names(seats)}
                messages.success(request, message)
                return self.members_page()
        return render_members(request, federation, failed=(membership.pk, form))


# --- Yearly reports ------------------------------------------------------------------------------


def open_report_years(federation: Federation) -> list[int]:
    """Finished years since the federation's founding without a report, the latest first."""
    today = timezone.localdate()
    first = max(FIRST_YEAR, federation.founded_on.year if federation.founded_on else today.year - 5)
    filed = set(federation.reports.values_list("year", flat=True))
    return [year for year in range(today.year - 1, first - 1, -1) if year not in filed]


class ReportForm(forms.Form):
    year = forms.TypedChoiceField(
        label=gettext_lazy("报告年度"),
        coerce=int,
        error_messages={
            "required": gettext_lazy("请选择报告年度。"),
            "invalid_choice": gettext_lazy("请选择尚未报送的已结束年度。"),
        },
    )
    activities = forms.CharField(
        label=gettext_lazy("年度工作情况"),
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={"required": gettext_lazy("请填写年度工作情况。")},
        help_text=gettext_lazy("经街道签收后在联合会的公开页面上发布。"),
    )
    member_changes_note = forms.CharField(
        label=gettext_lazy("会员变动补充说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("会员的入会、退会情况和年末会员数由系统根据会员记录生成，此处可以补充说明。"),
    )

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, _("%(year)d年度") % {"year": year}) for year in years]


class ReportFileView(FederationFormView):
    title = gettext_lazy("报送年度工作报告")

    def refuse(self):
        if not may_file_report(self.request.user, self.federation):
            return self.back_to_dashboard(_("只有本联合会的工作人员可以报送年度报告。"))
        self.years = open_report_years(self.federation)
        if not self.years:
            messages.warning(self.request, _("没有需要报送的年度：已结束的年度都已报送。"))
            return self.back_to_dashboard()
        return None

    def intro(self):
        return _("每个年度报送一次，报送后由街道签收。")

    def get_form(self, data=None):
        return ReportForm(data, years=self.years, initial={"year": self.years[0]})

    def perform(self, data):
        report = file_federation_report(
            federation=self.federation,
            year=data["year"],
            activities=data["activities"],
            member_changes_note=data["member_changes_note"],
            actor=self.request.user,
        )
        messages.success(self.request, _("%(year)d年度工作报告已报送街道。") % {"year": report.year})
        return redirect("federation_reports:report", report.pk)


class ReportIndexView(View):
    def get(self, request):
        reports = Paginator(
            reports_for_user(request.user).order_by("acknowledged_at", "-year", "federation__street__code", "pk"),
            REPORTS_PER_PAGE,
        ).get_page(request.GET.get("p"))
        return TemplateResponse(request, TEMPLATES + "report_index.html", {"reports": reports})


class AcknowledgeForm(forms.Form):
    comment = forms.CharField(label=gettext_lazy("街道意见"), required=False, widget=forms.Textarea(attrs={"rows": 4}))


class ReportView(View):
    """A report; the street's officers acknowledge it here."""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.report = get_object_or_404(reports_for_user(request.user), pk=kwargs["pk"])

    def render(self, form):
        report = self.report
        may_acknowledge = report.acknowledged_at is None and may_acknowledge_report(self.request.user, report)
        context = {"report": report, "form": form if may_acknowledge else None}
        return TemplateResponse(self.request, TEMPLATES + "report_detail.html", context)

    def get(self, request, pk):
        return self.render(AcknowledgeForm())

    def post(self, request, pk):
        form = AcknowledgeForm(request.POST)
        if form.is_valid():
            try:
                acknowledge_federation_report(
                    report=self.report, actor=request.user, comment=form.cleaned_data["comment"]
                )
            except (ValidationError, PermissionDenied) as error:
                messages.error(request, _refusal(error))
            else:
                messages.success(request, _("已签收。"))
            return redirect("federation_reports:report", self.report.pk)
        return self.render(form)


# --- The landing panel ---------------------------------------------------------------------------


class HubPanel(Component):
    """On the admin home: each of the user's federations' figures, and for street officers the
    reports waiting for their acknowledgement."""

    name = "federation_hub"
    order = 50
    template_name = TEMPLATES + "home_panel.html"

    def __init__(self, dashboards, waiting_reports):
        self.dashboards = dashboards
        self.waiting_reports = waiting_reports

    def get_context_data(self, parent_context=None):
        return {"dashboards": self.dashboards, "waiting_reports": self.waiting_reports}


def add_hub_panel(request, panels):
    user = request.user
    staff_of = Federation.objects.filter(
        pk__in=FederationStaff.objects.filter(user=user).values("federation_id")
    ).select_related("street")
    dashboards = [federation_dashboard(federation, timezone.localdate()) for federation in staff_of]
    waiting = []
    if UnitRole.objects.filter(user=user, role=Role.STREET_OFFICER).exists():
        waiting = [
            report
            for report in reports_for_user(user).filter(acknowledged_at__isnull=True).order_by("submitted_at")
            if may_acknowledge_report(user, report)
        ]
    if dashboards or waiting:
        panels.append(HubPanel(dashboards, waiting))


# --- Registration (imported by wagtail_hooks) ----------------------------------------------------


class HubViewSet(ViewSet):
    """Plain admin views whose menu item those who may read a federation see."""

    icon = "group"
    views: tuple = ()  # (route, view class, url name); the first is the menu's target

    def get_urlpatterns(self):
        return [path(route, view.as_view(), name=name) for route, view, name in self.views]

    @cached_property
    def menu_item_class(self):
        class HubMenuItem(MenuItem):
            def is_shown(self, request):
                return federations_for_user(request.user).exists()

        return HubMenuItem


class DashboardViewSet(HubViewSet):
    name = "federation_hub"
    url_prefix = "federation/hub"
    menu_label = gettext_lazy("联合会工作台")
    views = (
        ("", HubIndexView, "index"),
        ("<int:pk>/", DashboardView, "dashboard"),
        ("<int:pk>/council/appoint/", AppointView, "appoint"),
        ("seats/<int:pk>/end/", EndTermView, "end_term"),
        ("<int:pk>/members/", MembersView, "members"),
        ("memberships/<int:pk>/end/", EndMembershipView, "end_membership"),
        ("<int:pk>/reports/file/", ReportFileView, "file_report"),
    )


class ReportViewSet(HubViewSet):
    name = "federation_reports"
    url_prefix = "federation/reports"
    icon = "doc-full"
    menu_label = gettext_lazy("联合会年度报告")
    views = (
        ("", ReportIndexView, "index"),
        ("<int:pk>/", ReportView, "report"),
    )


class HubGroup(ViewSetGroup):
    menu_label = gettext_lazy("联合会工作")
    menu_icon = "group"
    menu_order = 211
    items = (DashboardViewSet, ReportViewSet)


@hooks.register("register_admin_viewset")
def register_hub_viewsets():
    return HubGroup()


hooks.register("construct_homepage_panels", add_hub_panel)
