"""Rebuild hotline_messages.csv from the 2020 泰迪杯 problem C data (not imported by gridgov).

    python src/gridgov/sim/data/build_messages.py /path/to/complaints  # the folder with the teddy2020_*.csv

Picks a few hundred citizen messages (title, and the full text where 附件2's full-text subset has it),
strips the competition's anonymised place names, and files each under the 12345 class its first-level
label and a few keywords point to (the label's own 其他 class when no keyword fits). Deterministic.
See README.md for provenance.
"""

from __future__ import annotations

import csv
import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).parent
OUT = HERE / "hotline_messages.csv"

# How many messages per first-level label: neighbourhood problems (城乡建设, 环境保护) first.
QUOTA = {
    "城乡建设": 170,
    "环境保护": 70,
    "劳动和社会保障": 60,
    "教育文体": 50,
    "商贸旅游": 45,
    "卫生计生": 40,
    "交通运输": 35,
}

# (first-level label, second-level, third-level, keywords): the first rule whose keyword occurs in the
# title (then the text) decides. Every path exists in teddy2020_taxonomy.csv (checked below).
RULES: list[tuple[str, str, str, str]] = [
    ("城乡建设", "住房保障与房地产", "物业服务", "物业,电梯,业委会,业主委员会"),
    ("城乡建设", "城市建设和市政管理", "冬季采暖", "供暖,暖气,采暖"),
    ("城乡建设", "城市建设和市政管理", "燃气供应", "燃气,天然气,煤气"),
    ("城乡建设", "城市建设和市政管理", "电力供应", "停电,用电,供电,电压,电网"),
    ("城乡建设", "城市建设和市政管理", "自来水供应", "停水,自来水,供水,水压,无水可用,用水"),
    ("城乡建设", "城市建设和市政管理", "公共汽车", "公交"),
    ("城乡建设", "城市建设和市政管理", "地铁城铁", "地铁,轻轨"),
    ("城乡建设", "城乡规划", "违章建筑", "违建,违章建筑,违法建设,违章搭建,私搭,加建,乱搭"),
    ("城乡建设", "城乡规划", "容积挡光", "采光,挡光,容积率,日照"),
    ("城乡建设", "国有土地上房屋征收与补偿", "棚户区和城中村改造", "棚户区,棚改,城中村"),
    ("城乡建设", "国有土地上房屋征收与补偿", "回迁房", "回迁"),
    ("城乡建设", "国有土地上房屋征收与补偿", "安置补偿", "安置,补偿"),
    ("城乡建设", "国有土地上房屋征收与补偿", "房屋拆迁", "拆迁,征收"),
    ("城乡建设", "城市建设和市政管理", "城管执法", "占道,摊,城管,噪音,扰民,乱摆,夜市"),
    ("城乡建设", "城市建设和市政管理", "小区管理", "停车,小区,车位"),
    ("城乡建设", "城市建设和市政管理", "环境卫生", "垃圾,环卫,卫生,脏乱,臭"),
    ("城乡建设", "城市建设和市政管理", "公园管理", "公园"),
    ("城乡建设", "城市建设和市政管理", "园林绿化", "绿化,树,草坪"),
    ("城乡建设", "城市建设和市政管理", "基础设施", "路灯,下水,井盖,道路,路面,修路,排水,积水,人行道,马路"),
    ("城乡建设", "城乡规划", "规划方案", "规划"),
    ("城乡建设", "住房保障与房地产", "住房公积金", "公积金"),
    ("城乡建设", "住房保障与房地产", "房产证登记、办理", "房产证,不动产证,产权证"),
    ("城乡建设", "住房保障与房地产", "保障性住房", "保障房,公租房,廉租房,经适房"),
    ("城乡建设", "住房保障与房地产", "房屋租赁", "租房,出租,房租"),
    ("城乡建设", "住房保障与房地产", "房地产开发管理", "开发商,交房,楼盘,售楼,购房"),
    ("城乡建设", "建筑市场", "拖欠工程款", "工程款"),
    ("城乡建设", "工程质量", "施工安全", "施工,工地"),
    ("城乡建设", "工程质量", "其他", "质量,漏水,裂缝,渗水"),
    ("城乡建设", "安全生产", "安全隐患", "安全隐患,隐患"),
    ("环境保护", "环境污染", "噪音污染", "噪音,噪声,扰民,吵"),
    ("环境保护", "环境污染", "大气污染", "油烟,废气,粉尘,扬尘,空气,烟,臭味,异味,焚烧"),
    ("环境保护", "环境污染", "水污染", "污水,排污,河,水质,湖"),
    ("环境保护", "环境污染", "固体污染", "垃圾,固废,废渣"),
    ("环境保护", "环境污染", "电磁污染", "辐射,基站,发射塔,高压线"),
    ("环境保护", "环境污染", "危险化学品污染", "化工,危化"),
    ("环境保护", "建设项目审批", "未批先建", "未批先建"),
    ("环境保护", "建设项目审批", "环评报告不实", "环评"),
    ("劳动和社会保障", "劳动关系", "农民工权益", "农民工"),
    ("劳动和社会保障", "工资福利", "工资发放", "工资,欠薪,讨薪,薪水"),
    ("劳动和社会保障", "城镇职工社会保险", "职工工伤保险", "工伤"),
    ("劳动和社会保障", "城镇职工社会保险", "职工生育保险", "生育"),
    ("劳动和社会保障", "城镇职工社会保险", "职工失业保险", "失业"),
    ("劳动和社会保障", "城镇居民社会保险", "城镇居民医疗保险", "居民医保,城乡居民医疗"),
    ("劳动和社会保障", "城镇职工社会保险", "职工医疗保险", "医保,医疗保险"),
    ("劳动和社会保障", "退休政策及待遇", "退休金发放", "退休金,养老金"),
    ("劳动和社会保障", "退休政策及待遇", "退休政策", "退休"),
    ("劳动和社会保障", "城镇职工社会保险", "职工养老保险", "社保,养老保险"),
    ("劳动和社会保障", "劳动关系", "辞职辞退", "辞退,开除,辞职"),
    ("劳动和社会保障", "劳动关系", "劳务派遣纠纷", "派遣"),
    ("劳动和社会保障", "劳动关系", "劳动合同纠纷", "合同"),
    ("劳动和社会保障", "劳动保护", "工作时间和休息休假", "加班,休假,休息"),
    ("劳动和社会保障", "就业培训", "职业培训", "培训"),
    ("劳动和社会保障", "就业培训", "就业和再就业", "就业,招聘,岗位"),
    ("劳动和社会保障", "工资福利", "住房公积金", "公积金"),
    ("教育文体", "考试招生", "招生录取", "学位,入学,招生,小升初,中考,高考,划片"),
    ("教育文体", "教育收费", "乱收费", "收费,乱收费,补课费,费用"),
    ("教育文体", "教师队伍和待遇", "原民办代课教师", "代课"),
    ("教育文体", "教师队伍和待遇", "工资福利", "教师,老师"),
    ("教育文体", "教育行政管理", "校外机构管理", "培训机构,辅导班,托管"),
    ("教育文体", "教育行政管理", "校园安全", "安全,校车"),
    ("教育文体", "教育行政管理", "民办学校", "民办"),
    ("教育文体", "教育行政管理", "学生负担", "减负,作业"),
    ("教育文体", "教育行政管理", "学历学位学籍管理", "学籍,学历"),
    ("教育文体", "体育", "体育事业", "体育,健身,球场,运动"),
    ("教育文体", "文化", "公共文化", "文化,图书馆,广场舞"),
    ("商贸旅游", "市场监管", "传销", "传销"),
    ("商贸旅游", "质监检验检疫", "特种设备管理", "电梯,锅炉,特种设备"),
    ("商贸旅游", "市场监管", "物价监督", "价格,收费,物价,涨价,乱收"),
    ("商贸旅游", "市场监管", "商品质量", "质量,假冒,假货"),
    ("商贸旅游", "市场监管", "广告监管", "广告"),
    ("商贸旅游", "市场监管", "中介机构管理", "中介"),
    ("商贸旅游", "旅游管理", "旅游市场管理", "旅游,景区,旅行社"),
    ("卫生计生", "食品药品监管", "食品安全", "食品,餐馆,饭店,外卖,过期"),
    ("卫生计生", "食品药品监管", "药品和医疗器械管理", "药品,药店,药"),
    ("卫生计生", "医政监管", "非法行医", "非法行医,黑诊所,无证行医"),
    ("卫生计生", "医患纠纷", "医疗事故争议", "医疗事故,医患"),
    ("卫生计生", "医政监管", "医疗收费", "收费"),
    ("卫生计生", "人口计生", "独生子女父母奖励政策", "独生子女"),
    ("卫生计生", "人口计生", "失独家庭", "失独"),
    ("卫生计生", "人口计生", "人口政策", "二胎,计生,生育,计划生育"),
    ("卫生计生", "公共卫生", "疾病预防控制", "疫苗,传染,疫情,防疫"),
    ("卫生计生", "医政监管", "医疗技术和服务", "医院,医生,看病,就医,卫生院"),
    ("交通运输", "出租车管理", "网约车问题", "网约车,滴滴,专车"),
    ("交通运输", "出租车管理", "行业监管", "出租,的士"),
    ("交通运输", "邮政管理", "快递市场管理", "快递"),
    ("交通运输", "邮政管理", "邮政市场监管", "邮政,邮局"),
    ("交通运输", "客货运输", "旅客运输", "公交,客运,班车,大巴,车站"),
    ("交通运输", "客货运输", "货物运输", "货车,物流"),
    ("交通运输", "建设管理", "公路收费", "收费站,过路费"),
    ("交通运输", "建设管理", "设施维护", "路,桥,修"),
]
FALLBACK = {label: (label, "其他", "其他") for label in QUOTA}

PLACE_TOKENS = [
    (re.compile(r"西地省"), "本省"),
    (re.compile(r"[A-Z]\d*市民"), "市民"),
    (re.compile(r"[A-Z]\d*市[A-Z]\d+区"), "本市"),
    (re.compile(r"[A-Z]\d+区"), ""),
    (re.compile(r"[A-Z]\d*市"), "本市"),
    (re.compile(r"[A-Z]\d*州"), "本市"),
]
# Rural places, links, long digit runs (phones, ids), and anything that names a person with a title
# (复姓 or a surname and given name before 老师/局长/…): the demo needs none of them.
DROP = re.compile(
    r"[A-Z]\d*县|https?://|www\.|\d{7,}|[镇乡]政府|村委|村民|书记|省长|市长|县长|区长|"
    r"[\u4e00-\u9fa5]{1,3}(?:老师|医生|校长|院长|经理|局长|厅长|部长|处长|主任|科长|所长|队长|同志|先生|女士|教授|律师|编剧)|"
    r"名叫|姓名|身份证|教师[\u4e00-\u9fa5]{2,3}[，,。参]"
)
TITLE_OK = re.compile(r"^[^的县区市州省].{5,59}$")


def clean(text: str) -> str:
    text = re.sub(r"[\s\u3000]+", "", text or "")
    for pattern, repl in PLACE_TOKENS:
        text = pattern.sub(repl, text)
    return text.strip("，,。 ")


def shorten(text: str, limit: int = 300) -> str:
    """At most `limit` characters, cut after a sentence when there is one."""
    if len(text) <= limit:
        return text
    cut = max(text.rfind(p, 0, limit) for p in "。！？；")
    return text[: cut + 1] if cut >= limit // 3 else text[: limit - 1] + "…"


def classify(label: str, title: str, text: str) -> tuple[tuple[str, str, str], bool]:
    for where in (title, text):
        for first, second, third, words in RULES:
            if first == label and any(w in where for w in words.split(",")):
                return (first, second, third), True
    return FALLBACK[label], False


def main(folder: Path) -> None:
    with open(folder / "teddy2020_taxonomy.csv", encoding="utf-8-sig", newline="") as f:
        taxonomy = {(r["一级分类"], r["二级分类"], r["三级分类"]) for r in csv.DictReader(f)}
    missing = [r[:3] for r in RULES if r[:3] not in taxonomy] + [p for p in FALLBACK.values() if p not in taxonomy]
    assert not missing, missing

    candidates = []  # (label, source, id, title, description)
    with open(folder / "teddy2020_messages_fulltext.csv", encoding="utf-8-sig", newline="") as f:
        for r in csv.DictReader(f):
            candidates.append((r["一级标签"], "fulltext", r["留言编号"], r["留言主题"], r["留言详情"]))
    with open(folder / "teddy2020_titles_train.csv", encoding="utf-8-sig", newline="") as f:
        for i, r in enumerate(csv.DictReader(f), start=2):
            candidates.append((r["label"], "titles_train", f"L{i}", r["title"], ""))

    seen: set[str] = set()
    pools: dict[str, list[tuple[int, list[str]]]] = {label: [] for label in QUOTA}
    for label, source, ident, raw_title, raw_text in candidates:
        if label not in QUOTA or DROP.search(raw_title + raw_text):
            continue
        title, text = clean(raw_title), shorten(clean(raw_text))
        if not TITLE_OK.match(title) or title in seen:
            continue
        seen.add(title)
        path, matched = classify(label, title, text)
        # Full texts and keyword matches first: they make the better demo.
        rank = (0 if matched else 2) + (0 if text else 1)
        pools[label].append((rank, [source, ident, *path, title, text]))

    rng = random.Random(2020)
    chosen = []
    for label, quota in QUOTA.items():
        pool = pools[label]
        rng.shuffle(pool)
        pool.sort(key=lambda item: item[0])  # stable: shuffled within each rank
        chosen += [row for _, row in pool[:quota]]
    with open(OUT, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["source", "source_id", "level1", "level2", "level3", "title", "description"])
        out.writerows(chosen)
    print(f"{len(chosen)} messages → {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/complaints"))
