"""The public notice of evaluation results (DESIGN.md section 9) and the appeals against it.

Anyone reads a notice once it has begun: the graded organizations and the outcomes of decided
appeals, and during the notice files a complaint. An organization's account lodges a written
appeal, with attachments, from its own area. Every write goes through
`evaluation.services.notices`."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from evaluation.enums import AppealKind, CaseState
from evaluation.models import Appeal, Notice
from evaluation.selectors.cases import own_cases
from evaluation.selectors.notices import (
    cases_open_to_complaints,
    decided_appeals,
    public_notices,
    published_grades,
)
from evaluation.services.notices import MAX_ATTACHMENTS, MAX_TEXT_LENGTH, is_running, lodge_appeal, lodge_complaint
from registry.views.scoped import add_service_errors

from ..models import DirectoryPage
from .applications import LOGIN_URL

TEMPLATES = "portal/evaluation/"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by content in the service."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(upload, initial) for upload in files]


class ComplaintForm(forms.Form):
    case = forms.ModelChoiceField(
        label=gettext_lazy("被投诉的组织"),
        queryset=None,
        empty_label="——",
        error_messages={
            "required": gettext_lazy("请选择被投诉的组织。"),
            "invalid_choice": gettext_lazy("请从公示名单中选择组织。"),
        },
    )
    name = forms.CharField(
        label=gettext_lazy("姓名"),
        max_length=Appeal._meta.get_field("complainant_name").max_length,
        error_messages={"required": gettext_lazy("请填写姓名。")},
    )
    contact = forms.CharField(
        label=gettext_lazy("联系方式"),
        max_length=Appeal._meta.get_field("complainant_contact").max_length,
        help_text=gettext_lazy("电话或电子邮箱，用于告知处理结果，不予公开。"),
        error_messages={"required": gettext_lazy("请填写联系方式。")},
    )
    text = forms.CharField(
        label=gettext_lazy("投诉内容"),
        max_length=MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": gettext_lazy("请填写投诉内容。")},
    )

    def __init__(self, *args, notice: Notice, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases_open_to_complaints(notice)
        self.fields["case"].label_from_instance = lambda case: case.organization.name


class AppealForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("复核理由"),
        max_length=MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": gettext_lazy("请填写复核理由。")},
    )
    uploads = MultipleFileField(label=gettext_lazy("附件"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["uploads"].help_text = _("PDF、JPEG、PNG或XLSX，每个%(size)d MB以内，最多%(max)d个。") % {
            "size": settings.REGISTRY_UPLOAD_MAX_BYTES // (1024 * 1024),
            "max": MAX_ATTACHMENTS,
        }


def notice_list(request):
    return render(request, TEMPLATES + "notice_list.html", {"notices": public_notices(timezone.localdate())})


def notice_detail(request, pk: int):
    today = timezone.localdate()
    notice = get_object_or_404(public_notices(today), pk=pk)
    running = is_running(notice, today)
    form = ComplaintForm(request.POST or None, notice=notice) if running else None
    if request.method == "POST" and form is not None:
        if form.is_valid():
            data = form.cleaned_data
            try:
                lodge_complaint(case=data["case"], name=data["name"], contact=data["contact"], text=data["text"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("投诉已提交，评估委员会将予以处理，处理结果在本页公布。"))
                return redirect("evaluation_notice", pk=notice.pk)
        messages.warning(request, _("投诉尚未提交。请改正标出的内容后再提交。"))
    directory = DirectoryPage.objects.live().first()
    return render(
        request,
        TEMPLATES + "notice_detail.html",
        {
            "notice": notice,
            "campaign": notice.campaign,
            "grades": published_grades(notice),
            "appeals": decided_appeals(notice),
            "running": running,
            "ended": today > notice.ends_on,
            "form": form,
            "directory_url": directory.url if directory else None,
        },
    )


@login_required(login_url=LOGIN_URL)
def appeal(request, pk: int):
    case = get_object_or_404(own_cases(request.user).select_related("campaign__notice"), pk=pk)
    notice = getattr(case.campaign, "notice", None)
    today = timezone.localdate()
    may_appeal = notice is not None and case.state == CaseState.IN_NOTICE and is_running(notice, today)
    form = AppealForm(request.POST or None, request.FILES or None) if may_appeal else None
    if request.method == "POST" and form is not None:
        if form.is_valid():
            try:
                lodge_appeal(
                    case=case,
                    actor=request.user,
                    text=form.cleaned_data["text"],
                    uploads=form.cleaned_data["uploads"],
                )
            except (ValidationError, PermissionDenied) as error:
                if isinstance(error, PermissionDenied):
                    error = ValidationError(str(error))
                add_service_errors(form, error)
            else:
                messages.success(request, _("复核申请已提交，评估委员会将予以处理。"))
                return redirect("account_evaluation_appeal", pk=case.pk)
        messages.warning(request, _("复核申请尚未提交。请改正标出的内容后再提交；附件须重新选择。"))
    appeals = case.appeals.filter(kind=AppealKind.APPEAL).prefetch_related("attachments").order_by("lodged_at", "pk")
    return render(
        request,
        "portal/account/evaluation/appeal.html",
        {"case": case, "notice": notice, "form": form, "appeals": appeals, "today": today},
    )
