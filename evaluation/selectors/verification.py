"""Public reads of certificates for their verification (the /verify/ pages and the API). A
certificate's printed facts are public by design: anyone holding it may check it."""

from django.db.models import Q, QuerySet

from ..models import Certificate

SEARCH_LIMIT = 50
# Brackets people type instead of the 〔〕 printed in certificate numbers.
_BRACKETS = str.maketrans({"[": "〔", "]": "〕", "【": "〔", "】": "〕", "（": "〔", "）": "〕", "(": "〔", ")": "〕"})


def normalize_code(text: str) -> str:
    """A typed verification code as stored: upper case, without spaces or dashes."""
    return "".join(ch for ch in (text or "").upper() if ch not in " -\t")


def certificate_by_code(code: str) -> Certificate | None:
    return Certificate.objects.select_related("replaced_by").filter(code=normalize_code(code)).first()


def certificate_by_number(number: str) -> Certificate | None:
    return Certificate.objects.select_related("replaced_by").filter(number=number.strip().translate(_BRACKETS)).first()


def search_certificates(query: str) -> QuerySet[Certificate]:
    """Certificates whose number or organization name contains `query`, or whose verification
    code it is; newest first, at most `SEARCH_LIMIT`."""
    text = query.strip()
    return (
        Certificate.objects.select_related("replaced_by")
        .filter(
            Q(number__icontains=text.translate(_BRACKETS))
            | Q(organization_name__icontains=text)
            | Q(code=normalize_code(text))
        )
        .order_by("-issued_on", "-year", "-sequence")[:SEARCH_LIMIT]
    )


def organization_certificates(organization) -> QuerySet[Certificate]:
    """All certificates ever issued to an organization (standing, expired and revoked), newest first.

    Selected by the grade they certify (its foreign key), whatever identifier is signed into
    them: an organization whose credit code or filing number changed keeps its certificates,
    which still print (and are signed with) the identifier of their issue. The link to the grade
    is not signed: a certificate moved onto another organization's grade in the database shows
    there with its own printed name and identifier, which its verification page displays."""
    return (
        Certificate.objects.filter(grade_record__organization=organization)
        .select_related("replaced_by")
        .order_by("-issued_on", "-year", "-sequence")
    )
