"""Back office of indicator frameworks: the list; a framework's page with its indicator tree
(points, guidance, evidence, veto items), its grade bands and whatever keeps it from use; the
JSON import; "copy as new version"; and editing of a framework, its bands and its indicators.

Every write goes through `evaluation.services.frameworks`. A framework in use is frozen there;
its edit pages send the officer back to the framework's page with the reason instead of
offering a form that could only be refused.
"""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from wagtail.admin import messages
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import HeaderButton

from registry.enums import OrganizationKind
from registry.permissions import RulesPermissionPolicy
from registry.uploads import scan_upload
from registry.views.scoped import (
    ScopedCreateView,
    ScopedEditView,
    ScopedIndexView,
    ScopedInspectView,
    ScopedViewSetMixin,
)

from ..enums import Grade, grade_rank
from ..models import Framework, Indicator
from ..selectors.frameworks import frameworks_for_user, indicators_for_user
from ..services.frameworks import (
    FROZEN_MESSAGE,
    add_indicator,
    change_indicator,
    copy_framework,
    create_framework,
    delete_framework,
    delete_indicator,
    framework_in_use,
    framework_problems,
    import_framework_file,
    save_bands,
    update_framework,
)
from .deleting import ServiceDeleteView
from .params import as_id

MAX_UPLOAD_BYTES = 1024 * 1024  # the national 1000-point framework is about 10 KB


def framework_url(framework_id) -> str:
    return reverse("evaluation_frameworks:inspect", args=[framework_id])


def refuse_if_frozen(request, framework: Framework):
    """A redirect to the framework's page with the reason when it is in use, else None."""
    if framework_in_use(framework):
        messages.error(request, str(FROZEN_MESSAGE))
        return redirect(framework_url(framework.pk))
    return None


class FrozenFrameworkMixin:
    """Edit and delete views of a framework or its parts: once the permission is checked, a
    framework in use sends the officer back to its page (the service would refuse anyway)."""

    def framework_of(self, instance) -> Framework:
        return instance if isinstance(instance, Framework) else instance.framework

    def get(self, request, *args, **kwargs):
        self.object = getattr(self, "object", None) or self.get_object()
        return refuse_if_frozen(request, self.framework_of(self.object)) or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = getattr(self, "object", None) or self.get_object()
        return refuse_if_frozen(request, self.framework_of(self.object)) or super().post(request, *args, **kwargs)


# --- Frameworks


class FrameworkForm(WagtailAdminModelForm):
    applies_to = forms.MultipleChoiceField(
        label=gettext_lazy("适用组织类型"), choices=OrganizationKind.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Framework
        fields = ["code", "name", "scale", "applies_to", "self_assessment_min_grade"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["code"]  # a new version of the code comes by copying


class UsedColumn(Column):
    def get_value(self, instance):
        return (
            _("使用中（%(count)d个评估活动）") % {"count": instance.campaign_count} if instance.campaign_count else "—"
        )


class FrameworkIndexView(ScopedIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().annotate(campaign_count=Count("campaign_uses"))

    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.request.user.has_perm("evaluation.add_framework"):
            buttons.append(
                HeaderButton(_("导入指标体系（JSON）"), url=reverse("evaluation_framework_import"), icon_name="upload")
            )
        return buttons


class FrameworkCreateView(ScopedCreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return create_framework(code=data["code"], data=data, actor=self.request.user)

    def get_success_url(self):
        return framework_url(self.object.pk)


class FrameworkEditView(FrozenFrameworkMixin, ScopedEditView):
    def save_instance(self):
        self.has_content_changes = self.form.has_changed()
        return update_framework(framework=self.object, data=self.form.cleaned_data)

    def get_success_url(self):
        return framework_url(self.object.pk)


class FrameworkDeleteView(FrozenFrameworkMixin, ServiceDeleteView):
    def delete_instance(self):
        delete_framework(framework=self.object)

    def get_refused_url(self):
        return framework_url(self.object.pk)

    def get_success_url(self):
        return reverse("evaluation_frameworks:index")


class FrameworkInspectView(ScopedInspectView):
    template_name = "evaluation/admin/framework_inspect.html"

    def get_created_by_display_value(self):
        return self.object.created_by or _("（由命令导入）")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        framework = self.object
        in_use = framework_in_use(framework)
        indicators = list(framework.indicators.order_by("position", "pk"))
        parents = {indicator.parent_id for indicator in indicators}
        context.update(
            indicators=[
                (
                    indicator,
                    indicator.pk in parents,
                    [(OrganizationKind(kind).label, name) for kind, name in indicator.name_by_kind.items()],
                )
                for indicator in indicators
            ],
            bands=sorted(framework.bands.all(), key=lambda band: grade_rank(band.grade), reverse=True),
            problems=framework_problems(framework),
            in_use=in_use,
            campaigns=[use.campaign for use in framework.campaign_uses.select_related("campaign")],
            kinds=[OrganizationKind(kind).label for kind in framework.applies_to if kind in OrganizationKind.values],
            may_manage=self.request.user.has_perm("evaluation.change_framework"),
            may_edit=not in_use and self.request.user.has_perm("evaluation.change_framework"),
        )
        return context


class FrameworkViewSet(ScopedViewSetMixin, ModelViewSet):
    model = Framework
    name = "evaluation_frameworks"
    url_prefix = "evaluation/frameworks"
    icon = "list-ul"
    menu_label = gettext_lazy("评估指标体系")
    index_view_class = FrameworkIndexView
    add_view_class = FrameworkCreateView
    edit_view_class = FrameworkEditView
    delete_view_class = FrameworkDeleteView
    inspect_view_class = FrameworkInspectView
    list_display = ["name", "code", "version", "scale", UsedColumn("used", label=gettext_lazy("使用情况"))]
    list_filter = ["code"]
    search_fields = ["name", "code"]
    search_backend_name = None
    list_per_page = 50
    inspect_view_fields = ["code", "version", "name", "scale", "self_assessment_min_grade", "created_at", "created_by"]

    @property
    def permission_policy(self):
        return RulesPermissionPolicy(Framework, scopes={"view": frameworks_for_user})

    def get_form_class(self, for_update=False):
        return FrameworkForm


# --- Import, copy, bands


class ManageFrameworksMixin:
    """Only city and district officers (and superusers) change frameworks."""

    permission = "evaluation.change_framework"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("指标体系文件（JSON）"),
        help_text=gettext_lazy("UTF-8编码的JSON文件，不超过1 MB，格式见 evaluation/data/frameworks/README.md。"),
    )


class FrameworkImportView(ManageFrameworksMixin, View):
    """Upload a JSON file: a new framework (or version), the existing one when nothing changed,
    or every problem of the file with nothing saved."""

    permission = "evaluation.add_framework"
    template_name = "evaluation/admin/framework_import.html"

    def get(self, request):
        return TemplateResponse(request, self.template_name, {"form": ImportForm()})

    def post(self, request):
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_UPLOAD_BYTES:
                form.add_error("file", _("文件过大（上限为1 MB）。"))
            else:
                try:
                    scan_upload(upload)
                    framework, created = import_framework_file(upload.read(), actor=request.user)
                except ValidationError as error:
                    for message in error.messages:
                        form.add_error("file", message)
                else:
                    if created:
                        messages.success(request, _("已导入：%(framework)s。") % {"framework": framework})
                    else:
                        messages.success(
                            request, _("内容与已有的%(framework)s相同，未重复导入。") % {"framework": framework}
                        )
                    return redirect(framework_url(framework.pk))
        return TemplateResponse(request, self.template_name, {"form": form})


class FrameworkCopyView(ManageFrameworksMixin, View):
    permission = "evaluation.add_framework"

    def post(self, request, pk):
        framework = get_object_or_404(frameworks_for_user(request.user), pk=pk)
        copied = copy_framework(framework, request.user)
        messages.success(request, _("已复制为新版本：%(framework)s，可以修改。") % {"framework": copied})
        return redirect(framework_url(copied.pk))


class BandForm(forms.Form):
    """One grade's bar; a blank bar means the framework does not award that grade."""

    min_score = forms.DecimalField(label=gettext_lazy("分数下限"), max_digits=6, decimal_places=1, required=False)
    inclusive = forms.BooleanField(label=gettext_lazy("含下限（≥）"), required=False, initial=True)


class FrameworkBandsView(ManageFrameworksMixin, View):
    template_name = "evaluation/admin/framework_bands.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.framework = get_object_or_404(frameworks_for_user(request.user), pk=kwargs["pk"])

    def forms(self, data=None) -> list[tuple[str, BandForm]]:
        current = {band.grade: band for band in self.framework.bands.all()}
        rows = []
        for grade in Grade.values:
            band = current.get(grade)
            initial = {"min_score": band.min_score, "inclusive": band.inclusive} if band else {"inclusive": True}
            form = BandForm(data, prefix=grade, initial=initial)
            for name, field in form.fields.items():
                field.widget.attrs["aria-label"] = f"{grade} {form.fields[name].label}"
            rows.append((grade, form))
        return rows

    def render(self, request, rows, errors=()):
        context = {"framework": self.framework, "rows": rows, "errors": errors}
        return TemplateResponse(request, self.template_name, context)

    def get(self, request, pk):
        return refuse_if_frozen(request, self.framework) or self.render(request, self.forms())

    def post(self, request, pk):
        if refused := refuse_if_frozen(request, self.framework):
            return refused
        rows = self.forms(request.POST)
        if not all(form.is_valid() for _grade, form in rows):
            return self.render(request, rows)
        bands = [
            {"grade": grade, "min_score": form.cleaned_data["min_score"], "inclusive": form.cleaned_data["inclusive"]}
            for grade, form in rows
            if form.cleaned_data["min_score"] is not None
        ]
        try:
            save_bands(framework=self.framework, bands=bands)
        except ValidationError as error:
            return self.render(request, rows, errors=error.messages)
        messages.success(request, _("等级分数线已保存。"))
        return redirect(framework_url(self.framework.pk))


# --- Indicators


class IndicatorForm(WagtailAdminModelForm):
    class Meta:
        model = Indicator
        fields = ["framework", "parent", "code", "name", "max_points", "guidance", "evidence", "veto_caps_grade"]
        fields += ["name_by_kind"]

    def __init__(self, *args, framework=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # An indicator keeps its place in the tree; reshaping a tree is a new version's work.
            del self.fields["framework"], self.fields["parent"]
            self.fields["max_points"].help_text = (
                _("有下级指标时，分值须等于下级指标分值之和。") if self.instance.children.exists() else ""
            )
            return
        self.fields["framework"].queryset = (
            Framework.objects.filter(pk=framework.pk) if framework else Framework.objects.all()
        )
        if framework is not None:
            self.fields["framework"].initial = framework.pk
            self.fields["parent"].queryset = framework.indicators.filter(level__lt=3)
        self.fields["parent"].help_text = _("留空为一级指标。")


class IndicatorFormMixin:
    """The framework an indicator is being added to comes from the address (?framework=)."""

    def get_framework(self):
        pk = as_id(self.request.POST.get("framework") or self.request.GET.get("framework"))
        return frameworks_for_user(self.request.user).filter(pk=pk).first() if pk is not None else None

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["framework"] = self.get_framework()
        parent = as_id(self.request.GET.get("parent"))
        if parent is not None:
            kwargs.setdefault("initial", {})["parent"] = parent
        return kwargs


class IndicatorCreateView(IndicatorFormMixin, ScopedCreateView):
    def get(self, request, *args, **kwargs):
        framework = self.get_framework()
        return (framework and refuse_if_frozen(request, framework)) or super().get(request, *args, **kwargs)

    def save_instance(self):
        data = self.form.cleaned_data
        return add_indicator(framework=data["framework"], parent=data.get("parent"), data=data)

    def get_success_url(self):
        return framework_url(self.object.framework_id)


class IndicatorEditView(FrozenFrameworkMixin, ScopedEditView):
    def save_instance(self):
        self.has_content_changes = self.form.has_changed()
        return change_indicator(indicator=self.object, data=self.form.cleaned_data)

    def get_success_url(self):
        return framework_url(self.object.framework_id)


class IndicatorDeleteView(FrozenFrameworkMixin, ServiceDeleteView):
    def delete_instance(self):
        delete_indicator(indicator=self.object)

    def get_refused_url(self):
        return framework_url(self.object.framework_id)

    def get_success_url(self):
        return framework_url(self.object.framework_id)


class IndicatorInspectView(ScopedInspectView):
    def get_parent_display_value(self):
        return self.object.parent or _("（一级指标）")

    def get_name_by_kind_display_value(self):
        names = self.object.name_by_kind.items()
        return "；".join(f"{OrganizationKind(kind).label}：{name}" for kind, name in names) or "—"


class IndicatorViewSet(ScopedViewSetMixin, ModelViewSet):
    model = Indicator
    name = "evaluation_indicators"
    url_prefix = "evaluation/indicators"
    icon = "list-ol"
    menu_label = gettext_lazy("评估指标")
    add_view_class = IndicatorCreateView
    edit_view_class = IndicatorEditView
    delete_view_class = IndicatorDeleteView
    inspect_view_class = IndicatorInspectView
    list_display = ["code", "name", "framework", "level", "max_points", "veto_caps_grade"]
    list_filter = ["framework", "level"]
    search_fields = ["code", "name"]
    search_backend_name = None
    list_per_page = 100
    ordering = ["framework", "position"]
    inspect_view_fields = [
        "framework",
        "parent",
        "code",
        "level",
        "name",
        "name_by_kind",
        "max_points",
        "guidance",
        "evidence",
        "veto_caps_grade",
    ]

    @property
    def permission_policy(self):
        return RulesPermissionPolicy(Indicator, scopes={"view": indicators_for_user})

    def get_form_class(self, for_update=False):
        return IndicatorForm


viewsets = (FrameworkViewSet, IndicatorViewSet)
admin_urls = [
    path("evaluation/frameworks/import/", FrameworkImportView.as_view(), name="evaluation_framework_import"),
    path("evaluation/frameworks/<int:pk>/copy/", FrameworkCopyView.as_view(), name="evaluation_framework_copy"),
    path("evaluation/frameworks/<int:pk>/bands/", FrameworkBandsView.as_view(), name="evaluation_framework_bands"),
]
