"""Spreadsheet import in the back office: upload → preview of every row (a dry run) → confirm.

The uploaded file is kept in a private folder between the two steps, under a random token that
is remembered in the uploader's session, so nobody else can confirm it.
"""

import secrets
from pathlib import Path

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from wagtail.admin import messages

from ..services.importing import ImportFileError, check_import_file, import_organizations
from ..spreadsheets import COLUMNS

SESSION_KEY = "registry_import"


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("表格文件（XLSX或CSV）"))

    def clean_file(self):
        """Refuse a file no parser should open before it is kept for the dry run (the import
        checks it again: `manage.py import_organizations` has no form)."""
        upload = self.cleaned_data["file"]
        try:
            check_import_file(upload.read(), upload.name)
        except ImportFileError as error:
            raise ValidationError(str(error)) from None
        upload.seek(0)
        return upload


def _upload_dir() -> Path:
    directory = Path(settings.REGISTRY_IMPORT_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


class OrganizationImportView(View):
    template_name = "registry/admin/import.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm("registry.add_organization"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def render(self, request, **context):
        context.setdefault("form", UploadForm())
        context["columns"] = list(COLUMNS.values())
        return TemplateResponse(request, self.template_name, context)

    def get(self, request):
        return self.render(request)

    def post(self, request):
        if "token" in request.POST:
            return self.confirm(request)
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(request, form=form)
        upload = form.cleaned_data["file"]
        upload.seek(0)
        content = upload.read()
        try:
            report = import_organizations(content=content, filename=upload.name, actor=request.user, dry_run=True)
        except ImportFileError as error:
            form.add_error("file", str(error))
            return self.render(request, form=form)
        token = None
        if not report.has_errors:
            token = secrets.token_hex(16)
            (_upload_dir() / token).write_bytes(content)
            request.session[SESSION_KEY] = {"token": token, "name": upload.name}
        return self.render(request, report=report, token=token, filename=upload.name)

    def confirm(self, request):
        pending = request.session.get(SESSION_KEY) or {}
        token = request.POST.get("token", "")
        path = _upload_dir() / token if token and token == pending.get("token") else None
        if path is None or not path.is_file():
            messages.error(request, _("导入已过期，请重新上传文件。"))
            return redirect("registry_import_organizations")
        try:
            report = import_organizations(
                content=path.read_bytes(), filename=pending["name"], actor=request.user, dry_run=False
            )
        except ImportFileError as error:
            messages.error(request, str(error))
            return redirect("registry_import_organizations")
        finally:
            path.unlink(missing_ok=True)
            request.session.pop(SESSION_KEY, None)
        if not report.committed:
            return self.render(request, report=report, token=None, filename=pending["name"])
        messages.success(
            request,
            _("导入完成：新增%(new)d条，更新%(update)d条，未变%(skip)d条。")
            % {"new": report.count("new"), "update": report.count("update"), "skip": report.count("skip")},
        )
        return redirect(reverse("organizations:index"))
