"""The forms of an organization's evaluation case on the site. They only carry what was typed;
`evaluation.services.applying` checks and saves it, and its refusals are put back on the fields."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from evaluation.selectors.cases import SheetRow
from evaluation.services.grading import format_points


def points_field(indicator_id: int) -> str:
    return f"points_{indicator_id}"


def note_field(indicator_id: int) -> str:
    return f"note_{indicator_id}"


class SelfAssessmentForm(forms.Form):
    """Points and a note for every scored indicator of the sheet. Text boxes, not number inputs,
    so that whatever was typed comes back as typed when the service refuses it."""

    def __init__(self, *args, sheet: list[SheetRow], **kwargs):
        super().__init__(*args, **kwargs)
        self.sheet = sheet
        for row in sheet:
            if not row.is_leaf:
                continue
            pk, entry = row.indicator.pk, row.entry
            self.fields[points_field(pk)] = forms.CharField(
                label=_("自评分（满分%(max)s）") % {"max": format_points(row.indicator.max_points)},
                required=False,
                initial=entry.points if entry else "",
                widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 6}),
            )
            self.fields[note_field(pk)] = forms.CharField(
                label=_("说明"),
                required=False,
                initial=entry.note if entry else "",
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def entries(self) -> dict[int, tuple[str, str]]:
        return {
            row.indicator.pk: (
                self.cleaned_data[points_field(row.indicator.pk)],
                self.cleaned_data[note_field(row.indicator.pk)],
            )
            for row in self.sheet
            if row.is_leaf
        }

    def add_service_errors(self, error: ValidationError) -> None:
        """The service's refusals, keyed by indicator id, on that indicator's points."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, errors in error.error_dict.items():
            name = points_field(key)
            self.add_error(name if name in self.fields else None, errors)

    def rows(self):
        """(sheet row, points field, note field) in order; headings have no fields."""
        for row in self.sheet:
            if row.is_leaf:
                yield row, self[points_field(row.indicator.pk)], self[note_field(row.indicator.pk)]
            else:
                yield row, None, None


class EvidenceForm(forms.Form):
    """One document for one scored indicator; its content and size are checked by the service."""

    indicator = forms.IntegerField(widget=forms.HiddenInput)
    file = forms.FileField(
        label=_("文件（PDF、JPEG、PNG或XLSX，10 MB以内）"),
        error_messages={"required": _("请选择要上传的文件。"), "empty": _("文件是空的。")},
    )
