"""The pages every installation has: the directory and the statistics page under the home page.
Created by `load_demo_data` (and by tests) through Wagtail's own tree operations."""

from django.utils.translation import gettext as _

from .models import DirectoryPage, HomePage, StatisticsPage


def ensure_site_pages() -> dict[str, object]:
    """Create the fixed pages that are missing, publish them, and return them by slug."""
    home = HomePage.objects.get()
    pages = {}
    for model, slug, title in [
        (DirectoryPage, "directory", _("社会组织名录")),
        (StatisticsPage, "statistics", _("统计数据")),
    ]:
        page = model.objects.child_of(home).filter(slug=slug).first()
        if page is None:
            page = home.add_child(instance=model(title=title, slug=slug))
            page.save_revision().publish()
            home.refresh_from_db()
        pages[slug] = page
    return pages
