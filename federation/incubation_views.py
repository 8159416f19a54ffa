"""Back office for support centres and incubation: the centres of a street, the incubation records
with their page (facts, services, stage history) where the centre's street office and federation
move the stage, record services and carry a graduated group over to a filing. Every write goes
through `federation.incubation`; every lookup through `federation.incubation_selectors`."""

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from registry.enums import ApplicationKind
from registry.permissions import RulesPermissionPolicy
from registry.selectors.applications import applications_for_user
from registry.views.scoped import (
    ActionFormsMixin,
    ScopedCreateView,
    ScopedEditView,
    ScopedIndexView,
    ScopedInspectView,
    ScopedViewSetMixin,
)

from .enums import IncubationServiceKind, IncubationStage
from .incubation import (
    CARRY_OVER_KINDS,
    allowed_stages,
    apply_for_incubation,
    may_run_centre,
    move_incubation,
    open_support_centre,
    record_service,
    start_filing_from_incubation,
    update_incubation,
    update_support_centre,
)
from .incubation_selectors import (
    centres_for_user,
    centres_user_may_change,
    centres_user_may_run,
    communities_user_may_choose,
    incubation_history,
    incubations_for_user,
    incubations_user_may_run,
    site_account_by_email,
    streets_user_may_open_centre_in,
)
from .models import Incubation, SupportCentre

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"invalid": gettext_lazy("请填写有效的日期，如 2026-03-01。")}
CENTRE_FIELDS = ["name", "address", "opened_on", "contact_phone"]
GROUP_FIELDS = ["group_name", "community", "contact_person", "contact_phone", "activities"]


def _as_validation_error(error: PermissionDenied) -> ValidationError:
    return ValidationError(str(error) or _("您无权办理该事项。"))


# --- Support centres ------------------------------------------------------------------------------


class SupportCentreForm(WagtailAdminModelForm):
    """Opening a centre: only in a street the user may open one in and that has none yet."""

    class Meta:
        model = SupportCentre
        fields = ["street", *CENTRE_FIELDS]
        widgets = {"opened_on": DATE_WIDGET}

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if "street" in self.fields:
            self.fields["street"].queryset = streets_user_may_open_centre_in(for_user)
            self.fields["street"].empty_label = _("请选择街道")
        self.fields["opened_on"].error_messages.update(DATE_ERRORS)


class SupportCentreEditForm(SupportCentreForm):
    """Correcting a centre: its street stays."""

    class Meta(SupportCentreForm.Meta):
        fields = CENTRE_FIELDS


class SupportCentreCreateView(ScopedCreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        try:
            return open_support_centre(
                street=data["street"],
                name=data["name"],
                address=data.get("address", ""),
                opened_on=data.get("opened_on"),
                contact_phone=data.get("contact_phone", ""),
                actor=self.request.user,
            )
        except PermissionDenied as error:
            raise _as_validation_error(error) from error


class SupportCentreEditView(ScopedEditView):
    def save_instance(self):
        data = self.form.cleaned_data
        try:
            return update_support_centre(
                centre=self.object,
                name=data["name"],
                address=data.get("address", ""),
                opened_on=data.get("opened_on"),
                contact_phone=data.get("contact_phone", ""),
                actor=self.request.user,
            )
        except PermissionDenied as error:
            raise _as_validation_error(error) from error


class SupportCentreViewSet(ScopedViewSetMixin, ModelViewSet):
    model = SupportCentre
    name = "support_centres"
    icon = "home"
    menu_label = gettext_lazy("社会组织服务中心")
    add_view_class = SupportCentreCreateView
    edit_view_class = SupportCentreEditView
    list_display = ["name", "street", "address", "opened_on", "contact_phone"]
    search_fields = ["name", "street__name"]
    search_backend_name = None
    form_fields = ["street", *CENTRE_FIELDS]
    inspect_view_fields = ["name", "street", "address", "opened_on", "contact_phone"]

    @property
    def permission_policy(self):
        return RulesPermissionPolicy(
            SupportCentre, scopes={"view": centres_for_user, "change": centres_user_may_change}
        )

    def get_form_class(self, for_update=False):
        return SupportCentreEditForm if for_update else SupportCentreForm


# --- Incubation records ---------------------------------------------------------------------------


class IncubationForm(WagtailAdminModelForm):
    """A group's facts; the centre and communities offered are those of the centres the user runs."""

    class Meta:
        model = Incubation
        fields = ["centre", *GROUP_FIELDS]
        widgets = {"activities": forms.Textarea(attrs={"rows": 4})}
        labels = {"centre": gettext_lazy("社会组织服务中心")}

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if "centre" in self.fields:
            self.fields["centre"].queryset = centres_user_may_run(for_user).order_by("street__code")
            self.fields["centre"].empty_label = _("请选择服务中心")
        self.fields["community"].queryset = communities_user_may_choose(for_user)
        self.fields["community"].empty_label = _("请选择社区")
        self.fields["contact_phone"].help_text = _("仅工作人员可见。")


class IncubationEditForm(IncubationForm):
    class Meta(IncubationForm.Meta):
        fields = GROUP_FIELDS


class IncubationSaveMixin:
    """Applying and editing pass the same group facts to their service and show the result."""

    def save_with(self, service, **arguments):
        data = self.form.cleaned_data
        try:
            return service(
                **arguments,
                group_name=data["group_name"],
                community=data["community"],
                contact_person=data["contact_person"],
                contact_phone=data.get("contact_phone", ""),
                activities=data["activities"],
                actor=self.request.user,
            )
        except PermissionDenied as error:
            raise _as_validation_error(error) from error

    def get_success_url(self):
        return reverse("incubations:inspect", args=[self.object.pk])


class IncubationCreateView(IncubationSaveMixin, ScopedCreateView):
    def save_instance(self):
        return self.save_with(apply_for_incubation, centre=self.form.cleaned_data["centre"])


class IncubationEditView(IncubationSaveMixin, ScopedEditView):
    def save_instance(self):
        return self.save_with(update_incubation, incubation=self.object)


def _centres_of_request(request):
    return centres_for_user(getattr(request, "user", None)).order_by("street__code")


class IncubationFilterSet(WagtailFilterSet):
    stage = django_filters.ChoiceFilter(
        label=gettext_lazy("阶段"), choices=IncubationStage.choices, empty_label=gettext_lazy("全部")
    )
    centre = django_filters.ModelChoiceFilter(
        label=gettext_lazy("社会组织服务中心"), queryset=_centres_of_request, empty_label=gettext_lazy("全部")
    )

    class Meta:
        model = Incubation
        fields = ["stage", "centre"]


class IncubationIndexView(ScopedIndexView):
    def get_edit_url(self, instance):
        # The record's page, with its stage and services, is where people work; editing is a button there.
        return None


class StageForm(forms.Form):
    """A stage move; what it needs (mentor, dates, note) is checked by `move_incubation`."""

    to_stage = forms.ChoiceField(label=gettext_lazy("转为"))
    mentor = forms.CharField(
        label=gettext_lazy("导师"), max_length=100, required=False, help_text=gettext_lazy("开始孵化时必填。")
    )
    on = forms.DateField(
        label=gettext_lazy("日期"),
        required=False,
        widget=DATE_WIDGET,
        error_messages=DATE_ERRORS,
        help_text=gettext_lazy("开始孵化时为入驻日期；出壳或退出时为结束日期。"),
    )
    note = forms.CharField(
        label=gettext_lazy("说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("出壳或退出时必填。"),
    )

    def __init__(self, *args, incubation: Incubation, **kwargs):
        kwargs.setdefault("initial", {"on": timezone.localdate(), "mentor": incubation.mentor})
        super().__init__(*args, prefix="stage", **kwargs)
        self.fields["to_stage"].choices = [("", _("请选择"))] + [
            (stage, IncubationStage(stage).label) for stage in allowed_stages(incubation)
        ]


class ServiceForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("服务类型"), choices=IncubationServiceKind.choices)
    provided_on = forms.DateField(
        label=gettext_lazy("服务日期"),
        widget=DATE_WIDGET,
        error_messages={**DATE_ERRORS, "required": gettext_lazy("请填写服务日期。")},
    )
    note = forms.CharField(label=gettext_lazy("说明"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"provided_on": timezone.localdate()})
        super().__init__(*args, prefix="service", **kwargs)


class CarryOverForm(forms.Form):
    """Who files for the graduated group: an existing site account, found by its e-mail address."""

    kind = forms.ChoiceField(
        label=gettext_lazy("转入"),
        choices=[(kind, ApplicationKind(kind).label) for kind in CARRY_OVER_KINDS],
        initial=ApplicationKind.FILING,
        help_text=gettext_lazy("登记为社会团体时选择成立登记。"),
    )
    email = forms.EmailField(
        label=gettext_lazy("申请人电子邮箱"),
        help_text=gettext_lazy("申请人须先在本站注册账号；申请草稿将出现在其“我的组织”中。"),
    )
    address = forms.CharField(label=gettext_lazy("活动场所地址"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="carry", **kwargs)

    def clean_email(self):
        applicant = site_account_by_email(self.cleaned_data["email"])
        if applicant is None:
            raise ValidationError(_("没有使用该电子邮箱的网站账号（或有多个）。请申请人先在本站注册。"))
        self.applicant = applicant
        return self.cleaned_data["email"]


class IncubationInspectView(ActionFormsMixin, ScopedInspectView):
    """The record with its services and stage history; those who run the centre act here. A refused
    step comes back on the page with what was typed."""

    template_name = "federation/incubation_inspect.html"

    def get_fields(self):
        return [
            "group_name",
            "centre",
            "community",
            "contact_person",
            "contact_phone",
            "activities",
            "stage",
            "mentor",
            "started_on",
            "ended_on",
            "stage_note",
            "application",
            "created_at",
        ]

    def get_application_display_value(self):
        application = self.object.application
        if application is None:
            return "—"
        label = f"{application.get_kind_display()} · {application.get_state_display()}"
        if applications_for_user(self.request.user).filter(pk=application.pk).exists():
            return format_html('<a href="{}">{}</a>', reverse("applications:inspect", args=[application.pk]), label)
        return label

    def may_run(self) -> bool:
        return may_run_centre(self.request.user, self.object.centre)

    def may_act(self) -> bool:
        return incubations_user_may_run(self.request.user).filter(pk=self.object.pk).exists()

    def action_handlers(self) -> dict:
        return {"stage": self._move, "service": self._service, "carry": self._carry}

    def _move(self):
        form = StageForm(self.request.POST, incubation=self.object)

        def write(data):
            self.object = move_incubation(
                incubation=self.object,
                to_stage=data["to_stage"],
                actor=self.request.user,
                note=data["note"],
                mentor=data["mentor"],
                on=data["on"],
            )

        if self.run_form(form, "stage", write):
            return _("已转为“%(stage)s”。") % {"stage": self.object.get_stage_display()}
        return None

    def _service(self):
        form = ServiceForm(self.request.POST)

        def write(data):
            record_service(
                incubation=self.object,
                kind=data["kind"],
                provided_on=data["provided_on"],
                note=data["note"],
                actor=self.request.user,
            )

        if self.run_form(form, "service", write):
            return _("已记录服务。")
        return None

    def _carry(self):
        form = CarryOverForm(self.request.POST)

        def write(data):
            start_filing_from_incubation(
                incubation=self.object,
                applicant=form.applicant,
                actor=self.request.user,
                kind=data["kind"],
                address=data["address"],
            )

        if self.run_form(form, "carry", write):
            return _("已为%(email)s创建申请草稿，申请人可在“我的组织”中补充材料后提交。") % {
                "email": form.cleaned_data["email"]
            }
        return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        incubation = self.object
        may_run = self.may_run()
        context["services"] = incubation.services.all()
        context["events"] = incubation_history(incubation)
        context["may_run"] = may_run
        if may_run and allowed_stages(incubation):
            context["stage_form"] = self.bound.get("stage") or StageForm(incubation=incubation)
        if may_run and incubation.stage == IncubationStage.INCUBATING:
            context["service_form"] = self.bound.get("service") or ServiceForm()
        if may_run and incubation.stage == IncubationStage.GRADUATED and not incubation.application_id:
            context["carry_form"] = self.bound.get("carry") or CarryOverForm()
        return context


class IncubationViewSet(ScopedViewSetMixin, ModelViewSet):
    model = Incubation
    name = "incubations"
    icon = "pick"
    menu_label = gettext_lazy("孵化台账")
    index_view_class = IncubationIndexView
    add_view_class = IncubationCreateView
    edit_view_class = IncubationEditView
    inspect_view_class = IncubationInspectView
    filterset_class = IncubationFilterSet
    list_display = ["group_name", "centre", "community", "stage", "mentor", "started_on", "ended_on"]
    search_fields = ["group_name", "contact_person"]
    search_backend_name = None
    form_fields = ["centre", *GROUP_FIELDS]
    list_per_page = 50

    @property
    def permission_policy(self):
        return RulesPermissionPolicy(
            Incubation, scopes={"view": incubations_for_user, "change": incubations_user_may_run}
        )

    def get_form_class(self, for_update=False):
        return IncubationEditForm if for_update else IncubationForm


class IncubationViewSetGroup(ViewSetGroup):
    menu_label = gettext_lazy("孵化培育")
    menu_icon = "pick"
    menu_order = 215
    items = (SupportCentreViewSet, IncubationViewSet)
