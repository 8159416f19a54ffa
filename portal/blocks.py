"""StreamField blocks of the public site; each renders through its own template under
`portal/templates/portal/blocks/`, so a page template only says `{% include_block page.body %}`."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.contrib.table_block.blocks import TableBlock
from wagtail.documents.blocks import DocumentChooserBlock

# Editors write plain text in the table editor; the "html" renderer would let markup through.
TABLE_OPTIONS = {"renderer": "text", "contextMenu": True, "startRows": 3, "startCols": 3}


class HeadingBlock(blocks.StructBlock):
    """A section heading. Only levels 2 and 3: the page title is the one <h1>."""

    text = blocks.CharBlock(label=_("标题文字"), max_length=120)
    level = blocks.ChoiceBlock(label=_("级别"), choices=[("h2", _("二级标题")), ("h3", _("三级标题"))], default="h2")

    class Meta:
        icon = "title"
        label = _("小标题")
        template = "portal/blocks/heading.html"


class CalloutBlock(blocks.StructBlock):
    """A boxed note (a reminder, a deadline, a warning) that stands out from the body text."""

    tone = blocks.ChoiceBlock(label=_("类型"), choices=[("info", _("提示")), ("warning", _("注意"))], default="info")
    title = blocks.CharBlock(label=_("标题"), required=False, max_length=80)
    text = blocks.RichTextBlock(label=_("内容"), features=["bold", "italic", "link", "ol", "ul"])

    class Meta:
        icon = "warning"
        label = _("提示框")
        template = "portal/blocks/callout.html"


class AttachmentBlock(blocks.StructBlock):
    """A document to download, shown with its type and size so readers know what they will get."""

    document = DocumentChooserBlock(label=_("文件"))
    label = blocks.CharBlock(label=_("链接文字"), required=False, help_text=_("留空则使用文件标题"))

    class Meta:
        icon = "doc-full"
        label = _("附件")
        template = "portal/blocks/attachment.html"


class ContentStreamBlock(blocks.StreamBlock):
    """The body of news, policy and guide pages."""

    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        label=_("正文"),
        features=["bold", "italic", "link", "document-link", "ol", "ul"],
        template="portal/blocks/paragraph.html",
    )
    table = TableBlock(label=_("表格"), table_options=TABLE_OPTIONS, template="portal/blocks/table.html")
    attachment = AttachmentBlock()
    callout = CalloutBlock()

    class Meta:
        label = _("正文内容")


class MaterialBlock(blocks.StructBlock):
    """One item of a filing guide's list of materials."""

    name = blocks.CharBlock(label=_("材料名称"), max_length=200)
    note = blocks.CharBlock(label=_("说明"), required=False, help_text=_("份数、原件或复印件、签章要求等"))

    class Meta:
        icon = "doc-empty"
        label = _("申请材料")
        template = "portal/blocks/material.html"


class StepBlock(blocks.StructBlock):
    """One step of a filing guide's procedure; steps are numbered by their order."""

    title = blocks.CharBlock(label=_("步骤名称"), max_length=120)
    description = blocks.TextBlock(label=_("说明"), required=False)

    class Meta:
        icon = "list-ol"
        label = _("办理步骤")
        template = "portal/blocks/step.html"


class LinkStructValue(blocks.StructValue):
    def href(self) -> str:
        page = self.get("page")
        if page:
            return page.url or ""
        return self.get("url", "")


class FooterLinkBlock(blocks.StructBlock):
    """A footer link: either a page of this site or an address (https://… or a path such as /verify/)."""

    label = blocks.CharBlock(label=_("链接文字"), max_length=60)
    page = blocks.PageChooserBlock(label=_("站内页面"), required=False)
    url = blocks.CharBlock(label=_("网址"), required=False, max_length=300, help_text=_("以 https:// 或 / 开头"))

    class Meta:
        icon = "link"
        label = _("链接")
        template = "portal/blocks/footer_link.html"
        value_class = LinkStructValue

    def clean(self, value):
        value = super().clean(value)
        page, url = value.get("page"), value.get("url", "").strip()
        if bool(page) == bool(url):
            error = ValidationError(_("请选择一个站内页面或填写一个网址（二者选一）。"))
            raise StructBlockValidationError(block_errors={"url": error})
        if url and (url.startswith("//") or not url.startswith(("https://", "http://", "/"))):
            error = ValidationError(_("网址须以 https://、http:// 或 / 开头。"))
            raise StructBlockValidationError(block_errors={"url": error})
        value["url"] = url
        return value
