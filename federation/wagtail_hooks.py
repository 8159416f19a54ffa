"""Registers the federations' back office in the Wagtail admin."""

from wagtail import hooks

from .views import FederationViewSet


@hooks.register("register_admin_viewset")
def register_federation_viewset():
    return FederationViewSet()
