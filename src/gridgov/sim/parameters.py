"""What the simulated history draws from (模拟参数): reports by channel and hour, the shares along the
loop, and the texts. The demo simulator (sim/history.py) and the dashboard bench's year of cases
(bench/year_of_cases/) use the same ones.

The shares follow the seeds: most small problems are solved in the grid, many on the spot (小事不出
网格); cases two weeks old are ~99 % closed (办结率) and ~98 % of evaluations are satisfied or
basically satisfied (满意率). Texts come from `data/` (see its README): 12345 messages from the 2020
泰迪杯 problem C data, and patrol findings.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data"

# Reports per day by channel (Poisson means): a working day sums to 40, a rest day to about 15.
# Patrol ~45 %, 12345 ~25 %, residents (web, WeChat, Open311) ~20 %, deputies, supervisors and sensors the rest.
DAILY_REPORTS = {  # channel: (working day, rest day)
    "patrol": (18.0, 4.5),
    "hotline": (10.0, 6.0),
    "resident": (3.2, 1.6),
    "wechat": (3.2, 1.8),
    "open311": (1.6, 0.6),
    "deputy": (1.2, 0.2),
    "supervisor": (1.6, 0.3),
    "sensor": (1.2, 0.8),
}
# When reports come in, by local hour (relative weights).
DAYTIME = [0] * 8 + [3, 5, 5, 4, 1, 1, 3, 5, 5, 4, 0, 0, 0, 0, 0, 0]  # patrols, deputies, supervisors
HOTLINE_HOURS = [1, 1, 0, 0, 0, 1, 1, 3, 6, 8, 8, 7, 5, 5, 6, 7, 7, 6, 5, 5, 4, 4, 3, 2]
RESIDENT_HOURS = [1, 0, 0, 0, 0, 0, 1, 3, 5, 6, 6, 5, 4, 4, 5, 5, 5, 5, 6, 7, 7, 6, 4, 2]
SENSOR_HOURS = [1] * 24
CHANNEL_HOURS = {
    "patrol": DAYTIME,
    "deputy": DAYTIME,
    "supervisor": DAYTIME,
    "hotline": HOTLINE_HOURS,
    "resident": RESIDENT_HOURS,
    "wechat": RESIDENT_HOURS,
    "open311": RESIDENT_HOURS,
    "sensor": SENSOR_HOURS,
}

# Shares along the loop.
ON_SPOT = 0.8  # of patrol findings a worker can fix (findings.csv on_spot=1)
DUPLICATE = 0.04  # of public and hotline reports: the same problem as an open case nearby
REJECT = {"hotline": 0.04, "resident": 0.06, "wechat": 0.06, "open311": 0.05}  # else 0.01
CONSULTATION_ANSWERED = 0.5  # of hotline 咨询 calls: answered on the phone, not made a case
RETURN = {"unit": 0.08, "grid": 0.03}  # 退单, once per case, by units with somewhere to send it
ESCALATE = 0.2  # of grid-led cases the grid cannot finish (逐级上报)
EXTENSION, SUSPEND = 0.08, 0.02
SECOND_EXTENSION, GRANT = 0.2, 0.75
LATE_SIGN = 0.06
REWORK = 0.07  # of first checks that fail (返工)
EVALUATED = {
    "hotline": 0.92,
    "resident": 0.8,
    "wechat": 0.8,
    "open311": 0.7,
    "deputy": 0.7,
    "supervisor": 0.5,
    "patrol": 0.35,
    "sensor": 0.2,
}
SATISFACTION = [("satisfied", 0.86), ("basically_satisfied", 0.105), ("dissatisfied", 0.035)]
REOPEN = 0.6  # of dissatisfied evaluations
SUPERVISE_SLOW = 0.4  # of cases that run into yellow: a supervisor presses (督办)

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
    "余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉海燕文俊晓东雪梅春花"
    "卫鹏辉斌宇浩凯秀英婷欣怡佳琪子涵梓萱雨晨"
)
PLACES = [
    "{c}{n}号院门口",
    "{c}{n}号楼东侧",
    "{c}{n}号院内",
    "{c}沿街商铺门前",
    "{c}{n}号楼北侧路边",
    "{c}{n}号院西门",
    "{c}便民市场旁",
    "{c}{n}号楼前空地",
    "{c}{n}号院南侧人行道",
]  # {place} in findings.csv
BUILDING = "{c}{n}号楼{u}单元"  # {building}: problems inside a building

REJECT_REASONS = [
    "反映事项属民事纠纷，已告知通过人民调解或司法途径解决",
    "经核实不在本辖区，已告知向所在地反映",
    "反映内容不具体，多次回拨无法联系，无法核实",
    "属于已进入司法程序的事项，不予受理",
    "经现场核实问题不存在",
]
RESULTS = {
    "城乡建设": [
        "经现场核实，已协调物业及相关单位整改完毕，并电话告知市民",
        "已组织人员现场处置，问题已解决，市民表示认可",
        "已约谈相关责任单位，限期整改，现已整改到位",
    ],
    "环境保护": [
        "经现场检查，已责令相关单位停止排放并限期整改，复查已达标",
        "已对涉事商户下达整改通知，现场复查已整改",
    ],
    "劳动和社会保障": ["已向来电人详细解释相关政策，并协助办理", "已督促用人单位依法支付，来电人已收到款项"],
    "教育文体": ["已向来电人解释相关政策规定，并责成学校整改", "已核实并督促相关机构规范办理"],
    "商贸旅游": ["已立案调查，对经营者依法处理，并告知来电人结果", "已约谈经营者，督促退还多收费用"],
    "卫生计生": ["已核查并督促医疗机构改进，向来电人解释说明", "已对涉事单位进行检查并依法处理"],
    "交通运输": ["已转交通执法部门依法查处，并告知来电人", "已协调运营单位整改，并回复来电人"],
}
ANSWERED = [
    "已电话联系来电人，详细解答了相关政策规定，来电人表示理解",
    "已向来电人解释相关政策及办理流程，并告知咨询电话",
]
RETURN_REASONS = {  # units that send cases back (退单) → (why, where the dispatcher sends it next)
    "001": ("该问题位于小区内部，属物业服务企业管理范围", "101"),
    "002": ("经核实属物业服务范围，非住建部门职责", "101"),
    "004": ("经核实不属于市场监管职责，属占道经营，建议城管执法处理", "001"),
    "010": ("生活噪声、油烟属城管执法管理范围", "001"),
    "024": ("人行道停车属城管执法管理范围", "001"),
    "101": ("问题位于市政道路，不在物业管理区域内", "001"),
    "grid": ("需执法部门处理，网格无执法权限", "001"),
}


# ---- data ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """A problem found on the street (data/findings.csv): the channels that report it, by flag."""

    code: str
    title: str
    description: str
    result: str
    on_spot: bool
    weight: float
    channels: str


@dataclass(frozen=True)
class Message:
    """A 12345 hotline message (data/hotline_messages.csv) under its three-level class path."""

    path: tuple[str, str, str]
    title: str
    description: str


@lru_cache(maxsize=1)
def findings() -> tuple[Finding, ...]:
    """The shipped street findings, read once."""
    with open(DATA / "findings.csv", encoding="utf-8", newline="") as f:
        return tuple(
            Finding(
                r["code"],
                r["title"],
                r["description"],
                r["result"],
                r["on_spot"] == "1",
                float(r["weight"]),
                r["channels"],
            )
            for r in csv.DictReader(f)
        )


@lru_cache(maxsize=1)
def messages() -> tuple[Message, ...]:
    """The shipped hotline messages, read once."""
    with open(DATA / "hotline_messages.csv", encoding="utf-8", newline="") as f:
        return tuple(
            Message((r["level1"], r["level2"], r["level3"]), r["title"], r["description"]) for r in csv.DictReader(f)
        )
