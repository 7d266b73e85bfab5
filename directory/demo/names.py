"""Chinese personal names for the demo seed: surnames with real frequencies, given names.

Surname weights are per-mille shares of the population, rounded from the 2020 census
ranking (王 李 张 刘 陈 lead with about 7 % each). The tail includes polyphonic surnames
(曾 zēng, 单 shàn, 解 xiè, 仇 qiú, 区 ōu, 朴 piáo, 查 zhā, 盖 gě), compound surnames and
a few characters outside the common-character set, so the demo exercises pinyin, search
and rendering with the names real users have.
"""

from __future__ import annotations

import random


def words(text: str) -> tuple[str, ...]:
    """The white-space separated words of `text` (tables read better as one string)."""
    return tuple(text.split())


# fmt: off
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 71.2), ("李", 70.0), ("张", 67.4), ("刘", 51.0), ("陈", 46.1), ("杨", 32.2),
    ("黄", 24.5), ("赵", 21.9), ("吴", 20.0), ("周", 18.7), ("徐", 14.5), ("孙", 13.8),
    ("马", 12.9), ("朱", 12.8), ("胡", 11.6), ("郭", 11.5), ("何", 10.6), ("罗", 10.0),
    ("高", 10.0), ("林", 9.7), ("郑", 8.4), ("梁", 7.9), ("谢", 7.2), ("宋", 6.6),
    ("唐", 6.4), ("许", 6.3), ("韩", 6.2), ("邓", 6.0), ("冯", 6.0), ("曹", 5.8),
    ("彭", 5.5), ("曾", 5.4), ("肖", 5.3), ("田", 5.2), ("董", 5.1), ("潘", 4.7),
    ("袁", 4.8), ("蔡", 4.4), ("蒋", 4.5), ("余", 4.3), ("于", 4.7), ("杜", 4.2),
    ("叶", 4.2), ("程", 4.1), ("魏", 3.7), ("苏", 3.8), ("吕", 3.6), ("丁", 3.5),
    ("任", 3.4), ("卢", 3.1), ("姚", 3.2), ("沈", 3.3), ("钟", 2.9), ("姜", 3.0),
    ("崔", 2.9), ("谭", 2.8), ("陆", 2.8), ("范", 2.7), ("汪", 2.7), ("廖", 2.6),
    ("石", 2.6), ("金", 2.6), ("韦", 2.5), ("贾", 2.5), ("夏", 2.4), ("付", 2.3),
    ("方", 2.3), ("邹", 2.2), ("熊", 2.2), ("白", 2.1), ("孟", 2.1), ("秦", 2.0),
    ("邱", 2.0), ("侯", 1.9), ("江", 1.9), ("尹", 1.9), ("薛", 1.8), ("闫", 1.8),
    ("段", 1.8), ("雷", 1.7), ("龙", 1.7), ("黎", 1.6), ("史", 1.6), ("陶", 1.6),
    ("贺", 1.5), ("毛", 1.5), ("郝", 1.5), ("顾", 1.5), ("龚", 1.4), ("邵", 1.4),
    ("万", 1.4), ("覃", 1.3), ("武", 1.3), ("钱", 1.3), ("戴", 1.3), ("严", 1.3),
    ("莫", 1.2), ("孔", 1.2), ("向", 1.2), ("常", 1.1), ("汤", 1.1), ("蒲", 0.8),
    ("敬", 0.4), ("母", 0.3), ("税", 0.2), ("苟", 0.5), ("冉", 0.5), ("幸", 0.2),
    # A longer tail, so the leaders keep their census share.
    ("樊", 0.55), ("兰", 0.55), ("殷", 0.55), ("施", 0.55), ("洪", 0.55), ("牛", 0.55), ("温", 0.55), ("季", 0.55), ("俞", 0.55), ("章", 0.55), ("鲁", 0.55), ("葛", 0.55), ("伍", 0.55), ("申", 0.55), ("尤", 0.55), ("毕", 0.55), ("聂", 0.55), ("柴", 0.55), ("焦", 0.55), ("符", 0.55), ("祝", 0.55), ("卜", 0.55), ("包", 0.55), ("岳", 0.55), ("齐", 0.55), ("庞", 0.55), ("耿", 0.55), ("关", 0.55), ("祁", 0.55), ("柳", 0.55), ("甘", 0.55), ("车", 0.55), ("倪", 0.55), ("詹", 0.55), ("凌", 0.55), ("涂", 0.55), ("刁", 0.55), ("鄢", 0.55), ("屈", 0.55), ("喻", 0.55), ("宗", 0.55), ("穆", 0.55), ("舒", 0.55), ("项", 0.55), ("裴", 0.55), ("佘", 0.55), ("牟", 0.55), ("代", 0.55), ("谷", 0.55), ("饶", 0.55),
    # Polyphonic surnames (read differently from the common reading of the character).
    ("单", 0.3), ("解", 0.2), ("仇", 0.2), ("区", 0.1), ("朴", 0.1), ("查", 0.2),
    ("盖", 0.1),
    # Compound and rare surnames.
    ("欧阳", 0.4), ("司马", 0.05), ("诸葛", 0.05), ("上官", 0.05), ("令狐", 0.02),
    ("邝", 0.1), ("禤", 0.02), ("亓", 0.02), ("乜", 0.01),
)
# fmt: on

# Characters used in given names, by gender leaning; "common" ones go with either.
GIVEN_MALE = words(
    "伟 强 磊 军 勇 杰 涛 斌 超 明 刚 平 辉 鹏 华 飞 鑫 波 宇 浩 凯 健 俊 帆 帅 旭 宁 龙 林 "
    "阳 东 亮 成 建 峰 志 鸿 博 文 海 洋 昊 然 睿 泽 轩 航 晨 毅 锋 坤 锐 哲 彬 翔 振 铭 "
    "堃 喆 翀 犇 焱 垚 昇 䶮"
)
GIVEN_FEMALE = words(
    "芳 娜 敏 静 丽 艳 娟 霞 秀 玲 燕 婷 雪 琳 倩 欣 怡 佳 悦 颖 慧 洁 蕾 薇 晶 莉 萍 "
    "红 梅 琴 云 莹 婧 媛 瑶 璐 露 丹 妍 岚 菲 蓉 彤 钰 涵 诗 梦 雯 琪 楠 "
    "珺 玥 婕 晗 昕 淼"
)
GIVEN_COMMON = words("文 小 晓 子 思 嘉 雨 天 一 安 宏 春 永 海 金 国 德 明 新 俊 清 玉 佳 心")


def _cumulative(weights: list[float]) -> list[float]:
    total = 0.0
    out = []
    for w in weights:
        total += w
        out.append(total)
    return out


_SURNAME_CHARS = [s for s, _ in SURNAMES]
_SURNAME_CUM = _cumulative([w for _, w in SURNAMES])


def random_surname(rng: random.Random) -> str:
    """A surname drawn with its population frequency."""
    return rng.choices(_SURNAME_CHARS, cum_weights=_SURNAME_CUM)[0]


def random_given_name(rng: random.Random, male: bool) -> str:
    """A given name of one (about a quarter) or two characters."""
    own = GIVEN_MALE if male else GIVEN_FEMALE

    def pick() -> str:
        return rng.choice(own) if rng.random() < 0.75 else rng.choice(GIVEN_COMMON)

    if rng.random() < 0.25:
        return rng.choice(own)
    first, second = pick(), rng.choice(own)
    while second == first:
        second = rng.choice(own)
    return first + second


def random_name(rng: random.Random, male: bool) -> str:
    """A full name: surname then given name."""
    return random_surname(rng) + random_given_name(rng, male)
