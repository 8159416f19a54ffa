"""Replace Wagtail's placeholder root page with the portal's home page."""

from django.db import migrations


def create_homepage(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    HomePage = apps.get_model("portal.HomePage")
    Locale = apps.get_model("wagtailcore.Locale")

    Page.objects.filter(content_type__app_label="wagtailcore", content_type__model="page", depth=2).delete()
    content_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="portal")
    homepage = HomePage.objects.create(
        title="青岛市市南区社会组织登记与评估门户",
        draft_title="青岛市市南区社会组织登记与评估门户",
        slug="home",
        content_type=content_type,
        path="00010001",
        depth=2,
        numchild=0,
        url_path="/home/",
        locale=Locale.objects.order_by("pk").first(),
        intro="<p>市南区民政局依法对本区社会团体、民办非企业单位进行登记管理，对社区社会组织实行备案管理，并组织第三方评估。</p>",
    )
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "port": 80, "root_page": homepage, "site_name": "市南区社会组织门户"},
    )


def remove_homepage(apps, schema_editor):
    apps.get_model("portal.HomePage").objects.filter(slug="home", depth=2).delete()


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]
    operations = [migrations.RunPython(create_homepage, remove_homepage)]
