"""Two-factor authentication for the back office (django-otp, TOTP).

Holders of the roles in OTP_REQUIRED_ROLES (stable `Role` codes; `superuser` stands for superusers)
confirm a six-digit code from an authenticator app once per session, after their password and before
any admin page or private file. Without a confirmed authenticator they are sent to set one up first:
the setup page shows a QR code and the secret, and the authenticator counts only once a code from it
has been confirmed. Other roles and the public site never see any of this.
"""

import base64
import enum
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from registry.access import held_roles

SUPERUSER = "superuser"
DEVICE_NAME = "authenticator"

SETUP_VIEW = "two_factor_setup"
VERIFY_VIEW = "two_factor_verify"
# Admin addresses a user who still owes a code may open: signing in and out, the two-factor pages
# themselves, and the scripts and icons those pages load.
OPEN_VIEWS = {
    SETUP_VIEW,
    VERIFY_VIEW,
    "wagtailadmin_login",
    "wagtailadmin_logout",
    "wagtailadmin_javascript_catalog",
    "wagtailadmin_sprite",
}
# Private files served outside the admin to the roles that may read them.
PRIVATE_FILE_VIEWS = {
    "material_download",
    "supervision_attachment_download",
    "evidence_download",
    "certificate_download",
    "appeal_attachment_download",
}


def requires_two_factor(user) -> bool:
    """Whether `user` must confirm a code before the back office (see OTP_REQUIRED_ROLES)."""
    required = set(settings.OTP_REQUIRED_ROLES)
    if not required or not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser and SUPERUSER in required:
        return True
    return any(held.role in required for held in held_roles(user))


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def pending_device(user) -> TOTPDevice:
    """The authenticator being set up: the same unconfirmed device on every visit of the setup page
    (so that a QR code already scanned stays good), made when there is none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice(user=user, name=DEVICE_NAME, confirmed=False)
        device.full_clean()
        device.save()
    return device


def secret_text(device: TOTPDevice) -> str:
    """The secret as an authenticator app asks for it when typed in: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[start : start + 4] for start in range(0, len(secret), 4))


def current_code(device: TOTPDevice) -> str:
    """The code the device's app shows now (for the demo's trial logins and for tests)."""
    return str(totp(device.bin_key, device.step, device.t0, device.digits, device.drift)).zfill(device.digits)


class Outcome(enum.Enum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    THROTTLED = "throttled"


@dataclass(frozen=True)
class CodeCheck:
    outcome: Outcome
    wait_seconds: int = 0


def check_code(*, device: TOTPDevice, code: str, confirm: bool = False) -> CodeCheck:
    """Check a code against `device`, under a row lock so that a code is accepted once only.
    Failures back off exponentially (django-otp: 1, 2, 4 … seconds between tries). With `confirm`,
    an accepted code confirms the device being set up and drops the user's other unconfirmed ones."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, details = device.verify_is_allowed()
        if not allowed:
            wait = (details["locked_until"] - timezone.now()).total_seconds()
            return CodeCheck(Outcome.THROTTLED, max(1, int(wait) + 1))
        if not device.verify_token(code):
            return CodeCheck(Outcome.WRONG)
        if confirm and not device.confirmed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    return CodeCheck(Outcome.ACCEPTED)


def remove_devices(user) -> int:
    """Forget the user's authenticators (a lost phone): they set up a new one at the next login."""
    deleted, _by_model = TOTPDevice.objects.filter(user=user).delete()
    return deleted


def _guarded(request) -> bool:
    match = request.resolver_match
    name = match.url_name if match else None
    if name in OPEN_VIEWS:
        return False
    return name in PRIVATE_FILE_VIEWS or request.path_info.startswith(reverse("wagtailadmin_home"))


class TwoFactorMiddleware:
    """After django-otp's OTPMiddleware (which gives `request.user.is_verified()`): sends a user who
    owes a code to the code page, or to the setup page without an authenticator, from every admin
    page and private file; the address asked for is kept in `next`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or not _guarded(request) or user.is_verified():
            return None
        if not requires_two_factor(user):
            return None
        target = VERIFY_VIEW if confirmed_device(user) else SETUP_VIEW
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
