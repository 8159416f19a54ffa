"""A delete view whose deleting goes through a service: the service's refusal (the row is still
needed by a campaign or a case) comes back as a message, never as an error page."""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from wagtail.admin import messages

from registry.views.scoped import ScopedDeleteView


class ServiceDeleteView(ScopedDeleteView):
    def delete_instance(self) -> None:
        raise NotImplementedError

    def get_refused_url(self) -> str:
        """Where a refusal is shown; the list unless a subclass knows a better page."""
        return reverse(self.index_url_name)

    def form_valid(self, form):
        try:
            self.delete_instance()
        except ValidationError as error:
            messages.error(self.request, "；".join(error.messages))
            return redirect(self.get_refused_url())
        messages.success(self.request, self.get_success_message())
        return redirect(self.get_success_url())
