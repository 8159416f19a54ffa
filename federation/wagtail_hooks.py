"""Registers the federations' back office in the Wagtail admin."""

from wagtail import hooks

from . import hub_views  # noqa: F401  (registers the hub: dashboard, council, yearly reports)
from .incubation_views import IncubationViewSetGroup
from .venture_views import VentureViewSetGroup
from .views import FederationViewSet


@hooks.register("register_admin_viewset")
def register_federation_viewset():
    return FederationViewSet()


hooks.register("register_admin_viewset", IncubationViewSetGroup)
hooks.register("register_admin_viewset", VentureViewSetGroup)
