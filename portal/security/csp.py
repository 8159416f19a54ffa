"""The Content Security Policy (django-csp): CONTENT_SECURITY_POLICY for every page, and on top of it
CONTENT_SECURITY_POLICY_ADMIN for the Wagtail admin, whose own templates (date pickers, inline
panels) still carry inline scripts that no nonce can reach. Our templates have none: scripts are
static files."""

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.urls import reverse


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path_info.startswith(reverse("wagtailadmin_home")):
            parts.replace = {**settings.CONTENT_SECURITY_POLICY_ADMIN, **(parts.replace or {})}
        return parts
