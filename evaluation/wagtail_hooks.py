"""Registers evaluation's back office in the Wagtail admin. Each module of `evaluation.views`
listed here declares its `viewsets` (menu items of the group) and `admin_urls` (extra admin
views such as action forms)."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup

from .views import (
    assignment,
    campaigns,
    cases,
    certificates,
    committee,
    frameworks,
    grades,
    moderation,
    notices,
    people,
    scoring,
)

VIEW_MODULES = (
    campaigns,
    frameworks,
    people,
    cases,
    assignment,
    scoring,
    moderation,
    committee,
    notices,
    grades,
    certificates,
)


class EvaluationGroup(ViewSetGroup):
    menu_label = _("社会组织评估")
    menu_icon = "tasks"
    menu_order = 300
    items = tuple(viewset for module in VIEW_MODULES for viewset in module.viewsets)


@hooks.register("register_admin_viewset")
def register_evaluation_viewsets():
    return EvaluationGroup()


@hooks.register("register_admin_urls")
def register_evaluation_urls():
    return [url for module in VIEW_MODULES for url in module.admin_urls]
