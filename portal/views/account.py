"""The applicant's account on the public site (DESIGN.md section 7): signing up with a verified
e-mail, recovering a password or a lost verification e-mail, the account page (organization,
applications, notifications) and claiming an organization. The applications themselves are in
`portal.views.applications`."""

import hashlib
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from registry.models import Notification, Organization, OrganizationClaim
from registry.personal_data import PERSONAL_FIELDS, personal_data_for
from registry.selectors.organizations import public_organizations
from registry.selectors.public import display_fields, public_record
from registry.services.applications import CLOSED_STATUSES
from registry.services.notifications import mark_read
from registry.services.roles import claim_organization
from registry.views.scoped import add_service_errors

from ..forms_account import ClaimForm, LoginForm, ResendVerificationForm, SignupForm, username_for_email
from ..models import DirectoryPage
from .applications import LOGIN_URL, account_organization, own_applications

MAIL_INTERVAL_SECONDS = 60


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    """Tokens for the sign-up link, distinct from password-reset tokens (own salt). A token is
    spent once the account is active, and expires after PASSWORD_RESET_TIMEOUT."""

    key_salt = "portal.views.account.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{super()._make_hash_value(user, timestamp)}{user.is_active}"


verification_tokens = EmailVerificationTokenGenerator()


# --- Signing up, in and out -----------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "portal/account/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    next_page = reverse_lazy("account_home")


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("account_login")


def signup(request):
    if request.user.is_authenticated:
        return redirect("account_home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        user = _create_inactive_account(form, email)
        if user is not None:
            _send_verification(request, user)
            return render(request, "portal/account/signup_done.html", {"email": email})
    return render(request, "portal/account/signup.html", {"form": form})


def _create_inactive_account(form, email: str):
    """The new, not yet verified account of `email`, or None with the reason on the form: the
    address taken meanwhile (a second sign-up racing this one) or refused by the user model."""
    User = get_user_model()
    user = User(username=username_for_email(email), email=email, is_active=False)
    user.set_password(form.cleaned_data["password1"])
    try:
        with transaction.atomic():
            user.full_clean()
            user.save()
    except (ValidationError, IntegrityError):
        if User.objects.filter(email__iexact=email).exists():
            form.add_error("email", _("该电子邮箱已注册。"))
        else:
            form.add_error("email", _("无法使用该电子邮箱注册，请换一个电子邮箱。"))
        return None
    return user


def _send_verification(request, user) -> None:
    link = request.build_absolute_uri(
        reverse(
            "account_verify",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": verification_tokens.make_token(user),
            },
        )
    )
    send_mail(
        subject=_("请验证您的电子邮箱"),
        message=_(
            "您好！请打开下面的链接完成注册（链接 3 天内有效）：\n\n%(link)s\n\n如果这不是您本人的操作，请忽略本邮件。"
        )
        % {"link": link},
        from_email=None,
        recipient_list=[user.email],
    )


def verify(request, uidb64: str, token: str):
    """Activate the account of a valid link and log its owner in; refuse anything else."""
    User = get_user_model()
    try:
        user = User.objects.get(pk=urlsafe_base64_decode(uidb64).decode())
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError, User.DoesNotExist):
        user = None
    if user is None or user.is_active or not verification_tokens.check_token(user, token):
        return render(request, "portal/account/verify_failed.html", status=400)
    user.is_active = True
    user.save(update_fields=["is_active"])
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, _("电子邮箱已验证，欢迎使用。"))
    return redirect("account_home")


# --- Recovery -------------------------------------------------------------------------------------


def _first_this_minute(purpose: str, email: str) -> bool:
    """True at most once a minute per address and purpose, so that nobody can flood an inbox
    through our forms. Counted for every address, known or not: the answer reveals nothing."""
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return cache.add(f"portal:mail-throttle:{purpose}:{digest}", True, timeout=MAIL_INTERVAL_SECONDS)


def resend_verification(request):
    """Send the sign-up link again to an account that was never verified. The reply is the same
    whether or not the address is registered."""
    form = ResendVerificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if _first_this_minute("verification", email):
            # Never verified means never logged in: an account an officer switched off stays off.
            user = (
                get_user_model()
                .objects.filter(
                    Q(email__iexact=email.strip()) | Q(username__iexact=email.strip()),
                    is_active=False,
                    last_login__isnull=True,
                )
                .first()
            )
            if user is not None:
                _send_verification(request, user)
        messages.success(request, _("如果该邮箱已注册且尚未验证，验证邮件已重新发送。同一邮箱每分钟最多发送一次。"))
        return redirect("account_resend_verification")
    return render(request, "portal/account/resend_verification.html", {"form": form})


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset by e-mail (only active accounts with a password get one), throttled per address."""

    template_name = "portal/account/password_reset.html"
    email_template_name = "portal/account/password_reset_email.txt"
    subject_template_name = "portal/account/password_reset_subject.txt"
    success_url = reverse_lazy("account_password_reset_done")

    def form_valid(self, form):
        if _first_this_minute("password-reset", form.cleaned_data["email"]):
            return super().form_valid(form)
        return redirect(self.success_url)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "portal/account/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "portal/account/password_reset_confirm.html"
    success_url = reverse_lazy("account_password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "portal/account/password_reset_complete.html"


# --- The account page -----------------------------------------------------------------------------


def _field_label(name: str) -> str:
    return Organization._meta.get_field(name).verbose_name


def _own_record(request, organization) -> list[tuple[str, object]]:
    """(label, value) of every registered fact the organization's own account reads: its public
    record, the supervising unit's approval number, and its personal data in clear
    (`registry.personal_data` decides; for the organization's accounts that is in clear)."""
    fields = display_fields(public_record(organization))
    if organization.supervising_approval_number:
        fields.append((_field_label("supervising_approval_number"), organization.supervising_approval_number))
    personal = personal_data_for(request, organization)
    fields.extend((_field_label(field), personal[field] or "—") for field in PERSONAL_FIELDS)
    return fields


def _public_page_url(organization) -> str | None:
    """The organization's page in the public directory, when it has one (not while pending)."""
    if not public_organizations().filter(pk=organization.pk).exists():
        return None
    directory = DirectoryPage.objects.live().first()
    if directory is None or not directory.url:
        return None
    return f"{directory.url}{quote(organization.identifier, safe='')}/"


@login_required(login_url=LOGIN_URL)
def home(request):
    organization = account_organization(request.user)
    notifications = list(Notification.objects.filter(user=request.user).select_related("application")[:50])
    unread = {notification.pk for notification in notifications if notification.read_at is None}
    # Shown now, so read now; `unread` still marks them as new for this one view.
    mark_read(user=request.user, notifications=notifications)
    return render(
        request,
        "portal/account/home.html",
        {
            "organization": organization,
            "record": _own_record(request, organization) if organization else [],
            "public_url": _public_page_url(organization) if organization else None,
            "pending_claim": OrganizationClaim.objects.filter(user=request.user, state=OrganizationClaim.State.PENDING)
            .select_related("organization")
            .first(),
            "organization_open": organization is not None and organization.status not in CLOSED_STATUSES,
            "applications": own_applications(request.user).order_by("-last_action_at", "-pk"),
            "notifications": notifications,
            "unread": unread,
        },
    )


@login_required(login_url=LOGIN_URL)
def claim(request):
    """Ask to act for an existing organization; an officer of the right tier decides."""
    form = ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            claim_organization(
                user=request.user,
                identifier=form.cleaned_data["identifier"],
                statement=form.cleaned_data["statement"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("认领申请已提交，登记管理机关审核后即可代表该组织办理事项。"))
            return redirect("account_home")
    return render(request, "portal/account/claim.html", {"form": form})
