"""The public verification of evaluation certificates (DESIGN.md section 10).

/verify/ searches certificates by number or organization name and publishes the issuer's public
keys (the current one and the retired ones, which signed earlier certificates);
/verify/<code>/ (the QR code's target) says whether a certificate is valid, not yet valid,
expired, revoked or invalid (its record does not match its signatures);
/verify/<code>/certificate.json gives its signed data for an offline check; /verify/public-key.pem
is the current key and /verify/keys/<key_id>.pem any of them (docs/certificates.md). Only what
is printed on certificates is shown.
"""

from django.http import Http404, HttpResponse, JsonResponse
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
            "public_keys": signing.public_keys(),
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
            # The key it names, if the issuer has it (a key_id altered in the database may name none).
            "signing_key_known": signing.public_key_for(certificate.key_id) is not None,
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


def _pem_response(pem: str, filename: str) -> HttpResponse:
    response = HttpResponse(pem, content_type="application/x-pem-file")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def public_key(request):
    """The issuer's current public key (PEM), against which anyone can check a certificate's signature."""
    return _pem_response(signing.public_key_pem(), "shinan-certificate-public-key.pem")


def public_key_by_id(request, key_id: str):
    """One of the issuer's public keys, current or retired, by its id (a certificate's `key_id`)."""
    pem = signing.public_key_for(key_id)
    if pem is None:
        raise Http404(_("没有这个标识的公钥。"))
    return _pem_response(pem, f"shinan-certificate-public-key-{key_id}.pem")
