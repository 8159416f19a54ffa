from .campaigns import Campaign, CampaignFramework
from .cases import Case, CaseEvent, EligibilityCheck, EvidenceFile, SelfAssessment
from .certificates import Certificate, CertificateRun
from .committee import CaseDecision, CaseVote, Meeting
from .frameworks import Framework, GradeBand, Indicator
from .grades import GradeChange, GradeReviewFlag, OrganizationGrade
from .notices import Appeal, AppealAttachment, Notice
from .people import Agency, AgencyMember, Committee, CommitteeMember
from .scoring import Assignment, ConflictDeclaration, Reconciliation, Score, ScoreReopening

__all__ = [
    "Agency",
    "AgencyMember",
    "Appeal",
    "AppealAttachment",
    "Assignment",
    "Campaign",
    "CampaignFramework",
    "Case",
    "CaseDecision",
    "CaseEvent",
    "CaseVote",
    "Certificate",
    "CertificateRun",
    "Committee",
    "CommitteeMember",
    "ConflictDeclaration",
    "EligibilityCheck",
    "EvidenceFile",
    "Framework",
    "GradeBand",
    "GradeChange",
    "GradeReviewFlag",
    "Indicator",
    "Meeting",
    "Notice",
    "OrganizationGrade",
    "Reconciliation",
    "Score",
    "ScoreReopening",
    "SelfAssessment",
]
