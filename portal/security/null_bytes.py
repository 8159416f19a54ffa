"""Requests carrying a NUL character are refused with 400 before any view runs.

No address, search or form field of the portal legitimately holds a NUL, and PostgreSQL refuses
one in any text it is given ("A string literal cannot contain NUL characters"): without this, a
`?q=%00` on a search page reached the database and answered 500.
"""

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

NUL = "\x00"
# The public API answers in JSON, with the error body its OpenAPI description declares for 400.
API_PREFIX = "/api/"


def _holds_nul(query_dict) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in query_dict.lists())


class NullBytesMiddleware:
    """Answers 400 when the path, the query string or a submitted form field holds a NUL."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # request.POST is read only for form posts, as CsrfViewMiddleware does anyway; an uploaded
        # file's content is not looked at (its name is cleaned when it is stored).
        if NUL in request.path or _holds_nul(request.GET) or (request.method == "POST" and _holds_nul(request.POST)):
            message = _("请求中含有不允许的空字符（NUL）。")
            if request.path.startswith(API_PREFIX):
                return JsonResponse({"detail": message}, status=400, json_dumps_params={"ensure_ascii": False})
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
