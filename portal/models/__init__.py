"""Wagtail pages of the public site, one module per kind of page, imported from one place."""

from .content import (
    AccessibilityStatementPage,
    FilingGuidePage,
    GuideIndexPage,
    NewsArticlePage,
    NewsIndexPage,
    PolicyIndexPage,
    PolicyPage,
)
from .directory import DirectoryPage
from .home import HomePage
from .settings import BureauSettings
from .statistics import StatisticsPage

__all__ = [
    "AccessibilityStatementPage",
    "BureauSettings",
    "DirectoryPage",
    "FilingGuidePage",
    "GuideIndexPage",
    "HomePage",
    "NewsArticlePage",
    "NewsIndexPage",
    "PolicyIndexPage",
    "PolicyPage",
    "StatisticsPage",
]
