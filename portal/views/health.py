"""`/healthz`: a liveness check for the proxy, the service manager or a load balancer. It answers
"ok" as soon as the process can serve a request, and reads nothing (no database, no cache), so a
slow database never makes a monitor restart healthy app servers; `make bench` also uses it as the
cheapest request through the whole middleware stack, to compare the pages' throughput with."""

from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def healthz(request):
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


def no_error_test(request):
    """Wagtail's /admin/failwhale/ raises an error on purpose, for trying out error reports; any
    admin user could make the server answer 500 with it. Here it names nothing."""
    raise Http404
