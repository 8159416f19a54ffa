"""The statistics page: the registry's figures as charts, with the same figures in tables."""

from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from federation.selectors import public_federations
from registry.selectors.statistics import registry_statistics

from ..charts import bar_chart, pie_chart


class StatisticsPage(Page):
    parent_page_types = ["portal.HomePage"]
    subpage_types: list[str] = []
    max_count = 1

    class Meta:
        verbose_name = _("统计数据")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        figures = registry_statistics()
        context["figures"] = figures
        context["federation_count"] = public_federations().count()
        context["charts"] = [
            ("kind", _("按类型"), pie_chart(figures["by_kind"]), figures["by_kind"]),
            ("category", _("按类别（登记的组织）"), pie_chart(figures["by_category"]), figures["by_category"]),
            ("field", _("按活动领域"), bar_chart(figures["by_field"]), figures["by_field"]),
            ("street", _("按街道"), bar_chart(figures["by_street"]), figures["by_street"]),
            ("status", _("按状态"), bar_chart(figures["by_status"]), figures["by_status"]),
        ]
        return context
