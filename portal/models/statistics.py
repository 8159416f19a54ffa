"""The statistics page: the registry's and the evaluation's figures as charts, with the same
figures in tables."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from evaluation.selectors.statistics import (
    EVALUATION_RATE_TARGET,
    assessor_agreement,
    evaluation_rate,
    grade_distribution,
)
from federation.hub_selectors import COMMUNITY_GROUPS_AIM, street_statistics
from federation.selectors import public_federations
from registry.selectors.statistics import registry_statistics

from ..charts import bar_chart, pie_chart, rate_chart


def _percent(fraction) -> str:
    return f"{fraction:.1%}" if fraction is not None else "—"


def _rate_rows(rates) -> list[dict]:
    """What the tables and charts show of each `Rate`."""
    return [
        {
            "label": rate.label,
            "graded": rate.graded,
            "registered": rate.registered,
            "rate": rate.rate,
            "percent": _percent(rate.rate),
            "reached": rate.meets_target,
        }
        for rate in rates
    ]


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
        context.update(self._evaluation_context())
        context["street_figures"] = street_statistics()
        context["community_aim"] = COMMUNITY_GROUPS_AIM
        return context

    def _evaluation_context(self) -> dict:
        today = timezone.localdate()
        rates = evaluation_rate(today)
        target = float(EVALUATION_RATE_TARGET)
        distribution = grade_distribution(today)
        agreement = assessor_agreement()
        return {
            "evaluation_overall": _rate_rows([rates["overall"]])[0],
            "evaluation_target": f"{target:.0%}",
            "rate_charts": [
                (name, title, rate_chart(rows, target=target), rows)
                for name, title, rows in (
                    ("kind", _("评估率（按类型）"), _rate_rows(rates["by_kind"])),
                    ("street", _("评估率（按街道）"), _rate_rows(rates["by_street"])),
                )
            ],
            "grade_distribution": (bar_chart(distribution), distribution),
            "agreement": {
                **agreement,
                "agreement_percent": _percent(agreement["agreement"]),
                "mean_spread_percent": _percent(agreement["mean_spread"]),
            },
        }
