"""The filters of the audit log listing."""

import django_filters
from django.apps import apps
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet

from .actions import action_choices
from .models import AuditEntry


def target_type_label(target_type: str) -> str:
    """`registry.application` as people read it (申请); the code itself for a model since removed."""
    try:
        return str(apps.get_model(target_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return target_type


def _target_type_choices():
    types = AuditEntry.objects.order_by().values_list("target_type", flat=True).distinct()
    return sorted(((code, target_type_label(code)) for code in types), key=lambda choice: choice[1])


class AuditEntryFilterSet(WagtailFilterSet):
    action = django_filters.ChoiceFilter(label=_("事项"), choices=action_choices)
    actor = django_filters.CharFilter(label=_("操作人"), field_name="actor_name", lookup_expr="icontains")
    organization = django_filters.CharFilter(label=_("组织"), field_name="organization_name", lookup_expr="icontains")
    target_type = django_filters.ChoiceFilter(label=_("对象类型"), choices=_target_type_choices)
    at = django_filters.DateFromToRangeFilter(label=_("日期"), widget=DateRangePickerWidget)

    class Meta:
        model = AuditEntry
        fields = ["action", "actor", "organization", "target_type", "at"]
