"""The public verification of evaluation certificates (DESIGN.md section 10).

/verify/ searches certificates by number or organization name and publishes the issuer's public
key; /verify/<code>/ (the QR code's target) says whether a certificate is valid, expired or
revoked and whether its signature checks; /verify/<code>/certificate.json gives its signed data
for an offline check (docs/certificates.md). Only what is printed on certificates is shown.
"""

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluation import signing
from evaluation.selectors.verification import SEARCH_LIMIT, certificate_by_code, search_certificates
from evaluation.services.certificates import certificate_status, export_document

TEMPLATES = "portal/verify/"
MAX_QUERY = 100


def _not_found(request, code: str):
    return render(request, TEMPLATES + "not_found.html", {"code": code[:40]}, status=404)


def verify_index(request):
    query = request.GET.get("q", "").strip()
    error, results = "", None
    if len(query) > MAX_QUERY:
        error = _("查询内容不能超过%(max)d个字符。") % {"max": MAX_QUERY}
    elif query:
        today = timezone.localdate()
        results = [(certificate, certificate_status(certificate, today)) for certificate in search_certificates(query)]
    return render(
        request,
        TEMPLATES + "index.html",
        {
            "query": query,
            "error": error,
            "results": results,
            "limit": SEARCH_LIMIT,
            "max_query": MAX_QUERY,
            "public_key_pem": signing.public_key_pem(),
            "key_id": signing.key_id(),
        },
    )


def verify_certificate(request, code: str):
    certificate = certificate_by_code(code)
    if certificate is None:
        return _not_found(request, code)
    return render(
        request,
        TEMPLATES + "detail.html",
        {
            "certificate": certificate,
            "status": certificate_status(certificate),
            "key_id": signing.key_id(),
        },
    )


def certificate_json(request, code: str):
    """The signed data, signature and public key of a certificate, as a file to check offline."""
    certificate = certificate_by_code(code)
    if certificate is None:
        return _not_found(request, code)
    response = JsonResponse(export_document(certificate), json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.code}.json"'
    return response


def public_key(request):
    """The issuer's public key (PEM), against which anyone can check a certificate's signature."""
    response = HttpResponse(signing.public_key_pem(), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="shinan-certificate-public-key.pem"'
    return response
