"""Back office after the award, for the officers of each grade's campaign: the grades with their
review flags, the downgrade and cancel forms, and the return of certificates and plaques with
the overdue ones marked. Every write goes through `services.grades`."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin import messages
from wagtail.admin.ui.tables import Column, StatusTagColumn
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import BasePermissionPolicy

from registry.access import held_roles
from registry.views.scoped import (
    ActionFormsMixin,
    ScopedIndexView,
    ScopedInspectView,
    ScopedViewSetMixin,
    add_service_errors,
)

from ..enums import Grade, GradeStatus, grade_rank
from ..models import GradeChange, GradeReviewFlag, OrganizationGrade
from ..selectors.cases import OFFICER_ROLES
from ..selectors.grade_reviews import grade_changes_for_user, grades_for_user, review_flags_for_user
from ..services import cases
from ..services.grades import (
    cancel_grade,
    downgrade_grade,
    is_overdue,
    needs_return,
    record_return,
    resolve_review_flag,
)
from .params import as_id


class OfficerReadPolicy(BasePermissionPolicy):
    """Read within `scope` by district and city officers; never added, edited or deleted in the
    admin, as every change is a service's."""

    def __init__(self, model, scope):
        super().__init__(model)
        self.scope = scope

    def user_has_permission(self, user, action):
        # From the roles cached on the user (asked for every row); the scope does the rest.
        return (
            action == "view"
            and user.is_active
            and (user.is_superuser or any(held.role in OFFICER_ROLES for held in held_roles(user)))
        )

    def user_has_permission_for_instance(self, user, action, instance):
        return action == "view" and self.scope(user).filter(pk=instance.pk).exists()

    def instances_user_has_permission_for(self, user, action):
        return self.scope(user) if self.user_has_permission(user, action) else self.model.objects.none()

    def users_with_any_permission(self, actions):
        # Wagtail asks this for its own notifications, which these records do not use.
        return self.user_model.objects.none()


DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"invalid": gettext_lazy("请填写有效的日期。")}


class GradeChangeForm(forms.Form):
    """A downgrade (with the lower grade) or a cancellation, on a day, with the reason."""

    to_grade = forms.ChoiceField(label=gettext_lazy("降低后的等级"))
    reason = forms.CharField(
        label=gettext_lazy("理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("请填写理由。")},
    )
    on = forms.DateField(
        label=gettext_lazy("决定日期"),
        widget=DATE_WIDGET,
        error_messages={**DATE_ERRORS, "required": gettext_lazy("请填写决定日期。")},
    )

    def __init__(self, *args, grade: OrganizationGrade, downgrade: bool, **kwargs):
        kwargs.setdefault("initial", {"on": timezone.localdate()})
        super().__init__(*args, prefix="downgrade" if downgrade else "cancel", **kwargs)
        if downgrade:
            lower = [(value, label) for value, label in Grade.choices if grade_rank(value) < grade_rank(grade.grade)]
            self.fields["to_grade"].choices = [("", _("请选择")), *lower]
        else:
            del self.fields["to_grade"]


class ResolveFlagForm(forms.Form):
    resolution = forms.CharField(
        label=gettext_lazy("处理意见"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("请填写处理意见。")},
    )


class GradeInspectView(ActionFormsMixin, ScopedInspectView):
    """A grade with its review flags and changes; its officers downgrade, cancel, or close a flag
    with a reason. A refusal comes back on the page with what was typed."""

    template_name = "evaluation/admin/grade_inspect.html"

    def action_handlers(self) -> dict:
        return {"downgrade": self._downgrade, "cancel": self._cancel, "resolve": self._resolve}

    def _downgrade(self):
        form = GradeChangeForm(self.request.POST, grade=self.object, downgrade=True)

        def write(data):
            downgrade_grade(
                grade=self.object,
                to_grade=data["to_grade"],
                reason=data["reason"],
                actor=self.request.user,
                on=data["on"],
            )

        if self.run_form(form, "downgrade", write):
            return _("已将等级降为%(grade)s，证书和牌匾应在15日内交回。") % {"grade": form.cleaned_data["to_grade"]}
        return None

    def _cancel(self):
        form = GradeChangeForm(self.request.POST, grade=self.object, downgrade=False)

        def write(data):
            cancel_grade(grade=self.object, reason=data["reason"], actor=self.request.user, on=data["on"])

        if self.run_form(form, "cancel", write):
            return _("已取消该等级，证书和牌匾应在15日内交回。")
        return None

    def _resolve(self):
        flag = self.object.review_flags.filter(pk=as_id(self.request.POST.get("flag"))).first()
        if flag is None:
            messages.error(self.request, _("该复查提示不存在。"))
            return None
        form = ResolveFlagForm(self.request.POST, prefix=f"flag{flag.pk}")

        def write(data):
            resolve_review_flag(flag=flag, actor=self.request.user, resolution=data["resolution"])

        if self.run_form(form, f"flag{flag.pk}", write):
            return _("已处理复查提示。")
        return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        grade, today = self.object, timezone.localdate()
        may_change = (
            cases.is_campaign_officer(self.request.user, grade.case.campaign)
            and grade.status == GradeStatus.VALID
            and grade.valid_until >= today
        )
        flags = list(grade.review_flags.all())
        for flag in flags:
            flag.form = self.bound.get(f"flag{flag.pk}") or ResolveFlagForm(prefix=f"flag{flag.pk}")
        changes = list(grade.changes.select_related("decided_by", "grade__case__campaign"))
        for change in changes:
            change.overdue = is_overdue(change, today)
            change.needs_return = needs_return(change)
        context.update(
            flags=flags,
            changes=changes,
            may_change=may_change,
            may_downgrade=may_change and grade_rank(grade.grade) > 1,
            downgrade_form=self.bound.get("downgrade") or GradeChangeForm(grade=grade, downgrade=True),
            cancel_form=self.bound.get("cancel") or GradeChangeForm(grade=grade, downgrade=False),
        )
        return context


class OpenFlagsColumn(Column):
    def get_value(self, instance):
        return instance.open_flags or ""


class GradeIndexView(ScopedIndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .annotate(open_flags=Count("review_flags", filter=Q(review_flags__resolved_at__isnull=True)))
        )


class GradeViewSet(ScopedViewSetMixin, ModelViewSet):
    model = OrganizationGrade
    name = "evaluation_grades"
    icon = "pick"
    menu_label = gettext_lazy("评估等级")
    index_view_class = GradeIndexView
    inspect_view_class = GradeInspectView
    list_display = [
        "organization",
        "grade",
        "framework",
        "valid_from",
        "valid_until",
        "status",
        OpenFlagsColumn("open_flags", label=gettext_lazy("待处理复查提示")),
    ]
    list_filter = ["grade", "status", "case__campaign"]
    search_fields = ["organization__name", "organization__uscc", "organization__filing_number"]
    search_backend_name = None
    inspect_view_fields = [
        "organization",
        "case",
        "grade",
        "framework",
        "awarded_on",
        "valid_from",
        "valid_until",
        "status",
    ]
    list_per_page = 50
    # Required by ModelViewSet; the add and edit views are refused to everyone by the policy.
    form_fields = ["grade"]

    @property
    def permission_policy(self):
        return OfficerReadPolicy(OrganizationGrade, grades_for_user)


# --- Review flags -----------------------------------------------------------------------------------------


class ReviewFlagIndexView(ScopedIndexView):
    """Open flags, oldest first (`?all=1`: resolved ones too)."""

    def get_base_queryset(self):
        flags = super().get_base_queryset()
        if self.request.GET.get("all"):
            return flags
        return flags.filter(resolved_at__isnull=True).order_by("raised_on", "pk")


class ReviewFlagViewSet(ScopedViewSetMixin, ModelViewSet):
    model = GradeReviewFlag
    name = "evaluation_review_flags"
    icon = "warning"
    menu_label = gettext_lazy("等级复查提示")
    index_view_class = ReviewFlagIndexView
    inspect_template_name = "evaluation/admin/grade_flag_inspect.html"
    list_display = ["grade", "cause", "details", "raised_on", "resolved_at"]
    list_filter = ["cause", "raised_on"]
    search_fields = ["grade__organization__name"]
    search_backend_name = None
    inspect_view_fields = ["grade", "cause", "source_key", "details", "raised_on", "resolved_at", "resolution"]
    list_per_page = 50
    form_fields = ["details"]

    @property
    def permission_policy(self):
        return OfficerReadPolicy(GradeReviewFlag, review_flags_for_user)


# --- Returns of certificates and plaques ---------------------------------------------------------------------


class ReturnStatusColumn(StatusTagColumn):
    """Nothing to return, returned, awaited, or overdue (highlighted)."""

    def __init__(self, name, **kwargs):
        super().__init__(name, primary=self.is_overdue, **kwargs)

    def is_overdue(self, change) -> bool:
        return is_overdue(change, timezone.localdate())

    def get_value(self, change):
        if not needs_return(change):
            return _("无须交回")
        if change.certificate_returned_on and change.plaque_returned_on:
            return _("已交回")
        return _("已逾期") if self.is_overdue(change) else _("待交回")


class ReturnForm(forms.Form):
    certificate_returned_on = forms.DateField(
        label=gettext_lazy("证书交回日期"), required=False, widget=DATE_WIDGET, error_messages=DATE_ERRORS
    )
    plaque_returned_on = forms.DateField(
        label=gettext_lazy("牌匾交回日期"), required=False, widget=DATE_WIDGET, error_messages=DATE_ERRORS
    )


class GradeChangeInspectView(ScopedInspectView):
    template_name = "evaluation/admin/grade_change_inspect.html"
    form = None

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        self.form = ReturnForm(request.POST)
        if self.form.is_valid():
            try:
                record_return(change=self.object, actor=request.user, **self.form.cleaned_data)
            except ValidationError as error:
                add_service_errors(self.form, error)
            except PermissionDenied as error:
                self.form.add_error(None, str(error))
            else:
                messages.success(request, _("已登记交回情况。"))
                return redirect(request.path)
        return self.get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        change = self.object
        context.update(
            overdue=is_overdue(change, timezone.localdate()),
            needs_return=needs_return(change),
            may_record=cases.is_campaign_officer(self.request.user, change.grade.case.campaign),
            form=self.form
            or ReturnForm(
                initial={
                    "certificate_returned_on": change.certificate_returned_on,
                    "plaque_returned_on": change.plaque_returned_on,
                }
            ),
        )
        return context


class GradeChangeIndexView(ScopedIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().order_by("return_due_on", "pk")


class GradeChangeViewSet(ScopedViewSetMixin, ModelViewSet):
    model = GradeChange
    name = "evaluation_grade_returns"
    icon = "undo"
    menu_label = gettext_lazy("等级变更与证书交回")
    index_view_class = GradeChangeIndexView
    inspect_view_class = GradeChangeInspectView
    list_display = [
        "grade",
        "kind",
        "to_grade",
        "decided_on",
        "return_due_on",
        "certificate_returned_on",
        "plaque_returned_on",
        ReturnStatusColumn("return_status", label=gettext_lazy("交回情况")),
    ]
    list_filter = ["kind", "return_due_on"]
    search_fields = ["grade__organization__name"]
    search_backend_name = None
    inspect_view_fields = [
        "grade",
        "kind",
        "from_grade",
        "to_grade",
        "reason",
        "decided_by",
        "decided_on",
        "return_due_on",
        "certificate_returned_on",
        "plaque_returned_on",
    ]
    list_per_page = 50
    form_fields = ["reason"]

    @property
    def permission_policy(self):
        return OfficerReadPolicy(GradeChange, grade_changes_for_user)


viewsets = (GradeViewSet, ReviewFlagViewSet, GradeChangeViewSet)
admin_urls = ()
