"""Setting up an authenticator and entering its code, for the roles that must use two-factor
authentication before the admin (portal.security.two_factor)."""

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django_otp import login as otp_login

from ..forms_two_factor import CodeForm
from ..security.two_factor import (
    SETUP_VIEW,
    VERIFY_VIEW,
    Outcome,
    check_code,
    confirmed_device,
    pending_device,
    requires_two_factor,
    secret_text,
)


def _next_url(request) -> str:
    """Where to go once done: the page first asked for, if it is one of ours."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("wagtailadmin_home")


def _to(view: str, request):
    """Redirect to the other two-factor page, keeping `next`."""
    url = reverse(view)
    if request.GET:
        url += "?" + request.GET.urlencode()
    return redirect(url)


def _refusal(check) -> str:
    if check.outcome == Outcome.THROTTLED:
        return _("尝试次数过多，请%(seconds)s秒后再试。") % {"seconds": check.wait_seconds}
    return _("验证码不正确或已过期，请重新输入。")


@login_required
def setup(request):
    """Show a new authenticator's QR code and secret; a correct code from it confirms it and
    completes this session's login."""
    user = request.user
    if not requires_two_factor(user) or user.is_verified():
        return redirect(_next_url(request))
    if confirmed_device(user) is not None:
        # Adding another authenticator needs the first one's code: a password alone must not do.
        return _to(VERIFY_VIEW, request)
    device = pending_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = check_code(device=device, code=form.cleaned_data["code"], confirm=True)
        if check.outcome == Outcome.ACCEPTED:
            device.refresh_from_db()
            otp_login(request, device)
            messages.success(request, _("身份验证器已绑定，以后登录后台时请输入其中显示的验证码。"))
            return redirect(_next_url(request))
        form.add_error("code", _refusal(check))
    qr_code = segno.make(device.config_url, error="m").svg_inline(scale=4, border=2)
    return render(
        request,
        "portal/two_factor/setup.html",
        {
            "form": form,
            "qr_code": mark_safe(qr_code),  # segno's own SVG markup, nothing of the user's but the key
            "secret": secret_text(device),
            "issuer": settings.OTP_TOTP_ISSUER,
            "next": _next_url(request),
        },
    )


@login_required
def verify(request):
    """Ask for the current code of the user's authenticator."""
    user = request.user
    if not requires_two_factor(user) or user.is_verified():
        return redirect(_next_url(request))
    device = confirmed_device(user)
    if device is None:
        return _to(SETUP_VIEW, request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = check_code(device=device, code=form.cleaned_data["code"])
        if check.outcome == Outcome.ACCEPTED:
            device.refresh_from_db()
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("code", _refusal(check))
    return render(request, "portal/two_factor/verify.html", {"form": form, "next": _next_url(request)})
