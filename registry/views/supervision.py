"""Back office for supervision records: a scoped list, recording through the service, and a
follow-up form as the only edit (the record itself is evidence and stays as written)."""

from django import forms
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.viewsets.model import ModelViewSet

from ..enums import SupervisionKind, SupervisionStatus
from ..models import SupervisionRecord
from ..permissions import RulesPermissionPolicy
from ..selectors.supervision import (
    follow_up_trail,
    records_to_follow_up_for_user,
    supervised_organizations_for_user,
    supervision_attachments_for_user,
    supervision_records_for_user,
)
from ..services.supervision import (
    FOLLOW_UP_TRANSITIONS,
    attach_supervision_file,
    follow_up,
    kinds_user_may_record,
    record_supervision,
)
from ..uploads import check_upload
from .scoped import ScopedCreateView, ScopedEditView, ScopedInspectView, ScopedViewSetMixin

RECORD_FIELDS = ["organization", "kind", "occurred_on", "summary", "details"]


class AttachmentField(forms.FileField):
    """An optional photo, scan or document, checked by content here so that a refused file is an
    error on the form (with everything typed kept) rather than a failed save."""

    def __init__(self, **kwargs):
        super().__init__(
            label=_("附件"),
            required=False,
            help_text=_("可选：现场照片、扫描件或文件（PDF、JPEG、PNG或XLSX，10 MB以内）。"),
            **kwargs,
        )

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload:
            check_upload(upload)
        return upload


class SupervisionRecordForm(WagtailAdminModelForm):
    """Offers only the organizations the user supervises and the kinds its roles may record."""

    attachment = AttachmentField()

    class Meta:
        model = SupervisionRecord
        fields = RECORD_FIELDS

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is not None:
            self.fields["organization"].queryset = supervised_organizations_for_user(for_user).order_by("name_pinyin")
            allowed = kinds_user_may_record(for_user)
            self.fields["kind"].choices = [(k.value, k.label) for k in SupervisionKind if k in allowed]


class FollowUpForm(WagtailAdminModelForm):
    """Moves the follow-up status on; the record's own fields are not editable."""

    to_status = forms.ChoiceField(label=_("处理状态"))
    note = forms.CharField(label=_("处理意见"), widget=forms.Textarea(attrs={"rows": 4}))
    attachment = AttachmentField()

    class Meta:
        model = SupervisionRecord
        fields = []

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        following = FOLLOW_UP_TRANSITIONS.get(self.instance.status, set())
        self.fields["to_status"].choices = [(s.value, s.label) for s in SupervisionStatus if s in following]


class SupervisionRecordCreateView(ScopedCreateView):
    @transaction.atomic
    def save_instance(self):
        data = self.form.cleaned_data
        record = record_supervision(
            actor=self.request.user,
            organization=data["organization"],
            kind=data["kind"],
            occurred_on=data["occurred_on"],
            summary=data["summary"],
            details=data.get("details", ""),
        )
        if data.get("attachment"):
            attach_supervision_file(record=record, actor=self.request.user, upload=data["attachment"])
        return record


class SupervisionFollowUpView(ScopedEditView):
    page_title = _("跟进处理")
    success_message = _("已记录处理意见。")

    @transaction.atomic
    def save_instance(self):
        data = self.form.cleaned_data
        follow_up(record=self.object, actor=self.request.user, to_status=data["to_status"], note=data["note"])
        if data.get("attachment"):
            attach_supervision_file(record=self.object, actor=self.request.user, upload=data["attachment"])
        self.has_content_changes = True
        return self.object


class SupervisionRecordInspectView(ScopedInspectView):
    """The record as written, then its follow-up trail."""

    TRAIL = "follow_up_trail"
    ATTACHMENTS = "attachment_list"

    def get_fields(self):
        return [*super().get_fields(), self.ATTACHMENTS, self.TRAIL]

    def get_field_label(self, field_name, field):
        if field_name == self.TRAIL:
            return _("处理记录")
        if field_name == self.ATTACHMENTS:
            return _("附件")
        return super().get_field_label(field_name, field)

    def get_attachment_list_display_value(self):
        attachments = supervision_attachments_for_user(self.request.user).filter(record=self.object)
        if not attachments:
            return _("无附件。")
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a> · {} · {}</li>',
                (
                    (
                        reverse("supervision_attachment_download", args=[attachment.pk]),
                        attachment.original_name,
                        attachment.uploaded_by,
                        attachment.uploaded_at.strftime("%Y-%m-%d %H:%M"),
                    )
                    for attachment in attachments.select_related("uploaded_by")
                ),
            ),
        )

    def get_follow_up_trail_display_value(self):
        rows = follow_up_trail(self.object)
        if not rows:
            return _("暂无处理记录。")
        return format_html(
            "<ol>{}</ol>",
            format_html_join(
                "",
                "<li>{} · {} · {} → {}：{}</li>",
                (
                    (
                        row.at.strftime("%Y-%m-%d %H:%M"),
                        row.actor,
                        row.get_from_status_display(),
                        row.get_to_status_display(),
                        row.note,
                    )
                    for row in rows
                ),
            ),
        )


class SupervisionRecordViewSet(ScopedViewSetMixin, ModelViewSet):
    model = SupervisionRecord
    name = "supervision"
    icon = "clipboard-list"
    menu_label = _("监督记录")
    add_view_class = SupervisionRecordCreateView
    edit_view_class = SupervisionFollowUpView
    inspect_view_class = SupervisionRecordInspectView
    list_display = ["organization", "kind", "occurred_on", "status", "recorded_by"]
    list_filter = ["kind", "status"]
    search_fields = ["organization__name", "summary"]
    search_backend_name = None
    list_per_page = 50
    inspect_view_fields = [*RECORD_FIELDS, "recorded_by", "recorded_at", "status", "closed_at"]

    @property
    def permission_policy(self):
        return RulesPermissionPolicy(
            SupervisionRecord,
            scopes={"view": supervision_records_for_user, "change": records_to_follow_up_for_user},
        )

    def get_form_class(self, for_update=False):
        return FollowUpForm if for_update else SupervisionRecordForm
