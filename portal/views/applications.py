"""The applicant's applications on the site (DESIGN.md section 7): the step forms of each kind
(`portal.application_steps`), an application's page with its facts, documents and timeline, and
the applicant's actions. Every write goes through `registry.services.applications`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from registry.enums import ApplicationAction, ApplicationKind, ApplicationState
from registry.models import Application, Material, OrganizationAccount
from registry.selectors.applications import own_applications_for_user
from registry.services.applications import (
    MATERIALS,
    act_on_application,
    allowed_actions,
    attach_material,
    ensure_may_file,
    material_checklist,
    proposed_facts,
    remove_material,
    save_draft,
    start_application,
)

from ..application_steps import FLOWS, StepForm, checked_steps
from ..forms_account import MaterialForm

LOGIN_URL = "account_login"
EDITABLE_STATES = (ApplicationState.DRAFT, ApplicationState.RETURNED)
# The applicant's own actions, offered as buttons on the application's page.
APPLICANT_ACTIONS = (ApplicationAction.SUBMIT, ApplicationAction.WITHDRAW)
# Filed by an account for its own organization; the others found a new one.
FOR_OWN_ORGANIZATION = (ApplicationKind.CHANGE, ApplicationKind.DEREGISTRATION)
MOVES = ("back", "next")  # buttons of a step; any other post saves the draft


def own_applications(user):
    """The applications the user acts on as the applicant: not a change or deregistration of an
    organization they no longer act for."""
    return own_applications_for_user(user)


def account_organization(user):
    account = OrganizationAccount.objects.filter(user=user).select_related("organization__street").first()
    return account.organization if account else None


# --- The step forms -------------------------------------------------------------------------------


@login_required(login_url=LOGIN_URL)
def application_new(request, kind: str):
    if kind not in FLOWS:
        raise Http404
    organization = None
    if kind in FOR_OWN_ORGANIZATION:
        organization = account_organization(request.user)
        if organization is None:
            raise Http404
        try:
            ensure_may_file(organization)
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect("account_home")
    return _step(request, kind=kind, application=None, organization=organization, index=0)


def _editable(request, pk: int) -> Application | None:
    application = get_object_or_404(own_applications(request.user), pk=pk)
    return application if application.state in EDITABLE_STATES else None


@login_required(login_url=LOGIN_URL)
def application_edit(request, pk: int):
    application = _editable(request, pk)
    if application is None:
        messages.error(request, _("该申请当前不能修改。"))
        return redirect("account_application", pk=pk)
    return redirect(_step_url(application, FLOWS[application.kind][0].slug))


@login_required(login_url=LOGIN_URL)
def application_step(request, pk: int, step: str):
    application = _editable(request, pk)
    if application is None:
        messages.error(request, _("该申请当前不能修改。"))
        return redirect("account_application", pk=pk)
    slugs = [each.slug for each in FLOWS[application.kind]]
    if step not in slugs:
        raise Http404
    return _step(
        request,
        kind=application.kind,
        application=application,
        organization=application.organization,
        index=slugs.index(step),
    )


def _step_url(application: Application, slug: str) -> str:
    return reverse("account_application_step", kwargs={"pk": application.pk, "step": slug})


def _step(request, *, kind: str, application: Application | None, organization, index: int):
    """Show a step, or keep what was posted to it and go where the applicant asked."""
    steps = FLOWS[kind]
    step = steps[index]
    if request.method != "POST":
        if application is not None and request.GET.get("check"):
            checked = checked_steps(application)
            return _render_step(request, kind, index, checked[index][1], application, checked)
        form = step.form_class(application=application, organization=organization)
        return _render_step(request, kind, index, form, application)

    move = next((name for name in MOVES if name in request.POST), "save")
    form = step.form_class(request.POST, application=application, organization=organization, lenient=move != "next")
    valid = form.is_valid()
    street = application.street if application else form.draft_street()
    if street is None:
        # Without a street there is nowhere to route the draft; the typed values stay in the form.
        return _render_step(request, kind, index, form, application)
    try:
        application = _keep_draft(request, application, kind=kind, street=street, organization=organization, form=form)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("account_home")
    if move == "back" and index > 0:
        return redirect(_step_url(application, steps[index - 1].slug))
    if not valid:
        messages.warning(request, _("草稿已保存。请改正标出的内容。"))
        return _render_step(request, kind, index, form, application)
    if move == "save":
        messages.success(request, _("草稿已保存。"))
        return redirect("account_application", pk=application.pk)
    if index + 1 < len(steps):
        return redirect(_step_url(application, steps[index + 1].slug))
    return _after_last_step(request, application)


def _keep_draft(request, application, *, kind, street, organization, form: StepForm) -> Application:
    if application is None:
        return start_application(
            applicant=request.user, kind=kind, street=street, proposed=form.proposed(), organization=organization
        )
    return save_draft(
        application=application, applicant=request.user, proposed=form.proposed(), drop=tuple(form.dropped())
    )


def _first_with_errors(checked) -> str | None:
    return next((step.slug for step, form in checked if form.errors), None)


def _after_last_step(request, application: Application):
    """Check the whole draft now, so that what would stop the submission shows on its step."""
    slug = _first_with_errors(checked_steps(application))
    if slug is not None:
        messages.warning(request, _("草稿已保存。请改正标出的内容。"))
        return redirect(_step_url(application, slug) + "?check=1")
    messages.success(request, _("申请内容已填写完整。请上传所需材料，然后提交。"))
    return redirect("account_application", pk=application.pk)


def _render_step(request, kind, index, form, application, checked=None):
    steps = FLOWS[kind]
    with_errors = {step.slug for step, checked_form in checked or [] if checked_form.errors}
    indicator = [
        {
            "title": step.title,
            "url": _step_url(application, step.slug) if application else None,
            "current": position == index,
            "has_errors": step.slug in with_errors,
        }
        for position, step in enumerate(steps)
    ]
    if application is None:
        action = reverse("account_application_new", kwargs={"kind": kind})
    else:
        action = _step_url(application, steps[index].slug)
    return render(
        request,
        "portal/account/application_step.html",
        {
            "kind_label": ApplicationKind(kind).label,
            "step": steps[index],
            "number": index + 1,
            "count": len(steps),
            "indicator": indicator,
            "is_last": index + 1 == len(steps),
            "form": form,
            "summary": form.summary(),
            "application": application,
            "form_action": action,
            "organization": application.organization if application else form.organization,
        },
    )


# --- An application's page -------------------------------------------------------------------------


@login_required(login_url=LOGIN_URL)
def application_detail(request, pk: int):
    application = get_object_or_404(own_applications(request.user), pk=pk)
    editable = application.state in EDITABLE_STATES
    actions = [action for action in allowed_actions(request.user, application) if action in APPLICANT_ACTIONS]
    checklist = material_checklist(application)
    return render(
        request,
        "portal/account/application.html",
        {
            "application": application,
            # The applicant's own page: their own personal data, in clear.
            "facts": proposed_facts(application, personal_in_clear=True),
            "is_change": application.kind == ApplicationKind.CHANGE,
            "events": application.events.select_related("actor"),
            "actions": [(action, ApplicationAction(action).label) for action in actions],
            "steps": [(step.title, _step_url(application, step.slug)) for step in FLOWS[application.kind]]
            if editable
            else [],
            "checklist": checklist,
            "missing": [status.label for status in checklist if status.required and not status.files],
            "material_form": MaterialForm(kinds=MATERIALS[application.kind].kinds) if editable else None,
            # A wrong upload may be taken off while the application is the applicant's to edit.
            "materials_removable": editable,
        },
    )


@login_required(login_url=LOGIN_URL)
def material_upload(request, pk: int):
    """Attach a document; a refused file (disguised, too large) stores nothing and says why."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    application = get_object_or_404(own_applications(request.user), pk=pk)
    form = MaterialForm(request.POST, request.FILES, kinds=MATERIALS[application.kind].kinds)
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


@login_required(login_url=LOGIN_URL)
def material_remove(request, pk: int):
    """Take a document off a draft or returned application; refused otherwise with a message."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    material = get_object_or_404(
        Material.objects.filter(application__in=own_applications(request.user)).select_related("application"), pk=pk
    )
    try:
        remove_material(material=material, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("已删除：%(name)s。") % {"name": material.original_name})
    return redirect("account_application", material.application_id)


@login_required(login_url=LOGIN_URL)
def application_act(request, pk: int):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    application = get_object_or_404(own_applications(request.user), pk=pk)
    action = request.POST.get("action", "")
    if action not in APPLICANT_ACTIONS:
        raise Http404
    if action == ApplicationAction.SUBMIT and application.state in EDITABLE_STATES:
        slug = _first_with_errors(checked_steps(application))
        if slug is not None:
            messages.warning(request, _("申请还不能提交。请改正标出的内容。"))
            return redirect(_step_url(application, slug) + "?check=1")
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
