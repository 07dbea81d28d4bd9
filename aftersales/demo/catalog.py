"""The fixed tables of the demo: shops, staff, carriers, products, places and names.

Plain data, no ORM, so the generator and the tests read the same names.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from aftersales.accounts.models import Role
from aftersales.cases.models import Reason
from aftersales.orders.models import SevenDayExclusion

HOME = "暖暖家居旗舰店"
FASHION = "潮流服饰专营店"
OTHER = "别家小店"
DEMO_SHOPS = (HOME, FASHION)
ALL_SHOPS = (HOME, FASHION, OTHER)

SHOP_DETAILS = {
    HOME: {
        "platform_shop_id": "TB-58310027",
        "return_address": "浙江省 杭州市 余杭区 仓前街道 良睦路 1399号 暖暖家居售后仓",
        "return_contact": "暖暖家居售后组",
        "return_phone": "0571-88206135",
    },
    FASHION: {
        "platform_shop_id": "TM-20719954",
        "return_address": "广东省 广州市 白云区 太和镇 大源北路 88号 潮流服饰退货组",
        "return_contact": "潮流服饰退货组",
        "return_phone": "020-37261408",
    },
    OTHER: {
        "platform_shop_id": "TB-90011342",
        "return_address": "福建省 厦门市 湖里区 枋湖北二路 1001号",
        "return_contact": "郑老板",
        "return_phone": "0592-5713320",
    },
}

DEPARTMENTS = ("客服部", "仓储部", "发货组", "运营部")

CARRIERS = (
    ("sf", "顺丰速运"),
    ("zto", "中通快递"),
    ("yto", "圆通速递"),
    ("sto", "申通快递"),
    ("yd", "韵达快递"),
    ("jt", "极兔速递"),
    ("post", "邮政快递包裹"),
)


@dataclass(frozen=True)
class StaffMember:
    username: str
    display_name: str
    roles: tuple[str, ...]
    department: str
    shops: tuple[str, ...] = DEMO_SHOPS
    superuser: bool = False

    @property
    def password(self) -> str:
        # Fixed and printed on purpose: this is demo data for a workstation, never production.
        return f"demo-{self.username}-2026"


STAFF = (
    StaffMember("agent", "林晓雨", (Role.AGENT,), "客服部"),
    StaffMember("agent2", "陈思远", (Role.AGENT,), "客服部"),
    StaffMember("warehouse", "王建国", (Role.WAREHOUSE,), "仓储部"),
    StaffMember("packer", "赵磊", (Role.PACKER,), "发货组"),
    StaffMember("review_specialist", "周婷", (Role.REVIEW_SPECIALIST,), "客服部"),
    StaffMember("dispute_specialist", "吴昊", (Role.DISPUTE_SPECIALIST,), "客服部"),
    StaffMember("supervisor", "刘芳", (Role.SUPERVISOR,), "客服部"),
    StaffMember("administrator", "孙伟", (Role.ADMINISTRATOR,), "运营部", superuser=True),
    StaffMember("outsider", "郑小店", (Role.AGENT, Role.SUPERVISOR), "客服部", shops=(OTHER,)),
)
# The demo passwords hashed once, ahead of time, with Django's default hasher: a million
# PBKDF2 rounds per login would otherwise be most of the command's run time. Used only while
# the configured default hasher would produce the same kind of hash; otherwise the password
# is hashed afresh (tests configure a fast hasher). A changed password has no entry here.
PASSWORD_HASHES = {
    "demo-agent-2026": (
        "pbkdf2_sha256$1000000$R6vB11swLMdptPgqa7AxXs$bG/tOkW9hn2dZxH8ODKBgIfYXQhcia8eh1aWi5x+0lk="
    ),
    "demo-agent2-2026": (
        "pbkdf2_sha256$1000000$gb9nsnam0nkXwLRA778V5o$jUZLMFyFXjoQkXZCHaYr/NlEaRdpxXXizzlUceZRew8="
    ),
    "demo-warehouse-2026": (
        "pbkdf2_sha256$1000000$Zwyeqkve5GaEmJ1vRjmtfo$iT/+97yzb/byTNHFgpIj7eJgPnwEU+BUAeu6m3Kzx18="
    ),
    "demo-packer-2026": (
        "pbkdf2_sha256$1000000$KDVXI2TrLiuny7a5QMbyD6$8NiRtDROOiooypZTDSJ8VxT+B70M8yg8UQS5YngbU7I="
    ),
    "demo-review_specialist-2026": (
        "pbkdf2_sha256$1000000$21dsbWi3w48CasFcrwv4au$AX8hBTVr3TVm4vJZHqy7I5tq+g4t8eqco43soQwPzMs="
    ),
    "demo-dispute_specialist-2026": (
        "pbkdf2_sha256$1000000$5pRXkGFrGjLfdnG5WrAwYm$hPxKVnoWmqQDWMjkWho57I4F1Oj0Bhz0+xnrYcoVRMk="
    ),
    "demo-supervisor-2026": (
        "pbkdf2_sha256$1000000$2IDDotrXUShnao7H2We8of$VpxhsC00RBcH2dlIYK61KUIj3aeoAmHHmtKCy8LLnbA="
    ),
    "demo-administrator-2026": (
        "pbkdf2_sha256$1000000$e9YFbRfEirbU37aOMKAXWu$9PQGSw0kb81Qg2cbvwqz01j5ORnuwvEbav1O71jLiIk="
    ),
    "demo-outsider-2026": (
        "pbkdf2_sha256$1000000$vfn5DKiXsQJSFKgYE6Sd3z$Ly8b/g19/kJAdrf8Ug4ycI7TthvjXtJGDqHRQis5XwY="
    ),
}
# Who heads each department: the workbench sends review and dispute findings there.
DEPARTMENT_HEADS = {
    "客服部": "supervisor",
    "仓储部": "warehouse",
    "发货组": "packer",
    "运营部": "administrator",
}


@dataclass(frozen=True)
class ProductSpec:
    sku: str
    title: str
    price: Decimal
    variants: tuple[str, ...]
    stock: int = 200
    weight: int = 10  # how often it sells, relative to the shop's other goods
    exclusion: str = ""
    exclusion_note: str = ""
    warranty_months: int = 0
    service_scope: str = ""
    max_qty: int = 2

    @property
    def eligible(self) -> bool:
        return not self.exclusion


def _p(*args, **kwargs) -> ProductSpec:
    args = (*args[:2], Decimal(args[2]), *args[3:])
    return ProductSpec(*args, **kwargs)


PRODUCTS = {
    FASHION: (
        _p("WZ-10", "男士中筒袜子 10双装", "39.90", ("颜色分类:混色10双",), 500, 18, max_qty=3),
        _p(
            "NZK-27",
            "高腰直筒牛仔裤 女 秋冬款",
            "159.00",
            ("颜色分类:深蓝色;尺码:26", "颜色分类:深蓝色;尺码:27", "颜色分类:浅蓝色;尺码:28"),
            120,
            14,
        ),
        _p(
            "ZZ-2611",
            "时尚杂志 2026年11月刊",
            "25.00",
            ("版本:普通版",),
            300,
            4,
            exclusion=SevenDayExclusion.PERIODICAL,
            exclusion_note="报纸期刊类商品",
        ),
        _p(
            "TX-01",
            "纯棉短袖T恤 男女同款",
            "59.00",
            ("颜色分类:白色;尺码:L", "颜色分类:黑色;尺码:XL"),
            260,
            12,
            max_qty=3,
        ),
        _p(
            "WY-03",
            "加绒连帽卫衣 宽松款",
            "129.00",
            ("颜色分类:灰色;尺码:L", "颜色分类:藏青;尺码:M"),
            90,
            10,
        ),
        _p(
            "YRF-09",
            "轻薄羽绒服 女 短款",
            "399.00",
            ("颜色分类:米白;尺码:M", "颜色分类:黑色;尺码:L"),
            0,
            6,
            max_qty=1,
        ),
        _p("WJ-12", "羊毛围巾 纯色加厚", "89.00", ("颜色分类:酒红", "颜色分类:燕麦色"), 150, 8),
        _p(
            "MY-QC5",
            "清仓特价 圆领毛衣",
            "69.00",
            ("颜色分类:卡其;尺码:均码",),
            40,
            4,
            exclusion=SevenDayExclusion.SHOP_MARKED,
            exclusion_note="清仓商品，下单页已注明不支持七天无理由",
        ),
    ),
    HOME: (
        _p(
            "BWB-500",
            "定制刻字保温杯 500ml",
            "79.00",
            ("颜色分类:雾霾蓝;刻字:见买家留言",),
            80,
            6,
            exclusion=SevenDayExclusion.CUSTOM_MADE,
            exclusion_note="刻字定制",
            max_qty=1,
        ),
        _p(
            "SG-QC5",
            "赣南脐橙 5斤装 新鲜水果",
            "49.90",
            ("规格:5斤装 中果",),
            400,
            10,
            exclusion=SevenDayExclusion.PERISHABLE,
            exclusion_note="生鲜水果",
        ),
        _p(
            "DR-12",
            "家用电热水壶 1.7L 304不锈钢",
            "129.00",
            ("颜色分类:白色",),
            60,
            9,
            warranty_months=12,
            service_scope="非人为损坏一年内免费保修；进水、摔落不在保修范围",
            max_qty=1,
        ),
        _p(
            "MT-15",
            "加厚珊瑚绒毛毯 1.5×2米",
            "99.00",
            ("颜色分类:奶油白", "颜色分类:雾粉"),
            150,
            12,
        ),
        _p(
            "SJT-18",
            "纯棉四件套 1.8米床",
            "259.00",
            ("颜色分类:灰格", "颜色分类:蓝条"),
            70,
            9,
            max_qty=1,
        ),
        _p("ZT-02", "记忆棉枕头 一对装", "89.00", ("规格:慢回弹 一对",), 120, 10),
        _p(
            "DD-01",
            "硅藻泥浴室吸水地垫",
            "45.00",
            ("颜色分类:浅灰;尺寸:40×60cm",),
            300,
            8,
            max_qty=3,
        ),
        _p("LD-07", "北欧风落地灯 客厅卧室", "299.00", ("颜色分类:黑色",), 0, 3, max_qty=1),
    ),
    OTHER: (
        _p("HZ-03", "手工冷制皂 3块装", "36.00", ("香型:薰衣草",), 90, 10),
        _p("MKB-350", "陶瓷马克杯 350ml", "29.00", ("颜色分类:白色",), 60, 8),
    ),
}

# (province, city, districts, postal code); weights follow where online orders come from.
PLACES = (
    ("广东省", "广州市", ("天河区", "越秀区", "海珠区", "白云区", "番禺区"), "510000", 9),
    ("广东省", "深圳市", ("南山区", "福田区", "罗湖区", "宝安区", "龙岗区"), "518000", 9),
    ("广东省", "佛山市", ("禅城区", "南海区", "顺德区"), "528000", 4),
    ("浙江省", "杭州市", ("西湖区", "上城区", "拱墅区", "滨江区", "余杭区", "萧山区"), "310000", 8),
    ("浙江省", "宁波市", ("海曙区", "鄞州区", "江北区"), "315000", 4),
    ("浙江省", "温州市", ("鹿城区", "瓯海区", "龙湾区"), "325000", 3),
    ("江苏省", "南京市", ("玄武区", "鼓楼区", "建邺区", "江宁区"), "210000", 6),
    ("江苏省", "苏州市", ("姑苏区", "吴中区", "相城区", "虎丘区"), "215000", 6),
    ("江苏省", "无锡市", ("梁溪区", "滨湖区", "新吴区"), "214000", 3),
    (
        "上海市",
        "上海市",
        ("浦东新区", "闵行区", "徐汇区", "静安区", "杨浦区", "宝山区"),
        "200000",
        9,
    ),
    ("北京市", "北京市", ("朝阳区", "海淀区", "丰台区", "东城区", "西城区", "通州区"), "100000", 8),
    ("天津市", "天津市", ("南开区", "河西区", "和平区", "滨海新区"), "300000", 3),
    ("重庆市", "重庆市", ("渝中区", "江北区", "九龙坡区", "沙坪坝区", "渝北区"), "400000", 4),
    ("山东省", "济南市", ("历下区", "市中区", "槐荫区"), "250000", 3),
    ("山东省", "青岛市", ("市南区", "市北区", "崂山区", "黄岛区"), "266000", 4),
    ("河南省", "郑州市", ("金水区", "二七区", "中原区", "管城回族区"), "450000", 4),
    ("湖北省", "武汉市", ("武昌区", "洪山区", "江汉区", "汉阳区"), "430000", 5),
    ("湖南省", "长沙市", ("岳麓区", "芙蓉区", "天心区", "开福区"), "410000", 4),
    ("四川省", "成都市", ("武侯区", "锦江区", "青羊区", "成华区", "金牛区"), "610000", 6),
    ("陕西省", "西安市", ("雁塔区", "碑林区", "未央区", "长安区"), "710000", 4),
    ("福建省", "福州市", ("鼓楼区", "仓山区", "台江区"), "350000", 3),
    ("福建省", "厦门市", ("思明区", "湖里区", "集美区"), "361000", 3),
    ("安徽省", "合肥市", ("蜀山区", "包河区", "庐阳区"), "230000", 3),
    ("江西省", "南昌市", ("东湖区", "红谷滩区", "青山湖区"), "330000", 2),
    ("河北省", "石家庄市", ("长安区", "桥西区", "裕华区"), "050000", 2),
    ("山西省", "太原市", ("小店区", "迎泽区", "杏花岭区"), "030000", 2),
    ("辽宁省", "沈阳市", ("和平区", "沈河区", "浑南区"), "110000", 2),
    ("辽宁省", "大连市", ("中山区", "沙河口区", "甘井子区"), "116000", 2),
    ("吉林省", "长春市", ("朝阳区", "南关区", "绿园区"), "130000", 1),
    ("黑龙江省", "哈尔滨市", ("南岗区", "道里区", "香坊区"), "150000", 2),
    ("云南省", "昆明市", ("五华区", "盘龙区", "官渡区"), "650000", 2),
    ("贵州省", "贵阳市", ("云岩区", "南明区", "观山湖区"), "550000", 1),
    ("广西壮族自治区", "南宁市", ("青秀区", "兴宁区", "西乡塘区"), "530000", 2),
    ("海南省", "海口市", ("龙华区", "美兰区", "秀英区"), "570000", 1),
    ("甘肃省", "兰州市", ("城关区", "七里河区", "安宁区"), "730000", 1),
    ("内蒙古自治区", "呼和浩特市", ("新城区", "赛罕区", "回民区"), "010000", 1),
    ("宁夏回族自治区", "银川市", ("兴庆区", "金凤区"), "750000", 1),
    ("青海省", "西宁市", ("城东区", "城西区", "城中区"), "810000", 1),
    ("新疆维吾尔自治区", "乌鲁木齐市", ("天山区", "沙依巴克区", "新市区"), "830000", 1),
    ("西藏自治区", "拉萨市", ("城关区", "堆龙德庆区"), "850000", 1),
)
# Far regions: most express carriers add a surcharge or do not go, so the post office carries.
REMOTE_PROVINCES = frozenset({"新疆维吾尔自治区", "西藏自治区", "青海省"})

# Space-separated, one table per line, so the tables stay readable.
ROADS = tuple(
    "人民路 中山路 解放路 建设路 文化路 和平路 长江路 滨江大道 科技路 新华街 学府路".split()
)
COMPOUNDS = tuple(
    "阳光花园 翠湖苑 锦绣家园 万科城 绿地小区 金色港湾 幸福里 碧桂园 保利花园 世纪新城".split()
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余杜叶程"
GIVEN_NAMES = tuple(
    "伟 芳 娜 敏 静 丽 强 磊 洋 艳 勇 军 杰 娟 涛 明 超 秀英 婷 雪 浩然 子涵 欣怡 梓萱 宇轩 "
    "思彤 晨 佳怡 一鸣 雨桐 俊杰 嘉欣 文博 诗涵".split()
)
NICK_STEMS = tuple(
    "小鱼儿 猫咪 星星 月亮 糖糖 豆豆 木子 橙子 桃子 柚子 阿狸 暖阳 清风 南风 小熊 布丁".split()
)
NICK_PREFIXES = ("", "", "小", "爱吃", "快乐的", "我是")
NICK_SUFFIXES = ("", "_88", "123", "2019", "呀", "666", "_sh", "0520")

BUYER_MESSAGES = (
    "请尽快发货，谢谢",
    "发顺丰可以吗？可以补运费",
    "送人的，不要放发票",
    "周末收货",
    "麻烦帮忙检查一下再发",
    "放驿站就行",
)
SELLER_NOTES = ("已备注赠品：袜子1双", "老客户，优先发货", "买家要求改地址，已改", "已核对尺码")

# What buyers write, by (kind of request, reason), and what the shop answers.

CLAIMS = {
    ("return", Reason.NO_REASON): (
        "不喜欢，七天无理由退货，商品未使用",
        "颜色和想象的不一样，申请七天无理由退货",
        "买多了，未拆封，申请退货退款",
        "家里人说不合适，商品完好，想退掉",
    ),
    ("return", Reason.QUALITY): (
        "{defect}，申请退货退款",
        "收到没几天就发现{defect}，质量太差了，要求退货",
    ),
    ("return", Reason.NOT_AS_DESCRIBED): (
        "实物颜色和详情页差别很大",
        "材质和详情页写的不一样，与描述不符",
    ),
    ("return", Reason.WRONG_ITEM): (
        "发来的规格和我拍的不一样，要求退货",
        "收到的不是我下单的款式，退货退款",
    ),
    ("exchange", Reason.NO_REASON): (
        "尺码偏小，想换大一码",
        "想换个颜色，换成另一个色",
        "穿着有点紧，换大一号，吊牌未拆",
    ),
    ("exchange", Reason.QUALITY): (
        "{defect}，申请换一个新的",
        "收到就发现{defect}，麻烦换货",
    ),
    ("exchange", Reason.WRONG_ITEM): (
        "尺码发错了，拍的大一码收到小一码，申请换货",
        "颜色发错了，和下单的不一样，申请换货",
    ),
    ("refusal", Reason.SHORTAGE): (
        "快递员送货时当面验货，发现少了一件，已拒收",
        "外箱完好但里面少件，当场拒收，请尽快处理",
    ),
    ("refusal", Reason.DAMAGED): (
        "外箱压坏，里面商品破损，当面拒收",
        "包裹被压扁了，已拒签，麻烦重新发一份",
    ),
    ("compensation", Reason.SHORTAGE): (
        "少发了一件，订单拍了两件只收到一件",
        "包裹里少了一件，麻烦补发",
    ),
    ("compensation", Reason.DAMAGED): (
        "收到时外包装破了，商品有一块污渍",
        "到货有磕碰，不想退了，给点补偿吧",
    ),
    ("compensation", Reason.QUALITY): (
        "{defect}，不想退了，希望给点补偿",
        "{defect}，希望给个说法",
    ),
    ("refund", Reason.CHANGED_MIND): (
        "拍错了，不想要了，还没发货请直接退款",
        "地址填错了，重新拍一单，申请退款",
        "不想要了，麻烦尽快退款",
    ),
    ("refund", Reason.NOT_AS_DESCRIBED): (
        "颜色有色差，不想退货了，退部分差价可以接受",
        "尺寸比描述小一点，协商退部分款",
    ),
    ("refund", Reason.DAMAGED): (
        "包装破损但不影响使用，退点差价就行",
        "有一个小瑕疵，不想寄回了，协商部分退款",
    ),
    ("refund", Reason.OTHER): ("物流好几天不更新了，申请退款",),
}
# What goes wrong with each product, for the claims of quality problems above.
DEFECTS = {
    "WZ-10": "袜口松紧带断了，好几双脱线",
    "NZK-27": "洗了一次就严重掉色",
    "ZZ-2611": "有几页印刷模糊、装订脱页",
    "TX-01": "领口洗一次就变形了",
    "WY-03": "袖口开线，面料起球严重",
    "YRF-09": "羽绒从缝线处往外钻",
    "WJ-12": "围巾掉毛严重，沾得满身都是",
    "MY-QC5": "毛衣腋下有个破洞",
    "BWB-500": "保温效果很差，倒的热水两小时就凉了",
    "SG-QC5": "有几个橙子烂了",
    "DR-12": "烧水有塑料味，底座接触不良",
    "MT-15": "毛毯掉毛严重，洗一次就结球",
    "SJT-18": "四件套洗一次就褪色起球",
    "ZT-02": "枕头有刺鼻异味，晾了几天还有",
    "DD-01": "地垫用了两天边缘就开胶了",
    "LD-07": "灯一直闪，开关接触不良",
    "HZ-03": "香皂有裂纹，味道和描述不一样",
    "MKB-350": "杯口有个小缺口",
}

NO_REASON_REFUSALS = (
    "商品已使用，影响二次销售，不符合七天无理由退货条件",
    "买家提供的照片无法证明存在质量问题",
    "该商品为清仓商品，下单页已注明不支持退换",
)
NOT_INTACT_REFUSAL = "退回商品吊牌已剪、有穿着痕迹，不符合退货条件"
