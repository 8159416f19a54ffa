"""Admin view building blocks that route every list and object lookup through the viewset's
permission policy, which in turn uses the model's scoping selector. Typing another street's
edit address therefore answers 404, exactly as if the object did not exist."""

from django.contrib.admin.utils import unquote
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from wagtail.admin import messages
from wagtail.admin.views import generic
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.usage import UsageView

from ..spreadsheet_cells import safe_cell


class ScopedObjectMixin:
    """Look the object up among the instances the user may `scope_action`."""

    scope_action = "view"

    def get_base_object_queryset(self):
        return self.permission_policy.instances_user_has_permission_for(self.request.user, self.scope_action)

    def get_object(self, queryset=None):
        return get_object_or_404(self.get_base_object_queryset(), pk=unquote(str(self.kwargs["pk"])))


def add_service_errors(form, error: ValidationError | PermissionDenied) -> None:
    """Show a service's refusal on the form: a validation error on its field when the form has
    one, a permission refusal (whose message says why) above the form."""
    if isinstance(error, PermissionDenied):
        form.add_error(None, str(error))
        return
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields and field != NON_FIELD_ERRORS else None, errors)


class ServiceFormMixin:
    """Create and edit views whose saving goes through a service: a ValidationError raised there
    (after the transaction rolled back) is shown on the form, and nothing the user typed is lost."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as error:
            add_service_errors(form, error)
            self.produced_error_code = "validation_error"
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


class ScopedIndexView(generic.IndexView):
    def get_base_queryset(self):
        return self.permission_policy.instances_user_has_permission_for(self.request.user, "view")

    def preprocess_field_value(self, field, value, export_format):
        """Exported CSV and XLSX cells never hold a live formula (`registry.spreadsheet_cells`)."""
        return safe_cell(super().preprocess_field_value(field, value, export_format))


class ScopedEditView(ScopedObjectMixin, ServiceFormMixin, generic.EditView):
    scope_action = "change"


class ScopedCreateView(ServiceFormMixin, generic.CreateView):
    pass


class ScopedInspectView(ScopedObjectMixin, generic.InspectView):
    pass


class ActionFormsMixin:
    """An inspect page that carries several small action forms, each posting `form=<name>`.

    `action_handlers()` maps each name to a method that builds its form and calls `run_form`; the
    method returns the success message, or None when the form or the service refused, and the page
    is then shown again with that form, its errors and what was typed (`self.bound[name]`).
    """

    bound: dict = {}

    def action_handlers(self) -> dict:
        raise NotImplementedError

    def may_act(self) -> bool:
        return True

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        if not self.may_act():
            raise PermissionDenied
        handler = self.action_handlers().get(request.POST.get("form", ""))
        if handler is None:
            messages.error(request, _("未知的办理事项。"))
            return redirect(request.path)
        done = handler()
        if done is None:
            return self.get(request, *args, **kwargs)
        messages.success(request, done)
        return redirect(request.path)

    def run_form(self, form, name: str, write) -> bool:
        """Validate `form` and call `write(cleaned_data)`; keep the form with its errors when refused."""
        self.bound = {name: form}
        if not form.is_valid():
            return False
        try:
            write(form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            add_service_errors(form, error)
            return False
        return True


class ScopedDeleteView(ScopedObjectMixin, generic.DeleteView):
    scope_action = "delete"


class ScopedHistoryView(ScopedObjectMixin, HistoryView):
    pass


class ScopedUsageView(ScopedObjectMixin, UsageView):
    pass


class ScopedViewSetMixin:
    """For a ModelViewSet: the scoped views, and no copy view (it would bypass the services)."""

    index_view_class = ScopedIndexView
    add_view_class = ScopedCreateView
    edit_view_class = ScopedEditView
    inspect_view_class = ScopedInspectView
    delete_view_class = ScopedDeleteView
    history_view_class = ScopedHistoryView
    usage_view_class = ScopedUsageView
    copy_view_enabled = False
    inspect_view_enabled = True
