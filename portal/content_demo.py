"""Demo content of the public site: news, policy documents, filing guides, the accessibility
statement and the bureau's contacts, drawn from the everyday work of the district's
social-organization office (DESIGN.md sections 1, 6-9).

Pages are found by slug before they are created, through Wagtail's `add_child` and a published
revision, so a second run creates nothing and an edit made while trying the demo is kept.
"""

import io
from dataclasses import dataclass, field
from datetime import date

from django.core.files.base import ContentFile
from openpyxl import Workbook
from wagtail.documents import get_document_model
from wagtail.models import Page, Site

from .models import (
    AccessibilityStatementPage,
    BureauSettings,
    FilingGuidePage,
    GuideIndexPage,
    HomePage,
    NewsArticlePage,
    NewsIndexPage,
    PolicyIndexPage,
    PolicyPage,
)

HOME_INTRO = (
    "<p>青岛市市南区民政局依法对本区社会团体、民办非企业单位实施登记管理，对社区社会组织实行备案管理，"
    "并组织开展社会组织第三方评估。本站公开全区社会组织名录、政策法规和办事指南，欢迎查询。</p>"
)

BUREAU = {
    "bureau_name": "青岛市市南区民政局",
    "address": "青岛市市南区宁夏路286号",
    "postcode": "266071",
    "phone": "0532-8000 2600",
    "email": "shzz@shinan-mzj.example",
    "office_hours": "工作日 上午 9:00—12:00，下午 13:30—17:00（法定节假日除外）",
    "record_number": "鲁ICP备00000000号（演示）",
}
FOOTER_LINKS = [
    ("中华人民共和国民政部", "https://www.mca.gov.cn/"),
    ("中国社会组织政务服务平台", "https://chinanpo.mca.gov.cn/"),
    ("证书查验", "/verify/"),
    ("开放数据", "/open-data/"),
]


# Raw StreamField blocks (the JSON form Wagtail stores), so the demo needs no block instances.
def heading(text: str, level: str = "h2") -> dict:
    return {"type": "heading", "value": {"text": text, "level": level}}


def paragraph(*paragraphs: str) -> dict:
    return {"type": "paragraph", "value": "".join(f"<p>{text}</p>" for text in paragraphs)}


def bullet_list(*items: str) -> dict:
    return {"type": "paragraph", "value": "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"}


def table(caption: str, header: list[str], rows: list[list[str]]) -> dict:
    return {
        "type": "table",
        "value": {
            "data": [header, *rows],
            "table_caption": caption,
            "table_header_choice": "row",
            "first_row_is_table_header": True,
            "first_col_is_header": False,
        },
    }


def callout(text: str, title: str = "", tone: str = "info") -> dict:
    return {"type": "callout", "value": {"tone": tone, "title": title, "text": f"<p>{text}</p>"}}


def attachment(document, label: str = "") -> dict:
    return {"type": "attachment", "value": {"document": document.pk, "label": label}}


def material(name: str, note: str = "") -> dict:
    return {"type": "material", "value": {"name": name, "note": note}}


def step(title: str, description: str = "") -> dict:
    return {"type": "step", "value": {"title": title, "description": description}}


# Attachments: small spreadsheets written on the first run only.
@dataclass(frozen=True)
class DemoDocument:
    title: str
    filename: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)


FILING_FORM = DemoDocument(
    "市南区社区社会组织备案申请表",
    "community-group-filing-form.xlsx",
    ["项目", "填写内容"],
    [
        ["组织名称", ""],
        ["活动领域", ""],
        ["所在街道、社区", ""],
        ["活动场所", ""],
        ["负责人姓名", ""],
        ["负责人身份证号码", ""],
        ["联系电话", ""],
        ["成员人数", ""],
        ["联合会预审意见", ""],
        ["街道办事处审核意见", ""],
    ],
)
INDICATORS = DemoDocument(
    "市南区社会组织评估指标（200分制）",
    "evaluation-indicators-200.xlsx",
    ["一级指标", "分值", "主要内容"],
    [
        ["基础条件", "30", "法人资格、章程、登记备案事项、年度报告"],
        ["内部治理", "60", "组织机构、党建工作、人力资源、财务资产、档案证章"],
        ["工作绩效", "80", "业务活动、服务成效、信息公开、诚信建设"],
        ["社会评价", "30", "内部评价、外部评价、获得表彰"],
    ],
)


def demo_document(spec: DemoDocument):
    """The spreadsheet `spec`, written on the first run and found by title afterwards."""
    Document = get_document_model()
    existing = Document.objects.filter(title=spec.title).first()
    if existing is not None:
        return existing
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = spec.title[:31]
    sheet.append(spec.header)
    for row in spec.rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    content = buffer.getvalue()
    document = Document(title=spec.title, file=ContentFile(content, name=spec.filename), file_size=len(content))
    document.save()
    return document


class PageMaker:
    """Adds missing pages by slug under a parent and counts what it created."""

    def __init__(self):
        self.created = 0

    def child(self, parent: Page, model, slug: str, **fields) -> Page:
        page = model.objects.child_of(parent).filter(slug=slug).first()
        if page is not None:
            return page
        page = parent.add_child(instance=model(slug=slug, **fields))
        page.save_revision().publish()
        self.created += 1
        return page


def news_articles() -> list[dict]:
    return [
        {
            "slug": "federation-work-meeting-2026",
            "title": "市南区召开社区社会组织联合会工作推进会",
            "date": date(2026, 3, 18),
            "intro": "全区10个街道社区社会组织联合会负责人参会，部署2026年枢纽管理、备案预审和孵化培育工作。",
            "body": [
                paragraph(
                    "3月18日，市南区民政局召开社区社会组织联合会工作推进会。各街道分管负责同志、"
                    "10个街道社区社会组织联合会负责人及社会组织服务中心工作人员参加会议。",
                    "会议通报了2025年全区社区社会组织发展情况：截至年底，全区共有备案社区社会组织365家，"
                    "覆盖养老服务、儿童教育、文化体育、法律服务等领域，每个街道均已成立社区社会组织联合会。",
                ),
                heading("2026年重点工作"),
                bullet_list(
                    "发挥联合会枢纽作用，对本街道社区社会组织备案申请进行预审，做到材料一次告知；",
                    "建立孵化培育台账，对处于孵化期的组织明确导师和出壳时间；",
                    "组织会员单位参加年度公益创投，重点支持为老服务和“一老一小”项目；",
                    "配合第三方评估，指导符合条件的组织参加等级评估。",
                ),
                callout("各街道联合会请于4月15日前报送年度工作计划。", title="工作提示"),
            ],
        },
        {
            "slug": "annual-report-2025",
            "title": "关于做好2025年度社会组织年度报告工作的通知",
            "date": date(2026, 3, 2),
            "intro": "在本区登记的社会团体、民办非企业单位应于2026年5月31日前报送2025年度工作报告。",
            "body": [
                paragraph(
                    "根据社会组织登记管理有关规定，在市南区民政局登记的社会团体、民办非企业单位"
                    "应当于2026年5月31日前，通过社会组织政务服务平台报送2025年度工作报告。",
                    "2025年7月1日以后登记成立的社会组织，可不参加本年度年度报告。",
                ),
                callout(
                    "未按时报送年度报告的，将依法列入活动异常名录；列入后满两年仍未改正的，列入严重违法失信名单。",
                    title="逾期后果",
                    tone="warning",
                ),
            ],
        },
        {
            "slug": "evaluation-2026-launched",
            "title": "2026年度社会组织第三方评估工作启动",
            "date": date(2026, 5, 12),
            "intro": "今年评估采用200分制指标，首次按新规则计算等级有效期，全区评估率目标为60%。",
            "body": [
                paragraph(
                    "5月12日，市南区2026年度社会组织等级评估工作正式启动。本年度评估委托第三方评估机构实施，"
                    "由评估专家依据《市南区社会组织评估管理办法》逐项打分，评估委员会审议确定等级。",
                    "成立满两个完整年度、上年度年度报告合格且未列入异常名录的社会团体和民办非企业单位均可申报。",
                ),
                heading("时间安排"),
                table(
                    "2026年度评估时间安排",
                    ["阶段", "时间"],
                    [
                        ["申报与自评", "5月12日—6月30日"],
                        ["资格审查", "7月1日—7月15日"],
                        ["实地评估", "7月16日—9月30日"],
                        ["评估委员会审议", "10月"],
                        ["结果公示（7天）", "11月"],
                    ],
                ),
            ],
        },
        {
            "slug": "venture-philanthropy-2026",
            "title": "第三届市南区社区公益创投大赛项目评审会举行",
            "date": date(2026, 7, 9),
            "intro": "42个社区公益项目参加路演，专家评审团评选出资助项目28个。",
            "body": [
                paragraph(
                    "7月9日，第三届市南区社区公益创投大赛项目评审会在区社会组织服务中心举行。"
                    "来自10个街道的42个项目进行了现场路演，内容涵盖社区助老、儿童课后服务、邻里互助和文明实践。",
                    "评审团由高校学者、资深社工和财务专家组成，按照项目需求、可行性、预算合理性和可持续性评分，"
                    "最终确定资助项目28个。资助结果将在本站公示。",
                ),
                callout(
                    "列入活动异常名录或严重违法失信名单、未按时报送年度报告的组织不得申报公益创投项目。",
                    title="申报条件",
                ),
            ],
        },
        {
            "slug": "zhanshan-incubation-base",
            "title": "湛山街道社区社会组织孵化基地揭牌运行",
            "date": date(2026, 9, 8),
            "intro": "基地为初创期社区社会组织提供场地、培训和财务代管等服务，首批入驻组织8家。",
            "body": [
                paragraph(
                    "9月8日，湛山街道社区社会组织孵化基地揭牌运行。基地由湛山街道社区社会组织联合会运营，"
                    "为初创期组织提供办公场地、能力培训、财务代管和项目指导。",
                    "首批入驻的8家组织包括志愿者服务队、老年合唱团和四点半课堂等，孵化期一般为一年。",
                ),
            ],
        },
    ]


def policies(indicators, filing_form) -> list[dict]:
    return [
        {
            "slug": "direct-registration-four-categories",
            "title": "关于直接登记四类社会组织的实施意见",
            "document_number": "青民字〔2025〕12号",
            "issuing_body": "青岛市民政局",
            "issued_on": date(2025, 3, 20),
            "summary": "行业协会商会类、科技类、公益慈善类、城乡社区服务类社会组织可直接向民政部门申请登记。",
            "body": [
                heading("一、直接登记的范围"),
                paragraph(
                    "成立行业协会商会类、科技类、公益慈善类、城乡社区服务类社会组织，"
                    "直接向民政部门依法申请登记，不再经业务主管单位审查同意。"
                ),
                table(
                    "四类社会组织的主要情形",
                    ["类别", "主要情形"],
                    [
                        ["行业协会商会类", "以同业企业及其他经济组织为主体、按行业设立的社会团体"],
                        ["科技类", "从事科学研究、技术开发、科学普及等活动的社会组织"],
                        ["公益慈善类", "以扶贫济困、扶老救孤、恤病助残等为宗旨的社会组织"],
                        ["城乡社区服务类", "在城乡社区开展为民服务、养老照护、公益慈善等活动的社会组织"],
                    ],
                ),
                heading("二、其他社会组织"),
                paragraph("不属于上述四类的社会组织，仍须经业务主管单位审查同意后，向民政部门申请登记。"),
            ],
        },
        {
            "slug": "community-group-filing-measures",
            "title": "市南区社区社会组织备案管理办法",
            "document_number": "市南民发〔2025〕8号",
            "issuing_body": "青岛市市南区民政局",
            "issued_on": date(2025, 6, 10),
            "summary": "规定社区社会组织的备案条件、街道联合会预审、街道审核备案和备案编号的编排。",
            "body": [
                heading("第一章 总则"),
                paragraph(
                    "第一条 为规范社区社会组织备案管理，促进社区社会组织健康有序发展，结合本区实际，制定本办法。",
                    "第二条 本办法所称社区社会组织，是指由社区居民发起成立，在本区社区范围内开展为民服务、"
                    "公益慈善、邻里互助、文体娱乐等活动，暂不具备法人登记条件的社会组织。",
                ),
                heading("第二章 备案"),
                paragraph(
                    "第三条 社区社会组织向所在街道社区社会组织联合会提交备案材料，联合会预审后报街道办事处审核。",
                    "第四条 街道办事处自受理之日起15个工作日内作出决定。准予备案的，发给备案证明，"
                    "备案编号按年度顺序编排，格式为“市南备字〔年份〕第0001号”。",
                ),
                attachment(filing_form),
            ],
        },
        {
            "slug": "evaluation-measures",
            "title": "市南区社会组织评估管理办法",
            "document_number": "市南民发〔2026〕3号",
            "issuing_body": "青岛市市南区民政局",
            "issued_on": date(2026, 2, 20),
            "summary": "评估采用200分制，评估等级分为5A、4A、3A三级，等级有效期至第五年12月31日。",
            "body": [
                heading("第一章 总则"),
                paragraph(
                    "第一条 为规范社会组织评估工作，根据《社会组织评估管理办法》，结合本区实际，制定本办法。",
                    "第二条 区民政局负责本区社会组织评估工作，委托第三方评估机构实施，成立评估委员会审议评估结果。",
                ),
                heading("第二章 评估等级"),
                table(
                    "评估等级与得分",
                    ["等级", "得分（满分200分）"],
                    [["5A", "高于190分"], ["4A", "高于180分，不高于190分"], ["3A", "高于160分，不高于180分"]],
                ),
                paragraph(
                    "第三条 评估等级有效期自公告之日的次年1月1日起，至第五年的12月31日止。",
                    "第四条 评估委员会审议评估结果，须有三分之二以上委员出席；评估等级须经全体委员过半数同意。",
                ),
                callout("未建立党组织的社会组织不得评为5A等级。", title="否决项", tone="warning"),
                attachment(indicators, "评估指标一览（200分制）"),
            ],
        },
        {
            "slug": "federation-building-opinions",
            "title": "关于加强街道社区社会组织联合会建设的指导意见",
            "document_number": "市南民发〔2024〕21号",
            "issuing_body": "青岛市市南区民政局",
            "issued_on": date(2024, 9, 15),
            "summary": "每个街道建立一个社区社会组织联合会，承担备案预审、孵化培育和公益创投等枢纽管理职能。",
            "body": [
                paragraph("为发挥街道社区社会组织联合会的枢纽作用，推动社区社会组织规范化发展，提出如下意见。"),
                heading("一、组织建设"),
                paragraph(
                    "每个街道建立一个社区社会组织联合会，设会长一名、副会长若干名，会员以本街道社区社会组织为主。"
                ),
                heading("二、主要职能"),
                bullet_list(
                    "对本街道社区社会组织备案申请进行预审；",
                    "开展孵化培育，建立入驻、孵化、出壳台账；",
                    "组织会员参加公益创投和能力建设培训；",
                    "每年向街道办事处和区民政局报告工作。",
                ),
            ],
        },
    ]


def filing_guides(filing_form) -> list[dict]:
    return [
        {
            "slug": "social-group-registration",
            "title": "社会团体成立登记",
            "audience": "拟在市南区成立、由区民政局登记的社会团体。须有50个以上的个人会员或30个以上的单位会员"
            "（个人会员、单位会员混合组成的，会员总数不少于50个），有规范的名称、固定的住所和不少于3万元的活动资金。",
            "legal_basis": "《社会团体登记管理条例》",
            "materials": [
                material("登记申请书", "发起人签字"),
                material("章程草案", "经会员大会或会员代表大会通过"),
                material("业务主管单位的批准文件", "直接登记的四类社会组织免交"),
                material("验资报告或资金证明", "原件"),
                material("住所使用权证明", "产权证明或租赁协议复印件"),
                material("发起人和拟任负责人的基本情况、身份证明", "复印件，验原件"),
                material("会员名单", "Excel 表格"),
            ],
            "steps": [
                step("名称核准", "在社会组织政务服务平台提交名称预先核准申请。"),
                step("提交材料", "向区民政局提交登记材料，材料不全的，一次性告知需要补正的内容。"),
                step("受理与审查", "区民政局受理后进行审查，必要时实地核查住所。"),
                step("准予登记", "符合条件的，准予登记，发给《社会团体法人登记证书》。"),
            ],
            "processing_time": "自受理之日起60日内",
        },
        {
            "slug": "service-institution-registration",
            "title": "民办非企业单位成立登记",
            "audience": "拟在市南区利用非国有资产举办、从事非营利性社会服务活动的民办非企业单位"
            "（社会服务机构），如养老服务中心、培训学校、社会工作服务机构等。",
            "legal_basis": "《民办非企业单位登记管理暂行条例》",
            "materials": [
                material("登记申请书"),
                material("章程草案"),
                material("业务主管单位的审查同意文件", "直接登记的四类社会组织免交"),
                material("场所使用权证明", "产权证明或租赁协议复印件"),
                material("验资报告", "开办资金须为非国有资产"),
                material("拟任负责人的基本情况、身份证明", "复印件，验原件"),
            ],
            "steps": [
                step("名称核准"),
                step("提交材料", "向区民政局提交登记材料。"),
                step("受理与审查", "区民政局审查材料，必要时实地核查服务场所。"),
                step("准予登记", "符合条件的，发给《民办非企业单位（法人）登记证书》。"),
            ],
            "processing_time": "自收到全部有效文件之日起60日内",
        },
        {
            "slug": "community-group-filing",
            "title": "社区社会组织备案",
            "audience": "在市南区社区内开展活动、暂不具备法人登记条件的社区社会组织，"
            "如社区志愿者服务队、文体团队、邻里互助会等。",
            "legal_basis": "《市南区社区社会组织备案管理办法》（市南民发〔2025〕8号）",
            "materials": [
                material("备案申请表", "见下方附件"),
                material("组织章程或活动规则"),
                material("负责人身份证明", "复印件"),
                material("成员名单", "不少于10人"),
                material("活动场所证明", "可由社区居委会出具"),
            ],
            "steps": [
                step("提交材料", "向所在街道社区社会组织联合会提交备案材料。"),
                step("联合会预审", "联合会在5个工作日内完成预审，提出意见。"),
                step("街道审核", "街道办事处受理并审核。"),
                step("准予备案", "发给备案证明，备案编号如“市南备字〔2026〕第0001号”。"),
            ],
            "processing_time": "自受理之日起15个工作日内",
            "body": [attachment(filing_form)],
        },
    ]


ACCESSIBILITY_BODY = (
    "<p>青岛市市南区民政局致力于让所有人都能使用本网站，包括老年人和残障人士。"
    "本网站以《Web内容无障碍指南》（WCAG）2.2 AA 级为目标进行设计和测试。</p>"
    "<h2>我们采取的措施</h2>"
    "<ul>"
    "<li>页面顶部的“大字版”按钮可放大全站文字，选择会被记住，下次访问仍然有效；</li>"
    "<li>不启用 JavaScript 也能完整浏览和查询全部内容；</li>"
    "<li>所有功能均可仅用键盘操作，每页提供“跳到正文”链接，键盘焦点清晰可见；</li>"
    "<li>文字与背景的颜色对比度不低于 4.5:1；</li>"
    "<li>统计图表均附有数据表格；</li>"
    "<li>全站提供简体中文和英文两种语言。</li>"
    "</ul>"
    "<h2>已知的不足</h2>"
    "<p>部分附件为电子表格或扫描件，读屏软件可能无法完整读取。如需其他格式，请与我们联系。</p>"
    "<h2>联系我们</h2>"
    "<p>如您在使用中遇到障碍，请通过页面底部的电话或电子邮箱与我们联系，我们将在5个工作日内答复。</p>"
)


def fill_bureau_settings(site: Site) -> None:
    """Fill in the bureau's contacts once; settings edited afterwards are left as they are."""
    settings = BureauSettings.for_site(site)
    if settings.address:
        return
    for name, value in BUREAU.items():
        setattr(settings, name, value)
    settings.footer_links = [
        {"type": "link", "value": {"label": label, "page": None, "url": url}} for label, url in FOOTER_LINKS
    ]
    settings.save()


def create_demo_content(stdout=None) -> int:
    """Create the missing demo pages under the home page and fill in the site settings; returns
    how many pages were created (0 on a second run)."""
    home = HomePage.objects.get()
    if not home.intro:
        home.intro = HOME_INTRO
        home.save_revision().publish()
    filing_form, indicators = demo_document(FILING_FORM), demo_document(INDICATORS)
    make = PageMaker()

    news = make.child(
        home,
        NewsIndexPage,
        "news",
        title="新闻动态",
        intro="<p>市南区社会组织登记、备案、评估和培育工作的最新消息。</p>",
    )
    for spec in news_articles():
        make.child(news, NewsArticlePage, spec.pop("slug"), **spec)

    policy_index = make.child(
        home,
        PolicyIndexPage,
        "policies",
        title="政策法规",
        intro="<p>社会组织登记管理、社区社会组织备案、等级评估和联合会建设的政策文件。</p>",
    )
    for spec in policies(indicators, filing_form):
        make.child(policy_index, PolicyPage, spec.pop("slug"), **spec)

    guides = make.child(
        home,
        GuideIndexPage,
        "guides",
        title="办事指南",
        intro="<p>办理前请先阅读指南，备齐材料；如有疑问，请在办公时间来电咨询。</p>",
    )
    for spec in filing_guides(filing_form):
        make.child(guides, FilingGuidePage, spec.pop("slug"), **spec)

    make.child(
        home,
        AccessibilityStatementPage,
        "accessibility",
        title="无障碍声明",
        body=ACCESSIBILITY_BODY,
        last_reviewed=date(2026, 10, 20),
    )
    fill_bureau_settings(Site.objects.get(is_default_site=True))
    if stdout is not None:
        stdout.write(f"门户内容：新建页面 {make.created} 个（新闻、政策法规、办事指南、无障碍声明）。\n")
    return make.created
