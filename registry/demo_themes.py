"""What the demo organizations are called and what goes with each name: fields of activity,
category, business scope, supervising units, and the roads and people of the district.

Plain data, kept apart from `registry.demo` so that the planning code stays short.
"""

from dataclasses import dataclass

from .enums import Category, FieldOfActivity

# Short names for the fields of activity, to keep the theme tables below readable.
E, ED, H, C, S, SC, CH, L, W = FieldOfActivity.values
IND, SCI, PUB, COM = (
    Category.INDUSTRY_ASSOCIATION,
    Category.SCIENCE_TECHNOLOGY,
    Category.PUBLIC_WELFARE,
    Category.COMMUNITY_SERVICE,
)


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


@dataclass(frozen=True)
class Theme:
    """What a name says: `name` is the core, e.g. "餐饮行业协会" (social groups) or "幼儿园" (the
    rest); `category` is the direct-registration category, used unless the organization is one of
    the few with a supervising unit."""

    name: str
    fields: tuple[str, ...]
    category: str = ""
    scope: str = ""


INDUSTRY_SCOPE = "行业自律、政策宣传、业务培训、交流合作、咨询服务，维护会员合法权益。"
ACADEMIC_SCOPE = "学术研究、学术交流、科普宣传、培训咨询、编印资料。"
ARTS_SCOPE = "艺术交流、创作研讨、展览展演、人才培养、普及推广。"
SPORTS_SCOPE = "组织群众性体育活动、赛事承办、技术培训、裁判培训、交流比赛。"
WELFARE_SCOPE = "开展公益慈善活动、志愿服务、扶贫济困、募集与管理公益资源。"
COMMUNITY_SCOPE = "开展社区服务、调查研究、宣传普及、培训交流、咨询服务。"

SOCIAL_GROUP_THEMES = [
    *(
        Theme(f"{trade}行业协会", fields, IND, INDUSTRY_SCOPE)
        for trade, fields in [
            ("餐饮", (W,)),
            ("物业管理", (W,)),
            ("旅游", (C,)),
            ("酒店", (W,)),
            ("家政服务", (E, W)),
            ("美容美发", (W,)),
            ("软件", (SC,)),
            ("会展", (C,)),
            ("婚庆", (C,)),
            ("广告", (C,)),
            ("民宿", (C, W)),
            ("健身", (S,)),
            ("教育培训", (ED,)),
            ("托育服务", (CH,)),
            ("医疗器械", (H,)),
            ("法律服务", (L,)),
            ("商贸流通", (W,)),
            ("文化创意产业", (C,)),
            ("海洋科技产业", (SC,)),
            ("电子商务", (SC,)),
        ]
    ),
    *(
        Theme(name, fields, SCI, ACADEMIC_SCOPE)
        for name, fields in [
            ("青少年科技协会", (SC, CH)),
            ("科普协会", (SC,)),
            ("海洋科普协会", (SC,)),
            ("计算机学会", (SC,)),
            ("人工智能学会", (SC,)),
            ("青少年航模协会", (SC, CH)),
            ("天文爱好者协会", (SC,)),
            ("创新创业促进会", (SC,)),
        ]
    ),
    *(
        Theme(name, fields, COM, ARTS_SCOPE)
        for name, fields in [
            ("诗词学会", (C,)),
            ("摄影家协会", (C,)),
            ("书法家协会", (C,)),
            ("音乐家协会", (C,)),
            ("戏剧曲艺家协会", (C,)),
            ("收藏家协会", (C,)),
            ("剪纸艺术协会", (C,)),
            ("老年合唱协会", (C, E)),
            ("京剧艺术研究会", (C,)),
            ("民俗文化研究会", (C,)),
            ("全民阅读促进会", (C, ED)),
        ]
    ),
    *(
        Theme(name, fields, COM, SPORTS_SCOPE)
        for name, fields in [
            ("围棋协会", (S,)),
            ("乒乓球协会", (S,)),
            ("羽毛球协会", (S,)),
            ("帆船运动协会", (S,)),
            ("足球协会", (S, CH)),
            ("老年体育协会", (S, E)),
            ("太极拳协会", (S,)),
            ("门球协会", (S, E)),
            ("游泳协会", (S,)),
            ("登山协会", (S,)),
            ("健身气功协会", (S, H)),
        ]
    ),
    *(
        Theme(name, fields, PUB, WELFARE_SCOPE)
        for name, fields in [
            ("志愿者协会", (W,)),
            ("慈善协会", (W,)),
            ("助残志愿者协会", (H, W)),
            ("关爱留守儿童协会", (CH, W)),
            ("爱心助学促进会", (ED, W)),
            ("生态环保志愿者协会", (W,)),
            ("见义勇为协会", (W,)),
            ("母婴关爱协会", (H, CH)),
            ("法律援助志愿者协会", (L, W)),
        ]
    ),
    *(
        Theme(name, fields, COM, COMMUNITY_SCOPE)
        for name, fields in [
            ("老龄事业发展促进会", (E,)),
            ("居家养老服务协会", (E,)),
            ("社区服务协会", (W,)),
            ("社会工作者协会", (W,)),
            ("家庭教育研究会", (ED, CH)),
            ("心理健康促进会", (H,)),
            ("健康促进会", (H,)),
            ("营养学会", (H,)),
            ("中医药养生协会", (H, E)),
            ("人民调解协会", (L,)),
            ("消费者权益保护协会", (L,)),
            ("教育学会", (ED,)),
            ("学前教育研究会", (CH, ED)),
            ("青少年发展促进会", (CH,)),
        ]
    ),
]

# Service institutions: a brand from the pool that suits the type, then the type.
BRANDS = {
    "elderly": words("乐龄 松鹤 福寿 康乐 长青 安康 颐年 怡寿 康馨 和顺 春晖 暖阳 德馨 仁爱 益寿 夕阳红"),
    "children": words("童心 启明 育才 新星 彩虹 蓝天 小太阳 贝贝 七色花 青橙 金帆 博雅 知行 明德 睿智 晨曦 朝阳"),
    "general": words("阳光 和美 海韵 琴岛 益民 善缘 同心 惠民 嘉禾 舒心 致远 瑞和 衡信 德润 天泽 爱心 欣悦 慧心"),
}
SERVICE_INSTITUTION_TYPES = [
    (brands, Theme(name, fields, category, scope))
    for brands, name, fields, category, scope in [
        ("elderly", "养老服务中心", (E,), COM, "为老年人提供生活照料、康复护理、精神慰藉、文化娱乐服务。"),
        ("elderly", "老年公寓", (E,), COM, "为老年人提供集中居住、生活照料、膳食、康复护理服务。"),
        ("elderly", "日间照料中心", (E,), COM, "为社区老年人提供日间照料、助餐助浴、健康管理服务。"),
        ("elderly", "居家养老服务中心", (E,), COM, "为居家老年人提供上门照护、助餐、助洁、紧急援助服务。"),
        ("elderly", "护理院", (H, E), PUB, "为失能、半失能老年人提供医疗护理、康复和临终关怀服务。"),
        ("elderly", "老年大学", (ED, E), COM, "面向老年人开展文化、艺术、健康等课程教学。"),
        ("children", "幼儿园", (CH, ED), COM, "学前教育：3至6周岁幼儿的保育和教育。"),
        ("children", "托育中心", (CH,), COM, "为3周岁以下婴幼儿提供全日托、半日托和临时托育服务。"),
        ("children", "培训学校", (ED,), SCI, "文化类、科技类非学历培训。"),
        ("children", "艺术培训学校", (C, ED), COM, "美术、音乐、舞蹈、书法等艺术类非学历培训。"),
        ("children", "科普教育中心", (SC, CH), SCI, "青少年科普教育、科技竞赛辅导、科学实践活动。"),
        ("children", "青少年活动中心", (CH, C), COM, "青少年课外活动、综合实践、心理辅导服务。"),
        ("general", "社会工作服务中心", (W,), PUB, "社会工作专业服务、社区服务项目运营、志愿者培训。"),
        ("general", "康复中心", (H,), PUB, "为残疾人及术后人群提供康复训练、辅具适配、康复指导。"),
        ("general", "法律服务中心", (L,), PUB, "法律咨询、法治宣传、人民调解协助、法律援助转介。"),
        ("general", "调解服务中心", (L,), COM, "矛盾纠纷调解、物业纠纷协调、法律知识普及。"),
        ("general", "心理咨询服务中心", (H,), COM, "心理健康咨询、心理危机干预、心理健康知识普及。"),
        ("general", "体育俱乐部", (S,), COM, "群众体育健身指导、体育技能培训、组织赛事活动。"),
        ("general", "文化艺术中心", (C,), COM, "群众文化活动组织、文艺演出、艺术展览。"),
        ("general", "科技服务中心", (SC,), SCI, "科技咨询、技术推广、科普宣传、创新创业服务。"),
        ("general", "公益服务中心", (W,), PUB, "公益项目实施、扶贫济困、志愿服务组织与培训。"),
        ("general", "社区服务中心", (W, E), COM, "社区便民服务、邻里互助、为老助残服务。"),
        ("general", "中医门诊部", (H,), PUB, "中医诊疗、中医养生保健指导、健康咨询。"),
        ("general", "阅读推广中心", (C, ED), COM, "公益阅读推广、读书会组织、图书流动服务。"),
    ]
]

COMMUNITY_GROUP_TYPES = [
    Theme(name, fields, scope=scope)
    for name, fields, scope in [
        ("志愿者服务队", (W,), "组织居民开展志愿服务、环境整治、便民服务活动。"),
        ("助老志愿者服务队", (E, W), "为社区高龄、独居老人提供探访、陪伴、代办服务。"),
        ("青年志愿者服务队", (W,), "组织社区青年开展志愿服务和公益活动。"),
        ("环保志愿者服务队", (W,), "开展垃圾分类宣传、环境保护志愿活动。"),
        ("老年合唱团", (C, E), "组织老年居民开展合唱排练和演出。"),
        ("邻里互助会", (W,), "组织邻里互助、矛盾调解、困难帮扶。"),
        ("居家养老互助会", (E,), "组织低龄老人帮扶高龄老人，开展居家养老互助服务。"),
        ("养老服务互助队", (E,), "为社区老年人提供助餐、助洁、陪诊等养老服务。"),
        ("舞蹈队", (C, S), "组织居民开展广场舞、民族舞排练和展演。"),
        ("太极拳队", (S,), "组织居民晨练太极拳、参加健身展示。"),
        ("健身队", (S,), "组织居民开展健步走、健身操等健身活动。"),
        ("书画社", (C,), "组织居民开展书法、绘画学习与交流。"),
        ("读书会", (C, ED), "组织居民读书分享、好书推荐活动。"),
        ("义务巡逻队", (W,), "协助开展社区治安巡逻、安全隐患排查。"),
        ("亲子阅读会", (CH, ED), "组织家庭亲子阅读、绘本分享活动。"),
        ("四点半课堂", (CH, ED), "为放学后的小学生提供课业辅导和兴趣活动。"),
        ("法律援助服务队", (L,), "为居民提供法律咨询、普法宣传。"),
        ("邻里调解队", (L,), "调解邻里纠纷，化解社区矛盾。"),
        ("科普宣传队", (SC,), "开展社区科普讲座、科学知识宣传。"),
        ("健康讲堂", (H,), "组织健康知识讲座、义诊咨询活动。"),
        ("摄影队", (C,), "组织居民开展摄影创作、采风和展览。"),
        ("京剧票友会", (C,), "组织京剧爱好者排练、交流和演出。"),
        ("手工编织社", (C,), "组织居民学习手工编织，开展爱心义卖。"),
        ("象棋队", (S,), "组织居民开展象棋对弈、比赛交流。"),
        ("乒乓球队", (S,), "组织居民开展乒乓球训练和友谊比赛。"),
        ("青少年科技小组", (SC, CH), "组织青少年开展科技制作、科学实验活动。"),
        ("家长学校", (ED, CH), "开展家庭教育讲座和家长交流活动。"),
        ("助残服务队", (H, W), "为社区残疾人提供康复陪伴、出行帮助。"),
        ("爱心妈妈服务队", (CH, W), "关爱困境儿童，开展陪伴和帮扶活动。"),
        ("老年学习社", (ED, E), "组织老年人学习智能手机、健康养生等课程。"),
        ("心理疏导服务队", (H,), "为居民提供心理疏导、情绪支持服务。"),
        ("文明劝导队", (W,), "开展文明行为劝导、文明城市创建宣传。"),
        ("海洋环保宣传队", (SC, W), "开展海洋环境保护宣传、海滩清洁活动。"),
    ]
]
VOLUNTEERS, ELDER_VOLUNTEERS = COMMUNITY_GROUP_TYPES[0], COMMUNITY_GROUP_TYPES[1]

# Organizations with fixed names, outside the random draw, because demos and tests look for them:
# the social group of the demo organization account, an elderly-care association, and 颐和.
CALLIGRAPHY = Theme("老年书画研究会", (C, E), COM, ARTS_SCOPE)
ELDERLY_CARE_ASSOCIATION = Theme("养老服务行业协会", (E,), IND, INDUSTRY_SCOPE)
YIHE = Theme("颐和老年公寓养老服务中心", (E, H), COM, "为老年人提供集中居住、生活照料、康复护理、医养结合服务。")

# Who supervises an organization outside the direct-registration categories, by its first field,
# and the abbreviation in the approval number (e.g. 南教体字〔2015〕12号).
SUPERVISORS = {
    ED: ("市南区教育和体育局", "南教体字"),
    CH: ("市南区教育和体育局", "南教体字"),
    S: ("市南区教育和体育局", "南教体字"),
    H: ("市南区卫生健康局", "南卫健字"),
    E: ("市南区卫生健康局", "南卫健字"),
    C: ("市南区文化和旅游局", "南文旅字"),
    L: ("市南区司法局", "南司字"),
    SC: ("市南区科学技术协会", "南科协字"),
}


# Roads of each street, for addresses (community names are often roads; the rest are plausible).
STREET_ROADS = {
    "370202001": ("香港中路", "江西路", "云霄路", "闽江路", "东海西路", "南京路"),
    "370202002": ("团岛路", "西藏路", "瞿塘峡路", "巫峡路", "西陵峡路"),
    "370202004": ("云南路", "邹县路", "单县路", "贵州路", "西康路", "汶上路"),
    "370202005": ("中山路", "四方路", "黄岛路", "天津路", "北京路", "湖南路"),
    "370202007": ("江苏路", "大学路", "龙口路", "黄县路", "鱼山路", "齐东路"),
    "370202009": ("韶关路", "太平角一路", "汇泉路", "文登路", "山海关路", "正阳关路"),
    "370202010": ("湛山路", "盐城路", "仰口路", "芝泉路", "湛山二路"),
    "370202012": ("太湖路", "天台路", "高邮湖路", "泰州路", "徐州路", "延吉路", "永嘉路"),
    "370202013": ("金门路", "仙游路", "福州南路", "宁夏路", "漳州路"),
    "370202014": ("珠海路", "东海中路", "燕儿岛路", "澳门路", "香港东路"),
}

# Family and given names of the people in the demo (legal representatives, contacts).
SURNAMES = "王李张刘陈杨赵孙于姜曲高徐宋林韩丁马周邵薛隋宫纪"
GIVEN_NAMES = words(
    "建华 秀英 志强 丽华 海涛 晓燕 春梅 玉兰 文博 明 静 磊 娜 伟 敏 涛 艳 勇 军 杰 婷 鹏 慧 "
    "欣怡 子涵 浩然 雨桐 俊杰 海燕 建军 红梅 永刚 桂芝 立新 雪梅 晓东 宏伟 淑华 海波 振华"
)
