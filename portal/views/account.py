"""The applicant's side of online filing on the public site (DESIGN.md section 7): signing up with a
verified e-mail, the account page (organization, applications, notifications), the filing form and
an application's page with its timeline. Every state change goes through
`registry.services.applications.act_on_application`."""

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from registry.enums import ApplicationAction, ApplicationKind, ApplicationState
from registry.models import Application, Notification, OrganizationAccount
from registry.selectors.applications import applications_for_user
from registry.services.applications import (
    act_on_application,
    allowed_actions,
    attach_material,
    save_draft,
    start_application,
)
from registry.services.notifications import mark_read
from registry.services.roles import claim_organization

from ..forms_account import FILING_FIELDS, ClaimForm, FilingForm, LoginForm, MaterialForm, SignupForm

LOGIN_URL = "account_login"
EDITABLE_STATES = (ApplicationState.DRAFT, ApplicationState.RETURNED)
# The applicant's own actions, offered as buttons on the application's page.
APPLICANT_ACTIONS = (ApplicationAction.SUBMIT, ApplicationAction.WITHDRAW)


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
        with transaction.atomic():
            user = get_user_model()(username=email, email=email, is_active=False)
            user.set_password(form.cleaned_data["password1"])
            user.full_clean()
            user.save()
        _send_verification(request, user)
        return render(request, "portal/account/signup_done.html", {"email": email})
    return render(request, "portal/account/signup.html", {"form": form})


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


# --- The account page -----------------------------------------------------------------------------


def _own_applications(user):
    return applications_for_user(user).filter(applicant=user)


@login_required(login_url=LOGIN_URL)
def home(request):
    account = OrganizationAccount.objects.filter(user=request.user).select_related("organization").first()
    notifications = list(Notification.objects.filter(user=request.user).select_related("application")[:50])
    unread = {notification.pk for notification in notifications if notification.read_at is None}
    # Shown now, so read now; `unread` still marks them as new for this one view.
    mark_read(user=request.user, notifications=notifications)
    return render(
        request,
        "portal/account/home.html",
        {
            "organization": account.organization if account else None,
            "applications": _own_applications(request.user).order_by("-last_action_at", "-pk"),
            "notifications": notifications,
            "unread": unread,
        },
    )


# --- Filing ---------------------------------------------------------------------------------------


@login_required(login_url=LOGIN_URL)
def filing_new(request):
    return _filing_form(request, application=None)


@login_required(login_url=LOGIN_URL)
def application_edit(request, pk: int):
    application = get_object_or_404(_own_applications(request.user), pk=pk)
    if application.kind != ApplicationKind.FILING or application.state not in EDITABLE_STATES:
        messages.error(request, _("该申请当前不能修改。"))
        return redirect("account_application", pk=application.pk)
    return _filing_form(request, application=application)


def _filing_form(request, *, application: Application | None):
    street = application.street if application else None
    if request.method != "POST":
        initial = FilingForm.initial_from(application.proposed) if application else {}
        form = FilingForm(initial=initial, street=street)
        return _render_form(request, form, application)

    submitting = "submit" in request.POST
    form = FilingForm(request.POST, for_draft=not submitting, street=street)
    valid = form.is_valid()
    chosen_street = street or form.cleaned_data.get("street")
    if chosen_street is None:
        # Without a street there is nowhere to route the draft; the typed values stay in the form.
        return _render_form(request, form, application)
    application = _keep_draft(request, application, chosen_street, form.proposed())
    if not valid:
        messages.warning(request, _("草稿已保存。请改正标出的内容后再提交。"))
        return _render_form(request, form, application)
    if not submitting:
        messages.success(request, _("草稿已保存。"))
        return redirect("account_application", pk=application.pk)
    try:
        act_on_application(application=application, action=ApplicationAction.SUBMIT, actor=request.user)
    except ValidationError as error:
        _add_service_errors(form, error)
        messages.warning(request, _("草稿已保存，但申请还不能提交。请改正标出的内容。"))
        return _render_form(request, form, application)
    messages.success(request, _("申请已提交。"))
    return redirect("account_application", pk=application.pk)


def _keep_draft(request, application: Application | None, street, proposed) -> Application:
    if application is None:
        return start_application(applicant=request.user, kind=ApplicationKind.FILING, street=street, proposed=proposed)
    return save_draft(application=application, applicant=request.user, proposed=proposed)


def _add_service_errors(form, error: ValidationError) -> None:
    """Show a service's error on the form: on the field it names when the form has that field."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, field_errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, field_errors)


def _render_form(request, form: FilingForm, application: Application | None):
    action = (
        reverse("account_application_edit", kwargs={"pk": application.pk})
        if application
        else reverse("account_filing_new")
    )
    return render(
        request,
        "portal/account/filing_form.html",
        {"form": form, "application": application, "form_action": action},
    )


# --- An application's page -------------------------------------------------------------------------


@login_required(login_url=LOGIN_URL)
def application_detail(request, pk: int):
    application = get_object_or_404(_own_applications(request.user), pk=pk)
    actions = [action for action in allowed_actions(request.user, application) if action in APPLICANT_ACTIONS]
    return render(
        request,
        "portal/account/application.html",
        {
            "application": application,
            "facts": _facts(application),
            "events": application.events.select_related("actor"),
            "actions": [(action, ApplicationAction(action).label) for action in actions],
            "editable": application.kind == ApplicationKind.FILING and application.state in EDITABLE_STATES,
            "materials": application.materials.all(),
            "material_form": MaterialForm() if application.state in EDITABLE_STATES else None,
        },
    )


@login_required(login_url=LOGIN_URL)
def material_upload(request, pk: int):
    """Attach a document; a refused file (disguised, too large) stores nothing and says why."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    application = get_object_or_404(_own_applications(request.user), pk=pk)
    form = MaterialForm(request.POST, request.FILES)
    if not form.is_valid():
        for field_errors in form.errors.values():
            for message in field_errors:
                messages.error(request, message)
    else:
        try:
            material = attach_material(
                application=application,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("已上传：%(name)s。") % {"name": material.original_name})
    return redirect("account_application", pk)


def _facts(application: Application) -> list[tuple[str, str]]:
    form = FilingForm()
    proposed = application.proposed
    communities = dict((pk, name) for _group, options in form.fields["community"].choices[1:] for pk, name in options)
    rows = [(str(form.fields["street"].label), application.street.name)]
    for name in FILING_FIELDS:
        value = proposed.get(name)
        if name == "community":
            value = communities.get(value, "")
        rows.append((str(form.fields[name].label), value or "—"))
    return rows


@login_required(login_url=LOGIN_URL)
def application_act(request, pk: int):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    application = get_object_or_404(_own_applications(request.user), pk=pk)
    action = request.POST.get("action", "")
    if action not in APPLICANT_ACTIONS:
        raise Http404
    try:
        act_on_application(
            application=application, action=action, actor=request.user, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已%(action)s。") % {"action": ApplicationAction(action).label})
    return redirect("account_application", pk=application.pk)


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
            _add_service_errors(form, error)
        else:
            messages.success(request, _("认领申请已提交，登记管理机关审核后即可代表该组织办理事项。"))
            return redirect("account_home")
    return render(request, "portal/account/claim.html", {"form": form})
