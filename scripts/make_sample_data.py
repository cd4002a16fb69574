#!/usr/bin/env python3
"""Write tunewiz's bilingual (English / Simplified Chinese) customer-service sample data.

The brand, Beanlight (豆光), its products, its policies and every customer in these files are
fictional. The conversations are built from many hand-written parts (products, issue types,
customer phrasings, order situations, policy facts, apology and closing styles) put together with
a fixed random seed, so re-running this script writes byte-identical files:

    python scripts/make_sample_data.py            # writes sample_data/
    python scripts/make_sample_data.py --out DIR  # somewhere else

Standard library only; runs in well under ten seconds.

Files written:
    support_openai.jsonl   OpenAI chat fine-tuning format, one conversation a line
    support_alpaca.json    the same conversations in Alpaca form (history for multi-turn)
    support_sharegpt.json  the same conversations in ShareGPT form
    corpus.txt             raw text for continual pretraining, one document a line
    README.md              what is what
"""
from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import unicodedata
from pathlib import Path

SEED = 20240917
ROOT = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------------------------------------
# The brand
# ---------------------------------------------------------------------------------------------

SYSTEM = {
    "en": [
        "You are the customer care assistant for Beanlight, a small company that makes home coffee "
        "machines, grinders and kettles. Be warm, concise and honest. Apologise when something went "
        "wrong on our side, explain policy in plain words, and never promise refunds, replacements, "
        "compensation or delivery dates that Beanlight policy does not allow. Never ask for card "
        "details or passwords.",
        "You answer customer messages for Beanlight Coffee Gear. Tone: friendly, calm and to the "
        "point. Follow Beanlight policy: returns within 30 days of delivery, a 2-year warranty on "
        "machines, grinders and kettles, 1 year on small items. When you are not sure, say what you "
        "will check and what happens next instead of guessing.",
        "You are Beanlight's support agent. Reply warmly and briefly, own our mistakes, and stay "
        "within policy.",
    ],
    "zh": [
        "你是豆光咖啡器具的客服助手。豆光是一家做家用咖啡机、磨豆机和手冲壶的小品牌。回复要温和、简洁、"
        "真诚：我们做错了就先道歉，政策用大白话讲清楚，不承诺政策以外的退款、换货、补偿或送达时间。"
        "不要向顾客索要银行卡信息或密码。",
        "你负责回复豆光官方商城的顾客消息。语气亲切、冷静、说重点。遵循豆光售后政策：签收后30天内可退货，"
        "咖啡机、磨豆机和手冲壶保修2年，小件产品保修1年。拿不准的事情，说明你会去核实什么、接下来会怎样，"
        "不要猜。",
        "你是豆光的客服。回复温暖简短，承认我们的失误，不超出政策范围做承诺。",
    ],
}
SYSTEM_WEIGHTS = [5, 3, 2]

# key: (English name, English short name, Chinese name, Chinese short name, warranty years, group)
PRODUCTS = {
    "aura": ("Aura espresso machine", "Aura", "Aura 意式咖啡机", "Aura 咖啡机", 2, "machine"),
    "drip": ("Drip 8 coffee maker", "Drip 8", "Drip 8 滴滤咖啡机", "Drip 8", 2, "machine"),
    "pod": ("Pod One capsule machine", "Pod One", "Pod One 胶囊咖啡机", "胶囊机", 2, "machine"),
    "mill": ("Mill Pro grinder", "Mill Pro", "Mill Pro 磨豆机", "磨豆机", 2, "machine"),
    "kettle": ("Pour gooseneck kettle", "Pour kettle", "Pour 温控手冲壶", "手冲壶", 2, "machine"),
    "froth": ("Froth milk frother", "Froth", "Froth 奶泡机", "奶泡机", 1, "small"),
    "cold": ("Cold Brew jar", "Cold Brew jar", "冷萃壶", "冷萃壶", 1, "small"),
    "go": ("Go Press travel mug", "Go Press", "Go Press 便携法压杯", "便携杯", 1, "small"),
}
SHIPPABLE = list(PRODUCTS)
MACHINES = [k for k, v in PRODUCTS.items() if v[5] == "machine"]
SMALL = [k for k, v in PRODUCTS.items() if v[5] == "small"]

# Extra things people order that are not appliances.
EXTRAS_EN = ["a bag of Morning Hill beans", "a descaling kit", "a two-pack of water filters",
             "a steel milk jug", "a spare glass carafe", "a box of Pod One capsules"]
EXTRAS_ZH = ["一袋晨丘咖啡豆", "一盒除垢剂", "两支装滤芯", "一个不锈钢拉花缸", "一个备用玻璃壶",
             "一盒 Pod One 胶囊"]

AGENTS_EN = ["Mia", "Jonah", "Priya", "Sam", "Elena", "Theo", "Grace", "Owen"]
AGENTS_ZH = ["小林", "阿澄", "小周", "小满", "阿楠", "小叶", "小唐", "阿雅"]


def pn(k: str, lang: str, short: bool = False) -> str:
    """A product's name in `lang`."""
    en, en_s, zh, zh_s = PRODUCTS[k][:4]
    if lang == "en":
        return en_s if short else en
    return zh_s if short else zh


def wy(k: str) -> int:
    return PRODUCTS[k][4]


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------

class Gen:
    """Random choices for one conversation, in one language."""

    def __init__(self, r: random.Random, lang: str):
        self.r = r
        self.lang = lang
        self.agent = ""  # whoever signs first signs every later turn of the conversation

    def ch(self, xs):
        return self.r.choice(xs)

    def maybe(self, p: float, x: str) -> str:
        return x if self.r.random() < p else ""

    def order(self) -> str:
        return f"A-{self.r.randint(10214, 39987)}"

    def join(self, *parts: str) -> str:
        parts = [p.strip() for p in parts if p and p.strip()]
        return (" " if self.lang == "en" else "").join(parts)

    def paras(self, *parts: str) -> str:
        return "\n\n".join(p.strip() for p in parts if p and p.strip())

    def sign(self, p: float = 0.3) -> str:
        if self.r.random() >= p:
            return ""
        if not self.agent:
            self.agent = self.ch(AGENTS_EN if self.lang == "en" else AGENTS_ZH)
        if self.lang == "en":
            return self.ch(["— {a}, Beanlight Care", "{a} at Beanlight", "Warm regards,\n{a}, Beanlight Care",
                            "Best,\n{a}"]).format(a=self.agent)
        return self.ch(["豆光客服 {a}", "—— 豆光客服{a}", "祝好！\n豆光客服 {a}"]).format(a=self.agent)

    def steps(self, items: list[str], numbered: bool = True) -> str:
        if numbered:
            return "\n".join(f"{i}. {s}" for i, s in enumerate(items, 1))
        return "\n".join(f"- {s}" for s in items)

    def sample(self, xs, n):
        return self.r.sample(xs, min(n, len(xs)))


def fmt(text: str, **kw) -> str:
    return text.format(**kw) if kw else text


# Weekday / timing phrases, filled into templates.
DAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
DAYS_ZH = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
AGO_EN = ["last week", "over a week ago", "nine days ago", "ten days ago", "two weeks ago",
          "on the weekend", "last Monday", "eight days ago"]
AGO_ZH = ["上周", "一个多星期前", "九天前", "十天前", "两周前", "上个周末", "上周一", "八天前"]

# Openers a customer might start with.
HELLO_EN = ["", "", "", "Hi,", "Hello,", "Hi there,", "Hey,", "Good morning,", "Hi Beanlight,",
            "Hello Beanlight team,"]
HELLO_ZH = ["", "", "", "你好，", "您好，", "在吗？", "客服你好，", "你好呀，", "打扰一下，", "豆光客服你好，"]


def hello(g: Gen) -> str:
    return g.ch(HELLO_EN if g.lang == "en" else HELLO_ZH)


KEEP_CAPS = ("I ", "I'", "Aura", "Drip", "Pod", "Mill", "Pour", "Froth", "Cold", "Go ", "Beanlight", "Morning", "Orchard",
             "Sunday", "THIS", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


def user_join(g: Gen, *parts: str) -> str:
    parts = [p.strip() for p in parts if p and p.strip()]
    if g.lang == "en":
        out = parts[:1]
        for p in parts[1:]:
            if out[-1].endswith(",") and p[:1].isupper() and not p.startswith(KEEP_CAPS):
                p = p[0].lower() + p[1:]
            out.append(p)
        return " ".join(out)
    return "".join(parts)


CJK = "\u4e00-\u9fff"


def space_zh(text: str) -> str:
    """Put a space between Chinese characters and Latin letters or digits, as the brand style guide asks."""
    text = re.sub(f"([{CJK}])([A-Za-z0-9¥])", r"\1 \2", text)
    text = re.sub(f"([A-Za-z0-9%])([{CJK}])", r"\1 \2", text)
    return text

# ---------------------------------------------------------------------------------------------
# How-to knowledge: questions, steps, tips and a one-line answer per task, in both languages.
# Used for the product how-to conversations and, written out as prose, for the corpus.
# ---------------------------------------------------------------------------------------------

HOWTO = [
    dict(
        key="aura_descale", product="aura",
        title_en="Descaling the Aura", title_zh="Aura 咖啡机除垢",
        q_en=["How do I descale the Aura?",
              "The descale light on my Aura espresso machine just came on. What do I do?",
              "what's the right way to descale an aura? never done it before",
              "Can you walk me through descaling the Aura step by step?",
              "My Aura's orange drop light is on. Is that descaling? How does it work?",
              "I've had my Aura for three months and never descaled it. How do I do it properly?"],
        q_zh=["Aura 咖啡机怎么除垢？",
              "我的 Aura 咖啡机除垢灯亮了，要怎么操作？",
              "第一次给 Aura 除垢，能一步一步教我吗？",
              "Aura 上那个橙色水滴灯一直亮，是要除垢了吗？怎么弄？",
              "买了三个月的 Aura 还没除过垢，正确的除垢方法是什么？",
              "请问 Aura 意式机的除垢流程是怎样的？"],
        steps_en=["Empty the drip tray and take the water filter out of the tank if you use one; the descaler would only use it up.",
                  "Dissolve one sachet of Beanlight descaler (or 100 ml of liquid descaler) in water and fill the tank to the MAX line, 1.8 litres.",
                  "Put a bowl or jug that holds at least a litre under the group head, and a mug under the steam wand.",
                  "With the machine on and idle, press and hold the 1-cup and 2-cup buttons together for 3 seconds. The drop light starts blinking to show the cycle has begun.",
                  "The machine pushes the solution through the group head and the steam wand in pulses. It takes about 20 minutes; empty the bowl if it gets close to full.",
                  "When the drop light turns solid, the tank is empty. Rinse the tank well and refill it with clean water to MAX.",
                  "Press the 1-cup button to start the rinse. Clean water runs through the same path for about 10 minutes.",
                  "When the drop light goes out, put the filter back, empty the drip tray and pull one shot to throw away before you make coffee again."],
        steps_zh=["先倒空接水盘；如果水箱里装了滤芯，请先取出，否则除垢剂会白白消耗滤芯。",
                  "把一包豆光除垢剂（或 100 毫升液体除垢剂）兑水倒进水箱，加到 MAX 线，也就是 1.8 升。",
                  "在冲煮头下面放一个至少能装 1 升水的碗或壶，蒸汽棒下面再放一个杯子。",
                  "咖啡机开机待机状态下，同时按住单杯键和双杯键 3 秒，水滴灯开始闪烁，说明除垢程序已经启动。",
                  "机器会分段把除垢液从冲煮头和蒸汽棒排出，全程约 20 分钟，中途碗快满了就倒掉。",
                  "水滴灯变成常亮时，说明水箱已经空了。把水箱冲洗干净，重新加清水到 MAX 线。",
                  "按一下单杯键开始冲洗，清水会沿同样的管路走一遍，大约 10 分钟。",
                  "水滴灯熄灭后装回滤芯、倒空接水盘，先萃取一杯倒掉，之后就可以正常做咖啡了。"],
        tips_en=["In hard-water areas descale every 4 to 6 weeks; with soft or filtered water every 2 to 3 months is enough.",
                 "Please don't use vinegar: it can harden the seals, and damage caused by scale build-up is not covered by the warranty.",
                 "If you stop the cycle halfway, the machine asks you to finish the rinse before it will brew again."],
        tips_zh=["水质硬的地区建议每 4 到 6 周除垢一次，用软水或过滤水的话 2 到 3 个月一次就够了。",
                 "请不要用白醋代替除垢剂，醋会让密封圈变硬；因为长期不除垢导致的水垢损坏不在保修范围内。",
                 "如果除垢中途停下，机器会要求先完成冲洗程序才能继续做咖啡。"],
        short_en="Fill the tank with descaler solution, hold the 1-cup and 2-cup buttons for 3 seconds and let it run for about 20 minutes, then rinse with a full tank of clean water.",
        short_zh="水箱加除垢液，同时按住单杯键和双杯键 3 秒启动，跑完约 20 分钟后换一箱清水冲洗即可。",
    ),
    dict(
        key="aura_steam", product="aura",
        title_en="Steaming milk on the Aura", title_zh="用 Aura 打奶泡",
        q_en=["How do I steam milk with the Aura's wand? Mine always comes out bubbly.",
              "Any tips for getting silky milk for a flat white on the Aura?",
              "I can't get microfoam on my Aura. The milk just screams and gets big bubbles.",
              "How do you use the steam wand on the Aura espresso machine?",
              "Is there a trick to steaming oat milk on the Aura?"],
        q_zh=["Aura 的蒸汽棒怎么打奶泡？我打出来全是大泡泡。",
              "想用 Aura 做馥芮白，怎么打出细腻的奶泡？",
              "用 Aura 打奶的时候声音很尖，奶泡很粗，是哪里不对？",
              "请问 Aura 意式咖啡机的蒸汽棒怎么用？",
              "用 Aura 打燕麦奶有什么技巧吗？"],
        steps_en=["Fill a cold steel jug with cold milk up to just below where the spout starts, about 150 ml for one latte.",
                  "Turn the dial to the steam symbol and wait for the steam light to stop blinking, about 30 seconds.",
                  "Point the wand into the drip tray and open it for two seconds to purge the condensed water.",
                  "Put the wand tip just under the surface of the milk, a little off centre, then open the steam fully.",
                  "For the first few seconds you should hear a soft paper-tearing sound as air goes in. Let the milk grow by about a third for a latte, a little less for a flat white.",
                  "Raise the jug so the tip sinks about a centimetre and the milk starts to spin. Keep it spinning until the jug is too hot to hold comfortably, about 60 to 65 °C.",
                  "Close the steam before you take the wand out, then wipe it with a damp cloth and purge it again straight away.",
                  "Tap the jug on the counter, swirl it until the milk looks glossy, and pour right away."],
        steps_zh=["拉花缸和牛奶都要冷的，倒牛奶到缸嘴下沿稍低一点的位置，做一杯拿铁大约 150 毫升。",
                  "把旋钮转到蒸汽档，等蒸汽灯停止闪烁，大约 30 秒。",
                  "蒸汽棒先对着接水盘打开两秒，排掉里面的冷凝水。",
                  "把蒸汽棒喷嘴放在奶面下方一点点、稍微偏离中心的位置，然后把蒸汽开到最大。",
                  "开头几秒能听到轻微的嘶嘶撕纸声，说明在进空气。做拿铁让奶量涨大约三分之一，馥芮白少一点。",
                  "把拉花缸往上抬，让喷嘴没入奶面一厘米左右，牛奶开始旋转。一直打到缸身烫手，大约 60 到 65 度。",
                  "先关蒸汽再把蒸汽棒拿出来，马上用湿布擦干净并再排一次汽。",
                  "拉花缸在台面上轻敲几下，晃到奶面发亮，尽快倒入咖啡。"],
        tips_en=["A loud screech usually means the tip is too deep or too far out; a steady hiss means it is right.",
                 "Oat and soy milks labelled barista edition foam much better than regular ones, and they scorch above 60 °C, so stop a little earlier.",
                 "Big bubbles usually come from letting in air too late; do all the stretching in the first five seconds."],
        tips_zh=["声音很尖通常是喷嘴太深或者太浅，听到稳定的嘶嘶声才是对的。",
                 "植物奶尽量选咖啡师版，普通燕麦奶很难打出细腻奶泡；植物奶超过 60 度容易有焦味，可以早一点停。",
                 "出现大泡泡多半是进空气太晚，打发要在开头五秒内完成。"],
        short_en="Purge the wand, start with the tip just under the surface for a few seconds to add air, then sink it a little so the milk spins until the jug is hot to the touch.",
        short_zh="先排冷凝水，喷嘴贴着奶面进气几秒，然后稍微深入让牛奶旋转，打到缸身烫手就可以停了。",
    ),
    dict(
        key="aura_dialin", product="aura",
        title_en="Dialling in espresso on the Aura", title_zh="Aura 的萃取调整",
        q_en=["My espresso from the Aura tastes sour and runs really fast. What am I doing wrong?",
              "Shots on my Aura come out in like 12 seconds. How do I fix that?",
              "How do I dial in a new bag of beans on the Aura?",
              "The coffee from my Aura is bitter and drips out slowly. Help?",
              "What dose and shot time should I use on the Aura?"],
        q_zh=["Aura 做出来的浓缩很酸，流速特别快，是哪里出了问题？",
              "我的 Aura 萃取十几秒就结束了，怎么调？",
              "换了新豆子，Aura 要怎么重新调参数？",
              "Aura 出来的咖啡又苦又慢，一滴一滴的，怎么办？",
              "Aura 做浓缩，粉量和萃取时间一般用多少？"],
        steps_en=["Start from our default recipe: 18 g of ground coffee in the double basket, about 36 g of espresso in the cup, in 25 to 30 seconds.",
                  "Weigh the dose rather than guessing; a cheap kitchen scale that reads to 0.1 g makes this much easier.",
                  "Spread the grounds evenly and tamp level with firm, steady pressure. How hard you press matters less than pressing the same way every time.",
                  "Pull a shot and time it from the moment you press the button.",
                  "If it runs faster than 25 seconds or tastes sour, grind finer by one or two steps and try again.",
                  "If it runs slower than 30 seconds or tastes bitter and harsh, grind coarser by one or two steps.",
                  "Change only one thing at a time, and throw away the first shot after each grind change because the grinder still holds some of the old grounds.",
                  "Once the time is right, taste: if it is still a little sharp, try 38 to 40 g out; if it is thin, try 34 g."],
        steps_zh=["从我们推荐的基础参数开始：双份粉碗装 18 克粉，出液约 36 克，时间 25 到 30 秒。",
                  "粉量用秤称，别靠估；精确到 0.1 克的厨房秤就很好用。",
                  "布粉均匀，压粉要压平，力度稳定。压多重没那么关键，关键是每次都一样。",
                  "按下萃取键的同时开始计时。",
                  "如果不到 25 秒就结束，或者喝起来偏酸，把研磨调细一到两格再试。",
                  "如果超过 30 秒，或者又苦又涩，就调粗一到两格。",
                  "每次只改一个变量；每次调整研磨度后，第一杯倒掉，因为磨豆机里还残留着之前的粉。",
                  "时间对了以后再尝味道：还有点尖酸可以把出液加到 38 到 40 克，口感太薄就减到 34 克。"],
        tips_en=["Beans roasted in the last 5 to 21 days are easiest to work with; very fresh beans gush and spurt.",
                 "Pre-ground supermarket coffee is usually too coarse for espresso, so fast sour shots are normal with it.",
                 "If you change the dose, the shot time will change too, so re-check the grind."],
        tips_zh=["烘焙后 5 到 21 天的豆子最好调；太新鲜的豆子排气多，容易喷溅。",
                 "超市买的现成咖啡粉一般对浓缩来说太粗，萃取快、偏酸是正常的。",
                 "改了粉量，萃取时间也会跟着变，记得重新确认研磨度。"],
        short_en="Aim for about 36 g of espresso from 18 g of coffee in 25 to 30 seconds: grind finer if it runs fast and tastes sour, coarser if it runs slow and tastes bitter.",
        short_zh="目标是 18 克粉在 25 到 30 秒内出 36 克左右：流得快、偏酸就调细，流得慢、发苦就调粗。",
    ),
    dict(
        key="aura_backflush", product="aura",
        title_en="Cleaning the Aura's group head", title_zh="清洁 Aura 冲煮头",
        q_en=["How do I clean the group head on the Aura? There's old coffee stuck up there.",
              "How do I use the blind basket from the Aura box to clean the machine?",
              "How do I backflush the Aura and how often?",
              "My Aura's coffee has started tasting stale and a bit rancid. Could it need cleaning?"],
        q_zh=["Aura 的冲煮头怎么清洁？上面粘了很多咖啡渣。",
              "Aura 包装里那个没有孔的粉碗，清洁的时候怎么用？",
              "Aura 要怎么反冲洗？多久做一次？",
              "最近 Aura 做的咖啡有股陈油味，是不是该清洁了？"],
        steps_en=["Swap the normal basket in the portafilter for the blind basket, the one with no holes.",
                  "Put one Beanlight cleaning tablet (or half a teaspoon of espresso-machine cleaning powder) into the blind basket.",
                  "Lock the portafilter in and press the 2-cup button. Let it run for 10 seconds, then press again to stop; the pressure releases into the drip tray.",
                  "Repeat that run-and-stop five times, then take the portafilter out and rinse it.",
                  "Lock it back in with clean water only and do five more 10-second runs to rinse out the cleaner.",
                  "Wipe the shower screen and the rubber gasket around it with a damp cloth or a group-head brush.",
                  "Soak the portafilter and normal baskets in hot water with a little cleaner for 15 minutes, then rinse.",
                  "Pull one shot and throw it away before you brew again."],
        steps_zh=["把手柄里的普通粉碗换成盲碗，也就是底部没有孔的那个。",
                  "在盲碗里放一片豆光清洁片，或者半茶匙意式机专用清洁粉。",
                  "装上手柄，按双杯键，运行 10 秒后再按一下停止，压力会释放到接水盘里。",
                  "这样开 10 秒、停一下，重复五次，然后取下手柄冲洗干净。",
                  "盲碗里不放清洁片，只用清水再重复五次，把残留的清洁剂冲掉。",
                  "用湿布或冲煮头刷擦一擦分水网和周围的橡胶密封圈。",
                  "手柄和普通粉碗放进加了少量清洁剂的热水里泡 15 分钟，再冲洗干净。",
                  "重新做咖啡之前，先萃取一杯倒掉。"],
        tips_en=["With cleaner, once a month is plenty for home use; a plain-water backflush once a week keeps the taste clean in between.",
                 "Don't use cleaning tablets in the normal basket or in the Pod One; they only work with the blind basket.",
                 "The group gasket is a wear part; if it looks cracked or the portafilter leaks at the sides, a new one costs very little."],
        tips_zh=["家用的话用清洁片一个月一次就够了，中间每周用清水反冲一次，味道会一直很干净。",
                 "清洁片只能配合盲碗用，不要放在普通粉碗里，也不要用在 Pod One 上。",
                 "冲煮头密封圈属于易损件，如果开裂或者手柄侧面漏水，换一个新的花费很少。"],
        short_en="Put the blind basket and a cleaning tablet in the portafilter, run the 2-cup button for 10 seconds five times, then repeat with plain water to rinse.",
        short_zh="手柄换上盲碗放一片清洁片，按双杯键开 10 秒停一下，重复五次，再用清水同样冲五次即可。",
    ),
    dict(
        key="aura_firstuse", product="aura",
        title_en="Setting up a new Aura", title_zh="新 Aura 首次使用",
        q_en=["Just unboxed my Aura. What do I need to do before the first coffee?",
              "Is there anything I should do before using my new Aura espresso machine for the first time?",
              "How do I set up the Aura out of the box?",
              "First time using the Aura and nothing comes out of the group head. Did I miss a step?"],
        q_zh=["刚拆箱 Aura，第一次做咖啡前要做些什么？",
              "新买的 Aura 意式机第一次用有什么要注意的吗？",
              "Aura 开箱后怎么安装设置？",
              "第一次用 Aura，冲煮头不出水，是不是漏了哪一步？"],
        steps_en=["Take out all the packing, including the foam plug under the drip tray and the tape on the water tank.",
                  "Wash the tank, the portafilter, the baskets and the milk jug in warm soapy water and rinse them.",
                  "Fill the tank with fresh cold water to MAX and slide it in until it clicks.",
                  "Plug the machine in and switch it on; the buttons blink while it heats, which takes about 40 seconds.",
                  "Prime the pump: with no portafilter fitted, press the 2-cup button and let water run from the group head until it flows steadily. A new pump can hum for a few seconds before water appears; that is normal.",
                  "Turn the dial to steam and let the wand run into a jug for 15 seconds, then turn it back.",
                  "Lock the empty portafilter in and run two cycles of hot water through it into a mug to warm everything up.",
                  "If you use the water filter, soak it for 5 minutes and push it onto the socket in the tank before your first real coffee."],
        steps_zh=["先把所有包装材料拿掉，包括接水盘下面的泡棉塞和水箱上的胶带。",
                  "水箱、手柄、粉碗和拉花缸用温的洗洁精水洗一遍，再冲干净。",
                  "水箱加满新鲜冷水到 MAX 线，推回去直到听到咔嗒一声。",
                  "插电开机，加热时按键会闪，大约 40 秒。",
                  "给水泵排气：不装手柄，按双杯键让冲煮头出水，直到水流稳定。新机器的水泵刚开始会嗡嗡响几秒才出水，这是正常的。",
                  "旋钮转到蒸汽档，让蒸汽棒对着杯子喷 15 秒，再转回来。",
                  "装上空手柄，对着杯子放两次热水，让整个冲煮系统预热。",
                  "如果要用滤芯，先泡水 5 分钟，再插到水箱里的接口上，然后就可以做第一杯咖啡了。"],
        tips_en=["Keep the box for the first 30 days; a return is easier in the original packaging.",
                 "The first two or three shots are best thrown away while you find the right grind."],
        tips_zh=["前 30 天请保留包装箱，万一需要退换货，用原包装会方便很多。",
                 "头两三杯一般是在找研磨度，可以直接倒掉。"],
        short_en="Remove the packing, rinse the parts, fill the tank and run water through the group head with no portafilter until it flows steadily; the pump may hum a few seconds first.",
        short_zh="拿掉包装材料、清洗配件、加满水，不装手柄按双杯键让冲煮头出水，直到水流稳定即可，水泵开头嗡几秒是正常的。",
    ),
    dict(
        key="aura_filter", product="aura",
        title_en="Fitting and changing the Aura water filter", title_zh="Aura 滤芯的安装与更换",
        q_en=["How do I put the water filter in my Aura, and how often does it need changing?",
              "I bought the water filter for my Aura. How do I fit it?",
              "Where does the filter cartridge go on the Aura?"],
        q_zh=["Aura 的滤芯怎么装？多久换一次？",
              "买了 Aura 的滤芯，要怎么装上去？",
              "Aura 的滤芯是装在哪里的？"],
        steps_en=["Soak the new cartridge in a glass of cold water for 5 minutes and squeeze it gently until no more bubbles come out.",
                  "Turn the date ring on top to the month you are fitting it, so you know when it is due.",
                  "Take the tank out, push the cartridge firmly onto the socket at the bottom, and fill the tank.",
                  "Run about half a tank through the group head and throw that water away.",
                  "Change the cartridge every two months, or after about 50 litres, whichever comes first."],
        steps_zh=["新滤芯先在冷水里泡 5 分钟，轻轻捏几下，直到不再冒气泡。",
                  "把顶部的日期环转到当前月份，方便记住下次什么时候换。",
                  "取出水箱，把滤芯用力按到水箱底部的接口上，然后加水。",
                  "让大约半箱水从冲煮头流出，这部分水倒掉不用。",
                  "每两个月或者用水约 50 升换一次滤芯，以先到者为准。"],
        tips_en=["The filter is optional with soft water, but it halves how often you need to descale in hard-water areas.",
                 "Used cartridges can't be returned, but unopened ones can within 30 days."],
        tips_zh=["水质软的地方可以不用滤芯；水硬的地方用了滤芯，除垢频率大约能减半。",
                 "用过的滤芯不能退，未拆封的 30 天内可以退。"],
        short_en="Soak the cartridge for 5 minutes, push it onto the socket at the bottom of the tank, and change it every two months.",
        short_zh="滤芯先泡水 5 分钟，插到水箱底部接口上，每两个月换一次。",
    ),
    dict(
        key="drip_timer", product="drip",
        title_en="Setting the Drip 8 auto-brew timer", title_zh="设置 Drip 8 定时冲煮",
        q_en=["How do I set the Drip 8 to have coffee ready when I wake up?",
              "Can the Drip 8 brew on a timer? I can't figure out the buttons.",
              "how do you program the drip 8 for the morning",
              "The clock on my Drip 8 keeps resetting and the timer doesn't go off. What am I missing?"],
        q_zh=["Drip 8 怎么设置成早上起床就有咖啡？",
              "Drip 8 可以定时煮咖啡吗？按键看不懂。",
              "怎么给 Drip 8 设预约？",
              "我的 Drip 8 时钟老是归零，定时也不启动，是哪里没设置好？"],
        steps_en=["Set the clock first: hold CLOCK for 2 seconds, use the hour and minute buttons, then press CLOCK again.",
                  "Hold PROG for 2 seconds until the small clock icon blinks, set the brew time with the hour and minute buttons, and press PROG again.",
                  "Add water and ground coffee the evening before, with the carafe and lid in place.",
                  "Press PROG once more; the AUTO light comes on to show the timer is armed.",
                  "To cancel, press PROG until the AUTO light goes off."],
        steps_zh=["先设时钟：长按 CLOCK 键 2 秒，用小时键和分钟键调时间，再按一次 CLOCK 确认。",
                  "长按 PROG 键 2 秒，看到小时钟图标闪烁，用小时键和分钟键设定冲煮时间，再按 PROG 确认。",
                  "前一天晚上加好水和咖啡粉，放好玻璃壶和壶盖。",
                  "再按一下 PROG，AUTO 灯亮起，说明定时已经生效。",
                  "想取消定时，按 PROG 直到 AUTO 灯熄灭。"],
        tips_en=["The clock resets after a power cut or if it is unplugged; the timer will not fire until the clock is set again.",
                 "Ground coffee left overnight loses a little aroma. A clip on the bag and grinding just before bed is the best compromise."],
        tips_zh=["断电或拔掉插头后时钟会归零，需要重新设置时钟，定时才会生效。",
                 "咖啡粉放一夜香气会散一些，睡前再磨、粉袋夹紧，是比较折中的办法。"],
        short_en="Set the clock with CLOCK, set the brew time with PROG, load water and coffee, then press PROG until the AUTO light is on.",
        short_zh="先用 CLOCK 设好时钟，再用 PROG 设冲煮时间，加好水和粉后按 PROG 让 AUTO 灯亮起就行。",
    ),
    dict(
        key="drip_ratio", product="drip",
        title_en="Getting the strength right on the Drip 8", title_zh="Drip 8 的粉水比和浓度",
        q_en=["How much coffee should I put in the Drip 8 for a full pot?",
              "My coffee from the Drip 8 is weak and watery. How much ground coffee should I use?",
              "What does the BOLD button on the Drip 8 actually do?",
              "What's a good coffee-to-water ratio for the Drip 8?"],
        q_zh=["Drip 8 煮一整壶要放多少咖啡粉？",
              "Drip 8 煮出来的咖啡很淡，像水一样，粉要放多少？",
              "Drip 8 上的 BOLD 键是干什么用的？",
              "Drip 8 的粉水比多少比较合适？"],
        steps_en=["Use about 60 g of medium-ground coffee per litre of water, which is roughly 8 level scoops for the full 1.2-litre carafe.",
                  "For a half pot, use the 1-4 button; it slows the water so a smaller batch still extracts properly.",
                  "Grind medium, about like coarse sand. Too fine and the basket can overflow; too coarse and the coffee tastes thin.",
                  "If it is still weak, add one more scoop before you make the grind finer.",
                  "The BOLD button pauses the flow a few times during brewing so the water spends longer with the coffee. It makes the cup stronger without using more coffee."],
        steps_zh=["每升水大约用 60 克中等研磨的咖啡粉，满壶 1.2 升差不多是 8 平勺。",
                  "只煮半壶时按 1-4 键，机器会放慢出水，少量冲煮也能萃取充分。",
                  "研磨度选中等，大概像粗砂的颗粒。太细滤篮可能溢出，太粗味道会寡淡。",
                  "如果还是偏淡，先多加一勺粉，再考虑把研磨调细。",
                  "BOLD 键会在冲煮中停顿几次，让水和咖啡粉接触更久，不多用粉也能让味道更浓。"],
        tips_en=["Weak coffee is almost always too little coffee or too coarse a grind, not a fault in the machine.",
                 "Keep-warm plates slowly cook coffee; the Drip 8 switches its plate off after 40 minutes for that reason."],
        tips_zh=["咖啡淡几乎都是粉放少了或者磨得太粗，一般不是机器的问题。",
                 "保温盘会慢慢把咖啡煮出焦苦味，所以 Drip 8 的保温盘 40 分钟后会自动关闭。"],
        short_en="About 60 g of medium-ground coffee per litre, so roughly 8 level scoops for a full carafe; BOLD slows the brew for a stronger cup.",
        short_zh="每升水约 60 克中等研磨的粉，满壶大约 8 平勺；按 BOLD 可以让味道更浓。",
    ),
    dict(
        key="drip_descale", product="drip",
        title_en="Descaling the Drip 8", title_zh="Drip 8 除垢",
        q_en=["The CLEAN light on my Drip 8 is on. How do I descale it?",
              "My Drip 8 has got really slow and loud. Does it need descaling?",
              "How do I clean the scale out of the Drip 8?"],
        q_zh=["Drip 8 的 CLEAN 灯亮了，怎么除垢？",
              "Drip 8 最近煮得特别慢，声音也大，是不是该除垢了？",
              "Drip 8 里面的水垢怎么清理？"],
        steps_en=["Empty the carafe and the filter basket and take out any paper filter.",
                  "Fill the tank to the 8-cup line with one sachet of descaler dissolved in water.",
                  "Put the empty carafe on the plate and hold CLEAN for 3 seconds. The light blinks and the machine brews in short bursts with pauses, about 30 minutes in all.",
                  "When it beeps, pour the solution away and rinse the carafe.",
                  "Run two full tanks of clean water through on a normal brew to rinse."],
        steps_zh=["倒空玻璃壶和滤篮，取出滤纸。",
                  "水箱里加一包除垢剂兑的水，加到 8 杯刻度线。",
                  "把空玻璃壶放在保温盘上，长按 CLEAN 键 3 秒，灯闪烁后机器会分段出水、中间停顿，全程约 30 分钟。",
                  "听到提示音后把除垢液倒掉，冲洗玻璃壶。",
                  "再用清水按正常冲煮跑两满箱，冲洗干净。"],
        tips_en=["Slow, noisy brewing is the classic sign of scale; after descaling it should be back to about 8 minutes for a full pot.",
                 "Descale about once a month with hard water, every three months with soft water."],
        tips_zh=["煮得慢、声音大是典型的水垢症状，除垢后满壶应该恢复到 8 分钟左右。",
                 "水质硬建议一个月除垢一次，水质软三个月一次即可。"],
        short_en="Fill the tank with descaler solution, hold CLEAN for 3 seconds, wait for the beep, then run two tanks of clean water through.",
        short_zh="水箱加除垢液，长按 CLEAN 键 3 秒，提示音响后再用清水冲两箱即可。",
    ),
    dict(
        key="mill_grind", product="mill",
        title_en="Choosing a grind setting on the Mill Pro", title_zh="Mill Pro 研磨度怎么选",
        q_en=["What grind setting should I use on the Mill Pro for pour-over?",
              "Which number on the Mill Pro is right for a French press?",
              "I'm new to grinding. What settings on the Mill Pro for espresso, drip and cold brew?",
              "How do I change the grind size on the Mill Pro? The dial feels stiff."],
        q_zh=["Mill Pro 做手冲用哪个档位？",
              "用法压壶的话，Mill Pro 调到几档？",
              "刚开始自己磨豆，Mill Pro 做意式、滴滤和冷萃分别用什么档？",
              "Mill Pro 的研磨度怎么调？旋钮有点紧。"],
        steps_en=["Only turn the grind dial while the motor is running, or with the hopper empty; turning it with beans sitting between the burrs is what makes it feel stiff.",
                  "Espresso: settings 4 to 10. Start at 7 and adjust by one step at a time.",
                  "Pour-over: 18 to 24. Start at 21 for a V60-style dripper.",
                  "Drip machines like the Drip 8: 22 to 28.",
                  "French press and the Go Press: 30 to 34.",
                  "Cold brew: 36 to 40, the coarsest end.",
                  "Set the grind time with the timer dial, roughly 1 second per 1.4 g of coffee, and weigh the first few doses to check."],
        steps_zh=["调研磨度时要么让电机在运转，要么把豆仓清空；豆子卡在刀盘之间时转旋钮会觉得很紧。",
                  "意式：4 到 10 档，建议从 7 档开始，每次调一格。",
                  "手冲：18 到 24 档，V60 类的滤杯可以从 21 档开始。",
                  "滴滤咖啡机，比如 Drip 8：22 到 28 档。",
                  "法压壶和 Go Press：30 到 34 档。",
                  "冷萃：36 到 40 档，也就是最粗的一端。",
                  "用定时旋钮设研磨时间，大约每秒出 1.4 克粉，头几次最好称一下确认。"],
        tips_en=["Numbers are a starting point; every bean grinds a little differently, so taste and adjust.",
                 "Oily dark roasts clog burrs faster; brush them out more often if you use them."],
        tips_zh=["档位只是起点，不同豆子研磨起来会有差别，要边喝边调。",
                 "油多的深烘豆更容易堵刀盘，常用的话要勤清理。"],
        short_en="Roughly: espresso 4 to 10, pour-over 18 to 24, drip 22 to 28, French press 30 to 34, cold brew 36 to 40; only turn the dial with the motor running.",
        short_zh="大致是：意式 4 到 10 档，手冲 18 到 24，滴滤 22 到 28，法压 30 到 34，冷萃 36 到 40；调档时让电机转着。",
    ),
    dict(
        key="mill_clean", product="mill",
        title_en="Cleaning the Mill Pro burrs", title_zh="清洁 Mill Pro 刀盘",
        q_en=["How do I clean the burrs on the Mill Pro?",
              "My Mill Pro has slowed down and the grounds are clumpy. Does it need cleaning?",
              "Can I wash the Mill Pro burrs with water?"],
        q_zh=["Mill Pro 的刀盘怎么清洁？",
              "Mill Pro 最近磨得慢，粉还结块，是要清洁了吗？",
              "Mill Pro 的刀盘可以用水洗吗？"],
        steps_en=["Unplug the grinder and grind until the hopper is completely empty.",
                  "Turn the hopper anticlockwise and lift it off.",
                  "Lift the upper burr out by its two wire handles.",
                  "Brush both burrs and the grinding chamber with the brush from the box; a vacuum cleaner on low helps with the fines.",
                  "Wipe the outside and the grounds chute with a dry cloth.",
                  "Put the upper burr back so the handles sit in their slots, refit the hopper until it clicks, and grind a few grams to throw away."],
        steps_zh=["拔掉电源，先空磨到豆仓完全没有豆子。",
                  "把豆仓逆时针转动后取下。",
                  "捏住上刀盘的两个提手，把上刀盘取出。",
                  "用包装里附带的刷子清理上下刀盘和研磨腔，细粉可以用吸尘器低档吸一下。",
                  "用干布擦外壳和出粉口。",
                  "把上刀盘放回，提手卡进槽里，装回豆仓直到咔嗒一声，磨几克豆子倒掉。"],
        tips_en=["Don't wash the burrs with water; they can rust and the warranty does not cover rust from washing.",
                 "Grinder cleaning tablets are fine once a month instead of the full take-apart."],
        tips_zh=["刀盘不要用水洗，容易生锈，水洗造成的锈蚀不在保修范围内。",
                 "也可以每月用一次磨豆机专用清洁颗粒，代替完整拆洗。"],
        short_en="Empty it, lift off the hopper and upper burr, brush everything clean with the supplied brush, and never wash the burrs with water.",
        short_zh="空磨后取下豆仓和上刀盘，用附带的刷子刷干净就行，刀盘千万别水洗。",
    ),
    dict(
        key="froth_use", product="froth",
        title_en="Using the Froth for hot and cold foam", title_zh="Froth 奶泡机冷热奶泡",
        q_en=["How do I make cold foam with the Froth?",
              "The Froth only gives me hot milk without foam. What am I doing wrong?",
              "First time with a milk frother. How do I use the Froth?",
              "How do I get thick foam for a cappuccino out of the Froth?"],
        q_zh=["Froth 怎么打冷奶泡？",
              "我的 Froth 只能加热牛奶，打不出奶泡，是哪里不对？",
              "第一次用奶泡机，Froth 怎么用？",
              "想做卡布奇诺，Froth 怎么打出厚奶泡？"],
        steps_en=["For foam, fit the whisk with the spring coil; for hot milk without foam, use the plain disc.",
                  "Pour cold milk up to the lower MAX line, 120 ml, for foam; up to the upper line, 240 ml, for hot milk with the disc.",
                  "Put the lid on firmly; the Froth won't start if the lid is loose.",
                  "Press once for hot foam, which takes about 90 seconds, or hold for 2 seconds for cold foam, the blue light, about 60 seconds.",
                  "Rinse the jug straight after use with warm water; it is non-stick, so use a soft sponge only."],
        steps_zh=["打奶泡时装带弹簧圈的打泡头；只想热牛奶不要奶泡就换平的圆盘。",
                  "打奶泡时牛奶加到下面那条 MAX 线，120 毫升；用圆盘热牛奶可以加到上面那条线，240 毫升。",
                  "盖子要盖紧，盖子没盖好 Froth 不会启动。",
                  "短按一下是热奶泡，约 90 秒；长按 2 秒是冷奶泡，亮蓝灯，约 60 秒。",
                  "用完马上用温水冲洗杯体；内壁是不粘涂层，请只用软海绵。"],
        tips_en=["Cold whole milk or barista oat milk foams best; skimmed milk makes big, dry foam that collapses fast.",
                 "No foam usually means the disc is fitted instead of the whisk."],
        tips_zh=["冷的全脂牛奶或咖啡师版燕麦奶打泡效果最好；脱脂奶的奶泡又粗又干，很快就塌。",
                 "打不出奶泡，多半是装的是圆盘而不是打泡头。"],
        short_en="Fit the spring whisk, fill to the lower line, and hold the button for 2 seconds for cold foam; a single press gives hot foam.",
        short_zh="装上带弹簧圈的打泡头，加奶到下面那条线，长按 2 秒是冷奶泡，短按是热奶泡。",
    ),
    dict(
        key="kettle_temp", product="kettle",
        title_en="Setting and holding temperature on the Pour kettle", title_zh="Pour 手冲壶的温度设置和保温",
        q_en=["How do I set the temperature on the Pour kettle?",
              "Can the Pour kettle keep the water hot? It cools down while I grind.",
              "The Pour kettle has so many settings. How do I set a temperature and keep it there?",
              "How does the hold function on the Pour kettle work?"],
        q_zh=["Pour 手冲壶怎么设温度？",
              "Pour 手冲壶能保温吗？我磨豆的时候水就凉了。",
              "Pour 手冲壶功能有点多，怎么设温度、怎么保温？",
              "Pour 手冲壶的保温功能怎么用？"],
        steps_en=["Put the kettle on the base and turn the dial to choose a temperature between 40 and 100 °C, in 1-degree steps.",
                  "Press the dial once to start heating. The ring glows red while it heats and turns white when it reaches the set temperature.",
                  "To keep it there, press and hold the dial for 2 seconds; the HOLD icon shows and the kettle keeps the temperature for up to 60 minutes.",
                  "Lifting the kettle off the base pauses the hold; put it back within 2 minutes and it carries on.",
                  "To switch between °C and °F, hold the dial for 5 seconds while the kettle is off."],
        steps_zh=["把壶放在底座上，转动旋钮选择 40 到 100 度之间的温度，每次调 1 度。",
                  "按一下旋钮开始加热，加热时光圈是红色，到达设定温度后变成白色。",
                  "想保温就长按旋钮 2 秒，显示 HOLD 图标，最长保温 60 分钟。",
                  "把壶从底座拿起来保温会暂停，2 分钟内放回去会继续保温。",
                  "关机状态下长按旋钮 5 秒，可以在摄氏度和华氏度之间切换。"],
        tips_en=["Good starting points: light-roast pour-over 94 °C, dark roast 88 °C, green tea 80 °C, white tea 85 °C.",
                 "Only fill between MIN and MAX; below MIN the kettle stops to protect itself and shows E2."],
        tips_zh=["参考温度：浅烘手冲 94 度，深烘 88 度，绿茶 80 度，白茶 85 度。",
                 "水量要在 MIN 和 MAX 之间；低于 MIN 壶会自我保护停止加热，并显示 E2。"],
        short_en="Turn the dial to pick 40 to 100 °C, press to heat, and hold the dial for 2 seconds to keep it at that temperature for up to an hour.",
        short_zh="转旋钮选 40 到 100 度，按一下开始加热，长按 2 秒可以保温最长一小时。",
    ),
    dict(
        key="kettle_pourover", product="kettle",
        title_en="A simple pour-over recipe with the Pour kettle", title_zh="用 Pour 手冲壶做一杯手冲",
        q_en=["Can you give me a simple pour-over recipe to use with my new Pour kettle?",
              "I bought the Pour kettle for pour-over. How should I actually pour?",
              "What's a good beginner pour-over method with the gooseneck kettle?"],
        q_zh=["刚买了 Pour 手冲壶，能给个简单的手冲方法吗？",
              "买 Pour 手冲壶就是为了做手冲，具体应该怎么注水？",
              "新手用细嘴壶做手冲，有什么好上手的方法？"],
        steps_en=["Heat the water to 93 °C for a medium roast, a degree or two higher for light roasts.",
                  "Weigh 15 g of coffee and grind it medium-fine, about setting 21 on the Mill Pro.",
                  "Put a paper filter in the dripper, rinse it with hot water, and throw that water away.",
                  "Add the coffee, shake it level, and start a timer as you pour 30 g of water to wet all of it. Wait 30 to 40 seconds while it blooms.",
                  "Pour slowly in small circles up to 150 g by about 1:15, keeping the stream thin and steady.",
                  "Pour again up to 250 g by about 2:00, then give the dripper a gentle swirl.",
                  "It should finish draining between 2:45 and 3:30. Faster means grind finer next time; slower means coarser."],
        steps_zh=["中度烘焙用 93 度的水，浅烘可以再高一两度。",
                  "称 15 克咖啡豆，磨成中细粉，在 Mill Pro 上大约 21 档。",
                  "把滤纸放进滤杯，用热水冲湿滤纸，把这部分水倒掉。",
                  "倒入咖啡粉，轻轻晃平，开始计时，先注入 30 克水让粉全部湿透，等 30 到 40 秒闷蒸。",
                  "小圈慢慢注水，大约在 1 分 15 秒时到 150 克，水流保持细而稳。",
                  "第二段注水到 250 克，大约 2 分钟时完成，然后轻轻晃一下滤杯。",
                  "总时间在 2 分 45 秒到 3 分 30 秒之间滴完比较理想。滴得快下次磨细一点，滴得慢就磨粗一点。"],
        tips_en=["A ratio of about 1 to 16 is a forgiving place to start; adjust to taste.",
                 "Pouring height matters more than pattern: keep the spout low and the stream gentle."],
        tips_zh=["1 比 16 左右的粉水比比较好上手，再按口味微调。",
                 "注水的高度比画圈的方式更重要：壶嘴放低，水流温和。"],
        short_en="15 g of coffee, 250 g of water at about 93 °C, a 30-second bloom, then two slow pours; aim to finish in about three minutes.",
        short_zh="15 克粉、250 克 93 度左右的水，先闷蒸 30 秒，再分两段慢慢注水，三分钟左右滴完。",
    ),
    dict(
        key="pod_program", product="pod",
        title_en="Programming cup sizes on the Pod One", title_zh="Pod One 杯量设置",
        q_en=["How do I change the cup size on the Pod One? The lungo is too big for my mug.",
              "Can I program how much water the Pod One uses?",
              "The espresso button on my Pod One pours too little. Can I make it bigger?"],
        q_zh=["Pod One 的杯量怎么改？大杯对我的杯子来说太多了。",
              "Pod One 可以自己设定出水量吗？",
              "Pod One 的小杯出水太少了，能调多一点吗？"],
        steps_en=["Put a capsule in and close the lever.",
                  "Press and hold the button for the size you want to change, the small cup or the large cup.",
                  "Keep holding while it brews, and let go when the cup has as much as you want. The light blinks twice to confirm the new amount.",
                  "From now on, a single press of that button pours your new amount.",
                  "To reset both sizes, hold both buttons together for 5 seconds with the machine off; the lights blink three times."],
        steps_zh=["放入一颗胶囊，合上拉杆。",
                  "按住你想修改的那个杯量键，小杯或者大杯。",
                  "出水时一直按着，到你想要的量时松手，指示灯闪两下表示已经记住新杯量。",
                  "之后单按这个键，就会按新的量出水。",
                  "想恢复出厂设置，关机状态下同时按住两个键 5 秒，灯闪三下即完成。"],
        tips_en=["Factory sizes are 40 ml for the small cup and 110 ml for the large one.",
                 "You can program anything between 15 and 200 ml."],
        tips_zh=["出厂杯量是小杯 40 毫升，大杯 110 毫升。",
                 "可设定范围是 15 到 200 毫升。"],
        short_en="Hold the cup button while it brews and let go at the amount you want; the light blinks twice to confirm.",
        short_zh="出水时一直按住杯量键，到想要的量时松手，灯闪两下就记住了。",
    ),
    dict(
        key="pod_stuck", product="pod",
        title_en="When a capsule is stuck or doesn't pierce on the Pod One", title_zh="Pod One 胶囊卡住或不出水",
        q_en=["A capsule is stuck in my Pod One and the lever won't close. What should I do?",
              "The Pod One just drips a few drops and stops. Capsule not piercing?",
              "Water comes out around the capsule in my Pod One instead of into the cup."],
        q_zh=["Pod One 里卡了一颗胶囊，拉杆合不上，怎么办？",
              "Pod One 只滴几滴就停了，是胶囊没扎破吗？",
              "Pod One 的水从胶囊周围漏出来，没进杯子。"],
        steps_en=["Switch the machine off and unplug it, and let it cool for 10 minutes; the brewing chamber gets very hot.",
                  "Open the lever fully and empty the used-capsule container.",
                  "If a capsule is stuck, push it gently downwards into the container with the handle of a wooden spoon. Don't use anything sharp.",
                  "Look at the piercing needles at the back of the chamber; if they are clogged with grounds, rinse them with warm water from a cup.",
                  "Plug it back in, close the lever with no capsule, and run one large cup of water to flush it.",
                  "Try a fresh capsule. Only use capsules marked as compatible with Pod One; other sizes can jam or leak."],
        steps_zh=["关机拔掉电源，等 10 分钟冷却，冲煮仓温度很高。",
                  "把拉杆完全打开，倒空废胶囊盒。",
                  "如果胶囊卡住，用木勺柄轻轻往下推进废胶囊盒，不要用尖锐的东西。",
                  "看一下冲煮仓后面的刺针，如果被咖啡粉堵住，用杯子装温水冲一冲。",
                  "重新插电，不放胶囊合上拉杆，放一大杯清水冲洗。",
                  "换一颗新胶囊再试。请只用标明兼容 Pod One 的胶囊，其他尺寸容易卡住或漏水。"],
        tips_en=["Problems caused by non-compatible capsules are not covered by the warranty, but we are happy to help you clear them.",
                 "If it still only drips after a flush, it may need descaling."],
        tips_zh=["使用非兼容胶囊导致的故障不在保修范围内，不过我们很乐意帮您把它清理好。",
                 "冲洗后还是只滴几滴的话，可能需要除垢了。"],
        short_en="Unplug it, let it cool, push the stuck capsule down into the container with something blunt, then run a water-only cycle to flush it.",
        short_zh="断电冷却后用钝的东西把胶囊推进废胶囊盒，再不放胶囊冲一次清水。",
    ),
    dict(
        key="cold_recipe", product="cold",
        title_en="Making cold brew in the Cold Brew jar", title_zh="用冷萃壶做冷萃咖啡",
        q_en=["What's the recipe for the Cold Brew jar? How long do I leave it?",
              "My cold brew tastes muddy. Am I grinding too fine?",
              "How long does cold brew from the jar keep in the fridge?"],
        q_zh=["冷萃壶怎么做冷萃？要泡多久？",
              "我做的冷萃喝起来很浑浊，是不是磨太细了？",
              "冷萃壶做好的咖啡能在冰箱放几天？"],
        steps_en=["Grind 80 g of coffee very coarse, like raw sugar, setting 36 to 40 on the Mill Pro.",
                  "Put the grounds in the mesh filter and screw it into the lid.",
                  "Fill the jar with 1 litre of cold filtered water and lower the filter in slowly so the grounds get wet.",
                  "Leave it in the fridge for 14 to 18 hours.",
                  "Lift out the filter and let it drain for a minute; don't squeeze it.",
                  "Serve over ice, straight or with a splash of milk."],
        steps_zh=["称 80 克咖啡豆，磨得很粗，像粗砂糖，Mill Pro 上 36 到 40 档。",
                  "把咖啡粉装进滤网，拧在盖子上。",
                  "壶里加 1 升冷的过滤水，把滤网慢慢放进去，让粉都泡到水。",
                  "放冰箱冷藏 14 到 18 小时。",
                  "取出滤网，让它自然滴一分钟，不要挤压。",
                  "加冰直接喝，或者加一点牛奶。"],
        tips_en=["It keeps for up to 5 days in the fridge with the lid on.",
                 "Muddy taste usually means the grind is too fine or the filter was squeezed."],
        tips_zh=["盖好盖子冷藏最多可以放 5 天。",
                 "喝起来浑浊，通常是磨得太细或者挤压了滤网。"],
        short_en="80 g of very coarse coffee to 1 litre of cold water, 14 to 18 hours in the fridge, and it keeps for up to 5 days.",
        short_zh="80 克很粗的咖啡粉配 1 升冷水，冷藏 14 到 18 小时，做好能放 5 天。",
    ),
    dict(
        key="go_press", product="go",
        title_en="Brewing in the Go Press", title_zh="用 Go Press 便携杯冲咖啡",
        q_en=["How do I use the Go Press? Do I press straight away?",
              "Just got the Go Press. What's the right way to brew in it?",
              "How long should I steep coffee in the Go Press before pressing?"],
        q_zh=["Go Press 怎么用？加水后马上就压吗？",
              "刚买了 Go Press，正确的冲法是什么？",
              "Go Press 要泡多久再往下压？"],
        steps_en=["Add 18 g of coarse coffee, setting 30 to 34 on the Mill Pro, to the empty mug.",
                  "Pour in hot water, about 93 °C, up to the 300 ml line, and stir once.",
                  "Fit the press lid with the plunger pulled up, and wait 4 minutes.",
                  "Press the plunger down slowly and firmly all the way; it locks the grounds below the filter.",
                  "Twist the sip cap closed before you put it in a bag."],
        steps_zh=["空杯里加 18 克粗研磨的咖啡粉，Mill Pro 上 30 到 34 档。",
                  "倒入约 93 度的热水到 300 毫升线，搅拌一下。",
                  "装上压杆拉起的杯盖，等 4 分钟。",
                  "慢慢用力把压杆压到底，咖啡渣会被锁在滤网下面。",
                  "放包里之前记得把饮用口旋紧。"],
        tips_en=["Leaks almost always come from the sip cap not being twisted until it clicks, or the silicone ring being fitted upside down.",
                 "The lid and plunger can go in the top rack of the dishwasher; hand-wash the steel mug to protect the coating."],
        tips_zh=["漏水基本都是饮用口没旋到咔嗒一声，或者硅胶圈装反了。",
                 "杯盖和压杆可以放洗碗机上层；不锈钢杯身建议手洗，保护外层涂层。"],
        short_en="Coarse coffee and hot water to the 300 ml line, wait 4 minutes, press slowly, and twist the sip cap until it clicks before travelling.",
        short_zh="粗粉加热水到 300 毫升线，等 4 分钟后慢慢压下，出门前饮用口要旋到咔嗒一声。",
    ),
]
HOWTO_BY_KEY = {h["key"]: h for h in HOWTO}

# Questions that describe a symptom get a direct answer before the steps.
LEADS = {
    "The descale light on my Aura espresso machine just came on. What do I do?": "That light is the descale reminder, and it's nothing to worry about.",
    "My Aura's orange drop light is on. Is that descaling? How does it work?": "Yes, the orange drop is the descale reminder.",
    "My espresso from the Aura tastes sour and runs really fast. What am I doing wrong?": "Fast and sour almost always means the grind is too coarse, so nothing is wrong with you or the machine.",
    "Shots on my Aura come out in like 12 seconds. How do I fix that?": "Twelve seconds means the water is rushing through, so the grind needs to be finer.",
    "The coffee from my Aura is bitter and drips out slowly. Help?": "Bitter and slow is the opposite problem: the grind is too fine, so go coarser.",
    "I can't get microfoam on my Aura. The milk just screams and gets big bubbles.": "A scream and big bubbles usually mean the wand tip is in the wrong place and the air is going in too late.",
    "My Aura's coffee has started tasting stale and a bit rancid. Could it need cleaning?": "Very likely. Old coffee oils build up in the group head and give exactly that taste, and a backflush clears them.",
    "First time using the Aura and nothing comes out of the group head. Did I miss a step?": "Most likely the pump just needs priming; that's step 5 below.",
    "The clock on my Drip 8 keeps resetting and the timer doesn't go off. What am I missing?": "The clock resets after a power cut or when it's unplugged, and the timer won't fire until it's set again.",
    "My coffee from the Drip 8 is weak and watery. How much ground coffee should I use?": "Weak coffee is nearly always too little coffee or too coarse a grind, not the machine.",
    "My Drip 8 has got really slow and loud. Does it need descaling?": "Yes, slow and noisy brewing is the classic sign of scale.",
    "How do I change the grind size on the Mill Pro? The dial feels stiff.": "The dial is stiff when beans are sitting between the burrs, so turn it with the motor running.",
    "My Mill Pro has slowed down and the grounds are clumpy. Does it need cleaning?": "Yes, slow grinding and clumps usually mean fines have built up around the burrs.",
    "The Froth only gives me hot milk without foam. What am I doing wrong?": "That usually means the flat disc is fitted instead of the spring whisk.",
    "The Pod One just drips a few drops and stops. Capsule not piercing?": "Quite possibly: grounds can clog the piercing needles, and then only a few drops get through.",
    "My cold brew tastes muddy. Am I grinding too fine?": "Probably, yes. Muddy cold brew usually means the grind is too fine or the filter was squeezed.",
    "Aura 上那个橙色水滴灯一直亮，是要除垢了吗？怎么弄？": "对，橙色水滴灯就是除垢提醒。",
    "我的 Aura 咖啡机除垢灯亮了，要怎么操作？": "这个灯是除垢提醒，不用担心。",
    "Aura 做出来的浓缩很酸，流速特别快，是哪里出了问题？": "又快又酸基本都是研磨太粗，您和机器都没问题。",
    "我的 Aura 萃取十几秒就结束了，怎么调？": "十几秒说明水流太快，需要把研磨调细。",
    "Aura 出来的咖啡又苦又慢，一滴一滴的，怎么办？": "又苦又慢正好相反，是研磨太细了，要调粗。",
    "用 Aura 打奶的时候声音很尖，奶泡很粗，是哪里不对？": "声音尖、泡泡粗，通常是喷嘴位置不对、进空气太晚。",
    "最近 Aura 做的咖啡有股陈油味，是不是该清洁了？": "很可能是。冲煮头里积攒的旧咖啡油脂就会带来这种味道，反冲洗一次就能清掉。",
    "第一次用 Aura，冲煮头不出水，是不是漏了哪一步？": "多半是水泵还没排气，就是下面的第 5 步。",
    "我的 Drip 8 时钟老是归零，定时也不启动，是哪里没设置好？": "断电或拔插头后时钟会归零，时钟没设好，定时是不会启动的。",
    "Drip 8 煮出来的咖啡很淡，像水一样，粉要放多少？": "咖啡淡几乎都是粉放少了或者磨得太粗，不是机器的问题。",
    "Drip 8 最近煮得特别慢，声音也大，是不是该除垢了？": "是的，煮得慢、声音大是典型的水垢症状。",
    "Mill Pro 的研磨度怎么调？旋钮有点紧。": "豆子卡在刀盘之间时旋钮会很紧，调的时候让电机转着就好。",
    "Mill Pro 最近磨得慢，粉还结块，是要清洁了吗？": "是的，磨得慢、结块，一般是刀盘周围积了细粉。",
    "我的 Froth 只能加热牛奶，打不出奶泡，是哪里不对？": "这通常是装了平的圆盘，而不是带弹簧圈的打泡头。",
    "Pod One 只滴几滴就停了，是胶囊没扎破吗？": "很有可能：刺针被咖啡粉堵住时，就只能滴出几滴。",
    "我做的冷萃喝起来很浑浊，是不是磨太细了？": "大概率是。冷萃浑浊通常是磨得太细，或者挤压了滤网。",
}
# ---------------------------------------------------------------------------------------------
# Faults: what customers report, what to check first. Used by the warranty/repair conversations.
# ---------------------------------------------------------------------------------------------

FAULTS = [
    dict(key="aura_noheat", product="aura",
         en=["my Aura turns on but the coffee comes out lukewarm",
             "the coffee from my Aura isn't hot any more, even after it's been on for ages",
             "the Aura's lights come on but it never seems to heat up properly"],
         zh=["Aura 能开机，但是做出来的咖啡是温的", "Aura 开了很久，咖啡还是不够烫", "Aura 灯都亮，就是好像一直热不起来"],
         checks_en=["Let it heat for a full 10 minutes with the portafilter locked in, so the metal parts warm up too.",
                    "Run a cup of hot water through the group head into your cup first to warm the cup.",
                    "Check whether the temperature setting was changed: hold the 2-cup button while switching on, and the lights show the setting, low, medium or high."],
         checks_zh=["装着手柄预热满 10 分钟，让金属部件也热透。",
                    "先从冲煮头放一杯热水到杯子里，把杯子也温一下。",
                    "看看温度设置有没有被改过：按住双杯键开机，指示灯会显示当前是低、中还是高档。"]),
    dict(key="aura_nowater", product="aura",
         en=["the pump on my Aura hums loudly but no water comes out",
             "my Aura makes a buzzing noise and nothing comes out of the group head",
             "no water is coming through on my Aura, it just vibrates"],
         zh=["Aura 的水泵嗡嗡响，但是不出水", "Aura 一直在震动响，冲煮头一滴水都不出", "Aura 按了萃取键只有声音没有水"],
         checks_en=["Take the tank out and put it back firmly; if the valve at the bottom isn't seated, no water can reach the pump.",
                    "If you use a filter, remove it and try again; a new filter that wasn't soaked can trap air.",
                    "Prime the pump: no portafilter, turn the dial to hot water and let it run for 30 seconds.",
                    "If it's been a while since it was descaled, scale can block the flow; a descale often brings it back."],
         checks_zh=["把水箱取出来再用力推回去；水箱底部的阀门没到位，水就到不了水泵。",
                    "如果装了滤芯，先取下来再试；没泡过水的新滤芯容易卡气。",
                    "给水泵排气：不装手柄，旋钮转到热水档放水 30 秒。",
                    "如果很久没除垢，水垢可能堵住了管路，除一次垢往往就好了。"]),
    dict(key="aura_leak", product="aura",
         en=["there's water pooling under my Aura", "my Aura is leaking from somewhere underneath",
             "water runs down the side of the portafilter on my Aura when I pull a shot"],
         zh=["Aura 底下老是有一摊水", "Aura 底部好像在漏水", "Aura 萃取的时候水顺着手柄侧面往下流"],
         checks_en=["Check the drip tray isn't full; when it is, water can spill over the back edge and look like a leak.",
                    "Make sure the tank is pushed all the way in and the lid is on.",
                    "If water runs down the side of the portafilter, wipe the rim of the basket before locking it in and check the group gasket for cracks."],
         checks_zh=["先看看接水盘是不是满了，满了以后水会从后沿溢出，看起来像漏水。",
                    "确认水箱推到底、盖子盖好。",
                    "如果是手柄侧面流水，装手柄前把粉碗边缘擦干净，并检查冲煮头的密封圈有没有开裂。"]),
    dict(key="drip_nopower", product="drip",
         en=["my Drip 8 won't turn on at all", "the Drip 8 is completely dead, no lights", "nothing happens when I press the power button on my Drip 8"],
         zh=["Drip 8 完全开不了机", "Drip 8 一点反应都没有，灯也不亮", "按 Drip 8 的电源键没有任何反应"],
         checks_en=["Try another socket you know works, without an extension lead.",
                    "Check the cable is pushed fully into the back of the machine; it is a detachable cable.",
                    "If it overheated after running without water, leave it unplugged for 30 minutes so the thermal cut-out resets."],
         checks_zh=["换一个确定有电的插座，不要用插线板。",
                    "检查机身背后的电源线有没有插到底，这根线是可拆卸的。",
                    "如果之前干烧过，拔掉电源放 30 分钟，让过热保护复位。"]),
    dict(key="drip_overflow", product="drip",
         en=["my Drip 8 overflows and coffee grounds end up everywhere", "the filter basket on my Drip 8 keeps overflowing"],
         zh=["Drip 8 老是溢出来，咖啡渣弄得到处都是", "Drip 8 的滤篮一直往外溢"],
         checks_en=["Use a number 4 cone paper filter and make sure it isn't folded over at the top.",
                    "Grind a little coarser; very fine grounds slow the water down until it overflows.",
                    "Check the carafe is centred under the basket; if it isn't, the drip-stop valve stays closed."],
         checks_zh=["用 4 号锥形滤纸，注意顶部不要折进去。",
                    "把研磨调粗一点，粉太细水流不下去就会溢出。",
                    "确认玻璃壶放在滤篮正下方，没放正的话防滴阀不会打开。"]),
    dict(key="mill_jam", product="mill",
         en=["my Mill Pro runs but no coffee comes out", "the Mill Pro motor sounds like it's straining and then stops",
             "the grinder is making a horrible clicking noise"],
         zh=["Mill Pro 电机在转，但是不出粉", "Mill Pro 电机听起来很吃力，然后就停了", "磨豆机发出很难听的咔咔声"],
         checks_en=["Unplug it, empty the hopper and look for a small stone or a very oily clump stuck between the burrs.",
                    "Take out the upper burr and brush out the chamber and the chute; compacted fines can block the exit.",
                    "Set the grind one or two steps coarser, run it empty for a couple of seconds, and then try a small amount of beans."],
         checks_zh=["拔掉电源，清空豆仓，看看刀盘之间有没有小石子或者结块的油豆。",
                    "取出上刀盘，把研磨腔和出粉口刷干净，压实的细粉会堵住出口。",
                    "把研磨调粗一两格，空转两秒，再放少量豆子试一下。"]),
    dict(key="froth_nospin", product="froth",
         en=["my Froth heats the milk but the whisk doesn't spin", "the Froth lights up but nothing moves inside"],
         zh=["Froth 能加热牛奶，但是打泡头不转", "Froth 灯亮了，里面什么都不动"],
         checks_en=["Take the whisk off and put it back; it sits on a magnet and has to drop fully onto the pin.",
                    "Check for dried milk under the whisk; soak it in warm water and wipe the pin.",
                    "Make sure the lid is fully closed, because it won't spin with the lid loose."],
         checks_zh=["把打泡头取下来重新装，它靠磁力带动，要完全落到中间的轴上。",
                    "看看打泡头下面有没有干掉的奶垢，用温水泡一下，再擦擦中间的轴。",
                    "确认盖子盖紧，盖子没盖好是不会转的。"]),
    dict(key="kettle_e2", product="kettle",
         en=["my Pour kettle shows E2 and won't heat", "the kettle beeps and says E2", "the Pour kettle display flashes an error and stops heating"],
         zh=["Pour 手冲壶显示 E2，不加热了", "手冲壶滴滴响，屏幕上显示 E2", "Pour 手冲壶屏幕闪错误代码，停止加热"],
         checks_en=["E2 means the kettle thinks it is empty: fill it above the MIN line, about 300 ml.",
                    "Lift it off the base, wait a few seconds and put it back so the base reconnects.",
                    "If it was switched on empty, let it cool for 15 minutes; the dry-boil protection needs to reset."],
         checks_zh=["E2 表示壶体认为里面没水：加水到 MIN 线以上，大约 300 毫升。",
                    "把壶从底座拿起来，等几秒再放回去，让底座重新连接。",
                    "如果是空壶开机，请放凉 15 分钟，让防干烧保护复位。"]),
    dict(key="pod_leak", product="pod",
         en=["my Pod One leaks water into the drip tray every time", "water pours out around the capsule on the Pod One"],
         zh=["Pod One 每次都往接水盘漏水", "Pod One 的水从胶囊周围漏出来"],
         checks_en=["Only use capsules marked Pod One compatible; other shapes don't seal.",
                    "Check the lever closes fully; an old capsule stuck at the back can stop it closing.",
                    "Rinse the capsule holder and run a water-only cycle."],
         checks_zh=["请只用标明兼容 Pod One 的胶囊，其他形状的胶囊封不住。",
                    "检查拉杆能不能完全合上，后面卡着的旧胶囊会让它合不严。",
                    "冲洗一下胶囊仓，再不放胶囊跑一次清水。"]),
]
# ---------------------------------------------------------------------------------------------
# Shared reply parts
# ---------------------------------------------------------------------------------------------

ASK_ORDER = {
    "en": ["Could you send me the order number? It starts with A- and you'll find it in your confirmation message or in the app under Orders.",
           "Happy to look into it. What's the order number? It looks like A- followed by five digits.",
           "Let me check. Could you reply with your order number, the one that starts with A-?",
           "I'll find out what's happening. Which order is it? The number starting with A- is all I need."],
    "zh": ["麻烦发一下订单号，以 A- 开头，在下单确认消息或者 App 的“我的订单”里能看到。",
           "我来帮您查。请问订单号是多少？格式是 A- 加五位数字。",
           "好的，麻烦把以 A- 开头的订单号发给我，我马上查。",
           "我这就帮您看看，只需要订单号就可以，以 A- 开头的那串。"],
}
GIVE_ORDER = {
    "en": ["It's {o}.", "order {o}", "Order number is {o}.", "Sure, it's {o}.", "it's {o}, thanks", "Here you go: {o}"],
    "zh": ["订单号是 {o}。", "{o}，麻烦查一下", "是 {o}", "好的，订单号 {o}", "订单号 {o}，麻烦了", "{o}，谢谢"],
}
USER_THANKS = {
    "en": ["OK, thanks for sorting that.", "Great, thank you.", "Alright. Thanks for the quick answer.",
           "ok cheers", "That's fine, thanks for your help.", "Perfect, appreciate it."],
    "zh": ["好的，谢谢。", "行，麻烦你们了。", "好的，感谢处理。", "嗯嗯，谢谢啦", "明白了，谢谢你。", "那就这样吧，谢谢。"],
}
REPLY_THANKS = {
    "en": ["You're welcome. I'm sorry again for the hassle, and enjoy your coffee once it's all sorted.",
           "Glad I could help. If anything else comes up, just reply here and it comes straight back to us.",
           "Any time. Thanks for being so patient with us.",
           "You're very welcome. I hope the next cup makes up for it a little."],
    "zh": ["不客气，再次抱歉给您添麻烦了，祝您之后每一杯都顺顺利利。",
           "很高兴能帮上忙。之后有任何问题，直接在这里回复我们就可以。",
           "不客气，谢谢您一直这么耐心。",
           "应该的。希望下一杯咖啡能让您心情好一点。"],
}
CLOSE = {
    "en": ["Sorry again for the trouble.", "Thanks for bearing with us.", "If anything changes, just reply here.",
           "I'll keep an eye on it from our side too.", "Thanks for your patience, and sorry again.",
           "Let me know if there's anything else I can do.", "", "", ""],
    "zh": ["再次抱歉给您添麻烦了。", "谢谢您的耐心。", "有任何变化随时在这里回复我们。", "我们这边也会一直盯着。",
           "感谢理解，再次说声抱歉。", "还有其他需要帮忙的，随时告诉我。", "", "", ""],
}
USER_EXTRA_UNHAPPY = {
    "en": ["", "", "", "This is really annoying.", "I took the morning off to be in for it.", "I'd just like a straight answer.",
           "Second time this has happened to me.", "Please let me know what's going on.", "Not impressed, honestly.",
           "Thanks in advance."],
    "zh": ["", "", "", "真的有点烦。", "我特地请了半天假在家等。", "给个准话吧。", "这已经是第二次了。",
           "麻烦尽快回复。", "说实话挺失望的。", "先谢谢了。"],
}


def vary(g: Gen, text: str, ask: bool = False) -> str:
    """A follow-up answer with the small openings and closings real agents add, so no two read the same."""
    pre = {"en": ["", "", "Good question.", "Sure.", "Happy to explain."], "zh": ["", "", "好问题。", "我来说明一下。", "这个问题问得好。"]}[g.lang]
    post = {"en": ["", "", "If anything else comes up, just reply here.", "Hope that helps!", "Anything else, just ask.",
                   "Let me know if anything's unclear."],
            "zh": ["", "", "还有其他问题随时回复我。", "希望能帮到您！", "有不清楚的地方再问我。", "其他事情也可以随时找我们。"]}[g.lang]
    return g.paras(g.join(g.ch(pre) if ask else "", text, g.ch(post)), g.sign(0.25))


def size(g: Gen, weights=(3, 5, 2)) -> str:
    """How long the reply should be: short, medium or long."""
    return g.r.choices(["s", "m", "l"], weights=weights)[0]


# ---------------------------------------------------------------------------------------------
# Complaints
# ---------------------------------------------------------------------------------------------

def late_delivery(g: Gen, multi: bool):
    L = g.lang
    k = g.ch(SHIPPABLE)
    o, p, ps = g.order(), pn(k, L), pn(k, L, True)
    days = DAYS_EN if L == "en" else DAYS_ZH
    i = g.r.randrange(7)
    day, day2 = days[i], days[(i + g.r.choice([1, 2, 3])) % 7]
    n = g.ch(["6", "7", "8", "9", "ten", "twelve"] if L == "en" else ["6", "7", "8", "9", "十", "十二"])
    ago = g.ch(AGO_EN if L == "en" else AGO_ZH)
    sit = g.ch(["hub", "hub", "express", "missing", "backorder", "lost", "gift"])
    kw = dict(o=o, p=p, ps=ps, day=day, day2=day2, n=n, ago=ago)
    U = {
        "en": {
            "hub": ["I ordered the {p} {ago} and it still hasn't arrived. Tracking hasn't changed since {day}.",
                    "Order {o} was due on {day} and there's still nothing. What's going on?",
                    "where is my order?? {o}, the {ps}. tracking just says in transit",
                    "Could you check order {o} for me? The delivery window passed on {day} and tracking is stuck on 'arrived at sorting centre'.",
                    "Still waiting for my {ps}. Order {o}. It was meant to take 3 to 5 working days and it's been {n}.",
                    "My {ps} (order {o}) seems to be stuck somewhere. The estimate keeps moving back a day."],
            "express": ["I paid for express delivery on order {o} and it's now {n} days later. That's not what I paid for.",
                        "Express shipping on order {o}, promised in 2 days. It's been {n}. Can I at least get the express fee back?",
                        "I chose express for my {ps} because I needed it before the weekend. Order {o}. Still not here."],
            "missing": ["Tracking for order {o} says delivered on {day} but nothing came. I've checked the porch, the neighbours and the mailroom.",
                        "My {ps} shows as delivered but I was home all day and nobody knocked. Order {o}.",
                        "Order {o} is marked delivered. It's not here. Did it go to the wrong address?"],
            "backorder": ["I ordered the {p} {ago} and haven't even had a shipping confirmation. Order {o}.",
                          "Why hasn't order {o} shipped yet? Your site said dispatch within 2 days.",
                          "Order {o} has been on 'processing' for {n} days. Is something wrong?"],
            "lost": ["Order {o} hasn't moved on tracking for over a week. I think it's lost.",
                     "The tracking for my {ps} has shown the same line for {n} days now. Order {o}. Can you find out where it is?",
                     "I think my parcel is lost. Order {o}, last update {ago}."],
            "gift": ["I bought the {p} as a gift and it needed to arrive by {day}. It didn't. Order {o}. Is there anything you can do?",
                     "Order {o} was meant to be a birthday present this {day}. Tracking says it's still at a depot two cities away. Help?",
                     "The {ps} is a present for my sister and we see her on {day}. Order {o} still hasn't arrived. Will it make it?"],
        },
        "zh": {
            "hub": ["我{ago}买的{p}到现在还没到，物流从{day}开始就没更新过。",
                    "订单 {o} 说{day}送到，现在还是什么都没有，怎么回事？",
                    "我的{ps}到底到哪了？？订单号 {o}，物流一直显示运输中",
                    "帮我查一下订单 {o}，预计送达时间{day}就过了，物流一直停在“已到达分拣中心”。",
                    "还在等我的{ps}，订单号 {o}。说好的 3 到 5 个工作日，已经{n}天了。",
                    "订单 {o} 的{ps}好像卡在路上了，预计送达时间每天往后推一天。"],
            "express": ["订单 {o} 我付了加急运费，现在都{n}天了，这不是我花钱买的服务。",
                        "订单 {o} 选的加急，说两天到，已经{n}天了，加急费能退吗？",
                        "我买{ps}特地选了加急，就是想周末前拿到，订单 {o}，到现在还没到。"],
            "missing": ["订单 {o} 物流显示{day}已签收，但我根本没收到，门口、邻居、快递柜都找过了。",
                        "我的{ps}显示已签收，可我一整天都在家，没人敲门，订单号 {o}。",
                        "订单 {o} 显示已送达，但是东西不在，是不是送错地址了？"],
            "backorder": ["我{ago}下单的{p}，到现在连发货通知都没有，订单号 {o}。",
                          "订单 {o} 怎么还没发货？页面上写的是 48 小时内发货。",
                          "订单 {o} 显示“处理中”已经{n}天了，是出什么问题了吗？"],
            "lost": ["订单 {o} 的物流一个多星期没动了，是不是丢件了？",
                     "我的{ps}物流信息{n}天都是同一条，订单号 {o}，能帮我查查到底在哪吗？",
                     "感觉包裹丢了，订单 {o}，最后一次更新是{ago}。"],
            "gift": ["我买{p}是送人的，必须{day}前到，结果没到，订单号 {o}，有什么办法吗？",
                     "订单 {o} 是给我爸的生日礼物，生日就在{day}，物流显示还在两个城市外的中转站，怎么办？",
                     "{ps}是送我姐的礼物，{day}要见面，订单 {o} 还没到，来得及吗？"],
        },
    }[L]
    A = {
        "en": dict(
            open=["I'm sorry your {ps} is running late, especially when you were counting on it.",
                  "Thanks for checking in, and I'm sorry about the wait on order {o}.",
                  "I'm really sorry about this. Waiting on a parcel that won't move is frustrating.",
                  "Sorry for the delay, and thank you for sending the order number straight away.",
                  "You're right to chase this, and I'm sorry it's taken so long.",
                  "I understand, and I'm sorry. That's longer than it should have taken."],
            hub=["I've looked at order {o}: the parcel is at the courier's regional sorting centre, and they've told us that site is running about two days behind.",
                 "Order {o} left our warehouse on time but has been held at a sorting hub. The courier's latest estimate is {day2}.",
                 "It is moving, just slowly: it was scanned at the regional hub on {day}, and delivery is now expected by {day2}."],
            hub_act=["If tracking shows no new scan for 5 business days, we open a trace with the courier, and if the parcel can't be found we'll send a replacement or refund you in full, whichever you prefer.",
                     "I've put a watch on the order, so if it stalls again we'll message you first rather than leaving you to chase us.",
                     "There's nothing you need to do for now. If it hasn't reached you by {day2}, reply here and we'll start a trace straight away."],
            express=["Because it missed the express window, I've refunded the express delivery fee to your original payment method. It usually shows within 5 to 10 business days.",
                     "You paid for express and didn't get it, so I've refunded the express fee. You'll see it on your original payment method within 5 to 10 business days."],
            missing=["Sometimes a parcel is scanned as delivered a little before it actually arrives, so it's worth one more look tomorrow, but I don't want you waiting on that alone.",
                     "I'm sorry, that's a horrible feeling after checking everywhere."],
            missing_act=["I've opened a delivery investigation with the courier. They usually come back within 3 business days, often with the photo or location where it was left. If it can't be found, we'll send a replacement or refund you in full.",
                         "I've asked the courier to investigate the delivery. That takes up to 3 business days, and whatever they find, you won't be out of pocket: if the parcel isn't recovered, we'll reship it or refund you, your choice."],
            backorder=["This one is on us: the {ps} sold out faster than we expected, and your order is waiting for the next delivery to our warehouse, due {day2}. It should ship the same day it arrives.",
                       "I've checked, and your {ps} was caught by a stock shortage. We should have told you sooner. New stock reaches our warehouse on {day2} and your order is near the front of the queue."],
            backorder_act=["If you'd rather not wait, I can cancel the order now and refund you in full; just say the word.",
                           "If the wait doesn't work for you, reply 'cancel' and I'll cancel it and refund the full amount straight away."],
            lost=["You're right that it hasn't moved for too long. I've opened a trace with the courier today.",
                  "I agree, that's too long without a scan. I've asked the courier to trace it as a priority."],
            lost_act=["If they can't locate it within 3 business days, we'll send a replacement at no cost, or refund you in full if you'd rather.",
                      "We'll have an answer within 3 business days. If the parcel is lost, you choose: a replacement sent by express at our cost, or a full refund."],
            gift=["I can't promise it will arrive before {day}, and I don't want to give you a date I can't stand behind. The courier's current estimate is {day2}.",
                  "I'd love to say yes, but I can't guarantee it will be there by {day}; the courier's estimate is {day2}, and I'd rather be honest with you than hopeful."],
            gift_act=["If it arrives too late to be useful, you can return it unopened within 30 days for a full refund, and because the delay is ours, we'll cover the return shipping.",
                      "If that's too late, you're covered: return it unopened within 30 days for a full refund, and we'll pay for the return label given the delay."],
        ),
        "zh": dict(
            open=["非常抱歉，您的{ps}迟迟没到，尤其您还等着用。",
                  "谢谢您来问，订单 {o} 让您久等了，真的很抱歉。",
                  "实在抱歉，包裹一直不动，换谁都会着急。",
                  "抱歉让您久等了，也谢谢您直接把订单号发过来。",
                  "您来催是应该的，拖了这么久是我们的问题，抱歉。",
                  "理解您的心情，确实比正常时间长太多了，抱歉。"],
            hub=["我查了订单 {o}：包裹现在在快递的区域分拣中心，快递那边反馈这个站点目前积压，大约会晚两天。",
                 "订单 {o} 是按时从仓库发出的，但在中转站滞留了。快递最新的预计送达时间是{day2}。",
                 "包裹一直在走，只是比较慢：{day}在区域中转站扫描过，现在预计{day2}送到。"],
            hub_act=["如果物流连续 5 个工作日没有新的扫描记录，我们会向快递发起查件；如果找不到，给您补发或者全额退款，您来选。",
                     "我已经给这个订单加了关注，如果再卡住，我们会先联系您，不用您再来催。",
                     "现在您不需要做什么。如果{day2}还没收到，直接在这里回复，我们马上发起查件。"],
            express=["因为没有在加急时效内送达，加急运费我已经原路退给您了，一般 1 到 7 个工作日到账，具体看支付渠道。",
                     "您付了加急却没享受到加急，所以加急运费已经给您退了，会原路退回，通常几天内到账。"],
            missing=["有时候快递会提前扫签收，东西其实晚一点才到，明天可以再留意一下，不过不会只让您干等。",
                     "门口、邻居都找过还是没有，真的很让人着急，抱歉。"],
            missing_act=["我已经向快递发起了派送核查，一般 3 个工作日内会有结果，通常会附上投递照片或者签收位置。如果确实找不到，我们给您补发或全额退款。",
                         "已经让快递核查这单的派送情况，最多 3 个工作日。无论结果如何都不会让您吃亏：包裹找不回来的话，补发还是退款由您决定。"],
            backorder=["这次是我们的问题：{ps}卖得比预期快，您的订单在等下一批货入仓，预计{day2}到，到了当天就发。",
                       "我查了一下，您的{ps}碰上了缺货，我们应该早点通知您的。新货{day2}到仓，您的订单排在前面。"],
            backorder_act=["如果不想等，我现在就可以帮您取消订单并全额退款，说一声就行。",
                           "如果时间上等不了，回复“取消”，我马上帮您取消并全额退款。"],
            lost=["确实太久没动了，我今天已经向快递发起查件。",
                  "同意，这么久没有扫描记录不正常，我已经让快递加急查件。"],
            lost_act=["如果 3 个工作日内还找不到，我们免费给您补发，或者全额退款，您选。",
                      "3 个工作日内会有结论。如果确认丢件，补发加急件由我们承担运费，或者全额退款，由您决定。"],
            gift=["我没法保证{day}之前一定能到，也不想给您一个我兑现不了的时间。快递目前的预计是{day2}。",
                  "很想跟您说来得及，但{day}前送到我保证不了；快递预计{day2}，我宁可跟您说实话。"],
            gift_act=["如果到了已经用不上，签收后 30 天内未拆封可以全额退款，因为是我们这边延误，退回运费也由我们承担。",
                      "如果实在太晚，您不用担心：未拆封 30 天内可以全额退，退回运费我们来出。"],
        ),
    }[L]
    open_ = g.ch(A["open"])
    if sit == "hub":
        body = [g.ch(A["hub"]), g.ch(A["hub_act"])]
    elif sit == "express":
        body = [g.ch(A["hub"]), g.ch(A["express"]), g.maybe(0.6, g.ch(A["hub_act"]))]
    elif sit == "missing":
        body = [g.ch(A["missing"]), g.ch(A["missing_act"])]
    elif sit == "backorder":
        body = [g.ch(A["backorder"]), g.ch(A["backorder_act"])]
    elif sit == "lost":
        body = [g.ch(A["lost"]), g.ch(A["lost_act"])]
    else:
        body = [g.ch(A["gift"]), g.ch(A["gift_act"])]
    sz = size(g, (2, 6, 1))
    if sz == "s":
        key = {"hub": 0, "express": 1, "missing": 1, "backorder": 0, "lost": 1, "gift": 0}[sit]
        reply = g.join(open_, body[key])
    else:
        reply = g.join(open_, *body, g.ch(CLOSE[L]))
        if sz == "l":
            reply = g.paras(reply, g.sign(0.9))
        else:
            reply = g.paras(reply, g.sign(0.2))
    reply = fmt(reply, **kw)
    if not multi:
        u = user_join(g, hello(g), fmt(g.ch(U[sit]), **kw), g.ch(USER_EXTRA_UNHAPPY[L]))
        return [("user", u), ("assistant", reply)]
    # Multi-turn: the customer leaves out the order number at first.
    first = {
        "en": ["My {ps} still hasn't arrived and it's been over a week.",
               "Hi, my order is late. What's going on with your deliveries?",
               "I'm still waiting on a delivery from you. Tracking hasn't moved in days.",
               "Where's my {ps}? I ordered it {ago}."],
        "zh": ["我的{ps}一个多星期了还没到。", "你好，我的订单迟迟不到，你们发货怎么回事？",
               "还在等你们的快递，物流好几天没动了。", "我的{ps}呢？{ago}就下单了。"],
    }[L]
    ack = {"en": ["I'm sorry it's taking so long. ", "Sorry about the wait. ", ""],
           "zh": ["抱歉让您久等了。", "不好意思让您等这么久。", ""]}[L]
    turns = [("user", user_join(g, hello(g), fmt(g.ch(first), **kw))),
             ("assistant", g.ch(ack) + g.ch(ASK_ORDER[L])),
             ("user", fmt(g.ch(GIVE_ORDER[L]), o=o)),
             ("assistant", reply)]
    if g.r.random() < 0.5:
        turns += [("user", g.ch(USER_THANKS[L])), ("assistant", g.ch(REPLY_THANKS[L]))]
    return turns

def thanks_reply(g: Gen) -> str:
    a = {"en": ["You're welcome.", "Glad I could help.", "Any time.", "You're very welcome.", "No problem at all.", "Happy to help."],
         "zh": ["不客气。", "很高兴能帮上忙。", "应该的。", "不用客气。", "没问题的。", "能帮到您就好。"]}[g.lang]
    b = {"en": ["I'm sorry again for the hassle.", "Thanks for being so patient with us.", "If anything else comes up, just reply here.",
                "I hope the next cup makes up for it a little.", "We'll keep you posted if anything changes."],
         "zh": ["再次抱歉给您添麻烦了。", "谢谢您一直这么耐心。", "之后有任何问题，直接在这里回复就可以。",
                "希望下一杯咖啡能让您心情好一点。", "有任何进展我们会第一时间告诉您。"]}[g.lang]
    c = {"en": ["Enjoy your coffee!", "Have a good day.", "Take care.", ""],
         "zh": ["祝您喝得开心！", "祝您生活愉快。", "祝好。", ""]}[g.lang]
    return g.join(g.ch(a), g.ch(b), g.ch(c))


PARTS = {
    "aura": (["drip tray", "water tank", "steam knob", "cup tray"], ["接水盘", "水箱", "蒸汽旋钮", "温杯盘"]),
    "drip": (["glass carafe", "tank lid", "filter basket"], ["玻璃壶", "水箱盖", "滤篮"]),
    "pod": (["water tank", "capsule lever", "cup stand"], ["水箱", "胶囊拉杆", "杯托"]),
    "mill": (["bean hopper", "grounds catcher"], ["豆仓", "接粉杯"]),
    "kettle": (["lid", "power base"], ["壶盖", "电源底座"]),
    "froth": (["jug lid", "jug"], ["杯盖", "杯体"]),
    "cold": (["glass jar", "lid"], ["玻璃壶身", "盖子"]),
    "go": (["lid", "plunger"], ["杯盖", "压杆"]),
}
COLOURS = (["matte black", "cream", "sage green", "brushed steel"], ["哑光黑", "奶油白", "鼠尾草绿", "拉丝不锈钢色"])


def damaged_item(g: Gen, multi: bool):
    L = g.lang
    k = g.ch(SHIPPABLE)
    li = 0 if L == "en" else 1
    part = g.ch(PARTS[k][li])
    o, p, ps = g.order(), pn(k, L), pn(k, L, True)
    kind = g.ch(["broken", "broken", "dent", "scratch"])
    kw = dict(o=o, p=p, ps=ps, part=part)
    U = {
        "en": {
            "broken": ["My {p} arrived today and the {part} is cracked. Order {o}.",
                       "Opened my {ps} this morning and the {part} was broken in the box. I haven't even used it.",
                       "Received order {o}. The {part} came in pieces. Really disappointing, it was meant to be a gift.",
                       "The {part} on my new {ps} is smashed. The box looked fine from outside. Order {o}.",
                       "Just unpacked order {o} and there's broken plastic rattling around. Looks like it's the {part}."],
            "dent": ["The box for order {o} was crushed and the {ps} inside has a big dent in the side.",
                     "My {ps} arrived with a dent on the top. The outer box has a hole in it. Order {o}.",
                     "Order {o} turned up badly damaged, the {ps} is dented and the {part} doesn't sit right any more."],
            "scratch": ["The {ps} I got has a long scratch across the front. Not what I expect for the price. Order {o}.",
                        "There's a scratch and a small chip on the {part} of my new {ps}. Order {o}. It works fine, it just looks used.",
                        "My {ps} (order {o}) has scuff marks all over one side. Did I get a returned unit?"],
        },
        "zh": {
            "broken": ["今天收到的{p}，{part}裂了，订单号 {o}。",
                       "早上拆开{ps}，{part}在盒子里就碎了，我一次都没用过。",
                       "订单 {o} 收到了，{part}碎成好几块，本来是要送人的，太失望了。",
                       "新买的{ps}，{part}摔坏了，外箱看着还好好的，订单 {o}。",
                       "刚拆开订单 {o}，里面有碎塑料哗啦哗啦响，看着像是{part}坏了。"],
            "dent": ["订单 {o} 的箱子被压扁了，里面的{ps}侧面凹进去一大块。",
                     "{ps}到的时候顶上有个凹坑，外箱也破了个洞，订单 {o}。",
                     "订单 {o} 到货损坏很严重，{ps}凹了，{part}也装不稳了。"],
            "scratch": ["收到的{ps}正面有一道很长的划痕，这个价格不应该是这样的，订单 {o}。",
                        "新{ps}的{part}上有划痕，还有个小缺口，订单 {o}。能用，就是看着像二手的。",
                        "我的{ps}（订单 {o}）一侧全是擦痕，是不是给我发了退货机？"],
        },
    }[L]
    A = {
        "en": dict(
            open=["I'm so sorry, that's not how your {ps} should arrive.",
                  "Oh no, I'm sorry. That's a miserable thing to find when you open the box.",
                  "I'm really sorry about this, and thank you for telling us straight away.",
                  "I'm sorry your {ps} turned up like that. Let's put it right."],
            photos=["Could you reply with two photos, one of the damage and one of the outside of the box with the shipping label? We need them for the courier claim, but we won't wait for the claim before sorting you out.",
                    "Please send a photo of the damage and one of the box. That's all we need."],
            fix_broken=["As soon as we have the photos, we'll send a new {part} by express. If anything else on the {ps} turns out to be affected, we'll replace the whole thing instead.",
                        "Once the photos are in, we'll ship a complete replacement {ps}. You don't need to send the damaged one back first; we'll book a free collection after the new one arrives."],
            fix_dent=["A dent like that can hide damage inside, so please don't use it. We'll send you a new {ps} and collect the damaged one free of charge once the new one has arrived.",
                      "We'll replace the whole {ps} rather than risk a hidden fault. The collection of the damaged one is free, and the courier will bring packaging if you no longer have a usable box."],
            fix_scratch=["That isn't acceptable for a new machine. It was packed as new, but it clearly slipped past our check. You can have a replacement, with free collection of this one, or, if you'd rather keep it, a refund of 15% of the price for the cosmetic damage.",
                         "You have two options: we send a brand-new {ps} and collect this one for free, or you keep it and we refund 15% of the price for the marks. Whatever suits you is fine with us."],
            refund=["If you'd prefer a full refund instead, that's fine too, including the original shipping.",
                    "A full refund is also an option if you'd rather not wait for a replacement."],
            policy=["Transit damage needs to be reported within 7 days of delivery, and you're well inside that.",
                    "For your records: we cover any damage reported within 7 days of delivery, so there's no rush to decide."],
        ),
        "zh": dict(
            open=["非常抱歉，{ps}不应该是这样到您手上的。",
                  "哎呀，真的很抱歉，一打开箱子看到这样，心情肯定很糟。",
                  "非常抱歉，也谢谢您第一时间告诉我们。",
                  "抱歉{ps}到货是这个样子，我们马上帮您处理好。"],
            photos=["麻烦拍两张照片发过来：一张拍损坏的地方，一张拍外箱和快递面单。这是向快递索赔用的，但不会等索赔结果才给您处理。",
                    "麻烦发一张损坏处的照片和一张外箱照片，就够了。"],
            fix_broken=["收到照片后，我们会加急给您寄一个新的{part}。如果发现{ps}其他地方也有影响，就直接给您换整个新的。",
                        "照片收到后，我们直接给您发一台全新的{ps}。坏的不用先寄回，新机到了以后我们安排免费上门取件。"],
            fix_dent=["这种凹陷可能伤到内部，请先不要通电使用。我们给您换一台新的{ps}，新机到了以后免费上门取回坏的这台。",
                      "为了避免内部有隐患，我们直接换整台{ps}。取件免费，如果原包装不能用了，快递员会带包装材料上门。"],
            fix_scratch=["新机出现这样的划痕是不应该的，说明出库检查时漏掉了。您可以选择换新，我们免费上门取回这台；如果您愿意留下，也可以按售价的 15% 退还外观补偿。",
                         "两个方案您选：给您换一台全新的{ps}，这台我们免费取回；或者您留下这台，我们按售价退 15% 作为外观补偿。怎么方便怎么来。"],
            refund=["如果您更想直接退款，也可以全额退，包括当初的运费。",
                    "不想等换货的话，全额退款也可以。"],
            policy=["运输损坏需要在签收后 7 天内反馈，您完全在时效内。",
                    "跟您说明一下：签收 7 天内反馈的运输损坏我们都负责，所以不用着急决定。"],
        ),
    }[L]
    fix = g.ch(A["fix_" + ("broken" if kind == "broken" else kind)])
    sz = size(g, (2, 6, 2))
    attached = g.r.random() < 0.4

    def have_photos(text: str) -> str:
        for lead in ("As soon as we have the photos, ", "Once the photos are in, ", "收到照片后，", "照片收到后，"):
            if text.startswith(lead):
                text = text[len(lead):]
                return text[0].upper() + text[1:]
        return text

    if multi:
        U1 = g.ch(U[kind])
        turns = [("user", user_join(g, hello(g), fmt(U1, **kw))),
                 ("assistant", fmt(g.join(g.ch(A["open"]), g.ch(A["photos"])), **kw))]
        sent = {"en": ["I've sent the photos just now.", "Photos sent. The box was wet on one corner too.",
                       "Done, sent two pictures.", "ok photos are attached"],
                "zh": ["照片刚发过去了。", "照片发了，箱子一角还是湿的。", "好了，发了两张图。", "照片已经上传了"]}[L]
        thanks = {"en": ["Thank you, they're very clear.", "Got them, thank you.", "Thanks, that's everything we need."],
                  "zh": ["收到，照片很清楚，谢谢。", "收到了，谢谢您。", "好的，资料齐了，谢谢。"]}[L]
        reply = g.join(g.ch(thanks), have_photos(fix), g.maybe(0.5, g.ch(A["refund"])), g.ch(CLOSE[L]))
        turns += [("user", g.ch(sent)), ("assistant", fmt(g.paras(reply, g.sign(0.3)), **kw))]
        if g.r.random() < 0.4:
            q = {"en": ["Do I need to keep the box?", "How long will the replacement take?", "Do I have to be home for the collection?"],
                 "zh": ["箱子需要留着吗？", "换的新机要多久能到？", "上门取件的时候我必须在家吗？"]}[L]
            ans = {"en": ["Please keep it if you can, but if it's too damaged, the courier will bring packaging with them.",
                          "The new {ps} ships within 2 business days, and you'll get tracking as soon as it leaves. Most addresses get it 1 to 3 days after that.",
                          "Someone needs to hand it over, but you can choose the day, and a neighbour or reception can hand it over for you."],
                   "zh": ["方便的话请留着，如果箱子坏得太厉害，快递员上门会带包装材料。",
                          "新的{ps} 2 个工作日内发出，发货后就能看到物流，大部分地区再过 1 到 3 天送到。",
                          "需要有人交给快递员，不过日期可以您来选，也可以请邻居或者前台代交。"]}[L]
            j = g.r.randrange(3)
            turns += [("user", q[j]), ("assistant", fmt(vary(g, ans[j], ask=True), **kw))]
        return turns
    if attached:
        fix = have_photos(fix)
    u = user_join(g, hello(g), fmt(g.ch(U[kind]), **kw), {"en": "Photos attached.", "zh": "照片附上了。"}[L] if attached else "",
                  g.ch(USER_EXTRA_UNHAPPY[L]))
    got = {"en": ["Thank you for the photos, they're very clear.", "Thanks for sending the photos, that's everything we need."],
           "zh": ["照片收到了，拍得很清楚，谢谢。", "谢谢您发来照片，资料已经齐了。"]}[L]
    ask = g.ch(got) if attached else (g.ch(A["photos"]) if g.r.random() < 0.6 else "")
    if sz == "s":
        reply = g.join(g.ch(A["open"]), fix)
    else:
        reply = g.join(g.ch(A["open"]), ask, fix,
                       g.ch(A["refund"]) if kind != "scratch" else "", g.ch(A["policy"]) if sz == "l" else "",
                       g.ch(CLOSE[L]))
        reply = g.paras(reply, g.sign(0.35))
    return [("user", u), ("assistant", fmt(reply, **kw))]


def rude_courier(g: Gen, multi: bool):
    L = g.lang
    k = g.ch(SHIPPABLE)
    o, ps = g.order(), pn(k, L, True)
    kw = dict(o=o, ps=ps)
    kind = g.ch(["rude", "rude", "thrown", "left", "cash"])
    U = {
        "en": {
            "rude": ["The courier who delivered order {o} was incredibly rude. He swore at me when I asked him to bring it to the door.",
                     "Your delivery driver today shouted at my elderly mother because she took a minute to get to the door. Order {o}.",
                     "I want to complain about the courier who brought my {ps}. Rolled his eyes, muttered something and stuck the parcel in my hands without a word.",
                     "The delivery person for order {o} was really aggressive when I asked to check the box before signing."],
            "thrown": ["The driver threw the box with my {ps} over the gate. I watched him do it. Order {o}.",
                       "Delivery guy for my {ps} tossed the box onto the step from about two metres away. It's a coffee machine, not a pillow.",
                       "I saw the courier drop my parcel, pick it up and carry on like nothing happened. Order {o}."],
            "left": ["The courier refused to bring my parcel up to the third floor and left it downstairs in the rain. Order {o}.",
                     "Order {o} was left on the pavement outside the building. Anyone could have taken it. The driver didn't even ring."],
            "cash": ["The driver demanded I pay a delivery fee in cash for order {o}. I didn't think there was one?",
                     "Courier for my {ps} said I had to pay extra on the doorstep for a 'heavy item'. Is that right?"],
        },
        "zh": {
            "rude": ["送订单 {o} 的快递员态度太差了，我就让他送到门口，他直接骂人。",
                     "今天的快递员对我妈大吼大叫，就因为她开门慢了一点，订单 {o}。",
                     "我要投诉给我送{ps}的快递员，翻白眼、嘴里嘟囔，把包裹往我手里一塞就走了。",
                     "订单 {o} 的快递员，我说签收前想先看看箱子，他态度特别凶。"],
            "thrown": ["快递员直接把装着{ps}的箱子从院门上面扔进来，我亲眼看到的，订单 {o}。",
                       "送{ps}的快递员隔着两米把箱子往台阶上一丢，这是咖啡机，不是枕头。",
                       "我看见快递员把我的包裹摔在地上，捡起来就跟没事一样，订单 {o}。"],
            "left": ["快递员不肯送上三楼，把包裹放在楼下淋雨，订单 {o}。",
                     "订单 {o} 被直接放在楼外的人行道上，谁都能拿走，快递员连门铃都没按。"],
            "cash": ["快递员让我现金付一笔配送费才给订单 {o}，不是包邮吗？",
                     "送{ps}的快递员说是大件，要当场另付钱，这对吗？"],
        },
    }[L]
    A = {
        "en": dict(
            open=["I'm really sorry. Nobody should be treated like that on their own doorstep.",
                  "I'm sorry, that's not acceptable, and thank you for telling us.",
                  "That's not the experience we want anyone to have with a Beanlight delivery, and I'm sorry.",
                  "I'm so sorry this happened. You shouldn't have had to deal with that."],
            report=["The courier works for our delivery partner rather than for Beanlight, so I can't discipline them myself, but I've filed a formal complaint with the partner today with the order number and what you described.",
                    "I've reported this to our delivery partner with the order number and the details you gave. I can't tell you what action they take with their staff, but they review every complaint, and we track how they respond.",
                    "I've raised it with the courier company as a formal complaint. We share these with them every week, and repeated problems on a route change how we use them."],
            check=["Given how the parcel was handled, please check the {ps} carefully before you use it. If anything is damaged, tell us within 7 days and we'll replace it.",
                   "Please give the {ps} a careful look. If there's any damage from that, we'll replace it; just reply here with a photo within 7 days."],
            cash=["We never charge a delivery fee on the doorstep, and couriers aren't allowed to ask for one. Please don't pay anything.",
                  "There's no extra fee on any Beanlight delivery, heavy or not, and you should never be asked for cash at the door."],
            cash_act=["If you already paid, tell me how much and I'll raise it with the delivery partner and push for it to be returned to you.",
                      "I've reported it as a priority. If money changed hands, let me know the amount so the partner can look into getting it back to you."],
            note=["If it would help, I can add a note to your account so future deliveries are brought to the door or left with reception.",
                  ""],
        ),
        "zh": dict(
            open=["非常抱歉，在自己家门口遇到这种事，谁都不应该受这个气。",
                  "抱歉，这样的服务是不可以的，谢谢您告诉我们。",
                  "这绝不是我们希望您收到豆光包裹时的体验，真的很抱歉。",
                  "非常抱歉发生这种事，您本不应该经历这些。"],
            report=["快递员是我们合作物流公司的员工，不归豆光直接管理，我没办法直接处分他，但今天已经带着订单号和您描述的情况向合作方正式投诉了。",
                    "我已经把订单号和您说的细节反馈给合作快递。对方怎么处理员工我没法替他们保证，但每条投诉他们都要回复，我们也会跟进。",
                    "已经作为正式投诉提交给快递公司了。这类投诉我们每周都会和他们复盘，同一线路反复出问题，会影响我们和他们的合作。"],
            check=["包裹被这样对待，使用前请仔细检查一下{ps}。如果有任何损坏，7 天内告诉我们，我们给您换新。",
                   "麻烦仔细看看{ps}有没有问题。如果因此有损坏，7 天内在这里发张照片，我们负责换新。"],
            cash=["我们所有订单都不会在上门时收取配送费，快递员也不允许向您要钱，请不要付。",
                  "豆光的订单不管大件小件都没有额外费用，任何情况下都不应该上门收现金。"],
            cash_act=["如果已经付了，告诉我金额，我会向合作快递反映，尽力帮您追回。",
                      "我已经按紧急投诉提交了。如果已经付了钱，告诉我金额，合作方会核查并处理退还。"],
            note=["如果需要，我可以在您的账户里加个备注，以后的包裹要求送到门口或者交给前台。", ""],
        ),
    }[L]
    u = user_join(g, hello(g), fmt(g.ch(U[kind]), **kw), g.ch(USER_EXTRA_UNHAPPY[L]))
    if kind == "cash":
        reply = g.join(g.ch(A["open"]), g.ch(A["cash"]), g.ch(A["cash_act"]), g.maybe(0.5, g.ch(A["report"])))
    else:
        parts = [g.ch(A["open"]), g.ch(A["report"])]
        if kind in ("thrown", "left") or g.r.random() < 0.4:
            parts.append(g.ch(A["check"]))
        if size(g) != "s":
            parts += [g.ch(A["note"]), g.ch(CLOSE[L])]
        reply = g.join(*parts)
    reply = fmt(g.paras(reply, g.sign(0.3)), **kw)
    turns = [("user", u), ("assistant", reply)]
    if multi:
        q = {"en": ["Can I get some compensation for this?", "Will I get the same driver next time?", "Will you tell me what happens to him?"],
             "zh": ["这种情况有补偿吗？", "下次还会是这个快递员来送吗？", "你们会告诉我最后怎么处理他吗？"]}[L]
        ans = {"en": ["I understand why you'd ask. We don't have a compensation scheme for courier behaviour, and I don't want to promise something I can't give. What I can do is make sure the complaint is followed up, and if the item was damaged in any way, we'll replace it.",
                      "I can't choose the driver, as the courier assigns routes, but the complaint is on the record for your address, and the delivery note I mentioned will go with every future parcel.",
                      "The courier company doesn't share staff decisions with us for privacy reasons, so I won't be able to tell you that. I can tell you the complaint has been logged and acknowledged, and we'll follow up if anything like it happens again."],
               "zh": ["理解您这么问。对于快递员的服务问题，我们目前没有补偿政策，我不想答应您给不了的东西。我能做的是确保投诉有人跟进；如果商品有任何损坏，我们负责换新。",
                      "快递员是快递公司排班的，我没法指定，但这次投诉已经记录在您的地址上，以后每个包裹都会带上我刚说的备注。",
                      "出于隐私原因，快递公司不会告诉我们对员工的处理结果，所以这点我没办法告诉您。我能确认的是投诉已经登记并被受理，如果再发生类似情况，我们会继续跟进。"]}[L]
        j = g.r.randrange(3)
        turns += [("user", q[j]), ("assistant", vary(g, ans[j]))]
    return turns


def wrong_item(g: Gen, multi: bool):
    L = g.lang
    li = 0 if L == "en" else 1
    k, k2 = g.sample(SHIPPABLE, 2)
    o, p, ps, wrong = g.order(), pn(k, L), pn(k, L, True), pn(k2, L)
    c1, c2 = g.sample(COLOURS[li], 2)
    extra = g.ch(EXTRAS_EN if L == "en" else EXTRAS_ZH)
    kind = g.ch(["product", "colour", "colour", "missing", "missing"])
    kw = dict(o=o, p=p, ps=ps, wrong=wrong, c1=c1, c2=c2, extra=extra)
    U = {
        "en": {
            "product": ["I ordered the {p} but got a {wrong} instead. Order {o}.",
                        "Wrong item in my parcel. Order {o} should be a {ps}, and what's in the box is a {wrong}.",
                        "Hi, you've sent me a {wrong}. I never ordered one. Where's my {ps}?"],
            "colour": ["Order {o}: I got the wrong colour. I ordered the {c1} {ps} and this one is {c2}.",
                       "The {ps} I received is {c2}, but my order confirmation clearly says {c1}. Order {o}.",
                       "Colour's wrong on my {ps}. Wanted {c1} to match my kitchen, got {c2}."],
            "missing": ["My order {o} was supposed to include {extra} but it's not in the box.",
                        "The {ps} arrived but {extra} from the same order is missing. Order {o}.",
                        "Only half my order came: {extra} is missing. Order {o}."],
        },
        "zh": {
            "product": ["我买的是{p}，收到的却是{wrong}，订单号 {o}。",
                        "发错货了，订单 {o} 应该是{ps}，箱子里是{wrong}。",
                        "你好，你们给我寄了个{wrong}，我根本没买，我的{ps}呢？"],
            "colour": ["订单 {o} 颜色发错了，我买的是{c1}的{ps}，收到的是{c2}。",
                       "收到的{ps}是{c2}的，订单确认上写得清清楚楚是{c1}，订单 {o}。",
                       "{ps}颜色不对，我要的是{c1}，想配厨房的，结果来了个{c2}。"],
            "missing": ["订单 {o} 里应该还有{extra}，箱子里没有。",
                        "{ps}收到了，但同一单里的{extra}没到，订单 {o}。",
                        "我的订单只到了一半，{extra}没有，订单号 {o}。"],
        },
    }[L]
    A = {
        "en": dict(
            open=["I'm sorry, that's our packing mistake, and thank you for letting us know.",
                  "Sorry about the mix-up. That's on us.",
                  "I'm sorry, you should have got exactly what you ordered."],
            product=["I've sent the {ps} out today; you'll get tracking as soon as the courier scans it. For the {wrong}, we'll book a free collection, so there's no label to print and nothing to pay.",
                     "Your {ps} is being packed now and ships within 2 business days. We'll arrange a free pickup for the {wrong}; the courier will call ahead, and you can keep it in its box until then."],
            colour=["I've reserved a {c1} {ps} for you and it ships within 2 business days. We'll collect the {c2} one for free when the new one is delivered.",
                    "We'll swap it: a {c1} {ps} goes out within 2 business days, and the courier collects the {c2} one at no cost."],
            colour_keep=["And if you've grown to like the {c2} one, you're welcome to keep it instead; the price is the same, so nothing changes.",
                         ""],
            missing=["I've checked the order, and {extra} was left out at packing. It ships today on its own, and you'll get tracking for it separately.",
                     "You're right, {extra} didn't make it into the box. I've sent it separately today at no cost."],
        ),
        "zh": dict(
            open=["抱歉，是我们打包出错了，谢谢您告诉我们。",
                  "不好意思弄错了，这是我们的责任。",
                  "非常抱歉，您应该收到自己下单的东西才对。"],
            product=["{ps}今天就给您寄出，快递揽收后就能看到物流。发错的{wrong}我们安排免费上门取件，不用打印面单，也不用付任何费用。",
                     "您的{ps}正在打包，2 个工作日内发出。{wrong}我们安排免费上门取回，快递员会提前联系您，在那之前放在原盒里就行。"],
            colour=["已经给您预留了一台{c1}的{ps}，2 个工作日内发出。新的送到时，我们免费取回{c2}那台。",
                    "给您换：{c1}的{ps} 2 个工作日内寄出，{c2}那台快递员免费上门取回。"],
            colour_keep=["如果您看着看着觉得{c2}也不错，直接留下也可以，价格一样，不影响什么。", ""],
            missing=["我查了订单，{extra}是打包时漏掉了，今天单独给您寄出，会有单独的物流信息。",
                     "确实是漏发了{extra}，今天已经免费单独给您补寄。"],
        ),
    }[L]
    u = user_join(g, hello(g), fmt(g.ch(U[kind]), **kw), g.ch(USER_EXTRA_UNHAPPY[L]))
    if kind == "colour":
        body = g.join(g.ch(A["colour"]), g.ch(A["colour_keep"]))
    else:
        body = g.ch(A[kind])
    reply = fmt(g.paras(g.join(g.ch(A["open"]), body, g.ch(CLOSE[L])), g.sign(0.3)), **kw)
    turns = [("user", u), ("assistant", reply)]
    if multi:
        q = {"en": ["Can I just keep the wrong one and pay the difference?", "How long until the right one gets here?", "Do I need to print anything?"],
             "zh": ["发错的那个我能不能直接留下，补个差价？", "正确的那个多久能到？", "我需要打印什么东西吗？"]}[L]
        ans = {"en": ["Yes, that's possible. If you'd like to keep it, reply 'keep' and I'll send a payment link for the difference through the app, or refund the difference if it costs less. Then we won't send the collection.",
                      "It ships within 2 business days, and most addresses get it 1 to 3 days after that. You'll get tracking for order {o} as soon as it leaves.",
                      "Nothing at all. The courier brings the label with them for the collection; you just hand over the box."],
               "zh": ["可以的。如果想留下，回复“保留”，我会在 App 里给您发补差价的付款链接；如果它比您买的便宜，就把差价退给您。这样就不安排取件了。",
                      "2 个工作日内发出，大部分地区发货后 1 到 3 天送到，发出后在订单 {o} 里就能看到物流。",
                      "什么都不用打印，取件时快递员会带面单，您把箱子交给他就行。"]}[L]
        j = {"product": g.r.randrange(3), "colour": g.ch([1, 2]), "missing": 1}[kind]
        turns += [("user", q[j]), ("assistant", fmt(vary(g, ans[j], ask=True), **kw))]
    return turns

# ---------------------------------------------------------------------------------------------
# Refunds and returns
# ---------------------------------------------------------------------------------------------

PRICE = {"aura": (449, 2999), "drip": (99, 599), "pod": (129, 799), "mill": (179, 1099),
         "kettle": (89, 499), "froth": (59, 349), "cold": (35, 199), "go": (39, 229)}
PART_PRICE = {"aura": (29, 169), "drip": (19, 99), "pod": (15, 89), "mill": (25, 149),
              "kettle": (19, 99), "froth": (12, 69), "cold": (15, 79), "go": (9, 49)}


def money(L: str, amount: float) -> str:
    if L == "en":
        return f"${amount:,.2f}".replace(".00", "")
    return f"¥{amount:.0f}" if float(amount).is_integer() else f"¥{amount:.2f}"


REFUND_TIME = {
    "en": ["Once it reaches us, we check it within 3 business days and refund your original payment method; your bank may take 5 to 10 business days to show it.",
           "Refunds go out within 3 business days of the return arriving, always to the original payment method. Banks usually take 5 to 10 business days after that.",
           "After it arrives, allow 3 business days for our check, then 5 to 10 business days for your bank to show the refund."],
    "zh": ["仓库签收后 3 个工作日内完成检查并退款，原路退回；微信、支付宝一般 1 到 3 天到账，银行卡 3 到 7 个工作日。",
           "退货到仓后 3 个工作日内退款，都是原路退回，到账时间看支付渠道，通常一周以内。",
           "到仓后我们 3 个工作日内检查完毕，随后原路退款，银行卡会稍慢一些。"],
}
HOW_START = {
    "en": ["You can start it in the app under Orders: choose the item and tap Return.",
           "To start, open Orders in the app or on the website, pick the item and tap Return.",
           "It only takes a minute: Orders, then the item, then Return."],
    "zh": ["在 App 的“我的订单”里选中商品，点“申请退货”就可以发起。",
           "打开 App 或官网的“我的订单”，选择商品后点“申请退货”即可。",
           "操作很简单：我的订单，选商品，点申请退货。"],
}

WARRANTY_START = {
    "en": ["To start, open Orders in the app, choose the item and tap Warranty claim, or just reply here with a short video of the problem.",
           "Reply here with a short video of the fault, or use Warranty claim under Orders in the app, and we'll book the collection."],
    "zh": ["在 App“我的订单”里选中商品，点“申请保修”就可以发起，或者直接在这里回复一段故障的小视频。",
           "在这里发一段故障视频，或者在 App 订单页点“申请保修”，我们就安排上门取件。"],
}


def return_window(g: Gen, multi: bool):
    L = g.lang
    k = g.ch(SHIPPABLE)
    o, p, ps = g.order(), pn(k, L), pn(k, L, True)
    n = g.ch([3, 5, 9, 12, 16, 20, 24, 27, 29, 30, 33, 38, 45, 52, 70, 95])
    faulty = g.r.random() < 0.25
    fault = g.ch({"en": {"aura": ["leaking", "switching itself off", "not heating properly"], "drip": ["leaking", "switching itself off", "not heating properly"],
                         "pod": ["leaking", "switching itself off", "not heating properly"], "mill": ["making a grinding noise", "switching itself off"],
                         "kettle": ["switching itself off", "not heating properly"], "froth": ["switching itself off", "not heating properly"],
                         "cold": ["leaking", "cracking near the lid"], "go": ["leaking", "losing its seal"]},
                  "zh": {"aura": ["漏水", "自己断电", "加热不正常"], "drip": ["漏水", "自己断电", "加热不正常"], "pod": ["漏水", "自己断电", "加热不正常"],
                         "mill": ["有异响", "自己断电"], "kettle": ["自己断电", "加热不正常"], "froth": ["自己断电", "加热不正常"],
                         "cold": ["漏水", "盖子附近开裂"], "go": ["漏水", "密封不严"]}}[L][k])
    kw = dict(o=o, p=p, ps=ps, n=n, fault=fault, left=max(0, 30 - n), w=wy(k))
    if faulty:
        U = {"en": ["It's been {n} days and my {ps} has started {fault}. Can I return it?",
                    "My {ps} is {fault} after {n} days. I'd like my money back please. Order {o}.",
                    "Can I still return the {p}? It arrived {n} days ago and now it's {fault}."],
             "zh": ["买了{n}天，{ps}开始{fault}了，能退吗？",
                    "{ps}用了{n}天就{fault}，我想退款，订单 {o}。",
                    "{p}签收{n}天，现在{fault}，还能退货吗？"]}[L]
    else:
        U = {"en": ["I bought the {p} {n} days ago and I'm not really using it. Can I still return it?",
                    "Is it too late to return my {ps}? It was delivered {n} days ago.",
                    "What's your return policy? I got the {ps} {n} days ago and it's just not for me.",
                    "I've had the {ps} for {n} days and used it a handful of times. Can I send it back?",
                    "can i return an opened {ps}? got it {n} days ago",
                    "Changed my mind about the {ps} (order {o}, delivered {n} days ago). Can I return it for a refund?"],
             "zh": ["{n}天前买的{p}，基本没怎么用，还能退吗？",
                    "{ps}签收{n}天了，现在退还来得及吗？",
                    "你们的退货政策是怎样的？{ps}收到{n}天，用着不太适合我。",
                    "{ps}用了几次，收到{n}天了，可以退回吗？",
                    "拆封了的{ps}能退吗？到手{n}天",
                    "订单 {o} 的{ps}签收{n}天，不想要了，可以退款吗？"]}[L]
    A = {
        "en": dict(
            yes=["Yes, you can. Our return window is 30 days from delivery, so you're well within it.",
                 "You're within our 30-day return window, so yes.",
                 "Of course. Returns are open for 30 days after delivery, and you're inside that."],
            close_call=["Yes, but don't leave it long: the 30-day window closes in {left} days. You only need to start the return before then; it doesn't have to reach us by that date.",
                        "Just in time: you have {left} days left of the 30-day window. Starting the return in the app before it closes is enough."],
            last_day=["Yes, today is the last day of the 30-day window, so please start the return today; once it's started, it doesn't matter when the parcel reaches us."],
            cond=["It needs to be clean and complete, with all the parts, and it's fine if you've tried it a few times. The original box helps but isn't required.",
                  "We just ask that it's clean, has all its parts, and isn't damaged. Trying it out is absolutely fine.",
                  "Opened and tried is fine, as long as it's clean and everything that came in the box goes back with it."],
            ship=["For a change-of-mind return the return shipping, $7, comes off the refund, or you can use a courier of your choice.",
                  "Return shipping for change-of-mind returns is $7, taken from the refund, unless you'd rather send it yourself."],
            no=["I'm sorry, but our return window closes 30 days after delivery, and your {ps} arrived {n} days ago, so I can't accept a change-of-mind return now.",
                "I'm afraid returns close 30 days after delivery, so at {n} days I'm not able to take it back for a refund.",
                "I wish I had better news, but the 30-day return window has passed, so a refund for a change of mind isn't possible."],
            no_alt=["If the problem is that the coffee isn't how you'd like it, I'd be glad to help with that; it's often a grind or recipe change away.",
                    "If anything goes wrong with it, though, it's covered by the {w}-year warranty.",
                    "What I can do is help you get more out of it. Tell me what you usually drink and I'll suggest settings."],
            fault_in=["Since it's faulty, you can choose: a full refund, including shipping both ways, or a replacement. We'll book a free collection.",
                      "A fault within 30 days means a full refund or a replacement, your choice, and we cover the shipping."],
            fault_out=["The 30-day return window has passed, but this is exactly what the warranty is for: your {ps} is covered for {w} years, so we'll repair or replace it free of charge.",
                       "A refund isn't possible after 30 days, but a fault is covered by the {w}-year warranty: we collect it for free and repair it, or replace it if it can't be repaired."],
        ),
        "zh": dict(
            yes=["可以的，我们的退货期是签收后 30 天，您完全在期限内。",
                 "您还在 30 天退货期内，可以退。",
                 "当然可以，签收后 30 天内都能申请退货。"],
            close_call=["可以，不过要抓紧：30 天退货期还剩{left}天。只要在截止前发起申请就行，不需要那天之前寄到。",
                        "刚好赶上，30 天退货期还剩{left}天，截止前在 App 里发起申请就可以。"],
            last_day=["可以，今天是 30 天退货期的最后一天，请今天之内发起申请；申请发起后，包裹什么时候寄到都不影响。"],
            cond=["商品需要干净、配件齐全，试用过几次没关系。有原包装更好，没有也可以退。",
                  "只要求商品干净、配件齐全、没有损坏，试用是完全可以的。",
                  "拆封试用过都没问题，只要干净，盒子里原有的东西一起寄回就行。"],
            ship=["无理由退货的退回运费由您承担，¥15 会从退款里扣除，也可以自己选快递寄回。",
                  "不是质量问题的退货，运费 ¥15 从退款里扣，或者您自行寄回。"],
            no=["非常抱歉，我们的退货期是签收后 30 天，您的{ps}已经签收{n}天了，无理由退货这边没办法受理了。",
                "抱歉，退货期在签收 30 天后就截止了，现在已经{n}天，没法办理退款了。",
                "很想给您好消息，但 30 天退货期已经过了，无理由退款办不了。"],
            no_alt=["如果是咖啡味道不满意，我很乐意帮您调一调，很多时候改一下研磨度或者配方就好了。",
                    "不过如果之后出现任何故障，{w}年保修都会覆盖。",
                    "我能做的是帮您把它用得更顺手，告诉我您平时喝什么，我给您推荐参数。"],
            fault_in=["既然是质量问题，退款或换新您选，往返运费都由我们承担，我们安排免费上门取件。",
                      "30 天内出现故障，可以全额退款也可以换新，运费我们出。"],
            fault_out=["30 天退货期已经过了，但这种情况正好在保修范围内：您的{ps}保修{w}年，我们免费维修，修不好就换新。",
                       "超过 30 天没法退款了，但故障由{w}年保修负责：免费上门取件维修，修不了就换新。"],
        ),
    }[L]
    u = user_join(g, hello(g), fmt(g.ch(U), **kw))
    sz = size(g)
    if faulty:
        start = HOW_START[L] if n <= 30 else WARRANTY_START[L]
        reply = g.join(g.ch(A["fault_in"] if n <= 30 else A["fault_out"]),
                       g.ch(start) if sz != "s" else "", g.ch(REFUND_TIME[L]) if (sz == "l" and n <= 30) else "")
    elif n <= 30:
        head = A["last_day"] if n == 30 else (A["close_call"] if n >= 27 else A["yes"])
        if sz == "s":
            reply = g.join(g.ch(head), g.ch(HOW_START[L]))
        else:
            reply = g.join(g.ch(head), g.ch(A["cond"]), g.ch(A["ship"]), g.ch(HOW_START[L]),
                           g.ch(REFUND_TIME[L]) if sz == "l" else "")
    else:
        reply = g.join(g.ch(A["no"]), g.ch(A["no_alt"]) if sz != "s" or g.r.random() < 0.5 else "")
    reply = fmt(g.paras(reply, g.sign(0.2)), **kw)
    turns = [("user", u), ("assistant", reply)]
    if multi and n <= 30 and not faulty:
        q = {"en": ["Do I need the original box?", "How long until I get the money back?", "Can I exchange it for something else instead?"],
             "zh": ["一定要原包装吗？", "退款多久能到账？", "可以换成别的商品吗？"]}[L]
        ans = {"en": ["It helps, but it isn't required. Any sturdy box with enough padding that nothing moves around is fine.",
                      g.ch(REFUND_TIME[L]),
                      "Yes. Start a return for this one and place a new order for what you'd like; if the new item costs the same or more, there's no return shipping charge for the exchange."],
               "zh": ["有更好，没有也可以。用结实的纸箱，里面塞好缓冲材料、不晃动就行。",
                      g.ch(REFUND_TIME[L]),
                      "可以。这件发起退货，想要的商品重新下单就行；如果新商品价格相同或更高，这次换货不扣退回运费。"]}[L]
        j = g.r.randrange(3)
        turns += [("user", q[j]), ("assistant", fmt(vary(g, ans[j], ask=True), **kw))]
    return turns


def return_howto(g: Gen, multi: bool):
    L = g.lang
    k = g.ch(SHIPPABLE)
    o, p, ps = g.order(), pn(k, L), pn(k, L, True)
    kw = dict(o=o, p=p, ps=ps)
    intent = g.ch(["process", "process", "process", "nobox", "refund_time", "gift", "label"])
    U = {
        "en": {
            "process": ["How do I return my {ps}? Order {o}.", "What's the process for sending back the {p}?",
                        "I'd like to return order {o}. What do I need to do?", "How do returns work with you? It's the {ps}.",
                        "Can you explain step by step how to return the {ps}? I'm not great with apps."],
            "nobox": ["I don't have the original box any more. Can I still return the {ps}?",
                      "Threw away the packaging for my {ps}, oops. Is a return still possible?"],
            "refund_time": ["How long does a refund take once you receive my return?", "I sent back my {ps} on Monday. When will I see the refund?",
                            "My return for order {o} was delivered to you. How long until the money comes back?"],
            "gift": ["I was given a {ps} as a present but already have one. Can I return it without the buyer finding out?",
                     "Someone gave me the {p} as a gift. Can I return it for store credit?"],
            "label": ["Do I need to print a return label for order {o}? I don't have a printer.", "How do I get a return label for the {ps}?"],
        },
        "zh": {
            "process": ["{ps}怎么退货？订单 {o}。", "{p}要退回的话流程是怎样的？", "我想退订单 {o}，需要怎么操作？",
                        "你们的退货流程是怎样的？是{ps}。", "能一步一步说一下{ps}怎么退吗？我不太会用 App。"],
            "nobox": ["原包装盒已经扔了，{ps}还能退吗？", "{ps}的包装我扔掉了，还能退货吗？"],
            "refund_time": ["你们收到退货以后，退款要多久？", "我周一把{ps}寄回去了，什么时候能收到退款？",
                            "订单 {o} 的退货你们已经签收了，钱多久能退回来？"],
            "gift": ["朋友送了我一台{ps}，可我已经有了，能退掉又不让送礼的人知道吗？", "别人送我的{p}，能退成店铺余额吗？"],
            "label": ["订单 {o} 退货需要打印面单吗？我家没有打印机。", "{ps}的退货面单怎么拿？"],
        },
    }[L]
    STEPS = {
        "en": ["Open the Beanlight app or the website and go to Orders.",
               "Choose the order, tap the item you're returning, and tap Return.",
               "Pick a reason. If the item is faulty or damaged, say so here, because return shipping is then free.",
               "Choose how to send it: a free courier collection for faulty items, or a drop-off code for a change-of-mind return, with $7 taken from the refund.",
               "Pack the item with all its parts. The original box is best, but any sturdy box with padding is fine.",
               "Show the drop-off code at the counter, where they print the label for you, or hand the parcel to the courier at collection.",
               "We check the return within 3 business days of it arriving and refund the original payment method. Your bank may take another 5 to 10 business days to show it."],
        "zh": ["打开豆光 App 或官网，进入“我的订单”。",
               "选择对应订单，点要退的商品，再点“申请退货”。",
               "选择退货原因。如果是质量问题或者运输损坏，请在这里选明，这样退回运费由我们承担。",
               "选择寄回方式：质量问题我们安排免费上门取件；无理由退货可以选驿站寄回，¥15 运费从退款中扣除。",
               "把商品和所有配件一起打包，最好用原包装，没有的话用结实的纸箱加缓冲材料也可以。",
               "在驿站出示退货码，工作人员会帮您打印面单；或者在上门取件时交给快递员。",
               "到仓后 3 个工作日内完成检查并原路退款，到账时间视支付渠道而定。"],
    }[L]
    A = {
        "en": dict(
            intro=["Happy to help. Here's how it works:", "Of course. It takes a few minutes:", "No problem, here are the steps:",
                   "Sure. Returning the {ps} goes like this:"],
            nobox=["Yes, you can. The original box is nice to have but not required; any sturdy box with enough padding that nothing moves around is fine.",
                   "No problem at all. Use any sturdy box and pad it well, especially around the glass and plastic parts. For faulty items the courier can bring packaging."],
            gift=["Yes. Gift returns get store credit on a Beanlight gift card rather than a refund to the buyer, so they won't be notified. Start it through the Help page with the order number from the gift slip, or tell me the order number and I'll start it for you.",
                  "You can. With the order number from the gift slip, we'll give you the refund as Beanlight store credit, and nothing is sent to the person who bought it."],
            label=["You don't need a printer. A change-of-mind return gives you a drop-off code, and the drop-off point prints the label for you; for faulty items the courier brings the label to your door.",
                   "No printing needed: you'll get a code in the app, and the drop-off counter prints the label. If the item is faulty, we book a collection and the courier brings it."],
        ),
        "zh": dict(
            intro=["好的，流程是这样的：", "没问题，几分钟就能弄好：", "好的，步骤如下：", "可以的，{ps}退货按下面来："],
            nobox=["可以退的。原包装有当然最好，但不是必须的，用结实的纸箱、塞好缓冲材料、不晃动就可以。",
                   "没问题，随便一个结实的纸箱，玻璃和塑料部件周围多垫一些就行。如果是质量问题，快递员上门可以带包装。"],
            gift=["可以的。礼品退货会以豆光礼品卡余额的形式退给您，不会退到送礼人的账户，对方也不会收到通知。用礼品单上的订单号在帮助页面发起就行，或者把订单号告诉我，我帮您发起。",
                  "可以，用礼品单上的订单号办理，退款会以店铺余额的形式给您，送礼的人不会收到任何消息。"],
            label=["不需要打印机。无理由退货会给您一个退货码，到驿站出示，工作人员帮您打印面单；质量问题的话快递员上门会带面单。",
                   "不用打印：App 里会有一个退货码，驿站会帮您打面单。如果是质量问题，我们安排上门取件，快递员带面单来。"],
        ),
    }[L]
    u = user_join(g, hello(g), fmt(g.ch(U[intent]), **kw))
    if intent == "process":
        sz = size(g, (2, 3, 5))
        if sz == "s":
            reply = g.join(g.ch(HOW_START[L]), g.ch({"en": ["The app then walks you through the label and packing.",
                                                            "From there it guides you through the rest."],
                                                     "zh": ["之后 App 会一步步提示您怎么打包、怎么寄。", "后面按提示操作就行。"]}[L]))
        else:
            steps = STEPS if sz == "l" else [s for i, s in enumerate(STEPS) if i in (0, 1, 3, 4, 6)]
            reply = g.paras(g.ch(A["intro"]), g.steps(steps), g.ch(CLOSE[L]), g.sign(0.3))
    elif intent == "refund_time":
        reply = g.ch(REFUND_TIME[L])
        if g.r.random() < 0.5:
            reply = g.join(reply, {"en": "You'll get a message in the app when the refund is issued.",
                                   "zh": "退款发出时，App 里会有消息提醒。"}[L])
    else:
        reply = g.ch(A[intent])
    reply = fmt(reply, **kw)
    turns = [("user", u), ("assistant", reply)]
    if multi:
        q = {"en": ["And what if the courier doesn't turn up for the collection?", "Can someone else drop it off for me?",
                    "Will I get an email confirmation?"],
             "zh": ["如果上门取件的快递员没来怎么办？", "可以让别人帮我去寄吗？", "会有确认通知吗？"]}[L]
        ans = {"en": ["That does happen occasionally, sorry. Reply here with the order number and we'll rebook it for the next available day; the return window is paused while we sort it out.",
                      "Yes, anyone can drop it off. They just need the drop-off code from the app, on your phone or as a screenshot.",
                      "You'll get a message in the app at each step: when the return is booked, when it reaches us, and when the refund is issued."],
               "zh": ["偶尔确实会这样，抱歉。把订单号回复给我们，我们帮您改约最近的日期，处理期间退货期限暂停计算。",
                      "可以，谁去寄都行，只要带上 App 里的退货码，截图也可以。",
                      "每一步 App 里都会有消息：退货申请成功、仓库签收、退款发出。"]}[L]
        j = g.r.randrange(3)
        turns += [("user", q[j]), ("assistant", vary(g, ans[j], ask=j > 0))]
    return turns


def partial_refund(g: Gen, multi: bool):
    L = g.lang
    li = 0 if L == "en" else 1
    k = g.ch(SHIPPABLE)
    o, p, ps = g.order(), pn(k, L), pn(k, L, True)
    part = g.ch(PARTS[k][li])
    price, pprice = PRICE[k][li], PART_PRICE[k][li]
    intent = g.ch(["missing_part", "missing_part", "used", "price_drop", "price_drop", "bundle", "shipping"])
    dropped = round(price * g.ch([0.1, 0.15, 0.2]))
    days = g.ch([3, 6, 9, 11, 13, 16, 20, 25])
    ship = 7 if L == "en" else 15
    kw = dict(o=o, p=p, ps=ps, part=part, price=money(L, price), pprice=money(L, pprice),
              rest=money(L, price - pprice), drop=money(L, dropped), days=days,
              ship=money(L, ship), net=money(L, price - ship), used=money(L, round(price * 0.2)))
    U = {
        "en": {
            "missing_part": ["I returned my {ps} and only got {rest} back instead of {price}. Why?",
                             "My refund for order {o} is short by {pprice}. What happened?",
                             "You've refunded me less than I paid for the {ps}. Order {o}."],
            "used": ["Why was money taken off the refund for my {ps}? It was barely used.",
                     "Order {o}: refund came through but it's {used} less than I paid. Nobody told me there'd be a deduction."],
            "price_drop": ["I bought the {ps} {days} days ago and now it's {drop} cheaper on your site. Can I get the difference back?",
                           "Your {p} just went on sale. I paid full price {days} days ago. Any chance of a price adjustment?",
                           "Bit annoyed, I see the {ps} is {drop} off now and I bought it {days} days ago. Order {o}."],
            "bundle": ["I bought the {ps} in a bundle with the Mill Pro. Can I return just the {ps}?",
                       "Can I send back one item from my bundle? Order {o}, I want to keep the grinder and return the {ps}."],
            "shipping": ["Why was {ship} deducted from my refund for the {ps}?", "My refund for order {o} came to {net}. I paid {price}. Where did the rest go?"],
        },
        "zh": {
            "missing_part": ["我退了{ps}，只退了{rest}，我付的是{price}，怎么回事？", "订单 {o} 的退款少了{pprice}，是什么原因？",
                             "{ps}退款比我付的钱少，订单 {o}。"],
            "used": ["我的{ps}退款为什么被扣钱了？几乎没用过。", "订单 {o} 退款到了，但比我付的少了{used}，也没人说过要扣钱。"],
            "price_drop": ["我{days}天前买的{ps}，现在官网便宜了{drop}，能退差价吗？",
                           "{p}降价了，我{days}天前原价买的，能给保价吗？",
                           "有点郁闷，{ps}现在降了{drop}，我{days}天前刚买，订单 {o}。"],
            "bundle": ["我买的是{ps}和 Mill Pro 磨豆机的套装，能只退{ps}吗？",
                       "套装能只退一件吗？订单 {o}，磨豆机想留着，{ps}想退。"],
            "shipping": ["为什么{ps}的退款被扣了{ship}？", "订单 {o} 退款只到了{net}，我付了{price}，差的钱去哪了？"],
        },
    }[L]
    A = {
        "en": dict(
            missing_part=["I've checked the return notes: when your {ps} arrived, the {part} wasn't in the box, so its list price of {pprice} was deducted and {rest} was refunded.",
                          "I'm sorry this wasn't explained. Our warehouse found the {part} missing from the returned {ps}, and a missing part is deducted at its list price, {pprice}."],
            missing_part_fix=["If you find it, send it to us within 14 days using the same return code and we'll refund the {pprice} straight away.",
                              "If it turns up at home, just send it back with the same return code within 14 days and you'll get the remaining {pprice}."],
            used=["When a change-of-mind return comes back with clear signs of regular use, such as scale in the tank or wear on the portafilter, we deduct up to 20% of the price, which is what happened here.",
                  "The warehouse noted heavy use on the returned {ps}, and for change-of-mind returns that means a deduction of up to 20%."],
            used_fix=["You should have had a message in the app before the refund was processed, and I'm sorry if that didn't reach you. If you think the note is wrong, reply here and I'll ask the warehouse for their photos and review it with you.",
                      "I'm sorry it came as a surprise. If you disagree with the assessment, I can ask for the warehouse photos and have it looked at again; if they got it wrong, we'll refund the difference."],
            pd_yes=["Yes. Within 14 days of purchase we refund the difference once per order, so I've refunded {drop} to your original payment method.",
                    "Good news: you're inside our 14-day price protection, so the {drop} difference is on its way back to your original payment method."],
            pd_no=["I'm sorry, our price protection covers 14 days from purchase, and it's been {days} days, so I can't refund the difference this time.",
                   "I understand the frustration. Price adjustments are only available within 14 days of purchase, and at {days} days this order is outside that, so I'm not able to refund the difference."],
            pd_alt=["If you're still within 30 days of delivery, you could return it and buy it again at the new price, but you would pay the $7 return shipping, so it's only worth it if the difference is bigger than that.",
                    ""],
            bundle=["Yes, you can return one item from a bundle. The refund is the {ps}'s own price minus its share of the bundle discount, so it's a little less than buying it on its own would cost. The app shows you the exact amount before you confirm.",
                    "You can. Because the bundle price was discounted, the refund for the {ps} is its price less its part of the discount; you'll see the exact figure in the app before you confirm the return."],
            shipping=["For change-of-mind returns we take the return shipping, {ship}, from the refund. If the {ps} was faulty or damaged, that shouldn't have happened, so tell me and I'll refund the {ship}.",
                      "That's the return shipping for a change-of-mind return, {ship}. If the return was actually because of a fault, let me know what happened and I'll refund it."],
        ),
        "zh": dict(
            missing_part=["我查了退货记录：您的{ps}到仓时箱子里少了{part}，所以按配件原价扣了{pprice}，退款是{rest}。",
                          "抱歉之前没跟您说清楚。仓库验收时发现退回的{ps}缺少{part}，缺配件会按原价扣除，也就是{pprice}。"],
            missing_part_fix=["如果您找到了，14 天内用同一个退货码寄回，我们马上把{pprice}退给您。",
                              "如果在家里找到了，14 天内用原退货码寄回来，剩下的{pprice}会退给您。"],
            used=["无理由退货的商品如果有明显的长期使用痕迹，比如水箱有水垢、手柄明显磨损，我们会扣除最多 20% 的货款，您这单就是这个情况。",
                  "仓库记录显示退回的{ps}使用痕迹比较明显，无理由退货这种情况会扣除最多 20%。"],
            used_fix=["按流程退款前 App 里应该先给您发过消息，如果您没收到，很抱歉。如果您觉得判断有误，回复我，我去调仓库的验收照片和您一起核实。",
                      "抱歉让您觉得突然。如果您对验收结果有异议，我可以申请调出仓库照片重新复核；如果是我们判断错了，差额会退给您。"],
            pd_yes=["可以的。购买后 14 天内降价，每个订单可以申请一次退差价，{drop}已经原路退给您了。",
                    "好消息：您在 14 天保价期内，{drop}的差价已经原路退回了。"],
            pd_no=["抱歉，我们的保价期是购买后 14 天，您这单已经{days}天了，这次没办法退差价。",
                   "理解您的心情。保价只在购买后 14 天内有效，{days}天已经超出了，差价这边退不了。"],
            pd_alt=["如果还在签收 30 天内，也可以退货后按新价格重新下单，不过无理由退货要承担 ¥15 运费，差价比运费大才划算。", ""],
            bundle=["可以只退套装里的一件。退款金额是{ps}的单价减去它分摊的套装优惠，所以会比单买的价格少一点。确认退货前 App 里会显示准确金额。",
                    "可以的。因为套装有优惠，{ps}的退款是它的价格扣掉它那部分的优惠，确认前您能在 App 里看到具体数字。"],
            shipping=["无理由退货会从退款里扣除退回运费{ship}。如果{ps}其实是有质量问题或者损坏，就不该扣，告诉我，我把{ship}退给您。",
                      "这是无理由退货的退回运费{ship}。如果退货其实是因为故障，跟我说一下情况，我给您退回这笔运费。"],
        ),
    }[L]
    u = user_join(g, hello(g), fmt(g.ch(U[intent]), **kw))
    if intent == "missing_part":
        reply = g.join(g.ch(A["missing_part"]), g.ch(A["missing_part_fix"]))
    elif intent == "used":
        reply = g.join(g.ch(A["used"]), g.ch(A["used_fix"]))
    elif intent == "price_drop":
        reply = g.ch(A["pd_yes"]) if days <= 14 else g.join(g.ch(A["pd_no"]), g.ch(A["pd_alt"]))
    else:
        reply = g.ch(A[intent])
    reply = fmt(g.paras(reply, g.sign(0.25)), **kw)
    turns = [("user", u), ("assistant", reply)]
    if multi:
        follow = {"en": [("OK, that makes sense. Thanks for explaining.", "You're welcome, and thanks for asking rather than just wondering. If anything else on the order looks off, reply here."),
                         ("Fine. I'd still have liked a heads-up, but thanks.", "That's fair, and I'm sorry. We should explain deductions before they happen, not after. I've passed your comment on to the returns team."),
                         ("Right, understood. Is there anything else I need to do?", "Nothing at all on your side. Everything else on the order is settled, and you'll get a message in the app if anything changes.")],
                  "zh": [("好吧，这样说我就明白了，谢谢解释。", "不客气，谢谢您来问清楚。订单上还有别的看不明白的地方，随时回复我。"),
                         ("行吧，要是提前说一声就好了，不过谢谢。", "您说得对，很抱歉。扣款应该事先说明，而不是事后解释，您的意见我已经反馈给退货团队了。"),
                         ("明白了。我这边还需要做什么吗？", "您这边什么都不用做了，订单其他部分都已经处理完，有变化 App 里会通知您。")]}[L]
        fu, fa = g.ch(follow)
        turns += [("user", fu), ("assistant", vary(g, fa))]
    return turns


def refused_refund(g: Gen, multi: bool):
    L = g.lang
    kind = g.ch(["beans", "beans", "consumable", "late", "misuse", "retailer", "giftcard", "other_card"])
    k = g.ch(MACHINES + ["froth"] if kind == "misuse" else SHIPPABLE)
    o, p, ps = g.order(), pn(k, L), pn(k, L, True)
    n = g.ch([34, 41, 48, 60, 75, 90, 120])
    kw = dict(o=o, p=p, ps=ps, n=n, w=wy(k))
    U = {
        "en": {
            "beans": ["The Morning Hill beans I bought are far too dark for me. Can I return them?",
                      "I opened a bag of your espresso roast and don't like it. Refund?",
                      "Can I send back two bags of beans? One's opened, one isn't. Just not my taste."],
            "consumable": ["I opened the descaling kit but then realised I bought the wrong one. Can I return it?",
                           "I used one of the water filters from the two-pack and it doesn't fit my old machine. Can I return the pack?"],
            "late": ["I know it's been {n} days, but I really don't use the {ps}. Any chance of a return?",
                     "Bought the {ps} about {n} days ago. It's in perfect condition. Please can I return it?"],
            "misuse": ["I dropped my {ps} and now the {part} is cracked. Is that covered?",
                       "I descaled my {ps} with vinegar and now it leaks from the bottom. Can I get a refund?",
                       "My {ps} got wet when I put it in the dishwasher and now it won't turn on. Refund please."],
            "retailer": ["I bought a {ps} at a department store. Can you refund it? They're being difficult.",
                         "My {ps} came from an online marketplace, not your site. Can I return it to you?"],
            "giftcard": ["Can I get a refund on a Beanlight gift card I bought by mistake?", "I'd like to cash out my gift card balance. How?"],
            "other_card": ["Can you refund my {ps} to a different card? I cancelled the one I paid with.",
                           "Please send my refund for order {o} to my partner's account instead."],
        },
        "zh": {
            "beans": ["我买的晨丘咖啡豆烘得太深了，能退吗？", "拆了一袋你们的意式拼配豆，不喜欢，能退款吗？",
                      "两袋咖啡豆能退吗？一袋拆了一袋没拆，就是不合口味。"],
            "consumable": ["除垢剂拆开才发现买错了，能退吗？", "两支装滤芯用了一支，发现装不上我的旧机器，这盒能退吗？"],
            "late": ["我知道已经{n}天了，可{ps}我真的用不上，能通融一下退掉吗？", "{ps}大概{n}天前买的，完好无损，可以退吗？"],
            "misuse": ["{ps}不小心摔了，{part}裂了，这个保修吗？", "我用白醋给{ps}除垢，现在底下漏水，能退款吗？",
                       "我把{ps}放进洗碗机洗了，现在开不了机，退款吧。"],
            "retailer": ["我在商场买的{ps}，能在你们这退吗？商场那边推来推去的。", "我的{ps}是在电商平台的第三方店铺买的，不是官网，可以找你们退吗？"],
            "giftcard": ["礼品卡买错了，能退款吗？", "礼品卡余额可以提现吗？"],
            "other_card": ["{ps}的退款能退到另一张卡吗？付款的那张卡注销了。", "订单 {o} 的退款能打到我爱人的账户吗？"],
        },
    }[L]
    li = 0 if L == "en" else 1
    kw["part"] = g.ch(PARTS[k][li])
    A = {
        "en": dict(
            beans=["I'm sorry they weren't to your taste. Because beans are food, we can't take back an opened bag, but sealed bags can be returned within 30 days.",
                   "I'm afraid opened coffee can't be returned, for hygiene reasons, though any unopened bags are fine to send back within 30 days."],
            beans_alt=["If you tell me what you usually enjoy, I'll suggest one of our lighter roasts. The Orchard Light and the Sunday Blend are both much brighter than Morning Hill.",
                       "One tip: very dark beans taste gentler brewed a little cooler, around 88 °C, or as cold brew, so the opened bag may not be wasted.",
                       "If the beans were stale or faulty, for example past the roast date on the bag, that's different; send me a photo of the date and I'll sort it out."],
            consumable=["I'm sorry, once a consumable like a descaler or filter has been opened or used, we can't take it back, because we can't resell it safely.",
                        "Opened and used consumables can't be returned, I'm afraid; it's one of the few things our 30-day policy excludes."],
            consumable_alt=["If there's an unopened part, such as the second filter still sealed, we can refund that one.",
                            "If you tell me which machine you have, I'll check which product does fit, so the next one is right."],
            late=["I'm sorry, I can't accept a return after 30 days for a change of mind, and at {n} days I don't have a way to make an exception fairly.",
                  "I appreciate you asking so nicely, and I'm sorry to say no: our return window closes 30 days after delivery, and that applies to everyone."],
            late_alt=["It stays covered by the {w}-year warranty if anything goes wrong, and if it's just gathering dust, I'm glad to help you find a way to use it you'd enjoy.",
                      "What I can say is that the warranty covers it for {w} years, so if anything ever stops working you're protected."],
            misuse=["I'm sorry, that's really bad luck. Damage from a drop, from vinegar or from the dishwasher isn't covered by the warranty, which is for manufacturing faults, so I can't offer a free repair or refund.",
                    "I'm sorry to hear it. I'm afraid the warranty doesn't cover accidental damage or damage from cleaning methods the manual warns against, so this one isn't something we can refund."],
            misuse_alt=["We can still repair it at cost: there's a $25 check, waived if you go ahead, and you get a quote before any work is done.",
                        "What we can do is a paid repair. The $25 diagnostic fee is waived if you accept the quote, and nothing is done without your OK."],
            retailer=["Refunds have to go through the shop you bought from, because they hold the payment, so I can't refund it from our side.",
                      "I'm sorry, we can only refund orders placed with Beanlight directly; the store you bought from handles its own returns."],
            retailer_alt=["The warranty is ours, though, so if it's faulty we'll repair or replace it no matter where it was bought; you'll just need the receipt.",
                          "If the problem is a fault, skip the shop: our warranty applies wherever you bought it, with a receipt as proof of purchase."],
            giftcard=["I'm sorry, Beanlight gift cards can't be refunded or exchanged for cash. The good news is they never expire, so the balance will be there whenever you need it.",
                      "Gift cards can't be cashed out or refunded, I'm afraid, but they don't expire, and you can use them on anything in the shop, including beans and accessories."],
            other_card=["I'm sorry, refunds can only go back to the original payment method; it's a rule we share with the payment providers to prevent fraud.",
                        "For security, we can only refund the original payment method, so I can't send it to a different account."],
            other_card_alt=["If that card has been closed, your bank will normally pass the refund on to your new card or account, so it's worth a quick call to them once it's issued.",
                            ""],
        ),
        "zh": dict(
            beans=["很遗憾这款豆子不合您的口味。咖啡豆属于食品，拆封后就不能退了，没拆封的 30 天内可以退。",
                   "抱歉，出于卫生原因，拆封的咖啡豆没法退，未拆封的 30 天内都可以寄回。"],
            beans_alt=["告诉我您平时喜欢什么口味，我给您推荐浅一点的烘焙，比如果园浅烘和周日拼配，都比晨丘明亮很多。",
                       "一个小建议：深烘豆用低一点的水温，88 度左右，或者做冷萃，味道会柔和很多，已经拆开的这袋不一定浪费。",
                       "如果是豆子不新鲜或者有问题，比如已经过了袋子上的烘焙日期，那就不一样了，拍一下日期发给我，我来处理。"],
            consumable=["抱歉，除垢剂、滤芯这类耗材一旦拆封或使用，就没法再安全地二次销售，所以不能退。",
                        "抱歉，拆封或用过的耗材不支持退货，这是 30 天退货政策里少数的例外之一。"],
            consumable_alt=["如果还有没拆的部分，比如另一支滤芯还是密封的，那一支可以退。",
                            "告诉我您用的是哪款机器，我帮您确认哪个型号适配，下次就不会买错了。"],
            late=["抱歉，超过 30 天就不能无理由退货了，已经{n}天，我没办法公平地为您破例。",
                  "谢谢您这么客气地问，也很抱歉要说不行：签收 30 天后退货期就截止了，对所有顾客都一样。"],
            late_alt=["出了任何故障，{w}年保修都会覆盖；如果只是放着不用，我也很乐意帮您找找用起来顺手的方法。",
                      "可以跟您确认的是，保修期有{w}年，以后真出了问题您是有保障的。"],
            misuse=["真的很抱歉，运气太不好了。摔坏、用醋除垢或者进洗碗机造成的损坏不在保修范围内，保修针对的是产品本身的质量问题，所以免费维修或退款这边给不了。",
                    "听到这个很遗憾。意外损坏或者使用说明书里提醒过的清洁方式造成的损坏，不属于保修范围，所以这种情况没法退款。"],
            misuse_alt=["不过我们可以付费维修：检测费 ¥60，确认维修就免收，动手前会先给您报价。",
                        "可以走付费维修，检测费 ¥60，接受报价就免掉，没有您的同意不会动工。"],
            retailer=["退款需要找购买的店铺办理，因为款项在他们那里，我们这边没法直接退。",
                      "抱歉，我们只能退官网下的订单，其他渠道购买的退货由对应店铺负责。"],
            retailer_alt=["不过保修是我们负责的，如果是质量问题，不管在哪买的，凭购买凭证我们都给您修或换。",
                          "如果是故障，不用找店铺：凭购买凭证，在哪买的都享受我们的保修。"],
            giftcard=["抱歉，豆光礼品卡不能退款也不能提现。好在它没有有效期，余额会一直在。",
                      "礼品卡没法提现或退款，不过永久有效，店里所有东西都能用，咖啡豆和配件也可以。"],
            other_card=["抱歉，退款只能原路退回，这是我们和支付机构共同的防欺诈规定。",
                        "出于安全考虑，退款只能退回原支付账户，没法打到别的账户。"],
            other_card_alt=["如果原来的卡已经注销，银行一般会把退款转到您的新卡或账户上，退款发出后可以问一下银行。", ""],
        ),
    }[L]
    u = user_join(g, hello(g), fmt(g.ch(U[kind]), **kw))
    alt_key = {"beans": "beans_alt", "consumable": "consumable_alt", "late": "late_alt", "misuse": "misuse_alt",
               "retailer": "retailer_alt", "other_card": "other_card_alt"}.get(kind)
    reply = g.join(g.ch(A[kind]), g.ch(A[alt_key]) if alt_key and (size(g) != "s") else "")
    reply = fmt(g.paras(reply, g.sign(0.25)), **kw)
    turns = [("user", u), ("assistant", reply)]
    if multi:
        push = {"en": ["That's ridiculous. I've spent a lot of money with you.", "Can't you make an exception just this once?",
                       "Seriously? Other shops would just take it back."],
                "zh": ["太离谱了吧，我在你们这买了不少东西。", "就不能破例一次吗？", "真的假的？别家都直接退了。"]}[L]
        calm = {"en": ["I understand, and I'm grateful you've shopped with us. I don't want to promise something and then not be able to deliver it, so I'll be straight with you: this one I can't refund. What I've said about the alternatives still stands, and I'm here to help with any of them.",
                       "I hear you, and I'm sorry it's not the answer you wanted. The rule applies to everyone, which is the only way it stays fair. If there's anything within it I can do, I'll do it gladly."],
                "zh": ["理解您，也很感谢您一直支持我们。我不想答应了又做不到，所以跟您说实话：这一单确实退不了。刚才说的替代办法都还有效，您需要哪个我都帮您办。",
                       "明白您的心情，很抱歉不是您想听的答案。这条规定对所有顾客都一样，这样才公平。在规定范围内我能做的，一定尽力帮您。"]}[L]
        turns += [("user", g.ch(push)), ("assistant", vary(g, g.ch(calm)))]
    return turns

# ---------------------------------------------------------------------------------------------
# Warranty and repair
# ---------------------------------------------------------------------------------------------

CLAIM_STEPS = {
    "en": ["Reply here, or open Orders in the app and choose Warranty claim, with a short description and, if you can, a 10-second video of the problem.",
           "We book a free courier collection; the courier brings packaging if you need it. Please keep the portafilter, tank and other loose parts at home unless we ask for them.",
           "Our repair team checks it within 2 business days of arrival and tells you what they found.",
           "Repairs take 7 to 10 business days from when it arrives, and we cover shipping both ways.",
           "If it can't be repaired, we replace it with a new one of the same model, or the nearest current model if that one is no longer made."],
    "zh": ["在这里回复，或者在 App“我的订单”里选择“申请保修”，简单描述问题，方便的话附一段 10 秒左右的视频。",
           "我们安排免费上门取件，需要的话快递员会带包装。手柄、水箱这些可拆的配件请留在家里，除非我们特别说明。",
           "维修团队在到件后 2 个工作日内检测，并告诉您检测结果。",
           "维修周期是到件后 7 到 10 个工作日，往返运费都由我们承担。",
           "如果修不好，就换一台同型号的新机；该型号停产的话，换成最接近的现款。"],
}


def warranty(g: Gen, multi: bool):
    L = g.lang
    f = g.ch(FAULTS)
    k = f["product"]
    o, p, ps = g.order(), pn(k, L), pn(k, L, True)
    w = wy(k)
    status = g.ch(["in", "in", "in", "in", "out", "excluded"])
    months = {"in": g.r.randint(2, w * 12 - 1), "out": g.r.randint(w * 12 + 1, w * 12 + 20), "excluded": g.r.randint(2, w * 12 - 1)}[status]
    if L == "en":
        age = f"{months} months" if months < 24 or months % 12 else f"{months // 12} years"
    else:
        age = f"{months}个月" if months < 24 or months % 12 else f"{months // 12}年"
    sym = g.ch(f[L])
    drops = {"en": ["It did fall off the counter last week, if that matters.", "It got knocked over when we moved house."],
             "zh": ["对了，上周它从台面上掉下来过一次。", "搬家的时候被碰倒过。"]}[L]
    scale = {"en": ["I'll be honest, I haven't descaled it since I bought it."], "zh": ["老实说，买回来以后我一次都没除过垢。"]}[L]
    excl = g.ch(drops + scale if k in ("aura", "drip", "pod", "kettle") else drops)
    kw = dict(o=o, p=p, ps=ps, w=w, age=age, sym=sym)
    U = {"en": ["{Sym}. I bought it {age} ago. Is it under warranty?",
                "Hi, {sym}. It's about {age} old. What can I do?",
                "{Sym}! Bought it {age} ago from your website, order {o}.",
                "{Sym}. It's {age} old. Can you fix it?",
                "I think it's broken: {sym}. Had it {age}."],
         "zh": ["{sym}，买了{age}，在保修期内吗？", "你好，{sym}，用了大概{age}，怎么办？", "{sym}！官网买的，{age}，订单 {o}。",
                "{sym}，用了{age}，能修吗？", "好像坏了：{sym}，买了{age}。"]}[L]
    t = g.ch(U)
    u = fmt(t, Sym=sym[:1].upper() + sym[1:] if L == "en" else sym, **kw)
    u = user_join(g, hello(g) if not t.startswith("{Sym}") else "", u, excl if status == "excluded" else "")
    A = {
        "en": dict(
            open=["I'm sorry your {ps} is playing up.", "Sorry to hear that, let's get it working again.", "Thanks for the details, that helps.",
                  "I'm sorry, that's annoying, especially first thing in the morning."],
            try_=["Before we arrange anything, a few quick checks fix this more often than you'd think:",
                  "Could you try these first? They solve most cases of this:",
                  "Here's what I'd check first:"],
            in_=["If it's still not right after that, it's covered: your {ps} has a {w}-year warranty and you're at {age}, so the repair is free.",
                 "If none of that helps, it's well within the {w}-year warranty, so we'll repair it free of charge, or replace it if it can't be repaired."],
            in_direct=["It's {age} old, so it's covered by the {w}-year warranty, and the repair costs you nothing.",
                       "Good news first: at {age} it's within the {w}-year warranty, so this is on us."],
            claim_short=["Just reply here with a short video of the problem and we'll book a free collection; repairs take 7 to 10 business days from arrival.",
                         "Send a short video of it here and we'll arrange a free pickup. Expect it back within 7 to 10 business days of it reaching us."],
            claim_intro=["Here's how the claim works:", "This is what happens next:", "The process is simple:"],
            out=["At {age}, it's outside the {w}-year warranty now, I'm afraid, but we can still repair it: there's a $25 check, which we waive if you go ahead, and you get a quote before any work starts.",
                 "It's past the {w}-year warranty, so the repair wouldn't be free, but we'd still be glad to fix it. The $25 diagnostic fee is waived if you accept the quote, and nothing is done without your OK."],
            out_tail=["Most repairs on this model come in well under the price of a new one.", "Parts for it are still in stock.", ""],
            excl_scale=["Thank you for being upfront. If the check shows scale build-up, that damage isn't covered by the warranty, but it's often fixable: a descale may bring it back completely, so it's worth trying first."],
            excl_drop=["Thanks for telling me. If the fault is from the fall, it wouldn't be covered by the warranty, which is for manufacturing faults. If the check shows it's unrelated, it's covered in full. Either way, we'll tell you before anything is charged."],
            excl_price=["A check is $25, waived if you go ahead with a repair, and you'll have a quote before anything is done."],
        ),
        "zh": dict(
            open=["抱歉{ps}出问题了。", "听到这个很抱歉，我们一起把它弄好。", "谢谢您描述得这么详细，很有帮助。",
                  "抱歉，一大早遇到这种事确实闹心。"],
            try_=["安排维修之前，先试试下面几步，很多时候就能解决：", "麻烦先试试这几步，大部分情况都能解决：", "建议先检查这几个地方："],
            in_=["如果试过之后还是不行，不用担心：{ps}保修{w}年，您才用了{age}，维修是免费的。",
                 "如果都不管用，您完全在{w}年保修期内，我们免费维修，修不好就换新。"],
            in_direct=["用了{age}，在{w}年保修期内，维修不用您花钱。", "先说好消息：{age}还在{w}年保修期内，这个由我们负责。"],
            claim_short=["在这里回复一段问题的短视频，我们就安排免费上门取件，到件后 7 到 10 个工作日修好寄回。",
                         "发一段小视频过来，我们安排免费取件，到件后一般 7 到 10 个工作日寄回。"],
            claim_intro=["保修流程是这样的：", "接下来是这样处理的：", "流程很简单："],
            out=["已经用了{age}，抱歉超出{w}年保修期了，不过我们仍然可以维修：检测费 ¥60，确认维修就免收，动工前会先给您报价。",
                 "已经过了{w}年保修期，维修不能免费了，但我们还是很乐意帮您修。确认报价的话 ¥60 检测费免收，没有您的同意不会动工。"],
            out_tail=["这个型号大部分维修的花费都远低于买新机。", "这款的配件目前都还有库存。", ""],
            excl_scale=["谢谢您如实告诉我们。如果检测发现是水垢造成的，这部分损坏不在保修范围内，但往往是能修好的：先除一次垢，很可能就完全恢复了，值得先试试。"],
            excl_drop=["谢谢您告诉我。如果故障是摔落造成的，就不在保修范围内，保修针对的是产品本身的质量问题；如果检测下来和摔落无关，那就全额保修。无论哪种，收费之前都会先告诉您。"],
            excl_price=["检测费 ¥60，确认维修就免收，动工前会先给您报价。"],
        ),
    }[L]
    checks = f["checks_" + L]
    sz = size(g, (2, 4, 4))
    if status == "excluded":
        ex = A["excl_scale"] if ("descale" in excl or "除过垢" in excl) else A["excl_drop"]
        reply = g.paras(g.join(g.ch(A["open"]), g.ch(ex), g.ch(A["excl_price"])), g.sign(0.3))
    elif status == "out":
        if sz == "s":
            reply = g.join(g.ch(A["open"]), g.ch(A["out"]))
        else:
            reply = g.paras(g.join(g.ch(A["open"]), g.ch(A["try_"])), g.steps(checks, numbered=False),
                            g.join(g.ch(A["out"]), g.ch(A["out_tail"])), g.sign(0.3))
    elif multi:
        reply = g.paras(g.join(g.ch(A["open"]), g.ch(A["try_"])), g.steps(checks, numbered=False),
                        {"en": "Let me know how you get on.", "zh": "试完告诉我结果。"}[L])
    elif sz == "s":
        reply = g.join(g.ch(A["open"]), g.ch(A["in_direct"]), g.ch(A["claim_short"]))
    elif sz == "m":
        reply = g.paras(g.join(g.ch(A["open"]), g.ch(A["try_"])), g.steps(checks, numbered=False),
                        g.join(g.ch(A["in_"]), g.ch(A["claim_short"])), g.sign(0.3))
    else:
        reply = g.paras(g.join(g.ch(A["open"]), g.ch(A["try_"])), g.steps(checks, numbered=False), g.ch(A["in_"]),
                        g.ch(A["claim_intro"]), g.steps(CLAIM_STEPS[L]), g.ch(CLOSE[L]), g.sign(0.4))
    turns = [("user", u), ("assistant", fmt(reply, **kw))]
    if multi and status == "in":
        still = {"en": ["Tried all of that, still the same.", "No luck, it's doing exactly the same thing.",
                        "Did everything you said. Still {sym}.", "That didn't fix it unfortunately."],
                 "zh": ["都试过了，还是一样。", "不行，还是老样子。", "按你说的都做了，还是{sym}。", "可惜没用。"]}[L]
        turns.append(("user", fmt(g.ch(still), sym=sym)))
        thanks = {"en": ["Thank you for trying those, and sorry they didn't do it.", "Thanks for checking. Let's get it repaired then."],
                  "zh": ["谢谢您都试了一遍，抱歉没能解决。", "谢谢您配合检查，那我们就安排维修。"]}[L]
        r2 = g.paras(g.join(g.ch(thanks), g.ch(A["in_direct"])), g.ch(A["claim_intro"]), g.steps(CLAIM_STEPS[L]), g.sign(0.3))
        turns.append(("assistant", fmt(r2, **kw)))
    return turns

# ---------------------------------------------------------------------------------------------
# Order tracking
# ---------------------------------------------------------------------------------------------

def tracking(g: Gen, multi: bool):
    L = g.lang
    k = g.ch(SHIPPABLE)
    o, p, ps = g.order(), pn(k, L), pn(k, L, True)
    days = DAYS_EN if L == "en" else DAYS_ZH
    i = g.r.randrange(7)
    day, day2 = days[i], days[(i + g.ch([1, 2])) % 7]
    extra = g.ch(EXTRAS_EN if L == "en" else EXTRAS_ZH)
    intent = g.ch(["status", "status", "status", "address", "address", "split", "cancel", "cancel", "no_link", "preorder"])
    shipped = g.r.random() < 0.5
    kw = dict(o=o, p=p, ps=ps, day=day, day2=day2, extra=extra)
    U = {
        "en": {
            "status": ["Where's my order? {o}", "Can you tell me when order {o} will arrive?", "Has my {ps} shipped yet? Order {o}.",
                       "Any update on order {o}? Just want to know when to be home.", "Quick question: what's the status of order {o}?",
                       "When will my {p} be delivered? I ordered it yesterday."],
            "address": ["I put the wrong address on order {o}. Can you change it?", "I'm moving next week. Can I change the delivery address for order {o}?",
                        "Typo in my street name on order {o}! Can it still be fixed?"],
            "split": ["I only got part of my order. The {ps} came but not {extra}. Order {o}.", "Why did order {o} come in two parcels?"],
            "cancel": ["Can I cancel order {o}? I ordered the wrong model.", "Please cancel my order {o}, I found I don't need it.",
                       "I'd like to cancel the {ps} I ordered this morning."],
            "no_link": ["I never got a tracking number for order {o}.", "Where do I find the tracking for my {ps}?"],
            "preorder": ["I pre-ordered the {p}. When does it actually ship?", "Any news on pre-order {o}? The page said this month."],
        },
        "zh": {
            "status": ["我的订单到哪了？{o}", "订单 {o} 什么时候能到？", "{ps}发货了吗？订单号 {o}。",
                       "订单 {o} 有进展吗？想知道哪天要在家等。", "问一下订单 {o} 现在什么状态？", "{p}什么时候送到？昨天下的单。"],
            "address": ["订单 {o} 地址填错了，能改吗？", "我下周搬家，订单 {o} 的收货地址能改吗？", "订单 {o} 街道名字打错了！还能改吗？"],
            "split": ["我的订单只到了一部分，{ps}到了，{extra}没到，订单 {o}。", "为什么订单 {o} 分成两个包裹寄？"],
            "cancel": ["订单 {o} 能取消吗？型号买错了。", "麻烦帮我取消订单 {o}，发现用不上了。", "我今天早上下单的{ps}想取消。"],
            "no_link": ["订单 {o} 一直没收到物流单号。", "我的{ps}物流在哪里看？"],
            "preorder": ["我预订了{p}，到底什么时候发货？", "预售订单 {o} 有消息了吗？页面上说这个月发。"],
        },
    }[L]
    A = {
        "en": dict(
            s_proc=["Order {o} is being packed now and will leave our warehouse by the end of tomorrow. You'll get a message with tracking as soon as the courier scans it.",
                    "It hasn't shipped yet, but it's on today's packing list, so it should be with the courier by tomorrow. Tracking follows automatically."],
            s_ship=["Order {o} left our warehouse on {day} and is with the courier now. The current estimate is {day2}, and you can follow it in the app under Orders.",
                    "Your {ps} is on its way: it shipped on {day}, and the courier expects to deliver on {day2}. The tracking link is under Orders in the app."],
            s_out=["Good timing: order {o} is out for delivery today. The courier usually gives a one-hour window in their tracking page on the morning of delivery."],
            addr_ok=["It hasn't shipped yet, so yes. Reply with the corrected address and I'll update it before it's packed.",
                     "You caught it in time: order {o} hasn't left the warehouse. Send me the new address and I'll change it straight away."],
            addr_no=["I'm sorry, order {o} has already shipped, so we can't change the address from our side. The courier's tracking page lets you redirect it to a pickup point or hold it at the depot, and that usually works well.",
                     "It's already with the courier, so the address is locked on our side, I'm afraid. You can use the courier's tracking page to choose a pickup point or another delivery day; if it comes back to us, we'll reship it at no cost."],
            split=["Sorry for the confusion. Larger orders sometimes ship from two warehouses, so {extra} is coming separately. It shipped on {day} and should arrive by {day2}; its tracking is listed under the same order in the app.",
                   "That's because the items were packed at different warehouses. Nothing is missing: the second parcel, with {extra}, is on its way and expected on {day2}."],
            c_ok=["Done. Order {o} is cancelled and the full amount is on its way back to your original payment method; your bank may take 5 to 10 business days to show it.",
                  "No problem, I've cancelled it before it was packed. You'll get a full refund to your original payment method, usually within 5 to 10 business days."],
            c_no=["I'm sorry, order {o} has already shipped, so I can't cancel it now. When it arrives, you can refuse delivery or start a return within 30 days; if you refuse it, there's no return shipping to pay.",
                  "It's already on its way, so cancelling isn't possible any more, but you have two easy options: refuse the parcel at the door, which costs you nothing, or return it within 30 days of delivery."],
            no_link=["Sorry about that. Tracking is under Orders in the app, on the order itself. I've checked order {o}: it shipped on {day}, and the courier expects to deliver on {day2}.",
                     "The tracking lives in the app under Orders, but you shouldn't have had to hunt for it. Order {o} shipped on {day} and is due on {day2}."],
            pre=["Pre-orders of the {ps} ship in the order they were placed, and the first batch is due in our warehouse on {day2}. Yours is in that batch, so it should ship within 2 business days of that, and you'll get tracking as soon as it does.",
                 "I know waiting for a pre-order is hard. The current date for the {ps} is {day2} at our warehouse, and your order is in the first batch. If that date moves, we'll tell you straight away, and you can cancel for a full refund at any time before it ships."],
        ),
        "zh": dict(
            s_proc=["订单 {o} 正在打包，明天之内会从仓库发出，快递揽收后会给您发物流消息。",
                    "还没发货，不过已经在今天的打包清单里了，明天应该就交给快递，物流信息会自动同步。"],
            s_ship=["订单 {o} {day}从仓库发出，现在在快递那里，预计{day2}送到，App 的“我的订单”里可以看物流。",
                    "您的{ps}已经在路上了：{day}发货，快递预计{day2}送达，物流在 App 订单页里。"],
            s_out=["刚好，订单 {o} 今天在派送中，一般当天上午快递会在物流页面里给出一个小时左右的送达时段。"],
            addr_ok=["还没发货，可以改的。把正确的地址回复给我，我在打包前帮您更新。",
                     "来得及：订单 {o} 还没出仓，把新地址发给我，我马上改。"],
            addr_no=["抱歉，订单 {o} 已经发货了，我们这边没法改地址。可以在快递的物流页面申请改派到自提点或者在网点暂存，通常都很顺利。",
                     "已经交给快递了，我们这边地址锁定改不了。可以通过快递的物流页面选择自提点或者改约派送时间；如果包裹退回我们仓库，我们免费给您重新寄。"],
            split=["抱歉让您困惑了。订单比较大时有时会从两个仓库分别发货，所以{extra}是单独寄的，{day}已经发出，预计{day2}到，物流在同一个订单下面可以看到。",
                   "这是因为商品在不同仓库打包。东西没有少：装着{extra}的第二个包裹在路上，预计{day2}到。"],
            c_ok=["已经取消了，订单 {o} 的款项会全额原路退回，到账时间看支付渠道。",
                  "没问题，趁还没打包帮您取消了，全额原路退回，通常几天内到账。"],
            c_no=["抱歉，订单 {o} 已经发货，现在取消不了。到货时您可以直接拒收，或者签收后 30 天内申请退货；拒收的话不需要承担退回运费。",
                  "已经在路上了，没法再取消，不过有两个简单的办法：送到时直接拒收，不花您一分钱；或者签收后 30 天内退货。"],
            no_link=["抱歉。物流信息在 App 的“我的订单”里，点进订单就能看到。我帮您查了订单 {o}：{day}已发货，快递预计{day2}送达。",
                     "物流在 App 订单页里，不过本来不该让您到处找的。订单 {o} {day}发出，预计{day2}到。"],
            pre=["{ps}的预售按下单顺序发货，第一批预计{day2}到仓。您的订单在第一批，到仓后 2 个工作日内发出，发货后马上能看到物流。",
                 "等预售确实熬人。{ps}目前预计{day2}到仓，您的订单在第一批里。如果日期有变化会第一时间通知您，发货前随时可以取消并全额退款。"],
        ),
    }[L]
    u = user_join(g, hello(g), fmt(g.ch(U[intent]), **kw))
    if intent == "status":
        key = g.ch(["s_proc", "s_ship", "s_ship", "s_out"])
        reply = g.ch(A[key])
    elif intent == "address":
        reply = g.ch(A["addr_no" if shipped else "addr_ok"])
    elif intent == "cancel":
        reply = g.ch(A["c_no" if shipped else "c_ok"])
    else:
        reply = g.ch(A[{"split": "split", "no_link": "no_link", "preorder": "pre"}[intent]])
    if g.r.random() < 0.5:
        reply = g.join(reply, g.ch({"en": ["Anything else I can help with?", "Thanks for your patience!", "Hope it arrives nice and smoothly.", ""],
                                    "zh": ["还有其他需要帮忙的吗？", "感谢您的耐心！", "希望顺顺利利送到。", ""]}[L]))
    reply = fmt(g.paras(reply, g.sign(0.15)), **kw)
    if multi and intent in ("status", "address"):
        turns = [("user", user_join(g, hello(g), g.ch({"en": ["Can you check on my order?", "I need to change something on my order.",
                                                                "Quick question about my order."],
                                                         "zh": ["能帮我查下订单吗？", "我的订单有个地方要改。", "问一下我的订单。"]}[L]))),
                 ("assistant", g.ch(ASK_ORDER[L])),
                 ("user", fmt(g.ch(U[intent]), **kw)),
                 ("assistant", reply)]
        if intent == "address" and not shipped:
            newaddr = {"en": ["The house number should be 18, not 81. Everything else is right.",
                              "I've added my work address to my account. Can you switch the order to that one?",
                              "I've saved the new address as my default in the app. Can you use that?"],
                       "zh": ["门牌号应该是 18 号，不是 81 号，其他都对。", "我在账户里加了公司地址，能改成那个吗？",
                              "新地址我已经在 App 里设成默认地址了，帮我换一下吧。"]}[L]
            done = {"en": ["All updated. The new address is on order {o}, and it will ship there as planned.",
                           "Done, I've changed it. You'll see the new address on order {o} in the app."],
                    "zh": ["已经改好了，订单 {o} 上是新地址，会按原计划发货。", "改好了，App 里订单 {o} 的页面能看到新地址。"]}[L]
            turns += [("user", g.ch(newaddr)), ("assistant", fmt(vary(g, g.ch(done)), **kw))]
        return turns
    turns = [("user", u), ("assistant", reply)]
    if multi:
        turns += [("user", g.ch(USER_THANKS[L])), ("assistant", thanks_reply(g))]
    return turns

# ---------------------------------------------------------------------------------------------
# Product how-to
# ---------------------------------------------------------------------------------------------

def howto(g: Gen, multi: bool):
    L = g.lang
    h = g.ch(HOWTO)
    q = g.ch(h["q_" + L])
    steps, tips, short = h["steps_" + L], h["tips_" + L], h["short_" + L]
    ps = pn(h["product"], L, True)
    intro = {"en": ["Here's how to do it:", "Happy to help. Step by step:", "Of course! Here's the routine:", "Good question. Here's what to do:",
                    "Sure, it's easier than it looks:", "Thanks for asking before experimenting! Here are the steps:"],
             "zh": ["操作步骤如下：", "没问题，一步一步来：", "好的，流程是这样的：", "好问题，按下面做就可以：", "其实比看起来简单：",
                    "谢谢您先来问，步骤如下："]}[L]
    tip_head = {"en": ["A few tips:", "Worth knowing:", "Good to know:"], "zh": ["几个小提示：", "另外说明几点：", "需要注意的是："]}[L]
    outro = {"en": ["Enjoy the coffee!", "If anything looks different from this, reply here and we'll work it out together.",
                    "Let me know how it goes.", "The same steps are in the Care section of the manual if you want them on paper.", ""],
             "zh": ["祝您喝得开心！", "如果和上面说的不一样，回复我，我们一起看看。", "试完告诉我效果。",
                    "纸质说明书的“保养”一章也有同样的步骤，可以对照着看。", ""]}[L]
    user = user_join(g, hello(g), q)
    lead = LEADS.get(q, "")
    if lead:
        intro = [g.join(lead, x) for x in {"en": ["Here's how to put it right:", "Here's what to do:", "Step by step:"],
                                           "zh": ["按下面做就可以：", "处理方法如下：", "步骤如下："]}[L]]
    sz = size(g, (3, 3, 4))
    short_reply = g.join(lead, short, g.ch({"en": ["", "", "The full steps are in the manual under Care.", "Happy to send the full steps if you'd like them."],
                                      "zh": ["", "", "完整步骤在说明书的“保养”一章。", "需要完整步骤的话告诉我。"]}[L]))
    if multi:
        more = {"en": ["Can you give me the full steps?", "Could you go through it in more detail? First time doing this.",
                       "Thanks. Can you break that down step by step?"],
                "zh": ["能给我完整的步骤吗？", "能说得再详细一点吗？第一次弄。", "谢谢，能一步一步列一下吗？"]}[L]
        plain_intro = {"en": ["Of course. Step by step:", "Sure, here's the full routine:", "Happy to. Here are the steps:"],
                       "zh": ["好的，完整步骤如下：", "没问题，一步一步来：", "当然可以，步骤如下："]}[L]
        long_reply = g.paras(g.ch(plain_intro), g.steps(steps), g.ch(tip_head), g.steps(tips, numbered=False), g.ch(outro))
        turns = [("user", user), ("assistant", short_reply), ("user", g.ch(more)), ("assistant", long_reply)]
        if g.r.random() < 0.35:
            worked = {"en": ["That worked, thank you!", "Perfect, all done. Much better now.", "Brilliant, thanks. Made my first flat white!"],
                      "zh": ["成功了，谢谢！", "搞定了，好多了。", "太好了，谢谢，已经做出来了！"]}[L]
            glad = {"en": ["That's great to hear, thanks for letting me know! Enjoy it.", "Wonderful, thanks for telling me. Enjoy every cup.",
                           "So glad it worked. Happy brewing, and shout if you need anything else!"],
                    "zh": ["太好了，谢谢您告诉我结果，祝您喝得开心！", "谢谢您反馈结果，好好享受每一杯咖啡吧。", "能解决就好，祝您冲煮愉快，有问题随时找我们！"]}[L]
            turns += [("user", g.ch(worked)), ("assistant", vary(g, g.ch(glad)))]
        return turns
    if sz == "s":
        reply = short_reply
    elif sz == "m":
        reply = g.paras(g.ch(intro), g.steps(steps), g.maybe(0.5, g.ch(tips)), g.ch(outro))
    elif h["key"] in RELATED and g.r.random() < 0.6:
        # The longest answers: the steps asked for, plus the routine that usually comes next.
        rel = HOWTO_BY_KEY[g.ch(RELATED[h["key"]])]
        bridge = {"en": ["While you're at it, here's {t}, since the two go together:", "One more thing that helps a lot: {t}.",
                         "And since people usually ask next, {t}:"],
                  "zh": ["顺便说一下{t}，这两件事经常一起做：", "还有一件很有帮助的事：{t}。", "很多人接下来会问到{t}，也一并说明："]}[L]
        rt = rel["title_" + L]
        rt = rt[0].lower() + rt[1:] if L == "en" else rt
        reply = g.paras(g.ch(intro), g.steps(steps), g.ch(tip_head), g.steps(tips, numbered=False),
                        g.ch(bridge).format(t=rt), g.steps(rel["steps_" + L]), g.ch(rel["tips_" + L]), g.ch(outro), g.sign(0.2))
        if len(reply) > LONGEST[L]:  # keep the longest answers at roughly 500 tokens
            reply = g.paras(g.ch(intro), g.steps(steps), g.ch(tip_head), g.steps(tips, numbered=False), g.ch(outro))
    else:
        reply = g.paras(g.ch(intro), g.steps(steps), g.ch(tip_head), g.steps(tips, numbered=False), g.ch(outro), g.sign(0.2))
    return [("user", user), ("assistant", reply)]


LONGEST = {"en": 2000, "zh": 720}
RELATED = {
    "aura_firstuse": ["aura_dialin", "aura_filter"], "aura_descale": ["aura_filter", "aura_backflush"],
    "aura_dialin": ["aura_backflush"], "aura_backflush": ["aura_descale"], "aura_steam": ["aura_dialin"],
    "aura_filter": ["aura_descale"], "drip_ratio": ["drip_timer"], "drip_timer": ["drip_ratio"],
    "drip_descale": ["drip_ratio"], "mill_grind": ["mill_clean"], "mill_clean": ["mill_grind"],
    "kettle_pourover": ["kettle_temp"], "kettle_temp": ["kettle_pourover"],
}


# ---------------------------------------------------------------------------------------------
# Brand tone: thank-you replies and replies to angry customers
# ---------------------------------------------------------------------------------------------

def thank_you(g: Gen, multi: bool):
    L = g.lang
    k = g.ch(SHIPPABLE)
    ps = pn(k, L, True)
    agent = g.ch(AGENTS_EN if L == "en" else AGENTS_ZH)
    U = {"en": ["Just wanted to say the {ps} is brilliant. Best coffee I've made at home.",
                "Thank you to {agent}, who helped me with my return last week. Really kind and quick.",
                "My {ps} arrived a day early and beautifully packed. Thanks!",
                "Your milk steaming guide finally made it click for me. Thank you!",
                "Six months in and the {ps} still makes me happy every morning.",
                "Love the {ps}. That's all, no question!",
                "The repair team fixed my {ps} faster than I expected. Thank you all.",
                "Bought the {ps} for my dad and he hasn't stopped talking about it.",
                "great service today, thanks for sorting my order so fast",
                "I was nervous about buying an espresso machine but your help made it easy. Thanks."],
         "zh": ["就想说一句，{ps}太好用了，是我在家做过最好喝的咖啡。",
                "谢谢上周帮我办退货的{agent}，又耐心又快。",
                "{ps}提前一天就到了，包装得特别好，谢谢！",
                "你们的打奶教程终于让我学会了，谢谢！",
                "用了半年，{ps}还是每天早上让我很开心。",
                "很喜欢{ps}，没别的事，就是夸一下！",
                "维修团队修{ps}比我想的快多了，谢谢大家。",
                "给我爸买的{ps}，他天天念叨好用。",
                "今天的服务很棒，订单问题很快就解决了，谢谢",
                "本来挺担心买意式机会搞不定，有你们帮忙简单多了，谢谢。"]}[L]
    A1 = {"en": ["Thank you so much for taking the time to tell us!", "This made our day, thank you!", "What a lovely message, thank you.",
                 "Thank you, that's so kind of you to say.", "That's wonderful to hear, thank you!", "Thanks for letting us know, it really means a lot."],
          "zh": ["谢谢您专门来告诉我们！", "看到这条消息我们一整天都很开心，谢谢！", "这条留言太暖了，谢谢您。", "谢谢您这么说，太客气了。",
                 "听到这个真好，谢谢！", "谢谢您的反馈，对我们意义很大。"]}[L]
    A2 = {"en": ["I'll pass it on to {agent}; they'll be delighted.", "I'll share it with the team.", "Messages like this get read out at our Monday meeting.",
                 "", ""],
          "zh": ["我会转告{agent}，相信会很开心。", "我会分享给整个团队。", "这样的留言我们周一例会上会念给大家听。", "", ""]}[L]
    A3 = {"en": ["Enjoy every cup!", "Happy brewing!", "Here's to many more good mornings.", "If you ever need anything, we're here.",
                 "If you fancy a new challenge, our pour-over guide is a fun next step.", ""],
          "zh": ["祝您每一杯都好喝！", "冲煮愉快！", "愿之后的每个早晨都这么美好。", "以后有任何需要，我们都在。", "想挑战点新的话，可以试试我们的手冲教程。", ""]}[L]
    t = g.ch(U)
    u = fmt(t, ps=ps, agent=agent)
    a2 = g.ch(A2) if "agent" in t or g.r.random() < 0.6 else ""
    if "{agent}" in a2 and "agent" not in t:
        a2 = ""
    reply = fmt(g.join(g.ch(A1), a2, g.ch(A3)), agent=agent)
    turns = [("user", u), ("assistant", reply)]
    if multi:
        follow = {"en": [("While I have you, is there a good bean you'd recommend?",
                          "For milk drinks, Morning Hill is a crowd-pleaser: chocolatey and forgiving. For black coffee, try Orchard Light, which is brighter and fruity."),
                         ("Is there somewhere I can find all your guides?",
                          "Yes, the Guides tab in the app has all our brewing and care guides, and the Aura and Mill Pro ones come with short videos.")],
                  "zh": [("顺便问问，有推荐的咖啡豆吗？", "做奶咖的话晨丘很稳，巧克力风味，也好调；喝黑咖啡可以试试果园浅烘，更明亮、有果香。"),
                         ("你们的使用教程在哪里能看到？", "App 里的“指南”页面有全部冲煮和保养教程，Aura 和 Mill Pro 的还配了短视频。")]}[L]
        if k == "aura":
            follow += {"en": [("Actually, one question while I'm here: how often should I descale?",
                               "Every 4 to 6 weeks with hard water, every 2 to 3 months with soft or filtered water. The Aura reminds you with the orange drop light too."),
                              ("Oh, and do you sell spare water filters for it?",
                               "We do: a two-pack in the Accessories section of the shop, and each one lasts about two months.")],
                       "zh": [("对了顺便问一下，多久除一次垢？", "水质硬的话 4 到 6 周一次，软水或过滤水 2 到 3 个月一次，Aura 的橙色水滴灯也会提醒您。"),
                              ("对了，你们卖 Aura 的备用滤芯吗？", "有的，商城“配件”里有两支装，每支大约能用两个月。")]}[L]
        fq, fa = g.ch(follow)
        turns += [("user", fq), ("assistant", vary(g, fa, ask=True))]
    return turns


def angry(g: Gen, multi: bool):
    L = g.lang
    k = g.ch(SHIPPABLE)
    o, ps = g.order(), pn(k, L, True)
    issue = g.ch(["late", "broken", "ignored", "refund_slow", "charged_twice"])
    kw = dict(o=o, ps=ps)
    U = {
        "en": {
            "late": ["THIS IS RIDICULOUS. Order {o} is two weeks late and nobody can tell me anything.",
                     "Worst delivery experience ever. Where is my {ps}?? I've asked three times.",
                     "I am so done with you people. Order {o}. Still. Not. Here."],
            "broken": ["Your {ps} broke after three weeks. Absolute junk. I want my money back NOW.",
                       "Paid $449 for a machine that leaks everywhere. What a joke. Sort it out.",
                       "Second {ps} in a row that doesn't work. Do you even test these?"],
            "ignored": ["I've written to you three times and NOBODY has replied. Is anyone actually there?",
                        "Useless customer service. I've been waiting four days for an answer about order {o}."],
            "refund_slow": ["Where is my refund?! You received my return ages ago. Order {o}. I'm going to leave a review everywhere.",
                            "It's been three weeks since you got my {ps} back and I still don't have my money. Unacceptable."],
            "charged_twice": ["You've charged me TWICE for order {o}. Fix it today or I'm calling my bank.",
                              "Why are there two payments for my {ps}?? I only ordered one!"],
        },
        "zh": {
            "late": ["太离谱了！订单 {o} 晚了两个星期，问谁都说不清楚。", "这是我经历过最差的快递，我的{ps}到底在哪？？问了三次了。",
                     "真的受够了，订单 {o}，到现在，还，没，到。"],
            "broken": ["你们的{ps}用了三个星期就坏了，什么破东西，马上退钱！", "三千块的机器到处漏水，开什么玩笑，赶紧处理。",
                       "连着两台{ps}都是坏的，你们出厂不检查的吗？"],
            "ignored": ["我发了三次消息都没人回！到底有没有人在？", "客服太差了，订单 {o} 的问题我等了四天都没人答复。"],
            "refund_slow": ["我的退款呢？！退货你们早就收到了，订单 {o}，再不退我就到处写差评。",
                            "{ps}寄回去三个星期了，钱还没退，太过分了。"],
            "charged_twice": ["订单 {o} 你们扣了我两次钱！今天不处理我就找银行了。", "为什么{ps}扣了两笔钱？？我只买了一台！"],
        },
    }[L]
    A = {
        "en": dict(
            open=["I'm really sorry. You're right to be angry, and I'm going to sort this out with you now.",
                  "I'm sorry. You shouldn't have had to get to this point, and I'm on it.",
                  "I completely understand why you're upset, and I'm sorry we've let you down.",
                  "You have every reason to be frustrated. I'm sorry, and I'll fix what I can right now."],
            late=["I've checked order {o}: the courier has it at a depot that's badly backed up. I've opened a priority trace today. If they can't get it moving within 3 business days, we'll send a replacement by express or refund you in full, whichever you prefer.",
                  "Here's where things stand: order {o} is stuck at the courier's depot. I've escalated it with them today, and if it's not moving within 3 business days, you choose between a replacement sent by express and a full refund."],
            broken=["A fault like that is covered, and we'll make it right. Because it's within 30 days of delivery, you can have a full refund or a replacement, with a free collection either way.",
                    "That shouldn't happen, and it's fully covered. I can refund you in full or send a replacement, whichever you'd prefer, and we'll book a free collection."],
            ignored=["You've been left waiting, and that's on us: your earlier messages were caught in a backlog, and there's no excuse for four days of silence. I'm dealing with it personally now, so reply to this message and it comes straight to me.",
                     "Not hearing back for days is awful. I can see your messages; they should have been answered long ago. I've got it from here."],
            refund_slow=["I've looked into it: your return was checked in, but the refund was held because of an error on our side. I've released it today. It's going to your original payment method, and your bank usually shows it within 5 to 10 business days.",
                         "You're right, it should have been refunded long ago. The return was received but the refund got stuck in our system. I've pushed it through manually today, to your original payment method."],
            charged_twice=["I can see two payments on order {o}. The second one is a duplicate, and I've refunded it today. Your bank may show it as pending for a few days before it disappears.",
                           "You're right, there are two charges for one order. I've refunded the duplicate today; depending on your bank it can take 5 to 10 business days to show."],
            close=["Again, I'm sorry. If anything else isn't right, reply here and it comes straight back to me.",
                   "I'll keep an eye on it personally until it's resolved.",
                   "Thank you for telling us plainly; it helps us fix things.", ""],
            review=["You're of course free to leave any review you like. I'd just like the chance to put this right first.", ""],
        ),
        "zh": dict(
            open=["真的非常抱歉，您生气完全应该，我现在就和您一起把这件事解决。",
                  "很抱歉，让您到了这一步是我们的问题，我马上处理。",
                  "完全理解您为什么这么生气，很抱歉让您失望了。",
                  "您着急完全正常，真的抱歉，我现在就把能做的都做掉。"],
            late=["我查了订单 {o}：包裹在快递的一个网点严重积压。今天已经发起加急查件，如果 3 个工作日内还不动，我们给您加急补发或者全额退款，您选。",
                  "目前情况是：订单 {o} 卡在快递网点。今天已经向快递升级处理，3 个工作日内还没动的话，加急补发还是全额退款由您决定。"],
            broken=["这种故障属于质量问题，我们负责到底。因为还在签收 30 天内，您可以选择全额退款或者换新，都安排免费上门取件。",
                    "这本不该发生，完全在我们的责任范围内。全额退款或换新都可以，您来选，我们免费上门取件。"],
            ignored=["让您一直等，是我们的问题：您之前的消息积压了，四天没人回复没有任何借口。现在由我亲自跟进，直接回复这条消息就能找到我。",
                     "好几天没人回确实太糟了。您之前的消息我都看到了，早就该回复您。接下来我来负责。"],
            refund_slow=["我查了：退货已经验收，但退款因为我们系统的问题被卡住了，今天已经手动放行，原路退回，到账时间看支付渠道。",
                         "您说得对，早就该退了。退货收到了，但退款卡在我们系统里，今天已经人工处理，原路退回。"],
            charged_twice=["我看到订单 {o} 确实有两笔扣款，第二笔是重复扣款，今天已经退回了。银行那边可能会显示几天处理中，之后就会消失。",
                           "没错，一个订单扣了两次。重复的那笔今天已经退了，到账时间取决于您的银行。"],
            close=["再次抱歉。还有任何不对的地方，直接回复这里，会直接到我这边。", "在彻底解决之前，我会亲自盯着。", "谢谢您直接告诉我们，这能帮我们改进。", ""],
            review=["评价怎么写当然是您的权利，只希望您先给我们一个弥补的机会。", ""],
        ),
    }[L]
    u = fmt(g.ch(U[issue]), **kw)
    reply = g.join(g.ch(A["open"]), g.ch(A[issue]), g.ch(A["review"]) if issue == "refund_slow" else "", g.ch(A["close"]))
    reply = fmt(g.paras(reply, g.sign(0.5)), **kw)
    turns = [("user", u), ("assistant", reply)]
    if multi:
        calm = {"en": ["OK. Sorry for shouting, it's just been really frustrating.", "Fine. Thanks for actually answering.",
                       "Alright, thank you. I appreciate the straight answer."],
                "zh": ["好吧，刚才语气不好，实在是太着急了。", "行，总算有人回了，谢谢。", "好的，谢谢，能直说就好。"]}[L]
        back = {"en": ["No need to apologise at all. It was frustrating, and we caused it. Thanks for bearing with me.",
                       "Completely understandable. Thank you for giving us the chance to fix it.",
                       "Thank you for saying so. I'd have felt exactly the same."],
                "zh": ["完全不用道歉，确实是我们让您着急了，谢谢您的包容。", "完全理解，谢谢您给我们弥补的机会。", "谢谢您这么说，换作是我也会一样着急。"]}[L]
        turns += [("user", g.ch(calm)), ("assistant", vary(g, g.ch(back)))]
    return turns

# ---------------------------------------------------------------------------------------------
# Corpus: manuals, policy pages, FAQ and knowledge-base articles, written as prose
# ---------------------------------------------------------------------------------------------

ABOUT = {
    "en": [
        "About Beanlight. Beanlight started in a shared workshop with one question: why does good coffee at home have to be complicated? We make a small range of machines, grinders and kettles that are easy to live with, easy to clean and easy to repair. We keep spare parts for every model for at least seven years after we stop selling it, we publish our repair guides, and we answer every message ourselves rather than through a call centre.",
        "How we design. Every Beanlight product goes through the same three questions before it is allowed into the range. Can someone who has never made espresso get a good cup on the first morning? Can the parts that wear out be replaced at home with nothing more than the tools in the box? Will it still be worth repairing in ten years? If the answer to any of them is no, we keep working on it.",
        "How we write to customers. We write the way a helpful friend who happens to work here would talk. We are warm and brief. When we get something wrong we say sorry once, plainly, and then say what we are doing about it. We never promise a date, a refund or a replacement that our policies do not allow, because a promise we cannot keep is worse than an honest no. When the answer is no, we explain why and offer whatever we can do instead.",
        "Our product range. The Aura is our semi-automatic espresso machine with a 15-bar pump, a 1.8-litre tank and a manual steam wand. The Drip 8 is an eight-cup filter coffee maker with a programmable timer and a BOLD setting. The Pod One is a compact capsule machine with two programmable cup sizes. The Mill Pro is a conical burr grinder with 40 grind settings and a timed dose. The Pour is a gooseneck kettle that heats to any temperature between 40 and 100 °C and holds it for up to an hour. Smaller items include the Froth milk frother, the Cold Brew jar and the Go Press travel mug.",
        "Our coffee. Alongside the machines we roast three coffees in small batches. Morning Hill is a chocolatey, forgiving medium-dark blend made for milk drinks. Orchard Light is a bright, fruity light roast that shines as pour-over. Sunday Blend sits between the two and works in almost anything. Every bag carries its roast date, and we never ship beans that are more than ten days past roasting.",
    ],
    "zh": [
        "关于豆光。豆光诞生于一间共享工作室，最初只想回答一个问题：在家喝到好咖啡，为什么非得这么复杂？我们只做少量几款咖啡机、磨豆机和手冲壶，追求好用、好清洁、好维修。每一款产品停售后，我们仍会至少保留七年的备件；维修指南公开发布；每一条顾客消息都由我们自己的团队回复，而不是外包的呼叫中心。",
        "我们怎么做设计。每一款豆光产品上市前，都要回答同样三个问题：从没做过意式咖啡的人，第一个早晨能不能做出一杯好咖啡？容易磨损的零件，能不能只用包装里附带的工具在家更换？十年以后，它还值不值得修？只要有一个答案是否定的，我们就继续改。",
        "我们怎么和顾客说话。我们希望回复读起来像一位恰好在这里工作、又乐于帮忙的朋友：温和、简短。我们做错了，就清楚地道一次歉，然后说明正在怎么处理。政策不允许的日期、退款或换货，我们从不承诺，因为做不到的承诺比坦诚的拒绝更伤人。需要说不的时候，我们会解释原因，并给出力所能及的替代办法。",
        "我们的产品。Aura 是半自动意式咖啡机，15 巴水泵、1.8 升水箱、手动蒸汽棒。Drip 8 是八杯量的滴滤咖啡机，可以预约定时，也有 BOLD 浓郁模式。Pod One 是小巧的胶囊咖啡机，两个杯量都可以自定义。Mill Pro 是锥刀磨豆机，40 档研磨，可定时出粉。Pour 是细嘴温控手冲壶，40 到 100 度任意设定，最长保温一小时。小件产品还有 Froth 奶泡机、冷萃壶和 Go Press 便携法压杯。",
        "我们的咖啡豆。除了器具，我们也小批量烘焙三款咖啡豆。晨丘是巧克力风味、容错度高的中深烘拼配，适合做奶咖。果园浅烘明亮、带果香，做手冲最能体现它的特点。周日拼配介于两者之间，几乎怎么做都好喝。每一袋都印有烘焙日期，烘焙超过十天的豆子我们不会发货。",
    ],
}

POLICY = {
    "en": [
        "Returns policy. You can return anything bought from Beanlight within 30 days of delivery. The item should be clean and complete, with all the parts and accessories it came with; it is fine to have tried it. The original box is helpful but not required, as long as the item is packed so it cannot move around. To start a return, open Orders in the app or on the website, choose the item and tap Return. The 30 days count from the day the parcel was delivered, and you only need to start the return within that time; the parcel does not need to reach us by then.",
        "Return shipping. If an item is faulty, damaged in transit or not what you ordered, return shipping is free and we book a courier collection for you. For change-of-mind returns, the return shipping of $7 in the US, or ¥15 for orders in mainland China, is deducted from the refund, or you may send the item back with a courier of your choice at your own cost. If you exchange an item for one of the same or higher price, there is no return shipping charge.",
        "What cannot be returned. For hygiene and safety, we cannot accept returns of opened coffee beans, opened or used descaler, used water filter cartridges, or gift cards. Unopened beans and consumables can be returned within 30 days like anything else. If beans arrive stale or damaged, that is a quality problem rather than a return, and we will replace them.",
        "Refunds. We check every return within 3 business days of it arriving at our warehouse and then refund the original payment method. We cannot refund to a different card or account. Banks usually take 5 to 10 business days to show a refund; in mainland China, WeChat Pay and Alipay refunds usually arrive within 1 to 3 days, and bank cards within 3 to 7 business days. You will get a message in the app when the refund is issued.",
        "Partial refunds. If a returned item is missing a part or accessory, we deduct that part at its list price and tell you before the refund is processed; if you find the part within 14 days, send it back with the same return code and we refund the difference. If a change-of-mind return shows clear signs of regular use, such as scale in the tank or a worn portafilter, we may deduct up to 20 percent of the price. You can ask us to review the assessment, and we will share the warehouse photos.",
        "Price protection. If the price of an item drops within 14 days of your purchase, we will refund the difference once per order. Just reply to your order confirmation or message us with the order number. Price protection does not apply to bundles, clearance items or prices from other shops.",
        "Bundles. You can return one item from a bundle. The refund is that item's own price minus its share of the bundle discount, so it is a little less than the item's normal price. The app shows the exact amount before you confirm the return.",
        "Damage in transit and wrong items. If your order arrives damaged, please tell us within 7 days of delivery and send a photo of the damage and one of the outside of the box. We send a replacement without waiting for the damaged item to come back, and collect it free of charge afterwards. For cosmetic damage only, you may choose to keep the item and receive a refund of 15 percent of the price instead. If we send the wrong item or colour, we ship the right one within 2 business days and collect the wrong one for free; if the wrong item is the same price and you would rather keep it, you are welcome to.",
        "Warranty. Machines, grinders and kettles (the Aura, Drip 8, Pod One, Mill Pro and Pour kettle) carry a 2-year warranty from the date of delivery. The Froth, the Cold Brew jar and the Go Press carry a 1-year warranty, and accessories carry 6 months. The warranty covers faults in materials and manufacture. It does not cover accidental damage such as drops, damage caused by limescale when a machine has not been descaled, use at the wrong voltage, cleaning methods the manual warns against, commercial use, or modifications. Wear parts such as gaskets, shower screens and burrs are covered for 6 months.",
        "Making a warranty claim. Message us or choose Warranty claim under Orders in the app, with a short description and, if possible, a short video of the problem. We book a free courier collection, check the item within 2 business days of arrival and repair it within 7 to 10 business days, covering shipping both ways. If a repair is not possible, we replace the item with the same model or the nearest current model. The warranty applies wherever you bought the product, as long as you have proof of purchase.",
        "Out-of-warranty repairs. We repair products after the warranty ends too. A diagnostic check costs $25, or ¥60 in mainland China, and is waived if you go ahead with the repair. We always send a quote before any work is done, and nothing is charged without your agreement. If you decide not to repair, we return the item to you.",
        "Shipping. Orders placed before 2 pm on a business day usually leave our warehouse the same day, and every order leaves within 2 business days. Standard delivery takes 3 to 5 business days and express 1 to 2. If an express order arrives late, we refund the express fee. Large orders sometimes ship from two warehouses, in which case you will see two tracking links under the same order. We never charge a delivery fee on the doorstep, and couriers are not allowed to ask for one.",
        "Delayed and lost parcels. If tracking shows no new scan for 5 business days, we open a trace with the courier. If a parcel is marked as delivered but has not arrived, we open a delivery investigation, which usually takes up to 3 business days. If a parcel cannot be found, we send a replacement or give a full refund, whichever you prefer.",
        "Changing or cancelling an order. You can change the delivery address or cancel an order at any time before it ships, and a cancelled order is refunded in full. Once an order has shipped, we cannot change the address from our side, but the courier's tracking page lets you redirect the parcel to a pickup point or choose another day. You can also refuse a shipped parcel at the door, which costs you nothing.",
        "Gift cards and gift returns. Beanlight gift cards never expire and can be used on anything in the shop. They cannot be refunded or exchanged for cash. If you received a Beanlight product as a gift, you can return it within 30 days of delivery using the order number on the gift slip; the refund is given as store credit and the buyer is not notified.",
        "Your data. We only ask for what we need to deliver and support your order. We never ask for card details, passwords or verification codes in a chat or message. If someone claiming to be from Beanlight asks you for them, please do not share them and let us know.",
    ],
    "zh": [
        "退货政策。在豆光官方渠道购买的商品，签收后 30 天内都可以退货。商品需要干净、配件齐全，试用过没有关系。原包装有更好，没有也可以，只要打包时商品不会在箱子里晃动。发起退货很简单：打开 App 或官网的“我的订单”，选择商品，点“申请退货”。30 天从包裹签收当天算起，只要在期限内发起申请即可，包裹不需要在截止日前寄到。",
        "退回运费。如果商品有质量问题、运输损坏或者发错货，退回运费由我们承担，并为您安排免费上门取件。无理由退货的退回运费由顾客承担：中国大陆订单为 ¥15，会从退款中扣除；您也可以自行选择快递寄回。如果换成价格相同或更高的商品，本次换货不收退回运费。",
        "不支持退货的商品。出于卫生和安全考虑，已拆封的咖啡豆、已拆封或已使用的除垢剂、用过的滤芯以及礼品卡不支持退货。未拆封的咖啡豆和耗材，30 天内和其他商品一样可以退。如果咖啡豆到货时就不新鲜或有破损，这属于质量问题，不算退货，我们会给您补发。",
        "退款说明。退货到仓后，我们会在 3 个工作日内完成检查，然后原路退款，无法退到其他银行卡或账户。微信支付和支付宝的退款通常 1 到 3 天到账，银行卡 3 到 7 个工作日。退款发出时，App 里会有消息提醒。",
        "部分退款。退回的商品如果缺少配件，会按该配件的原价扣除，并在退款前告知您；如果 14 天内找到了，用同一个退货码寄回，我们会把差额退给您。无理由退货的商品如果有明显的长期使用痕迹，比如水箱有水垢、手柄明显磨损，我们可能扣除最多 20% 的货款。您可以申请复核，我们会提供仓库的验收照片。",
        "价格保护。购买后 14 天内如果商品降价，每个订单可以申请一次退差价，把订单号发给客服即可。套装、清仓商品以及其他店铺的价格不适用价格保护。",
        "套装退货。套装里的商品可以单独退一件。退款金额是该商品的单价减去它分摊的套装优惠，所以会比单买的价格略低。确认退货前，App 会显示准确的退款金额。",
        "运输损坏和发错货。如果收到的商品有损坏，请在签收后 7 天内联系我们，并提供一张损坏处的照片和一张外箱照片。我们会先给您寄出新品，不需要等坏的寄回，之后再免费上门取件。如果只是外观瑕疵，您也可以选择留下商品，并获得售价 15% 的补偿。如果我们发错了商品或颜色，会在 2 个工作日内寄出正确的商品，并免费取回发错的那件；如果发错的商品价格相同而您更想留下，也完全可以。",
        "保修政策。咖啡机、磨豆机和手冲壶（Aura、Drip 8、Pod One、Mill Pro 和 Pour 手冲壶）自签收之日起保修 2 年；Froth 奶泡机、冷萃壶和 Go Press 便携杯保修 1 年；配件保修 6 个月。保修范围是材料和制造工艺本身的问题。以下情况不在保修范围内：摔落等意外损坏，长期不除垢导致的水垢损坏，使用错误电压，使用说明书中明确提醒不要使用的清洁方式，商用，以及私自改装。密封圈、分水网、刀盘等易损件保修 6 个月。",
        "如何申请保修。给我们发消息，或者在 App“我的订单”里选择“申请保修”，简单描述问题，方便的话附一段短视频。我们会安排免费上门取件，到件后 2 个工作日内完成检测，7 到 10 个工作日内修好，往返运费由我们承担。如果无法维修，就换一台同型号或最接近的现款新机。无论在哪个渠道购买，只要有购买凭证，都享受保修。",
        "保修期外维修。过了保修期我们也提供维修。检测费 ¥60，确认维修则免收。动工前一定会先给您报价，未经您同意不会产生任何费用；如果您决定不修，我们会把商品寄回给您。",
        "发货与配送。工作日下午两点前的订单通常当天发出，所有订单都会在 48 小时内发货。大部分城市 2 到 4 天送达，加急件 1 到 2 天。加急订单如果延误，我们会退还加急运费。订单较大时可能从两个仓库分别发货，同一个订单下会显示两条物流。上门派送时我们从不收取任何费用，快递员也不允许向您收钱。",
        "物流延误与丢件。如果物流连续 5 个工作日没有新的扫描记录，我们会向快递发起查件。如果显示已签收但您没有收到，我们会发起派送核查，一般 3 个工作日内有结果。确认丢件的，补发或全额退款由您选择。",
        "修改或取消订单。订单发货前，随时可以修改收货地址或取消订单，取消后全额退款。订单发货后，我们这边无法再修改地址，但可以在快递的物流页面申请改派到自提点或改约时间。已发货的包裹也可以在送达时直接拒收，不产生任何费用。",
        "礼品卡与礼品退货。豆光礼品卡永久有效，可用于购买店内所有商品，但不能退款或提现。如果您收到的豆光商品是别人送的礼物，可以在签收后 30 天内凭礼品单上的订单号办理退货，退款以店铺余额的形式给您，送礼人不会收到通知。",
        "个人信息说明。我们只收集配送和售后所需的信息。客服在任何聊天或消息中都不会索要银行卡信息、密码或验证码。如果有人自称豆光客服向您索要这些信息，请不要提供，并告诉我们。",
    ],
}

FAQ = {
    "en": [
        ("Do I need a grinder to use the Aura?", "No, but it helps a lot. Pre-ground coffee sold for filter machines is usually too coarse for espresso, so shots run fast and taste sour. If you buy pre-ground, look for coffee labelled for espresso and use it within two weeks of opening."),
        ("Can I use the Pod One with other brands of capsules?", "Only capsules marked as Pod One compatible. Other sizes may jam or leak, and problems caused by non-compatible capsules are not covered by the warranty."),
        ("What voltage do Beanlight machines use?", "Each machine is built for the mains voltage of the country it is sold in, shown on the rating label underneath. Using a machine at a different voltage, even with an adapter, can damage it and is not covered by the warranty."),
        ("Is the Drip 8 carafe dishwasher safe?", "Yes, the glass carafe and the filter basket can go in the dishwasher. The lid is better washed by hand, because the valve inside can collect detergent."),
        ("Can I buy spare parts?", "Yes. Gaskets, shower screens, baskets, carafes, burrs, lids and water filters are all in the Spare parts section of the shop, and we keep parts for at least seven years after a model is discontinued."),
        ("Why does my Aura drip a little after I switch it off?", "A few drops from the group head or steam wand as the machine cools are normal; it is pressure and condensation escaping. A steady drip or a puddle is not, and worth telling us about."),
        ("How long do the burrs in the Mill Pro last?", "For home use, about 500 kilograms of coffee, which is many years for most people. Replacement burrs are available as a spare part and take five minutes to fit."),
        ("Does the Pour kettle work on an induction hob?", "No. The Pour heats on its own powered base and should never be placed on a hob of any kind."),
        ("Can I put milk in the Cold Brew jar?", "We recommend brewing with water only and adding milk when you serve. Milk left in the jar for many hours can spoil and is hard to clean out of the mesh filter."),
        ("Can I change my order after I have placed it?", "Yes, until it ships. You can change the address or cancel it for a full refund. After it ships, you can redirect it through the courier's tracking page or refuse it at the door."),
        ("Do you ship to a pickup point?", "Yes. At checkout you can choose a pickup point near you instead of home delivery. The parcel is held there for 7 days."),
        ("How do I know which water filter fits my machine?", "The Aura uses the Aura filter cartridge, and the Drip 8 uses the round charcoal filter that clips into its tank. The Pod One does not take a filter. The product page lists which machines each filter fits."),
    ],
    "zh": [
        ("用 Aura 一定要配磨豆机吗？", "不是必须，但有磨豆机会好很多。给滴滤机用的现成咖啡粉对意式来说通常太粗，萃取太快、偏酸。如果买现成粉，请选标明意式研磨的，开封后两周内用完。"),
        ("Pod One 能用其他品牌的胶囊吗？", "只能用标明兼容 Pod One 的胶囊。其他尺寸可能卡住或漏水，使用非兼容胶囊导致的问题不在保修范围内。"),
        ("豆光的机器是什么电压？", "每台机器都按销售地区的电网电压设计，具体看机身底部的铭牌。在其他电压下使用，即使用了转换插头，也可能损坏机器，且不在保修范围内。"),
        ("Drip 8 的玻璃壶可以进洗碗机吗？", "可以，玻璃壶和滤篮都能放洗碗机。壶盖建议手洗，里面的阀门容易残留洗涤剂。"),
        ("可以单独买配件吗？", "可以。密封圈、分水网、粉碗、玻璃壶、刀盘、盖子和滤芯都能在商城的“配件”里买到，型号停售后我们至少保留七年备件。"),
        ("Aura 关机后为什么还会滴几滴水？", "机器冷却时，冲煮头或蒸汽棒滴几滴水是正常的，是压力和冷凝水在释放。如果一直滴或者积成一摊，就不正常了，请告诉我们。"),
        ("Mill Pro 的刀盘能用多久？", "家用的话大约能磨 500 公斤咖啡豆，对大多数人来说能用很多年。刀盘可以单独购买，五分钟就能换好。"),
        ("Pour 手冲壶能放在电磁炉上吗？", "不能。Pour 只能在自带的电源底座上加热，任何灶具都不要放。"),
        ("冷萃壶里可以直接泡牛奶吗？", "建议只用水冷萃，喝的时候再加奶。牛奶在壶里放很久容易变质，滤网也很难清洗干净。"),
        ("下单后还能修改订单吗？", "发货前都可以，能改地址，也能取消并全额退款。发货后可以通过快递的物流页面改派，或者送达时拒收。"),
        ("可以寄到自提点吗？", "可以。结算时可以选择附近的自提点代替送货上门，包裹会在自提点保留 7 天。"),
        ("怎么知道哪种滤芯适合我的机器？", "Aura 用 Aura 专用滤芯，Drip 8 用卡在水箱里的圆形活性炭滤芯，Pod One 不需要滤芯。商品页上写有每种滤芯适配的机型。"),
    ],
}

ARTICLES = {
    "en": [
        "Why water matters. A cup of coffee is about 98 percent water, so the water you use changes the taste more than most people expect. Very hard water mutes the flavour and leaves scale in the machine; very soft or distilled water makes coffee taste flat and sour, and some machines cannot sense the level of distilled water properly. Ordinary tap water that tastes good to drink is usually fine. In hard-water areas a filter jug or the machine's own filter cartridge makes a noticeable difference and halves how often you need to descale.",
        "Fresh beans and the roast date. Coffee is at its best between about five days and a month after roasting. In the first few days it releases a lot of carbon dioxide, which makes espresso spurt and pour-over bloom wildly. After a month or so the aromas fade. Buy amounts you will use in two to three weeks, keep the bag closed in a cool cupboard rather than the fridge, and grind just before brewing.",
        "Understanding grind size. Grind size controls how quickly water can extract flavour from coffee. Finer grounds have more surface and slow the water down, so they extract more; coarser grounds extract less. That is why espresso, with only 25 to 30 seconds of contact, needs a fine grind, while a French press, with four minutes, needs a coarse one. When coffee tastes sour and thin, grind finer; when it tastes bitter and harsh, grind coarser.",
        "Light, medium and dark roasts. Light roasts keep more of the bean's origin character: fruit, flowers, tea-like acidity. They need hotter water and a slightly finer grind. Dark roasts taste of the roast itself: chocolate, caramel, smoke. They extract easily, so a slightly cooler brew, around 88 °C, keeps them from turning bitter. Medium roasts sit in between and are the easiest place to start.",
        "Why descaling matters. Hard water leaves calcium and magnesium deposits wherever it is heated. In a coffee machine, scale narrows the pipes, slows the pump, insulates the heating element and eventually blocks valves. The first signs are slower brewing, more noise and coffee that is not as hot as it used to be. Regular descaling takes twenty minutes and is the single best thing you can do to make a machine last; damage from scale is not covered by the warranty because it is preventable.",
        "Milk for coffee. Whole milk gives the sweetest, silkiest foam because its fat and proteins hold small bubbles well. Semi-skimmed foams well but is lighter; skimmed milk makes stiff, dry foam that collapses quickly. Plant milks vary a lot: barista editions of oat, soy and almond milk are made to foam and are far easier to work with. Whatever you use, start cold and stop at around 60 to 65 °C, where milk tastes sweetest.",
        "Cleaning routines that make a difference. After every use, purge and wipe the steam wand, knock out the puck and rinse the portafilter. Once a week, backflush the Aura with plain water, wash the drip tray and brush out the grinder chute. Once a month, backflush with cleaner, brush the grinder burrs and descale if your water is hard. Ten minutes a week keeps the coffee tasting clean and prevents most of the faults we see in repair.",
        "Travelling with coffee. The Go Press makes a full mug of French-press coffee anywhere there is hot water. Grind coarse before you leave and carry the coffee in a small sealed tin, or pre-weigh doses into paper sachets. In hotels, the kettle water is usually just off the boil, which is fine; let it sit for thirty seconds after boiling if your coffee is a dark roast.",
    ],
    "zh": [
        "水为什么重要。一杯咖啡大约 98% 是水，所以用什么水，对味道的影响比很多人想象的大。很硬的水会压住风味，还会在机器里结垢；很软的水或者纯净水会让咖啡喝起来寡淡偏酸，有些机器也无法正确识别纯净水的水位。平时喝着不错的自来水，一般直接用就可以。水质硬的地区，用滤水壶或者机器自带的滤芯，风味会有明显改善，除垢频率也能减半。",
        "新鲜的豆子和烘焙日期。咖啡豆在烘焙后大约五天到一个月之间最好喝。最初几天会释放大量二氧化碳，做意式容易喷溅，做手冲闷蒸时会剧烈膨胀；一个月以后香气会慢慢变淡。每次买两三周能喝完的量，袋子封好放在阴凉的柜子里，不要放冰箱，喝之前再磨。",
        "理解研磨度。研磨度决定了水从咖啡粉里萃取风味的速度。粉越细，表面积越大，水流越慢，萃取越多；粉越粗，萃取越少。所以意式只有 25 到 30 秒的接触时间，需要细粉，而法压壶要泡四分钟，就要粗粉。咖啡喝起来又酸又薄，就磨细一点；又苦又涩，就磨粗一点。",
        "浅烘、中烘和深烘。浅烘保留了更多产地风味，比如水果、花香、茶感的酸质，需要更高的水温和稍细的研磨。深烘喝到的主要是烘焙本身的味道，比如巧克力、焦糖、烟熏，很容易萃取，水温稍低一点，大约 88 度，可以避免发苦。中烘介于两者之间，是最好入门的选择。",
        "为什么要除垢。硬水加热后会留下钙镁沉积物。在咖啡机里，水垢会让管路变窄、水泵变慢、加热元件隔热，最后堵住阀门。最早的迹象是出水变慢、声音变大、咖啡没有以前烫。定期除垢只要二十分钟，是让机器用得更久最有效的一件事；水垢造成的损坏之所以不在保修范围内，就是因为它可以预防。",
        "做咖啡用什么奶。全脂牛奶打出的奶泡最甜、最绵密，因为脂肪和蛋白质能很好地包住细小气泡。低脂奶也能打，但口感轻一些；脱脂奶的奶泡又硬又干，很快就塌。植物奶差别很大，燕麦奶、豆奶、杏仁奶的咖啡师版本专门为打泡设计，好用得多。不管用哪种奶，都要从冷奶开始，打到 60 到 65 度左右停，这时奶的甜感最好。",
        "真正有用的清洁习惯。每次用完：蒸汽棒排汽并擦干净，敲掉粉饼，冲洗手柄。每周一次：Aura 用清水反冲洗，洗接水盘，刷一刷磨豆机的出粉口。每月一次：用清洁片反冲洗，刷磨豆机刀盘，水质硬的话顺便除垢。每周花十分钟，咖啡味道会一直很干净，我们在维修中见到的大部分故障也都能避免。",
        "出门在外喝咖啡。只要有热水，Go Press 就能做出一整杯法压咖啡。出门前磨好粗粉，装在密封小罐里，或者提前称好分装进纸袋。酒店的烧水壶烧开后直接用就可以；如果是深烘豆，烧开后等三十秒再冲，味道会更柔和。",
    ],
}

MORE_ARTICLES = {
    "en": [
        "Which machine is right for you? If you drink mostly milk drinks and enjoy a little ritual, the Aura is the one: it takes a week or two to learn, and after that it makes café-quality flat whites. If you want coffee for several people with no effort, the Drip 8 makes a full pot while you get dressed, and its timer means it can be ready before you are. If you want one good cup quickly and never want to clean a portafilter, the Pod One is the simplest of the three. Many households end up with two: a Drip 8 for weekday mornings and an Aura for slow weekends.",
        "Why does my espresso taste sour or bitter? Sourness almost always means under-extraction: the water ran through too quickly to dissolve the sweeter, heavier flavours. Grind finer, or raise the yield a little. Bitterness and a dry finish usually mean over-extraction: grind coarser or stop the shot a few grams earlier. If a shot is both sour and bitter, the water is probably channelling through a crack in the puck, so look at your distribution and tamp before you touch the grinder. Very fresh beans, roasted in the last four days, can taste sharp whatever you do; give them a few more days.",
        "How to test your water hardness. Hardness decides how often you need to descale, so it is worth knowing. The simplest way is a test strip: dip it in cold tap water for a second and compare the colours after a minute. Up to 7 °dH is soft, 7 to 14 is medium and above 14 is hard. Your local water supplier usually publishes the figure as well. Soft water: descale every 2 to 3 months. Medium: every 6 to 8 weeks. Hard: every 4 to 6 weeks, and consider the water filter.",
        "Storing coffee beans. Keep beans in the bag they came in, with the one-way valve, pressed flat and clipped shut, or in an airtight tin. Keep them somewhere cool, dark and dry, but not the fridge, where they pick up moisture and smells. If you buy more than you can drink in a month, freeze the extra in small sealed portions and take out one portion at a time; do not refreeze. Grind only what you are about to brew, because ground coffee loses much of its aroma within half an hour.",
        "Making coffee for a crowd. For six or more people, the Drip 8 is the easy answer: a full carafe is about eight cups, and the BOLD setting keeps it rich. Brew it no more than half an hour before serving, since coffee on a warming plate slowly turns bitter, and if you need more, brew a second pot rather than holding the first for longer. For a brunch, cold brew made the day before in the Cold Brew jar can be served over ice or diluted with hot water, which frees you from the machine altogether.",
        "Getting started with latte art. Good latte art is about milk texture more than pouring tricks. Steam glossy microfoam with no visible bubbles, swirl the jug until it looks like wet paint, and start pouring from a few centimetres above the cup so the milk dives under the crema. When the cup is about half full, bring the spout right down to the surface and pour a little faster; a white circle will bloom. Wiggle gently to make a rosetta, or stop and pull through to make a heart. Practise with water and a drop of washing-up liquid to save milk.",
        "Decaf and caffeine. A double espresso contains roughly 120 mg of caffeine and a mug of filter coffee from the Drip 8 about 100 to 150 mg, depending on the strength. Darker roasts do not contain more caffeine, despite the stronger taste. Our decaf is decaffeinated with water rather than solvents and grinds slightly finer than regular beans, so on the Aura you may need to go one step coarser than usual to keep the shot time right.",
        "Repairs before replacements. We would always rather repair a Beanlight machine than replace it. Our repair bench in the warehouse checks every returned and warranty item, and most faults come down to a worn gasket, a blocked valve or scale. Parts are kept for at least seven years after a model is discontinued, and we publish guides so that you can replace wear parts such as gaskets, shower screens and burrs yourself without affecting the warranty.",
        "What happens to returned items. Every returned product is checked, cleaned and tested. Items that are as new go back on sale as Beanlight Certified, clearly labelled and with the full warranty. Items that are not are repaired and used for loan machines, or stripped for spare parts. Nothing that works ends up in landfill, and we never sell a returned item as new.",
        "Capsules and recycling. Pod One compatible capsules are made of aluminium, which can be recycled indefinitely. Once a capsule has cooled, you can peel off the lid and tip the grounds into compost, then rinse the capsule and put it in with your metal recycling where local rules allow. The grounds themselves make a good soil improver for acid-loving plants.",
        "Energy use and auto-off. All Beanlight machines switch themselves off when idle: the Aura after 20 minutes, the Drip 8 warming plate after 40 minutes, the Pod One after 9 minutes and the Pour kettle after its hold time ends. In standby they use less than half a watt. The Aura's thermoblock heats only the water it needs, so there is no boiler to keep hot between coffees.",
        "Safety first. Always place machines on a flat, dry surface away from the edge of the counter, and never immerse the body, base or cable in water. Steam wands, group heads and kettle lids get very hot, so keep hands clear while they are working and keep small children away from the counter. Use the machine only at the voltage shown on its label, and do not use an extension lead for the Aura or the Pour kettle, which draw a lot of power. If a cable is damaged, stop using the machine and contact us for a replacement.",
        "Our repair centre, step by step. When a machine reaches us, a technician logs it, photographs it and reproduces the fault you described. Most checks are done within two business days, and we message you with what we found before any work begins. Warranty repairs go straight ahead; out-of-warranty repairs wait for your approval of the quote. After the repair, every machine is descaled, cleaned and tested with real coffee before it is packed and sent back to you.",
    ],
    "zh": [
        "哪台机器适合你？如果你主要喝奶咖，也享受一点仪式感，那就选 Aura：上手需要一两周，之后就能做出咖啡馆水准的馥芮白。如果要给好几个人做咖啡又不想费事，Drip 8 在你换衣服的工夫就能煮好一整壶，定时功能还能让咖啡比你先准备好。如果只想快速喝到一杯好咖啡、永远不想清洗手柄，Pod One 是三者中最省心的。不少家庭最后会有两台：工作日早上用 Drip 8，悠闲的周末用 Aura。",
        "浓缩为什么发酸或发苦？发酸几乎都是萃取不足：水流太快，来不及溶解出更甜、更厚重的风味，需要磨细一点，或者稍微增加出液量。发苦、余韵发干通常是萃取过度，需要磨粗一点，或者提前几克停止萃取。如果又酸又苦，多半是粉饼有裂缝、水走了通道，先检查布粉和压粉，再去动磨豆机。烘焙四天以内的新鲜豆子，不管怎么调都可能偏尖锐，再放几天就好。",
        "怎么测家里的水硬度。水的硬度决定了多久需要除垢，值得了解一下。最简单的办法是用测试纸：在冷自来水里浸一秒，一分钟后比对颜色。7 度以下是软水，7 到 14 度是中等硬度，14 度以上是硬水。当地自来水公司通常也会公布这个数据。软水每 2 到 3 个月除垢一次，中等硬度每 6 到 8 周一次，硬水每 4 到 6 周一次，并建议使用滤芯。",
        "咖啡豆怎么保存。豆子放在带单向排气阀的原包装袋里，压出空气后夹紧，或者放进密封罐。放在阴凉、避光、干燥的地方，但不要放冰箱，冰箱里容易受潮串味。如果一次买的量一个月喝不完，可以分成小份密封冷冻，每次取一份，不要反复冷冻。只磨马上要用的量，咖啡粉半小时内就会散失大部分香气。",
        "给一大群人做咖啡。六个人以上，Drip 8 是最省事的选择：满壶大约八杯，开着 BOLD 味道也够浓。最好在上桌前半小时内煮，放在保温盘上太久会慢慢变苦；不够的话再煮一壶，比把第一壶一直保温要好。如果是早午餐聚会，可以前一天用冷萃壶做好冷萃，加冰直接喝或者兑热水，完全不用守着机器。",
        "拉花入门。拉花好不好，关键在奶泡质地，而不是倒奶的技巧。先打出表面有光泽、看不到气泡的细腻奶泡，晃到像湿油漆一样，从杯口上方几厘米处开始倒，让牛奶钻到油脂下面。倒到半杯左右，把拉花缸嘴压低贴近液面，稍微加快流速，就会浮出一个白色圆形。轻轻左右摆动可以做出叶子，停下后往前一拉就是心形。练习时可以用水加一滴洗洁精代替牛奶。",
        "低因与咖啡因。一份双份浓缩大约含 120 毫克咖啡因，Drip 8 煮的一杯滴滤咖啡大约 100 到 150 毫克，具体看浓度。深烘虽然味道重，咖啡因并不会更多。我们的低因豆采用水处理法脱因，不使用化学溶剂；它比普通豆子磨得稍细，所以在 Aura 上可能需要比平时调粗一格，萃取时间才合适。",
        "先修，再换。对于豆光的机器，我们总是更愿意修好它，而不是换一台新的。仓库里的维修台会检查每一台退回和保修的产品，大部分故障不过是密封圈老化、阀门堵塞或者水垢。型号停售后备件至少保留七年，我们还公开了维修指南，密封圈、分水网、刀盘这类易损件您可以自己更换，不影响保修。",
        "退回的商品去了哪里。每一件退回的商品都会经过检查、清洁和测试。和新品一样的，会以“豆光官方翻新”的名义重新上架，明确标注，并享受完整保修；达不到的，会修好作为维修期间的备用机，或者拆成备件。能用的东西绝不进垃圾填埋场，退回的商品也绝不会当作新品出售。",
        "胶囊与回收。兼容 Pod One 的胶囊是铝制的，可以无限次回收。胶囊冷却后，撕开封口把咖啡渣倒进堆肥，冲洗干净后，在当地规定允许的情况下和金属类可回收物放在一起。咖啡渣本身也是喜酸植物很好的土壤改良剂。",
        "能耗与自动关机。豆光所有机器闲置时都会自动关机：Aura 20 分钟后，Drip 8 的保温盘 40 分钟后，Pod One 9 分钟后，Pour 手冲壶在保温时间结束后。待机功耗不到半瓦。Aura 的热块只加热需要的水量，两杯咖啡之间不需要一直给锅炉保温。",
        "安全须知。机器请放在平稳干燥的台面上，远离台面边缘；机身、底座和电源线都不能浸水。蒸汽棒、冲煮头和壶盖工作时温度很高，请不要用手触碰，并让小朋友远离操作台。只在铭牌标注的电压下使用；Aura 和 Pour 手冲壶功率较大，请不要接插线板。电源线如有破损，请停止使用并联系我们更换。",
        "维修中心的工作流程。机器到达后，技术人员会登记、拍照，并复现您描述的故障。大部分检测在两个工作日内完成，动工前会先把检测结果发给您。保修内的维修直接进行；保修外的维修要等您确认报价。修好后，每台机器都会除垢、清洁，并用真正的咖啡测试，然后才打包寄回给您。",
    ],
}


GLOSSARY = {
    "en": [
        ("Espresso", "a small, concentrated coffee made by forcing hot water through finely ground coffee at about 9 bar. On the Aura a double shot is 18 g of coffee in and about 36 g out, in 25 to 30 seconds."),
        ("Crema", "the golden foam on top of an espresso, made of oils and carbon dioxide. Fresh beans give more of it; it says little about taste on its own."),
        ("Dose", "the weight of ground coffee you use. Weighing it is the single easiest way to make coffee more consistent."),
        ("Yield", "the weight of liquid coffee in the cup. Together with the dose it gives the brew ratio."),
        ("Brew ratio", "coffee to water (or to espresso). Espresso is usually around 1 to 2, pour-over 1 to 15 or 1 to 17, cold brew concentrate about 1 to 12."),
        ("Extraction", "how much of the coffee's flavour the water has dissolved. Too little tastes sour and thin; too much tastes bitter and dry."),
        ("Channelling", "when water finds an easy path through the coffee puck and rushes through it, leaving the rest under-extracted. Even distribution and a level tamp prevent it."),
        ("Tamping", "pressing the ground coffee flat in the basket. Level and consistent matters far more than force."),
        ("Portafilter", "the handle with a basket that holds the coffee and locks into the group head of an espresso machine."),
        ("Group head", "the part of an espresso machine where the portafilter locks in and the water comes out."),
        ("Shower screen", "the fine mesh in the group head that spreads water evenly over the coffee. It is a wear part and easy to replace."),
        ("Blind basket", "a portafilter basket with no holes, used to backflush the machine with water or cleaner."),
        ("Backflush", "running water back through the group head against a blind basket to flush out old coffee oils."),
        ("Microfoam", "milk steamed so the bubbles are too small to see. It looks glossy like wet paint and is what makes latte art possible."),
        ("Bloom", "the first small pour in pour-over brewing, which lets fresh coffee release carbon dioxide so the rest of the water can extract it evenly."),
        ("Burr grinder", "a grinder that crushes beans between two burrs set a fixed distance apart, giving an even grind. Blade grinders chop unevenly and are hard to use for espresso."),
        ("Fines", "the very small particles every grinder makes. A few are normal; a build-up of them in the chute slows the grinder down."),
        ("Retention", "ground coffee left inside the grinder after grinding. It is why the first dose after a grind change should be thrown away."),
        ("Descaling", "dissolving the mineral scale that hard water leaves inside a machine. It keeps the pump, heater and valves working."),
        ("Thermoblock", "a fast heater that warms water as it flows through a metal block, instead of keeping a boiler hot. The Aura uses one and is ready in about 40 seconds."),
        ("Pre-infusion", "wetting the coffee with low pressure for a few seconds before full pressure, which helps prevent channelling. The Aura does this automatically."),
        ("Roast date", "the day the beans were roasted. Coffee tastes best from about five days to a month after it."),
    ],
    "zh": [
        ("意式浓缩", "用约 9 巴的压力让热水穿过细研磨咖啡粉而得到的小杯浓咖啡。在 Aura 上，双份是 18 克粉、出液约 36 克，用时 25 到 30 秒。"),
        ("油脂", "浓缩表面那层金色泡沫，由咖啡油脂和二氧化碳组成。豆子越新鲜油脂越多，但它本身并不能说明味道好坏。"),
        ("粉量", "所用咖啡粉的重量。用秤称粉量，是让咖啡更稳定最简单的办法。"),
        ("出液量", "杯中咖啡液的重量，和粉量一起决定粉液比。"),
        ("粉水比", "咖啡粉与水（或浓缩液）的比例。意式通常约 1 比 2，手冲 1 比 15 到 1 比 17，冷萃浓缩液约 1 比 12。"),
        ("萃取", "水从咖啡粉中溶解出风味物质的程度。萃取不足喝起来酸而薄，萃取过度则苦而涩。"),
        ("通道效应", "水在粉饼中找到一条阻力小的路径快速穿过，其他部分萃取不足。布粉均匀、压粉平整可以避免。"),
        ("压粉", "把粉碗里的咖啡粉压平。压得平、每次一致，远比用多大力气重要。"),
        ("手柄", "带粉碗的把手，装粉后锁进意式咖啡机的冲煮头。"),
        ("冲煮头", "意式咖啡机上锁手柄、出热水的部位。"),
        ("分水网", "冲煮头里的细网，让热水均匀地淋在咖啡粉上。属于易损件，更换很方便。"),
        ("盲碗", "底部没有孔的粉碗，用于清水或清洁剂反冲洗。"),
        ("反冲洗", "用盲碗让水从冲煮头反向回冲，冲掉积攒的旧咖啡油脂。"),
        ("细腻奶泡", "气泡小到肉眼看不见的奶泡，表面像湿油漆一样有光泽，是拉花的基础。"),
        ("闷蒸", "手冲的第一段少量注水，让新鲜咖啡粉释放二氧化碳，之后的注水才能萃取均匀。"),
        ("磨盘式磨豆机", "用两片间距固定的刀盘把豆子碾碎的磨豆机，研磨均匀。刀片式磨豆机是切碎豆子，颗粒不均，很难做意式。"),
        ("细粉", "所有磨豆机都会产生的极细颗粒。少量正常，出粉口积多了会让研磨变慢。"),
        ("残粉", "研磨后留在磨豆机里的咖啡粉。这也是调整研磨度后第一份粉要倒掉的原因。"),
        ("除垢", "溶解硬水在机器内部留下的矿物水垢，让水泵、加热器和阀门保持正常工作。"),
        ("热块加热", "水流经金属加热块时被快速加热，不需要一直保持锅炉高温。Aura 用的就是热块，约 40 秒就能使用。"),
        ("预浸泡", "正式加压前先用低压润湿咖啡粉几秒，有助于避免通道效应。Aura 会自动完成这一步。"),
        ("烘焙日期", "豆子烘焙的日期。烘焙后大约五天到一个月之间风味最好。"),
    ],
}

RECIPES = {
    "en": [
        "Latte. Pull a double espresso, 18 g in and about 36 g out, into a 250 ml cup. Steam about 150 ml of cold milk, letting it grow by about a third, to 60 to 65 °C, then pour it in slowly from close to the surface so the foam sits on top.",
        "Flat white. Pull a double espresso into a smaller cup, around 160 ml. Steam the milk with less air than for a latte, so it grows by only a fifth or so, and pour it in close so the cup ends with a thin, glossy layer of foam.",
        "Cappuccino. A double espresso in a 180 ml cup with milk stretched by about half, so the top third of the cup is light foam. Spoon a little extra foam on top if you like it airy.",
        "Americano. Pull a double espresso and top it with about 120 ml of water from the Pour kettle at 90 °C. Pouring the espresso onto the water instead, which some call a long black, keeps more crema.",
        "Iced latte. Fill a tall glass with ice and 150 ml of cold milk, then pour a fresh double espresso over the top. No steaming needed; the Froth's cold foam setting makes a nice topping.",
        "Affogato. Put a scoop of good vanilla ice cream in a small glass and pour a fresh double espresso over it at the table. It is the quickest dessert we know.",
        "Mocha. Stir two teaspoons of cocoa and a little sugar into a double espresso until smooth, then add steamed milk as for a latte.",
        "Cold brew tonic. Fill a glass with ice, add 150 ml of tonic water, then slowly pour 60 ml of Cold Brew jar concentrate on top so it layers. A slice of orange suits Morning Hill particularly well.",
        "Café au lait with the Drip 8. Brew a pot with the BOLD button on, then mix it half and half with hot milk warmed in the Froth's no-foam setting.",
        "Cortado. A double espresso cut with roughly the same amount of steamed milk with very little foam, served in a small glass.",
    ],
    "zh": [
        "拿铁。往 250 毫升的杯子里萃取一份双份浓缩，18 克粉、出液约 36 克。把约 150 毫升冷牛奶打到 60 到 65 度，奶量涨大约三分之一，然后贴近液面慢慢倒入，让奶泡浮在表面。",
        "馥芮白。用小一点的杯子，约 160 毫升，萃取一份双份浓缩。打奶时进气比拿铁少，奶量只涨五分之一左右，贴近液面倒入，最后表面是一层薄而亮的奶泡。",
        "卡布奇诺。180 毫升的杯子装一份双份浓缩，牛奶打发到涨一半左右，让杯子上面三分之一是轻盈的奶泡。喜欢更蓬松的口感，可以再舀一点奶泡放在上面。",
        "美式。萃取一份双份浓缩，加入约 120 毫升 90 度的热水，可以用 Pour 手冲壶。先放水再倒入浓缩，也就是常说的澳式黑咖啡，能保留更多油脂。",
        "冰拿铁。高杯里放满冰块，倒入 150 毫升冷牛奶，再把刚萃取的双份浓缩浇在上面。不需要打奶，用 Froth 的冷奶泡功能做个顶层会更好看。",
        "阿芙佳朵。小杯里放一球香草冰淇淋，上桌时把刚萃取的双份浓缩浇上去。这是我们知道的最快的甜点。",
        "摩卡。在双份浓缩里加两茶匙可可粉和少许糖搅匀，再像做拿铁一样加入打好的热牛奶。",
        "冷萃汤力。杯子装满冰块，倒入 150 毫升汤力水，再把 60 毫升冷萃壶做的冷萃液慢慢倒在上面形成分层。晨丘配一片橙子特别搭。",
        "Drip 8 欧蕾咖啡。开着 BOLD 键煮一壶，然后和用 Froth 不起泡模式加热的牛奶按一比一混合。",
        "可塔朵。双份浓缩加入差不多等量、几乎没有奶泡的热牛奶，用小玻璃杯装。",
    ],
}

CARE = {
    "en": [
        "Caring for the Aura. After every coffee, knock out the puck, rinse the basket and purge the steam wand. Once a week, backflush with plain water and wash the drip tray. Once a month, backflush with a cleaning tablet. Descale every 4 to 6 weeks with hard water or every 2 to 3 months with soft water, and change the water filter every two months. Replace the group gasket when it cracks or the portafilter starts to leak, typically every year or two.",
        "Caring for the Drip 8. Rinse the carafe and filter basket after each pot and leave the lid open so the tank dries. Wash the carafe in the dishwasher once a week. Descale when the CLEAN light comes on, about monthly with hard water, and change the charcoal filter every two months.",
        "Caring for the Pod One. Empty the capsule container and drip tray every day; old capsules can grow mould. Run a water-only cycle once a week. Descale every three months, or sooner if the coffee starts coming out slowly.",
        "Caring for the Mill Pro. Keep the hopper topped up with only a few days' worth of beans, because beans go stale faster in a hopper than in a sealed bag. Brush out the chute weekly and the burrs monthly, and never wash the burrs with water.",
        "Caring for the Pour kettle. Empty it after use rather than leaving water standing. Descale it with a sachet of descaler or a little citric acid whenever you see white marks inside, usually every month or two. Wipe the base dry; it must never get wet.",
        "Caring for the Froth. Rinse the jug straight after use while the milk is still liquid, using only a soft sponge on the non-stick coating. The jug must not go in the dishwasher, but the whisk and disc can. Dry the base contacts before the next use.",
        "Caring for the Cold Brew jar. The glass jar and lid go in the dishwasher. Rinse the mesh filter under a strong tap from the outside in as soon as you empty it, and soak it in hot water with a little baking soda once a month to keep the mesh clear.",
        "Caring for the Go Press. Rinse it soon after drinking so coffee oils don't set in the filter. The lid and plunger can go in the top rack of the dishwasher; hand-wash the steel mug. Take the silicone ring out once a month to clean under it, and put it back with the wider side up.",
    ],
    "zh": [
        "Aura 的日常保养。每次做完咖啡，敲掉粉饼、冲洗粉碗、蒸汽棒排汽。每周用清水反冲洗一次，洗一洗接水盘。每月用清洁片反冲洗一次。水硬的地区每 4 到 6 周除垢一次，水软的地区 2 到 3 个月一次；滤芯每两个月更换。冲煮头密封圈开裂或手柄开始漏水时就该换了，通常一到两年一次。",
        "Drip 8 的日常保养。每煮完一壶，冲洗玻璃壶和滤篮，打开盖子让水箱晾干。玻璃壶每周用洗碗机洗一次。CLEAN 灯亮就除垢，水硬的话大约每月一次；活性炭滤芯每两个月更换。",
        "Pod One 的日常保养。废胶囊盒和接水盘每天倒空，放久的旧胶囊会发霉。每周不放胶囊跑一次清水。每三个月除垢一次，如果出水开始变慢就提前做。",
        "Mill Pro 的日常保养。豆仓里只放几天的用量，豆子在豆仓里比在密封袋里更容易不新鲜。每周刷一次出粉口，每月刷一次刀盘，刀盘千万不要用水洗。",
        "Pour 手冲壶的日常保养。用完把水倒掉，不要让水一直留在壶里。看到壶内有白色水垢时，用一包除垢剂或少量柠檬酸除垢，一般一到两个月一次。底座要保持干燥，绝对不能沾水。",
        "Froth 奶泡机的日常保养。用完趁牛奶还没干马上冲洗，不粘涂层只能用软海绵。杯体不能放洗碗机，打泡头和圆盘可以。下次使用前把底座触点擦干。",
        "冷萃壶的日常保养。玻璃壶身和盖子可以放洗碗机。滤网倒空后马上用较大的水流从外往里冲，每月用加了少许小苏打的热水泡一次，保持滤网通畅。",
        "Go Press 的日常保养。喝完尽快冲洗，别让咖啡油脂在滤网上结住。杯盖和压杆可以放洗碗机上层，不锈钢杯身请手洗。每月把硅胶圈取下来清洗一次下面，装回时宽的一面朝上。",
    ],
}


def split_paragraphs(doc: str, L: str) -> list[str]:
    """A document as paragraphs of a few sentences, for a one-paragraph-a-line corpus."""
    if L == "zh":
        sents, target, glue = re.findall(r"[^。！？]+[。！？]?", doc), 60, ""
    else:
        sents, target, glue = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9])", doc), 160, " "
    out: list[str] = []
    cur = ""
    for s in sents:
        cur = cur + glue + s if cur else s
        if len(cur) >= target:
            out.append(cur)
            cur = ""
    if cur:
        if out and len(cur) < target / 2:
            out[-1] += glue + cur
        else:
            out.append(cur)
    return out


CONNECT = {
    "en": ["Next, ", "Then ", "After that, "],
    "zh": ["接着", "然后", "之后", "随后"],
}
NO_CONNECT_EN = ("When", "With", "If", "For", "Only", "To ", "Once", "A ", "The ", "It ", "Espresso", "Pour-over", "Drip",
                 "French", "Cold", "Keep", "Change", "Lifting", "From", "Press once")


def prose_steps(r: random.Random, L: str, steps: list[str]) -> str:
    """A numbered list written out as a paragraph of a manual."""
    out: list[str] = []
    last = ""
    for i, s in enumerate(steps):
        if L == "en":
            plain = s.startswith(NO_CONNECT_EN) or ":" in s[:20]
            if i == 0 and not plain:
                c = "First, "
            elif i == len(steps) - 1 and not plain and len(steps) > 2:
                c = "Finally, "
            elif not plain and r.random() < 0.6:
                c = r.choice([x for x in CONNECT["en"] if x != last])
            else:
                c = ""
            if c:
                s = c + s[0].lower() + s[1:]
        else:
            plain = s.startswith(("如果", "只", "想", "每", "意式", "手冲", "滴滤", "法压", "冷萃", "总时间", "开头", "机器会", "水滴灯", "时间对了",
                                         "之后", "听到", "打奶泡时", "BOLD", "前一天", "粉量", "短按", "先", "调", "咖啡机开机")) or "然后" in s or "：" in s[:8]
            if i == 0 and not plain:
                c = "首先，"
            elif i == len(steps) - 1 and not plain and len(steps) > 2:
                c = "最后，"
            elif not plain and r.random() < 0.6:
                c = r.choice([x for x in CONNECT["zh"] if x != last])
            else:
                c = ""
            s = c + s
        last = c
        out.append(s)
    return (" " if L == "en" else "").join(out)


PRODUCT_PAGES = {
    "en": [
        "The Aura espresso machine. The Aura is a semi-automatic espresso machine for people who want to learn to make espresso properly without a wall of buttons. It has a 15-bar pump, a thermoblock that is ready in about 40 seconds, a 58 mm portafilter with single, double and blind baskets, and a manual steam wand that can stretch milk for latte art. The 1.8-litre tank slides out from the front, and the drip tray holds a full day of shots. It costs $449 in our shop and carries a 2-year warranty; the gasket, shower screen, baskets, drip tray and tank are all sold as spare parts.",
        "The Drip 8 coffee maker. The Drip 8 brews up to eight cups, 1.2 litres, into a glass carafe in about eight minutes. It heats the water to between 92 and 96 °C, which is what good filter coffee needs and what many cheap machines miss. A programmable timer has coffee ready when you wake up, the 1-4 button slows the brew for small batches, and BOLD pauses the flow for a stronger cup. The keep-warm plate switches itself off after 40 minutes. It costs $99 and has a 2-year warranty.",
        "The Pod One capsule machine. The Pod One is our smallest machine, 11 centimetres wide, made for people who want good coffee with no mess. It takes Pod One compatible capsules, heats in 25 seconds and has two cup buttons you can programme to any amount between 15 and 200 ml. Used capsules drop into a container that holds ten. It costs $129, with a 2-year warranty.",
        "The Mill Pro grinder. The Mill Pro is a conical burr grinder with 40 settings, from fine enough for espresso to coarse enough for cold brew. Its steel burrs turn slowly to keep the coffee cool, and a timer dial lets you grind the same dose every time. The hopper holds 250 g of beans and comes off with a twist for cleaning, and the upper burr lifts out by hand. It costs $179 with a 2-year warranty; replacement burrs are available and last for many years of home use.",
        "The Pour gooseneck kettle. The Pour is a 0.9-litre electric kettle with a narrow gooseneck spout for pour-over coffee. You can set any temperature from 40 to 100 °C in single degrees and hold it for up to an hour, and the base pauses the hold for two minutes when you lift the kettle to pour. Dry-boil protection switches it off if it runs empty and shows E2 on the display. It costs $89 with a 2-year warranty.",
        "The Froth milk frother. The Froth makes hot foam, cold foam or hot milk without foam at the press of one button. It holds 120 ml of milk for foam or 240 ml for hot milk, has a non-stick jug that rinses clean, and switches off by itself when the milk is ready. It costs $59 and carries a 1-year warranty.",
        "The Cold Brew jar. The Cold Brew jar is a one-litre borosilicate glass jar with a fine stainless mesh filter that screws into the lid. Coarse coffee and cold water go in the evening before; the next day you lift out the filter and have smooth, low-acid coffee that keeps for five days in the fridge. It costs $35 with a 1-year warranty.",
        "The Go Press travel mug. The Go Press is a 300 ml double-walled steel mug with a built-in French press. You add coarse coffee and hot water, wait four minutes and press; the plunger locks the grounds below the filter so the coffee does not keep brewing while you drink. The sip cap twists shut for travel. It costs $39 with a 1-year warranty.",
    ],
    "zh": [
        "Aura 意式咖啡机。Aura 是一台半自动意式咖啡机，适合想真正学会做意式、又不想面对一堆按键的人。它有 15 巴水泵，热块加热约 40 秒就绪，配 58 毫米手柄和单份、双份、盲碗三种粉碗，手动蒸汽棒可以打出拉花用的奶泡。1.8 升水箱从正面抽出，接水盘能装下一整天的萃取余水。官方商城售价 ¥2999，保修 2 年；密封圈、分水网、粉碗、接水盘和水箱都有单独的备件出售。",
        "Drip 8 滴滤咖啡机。Drip 8 一次最多能煮八杯，也就是 1.2 升，大约八分钟就能煮好一整壶。水温控制在 92 到 96 度之间，这是好喝的滴滤咖啡需要的温度，也是很多便宜机器做不到的。预约定时可以让您起床就有咖啡，1-4 键让少量冲煮也能萃取充分，BOLD 键通过间歇出水让味道更浓。保温盘 40 分钟后自动关闭。售价 ¥599，保修 2 年。",
        "Pod One 胶囊咖啡机。Pod One 是我们最小的一台机器，机身只有 11 厘米宽，适合想喝好咖啡又不想收拾的人。它使用兼容 Pod One 的胶囊，25 秒预热，两个杯量键都可以自定义为 15 到 200 毫升之间的任意出水量。用过的胶囊会落进可以装十颗的废胶囊盒。售价 ¥799，保修 2 年。",
        "Mill Pro 磨豆机。Mill Pro 是一台锥刀磨豆机，40 档研磨，从意式的细粉到冷萃的粗粉都能覆盖。钢制刀盘低速运转，研磨时咖啡粉不容易升温；定时旋钮让每次的出粉量保持一致。豆仓可以装 250 克咖啡豆，一拧就能取下清洁，上刀盘徒手就能取出。售价 ¥1099，保修 2 年；刀盘可以单独购买，家用能用很多年。",
        "Pour 温控手冲壶。Pour 是一把 0.9 升的电热细嘴壶，专为手冲设计。温度可以在 40 到 100 度之间按 1 度设定，最长保温一小时；注水时把壶拿起来，底座会暂停保温两分钟。壶内无水时防干烧保护会自动断电，屏幕显示 E2。售价 ¥499，保修 2 年。",
        "Froth 奶泡机。Froth 一个按键就能做热奶泡、冷奶泡，或者只加热牛奶不起泡。打奶泡可以放 120 毫升牛奶，热牛奶可以放 240 毫升；杯体是不粘涂层，冲一冲就干净，牛奶做好会自动停止。售价 ¥349，保修 1 年。",
        "冷萃壶。冷萃壶是一只 1 升的高硼硅玻璃壶，配一个拧在盖子上的细密不锈钢滤网。前一天晚上放入粗研磨的咖啡粉和冷水，第二天取出滤网，就是顺滑、低酸的冷萃咖啡，冷藏能放五天。售价 ¥199，保修 1 年。",
        "Go Press 便携法压杯。Go Press 是一只 300 毫升的双层不锈钢杯，内置法压结构。加入粗粉和热水，等四分钟再压下，压杆会把咖啡渣锁在滤网下面，喝的时候咖啡不会继续萃取变苦。饮用口旋紧就能放进包里。售价 ¥229，保修 1 年。",
    ],
}


def build_corpus(r: random.Random) -> list[list[str]]:
    """Documents, each a list of paragraphs."""
    docs: list[tuple[str, str]] = []  # (language, text)

    def add(L: str, text: str) -> None:
        docs.append((L, text))

    for L in ("en", "zh"):
        for d in ABOUT[L] + PRODUCT_PAGES[L]:
            add(L, d)
    for L in ("en", "zh"):
        for h in HOWTO:
            title = h["title_" + L]
            sep = ". " if L == "en" else "。"
            sp = " " if L == "en" else ""
            add(L, f"{title}{sep}{prose_steps(r, L, h['steps_' + L])}{sp}{sp.join(h['tips_' + L])}")
        for h in HOWTO:
            # Help-centre questions, answered the way the FAQ page answers them.
            qs = [q for q in h["q_" + L] if q in LEADS][:2] or h["q_" + L][:1]
            for q in qs:
                lead = LEADS.get(q, "")
                add(L, (" " if L == "en" else "").join(x for x in (q, lead, h["short_" + L]) if x))
    ends = {"en": ["If none of this helps, contact us: the {name} has a {w}-year warranty, and within that time we collect, repair and return it free of charge.",
                   "Still not right? Within its {w}-year warranty we repair the {name} for free, collection and return included; just send us a short video of the problem.",
                   "If the problem carries on, stop using the {name} and get in touch. It is covered for {w} years, and a warranty repair costs you nothing."],
            "zh": ["如果以上方法都不能解决，请联系我们：{name}保修 {w} 年，保修期内我们免费上门取件、维修并寄回。",
                   "还是不行的话，{name}在 {w} 年保修期内可以免费维修，上门取件和寄回都包含在内，发一段问题的短视频给我们即可。",
                   "如果问题依旧，请先停止使用{name}并联系我们。保修期 {w} 年，保修内维修不需要您花任何钱。"]}
    for L in ("en", "zh"):
        seen: dict[str, int] = {}
        for f in FAULTS:
            k = f["product"]
            i = seen.get(k, 0)
            seen[k] = i + 1
            end = ends[L][i % 3].format(name=pn(k, L), w=wy(k))
            sym = f[L][0]
            checks = (" " if L == "en" else "").join(f["checks_" + L])
            if L == "en":
                sym_txt = sym.replace("my ", "your ").replace("My ", "Your ")
                add(L, f"Troubleshooting: when {sym_txt}. {checks} {end}")
            else:
                add(L, f"故障排查：{sym}。{checks}{end}")
    for L in ("en", "zh"):
        for d in POLICY[L] + CARE[L]:
            add(L, d)
        for q, a in FAQ[L]:
            add(L, f"{q} {a}" if L == "en" else f"{q}{a}")
        for d in ARTICLES[L] + MORE_ARTICLES[L] + RECIPES[L]:
            add(L, d)
        for term, meaning in GLOSSARY[L]:
            add(L, f"{term}: {meaning[0].upper()}{meaning[1:]}" if L == "en" else f"{term}：{meaning}")
    out = []
    for L, d in docs:
        if L == "zh":
            d = space_zh(d)
        out.append(split_paragraphs(d, L))
    return out


# ---------------------------------------------------------------------------------------------
# Assembly
# ---------------------------------------------------------------------------------------------

# (category, builder, conversations per language, share that are multi-turn)
CATEGORIES = [
    ("complaint/late_delivery", late_delivery, 30, 0.30),
    ("complaint/damaged_item", damaged_item, 28, 0.30),
    ("complaint/rude_courier", rude_courier, 18, 0.20),
    ("complaint/wrong_item", wrong_item, 24, 0.20),
    ("refund/return_window", return_window, 28, 0.15),
    ("refund/how_to_return", return_howto, 26, 0.20),
    ("refund/partial_refund", partial_refund, 24, 0.15),
    ("refund/refused", refused_refund, 26, 0.15),
    ("warranty/repair", warranty, 44, 0.25),
    ("order/tracking", tracking, 34, 0.20),
    ("product/how_to", howto, 60, 0.20),
    ("tone/thank_you", thank_you, 24, 0.15),
    ("tone/angry_customer", angry, 26, 0.20),
]

MIN_ANSWER_CHARS = 18

BAD_PATTERNS = [
    (re.compile(r"[{}]"), "template brace"),
    (re.compile(r"XXX|TODO|lorem ipsum", re.I), "placeholder"),
    (re.compile(r"……"), "Chinese ellipsis"),
    (re.compile(r"<[A-Za-z/!][^>]*>"), "HTML tag"),
    (re.compile(r"\d{7,}"), "long digit run"),
    (re.compile(r"\d{3,4}[- ]\d{3,4}[- ]\d{3,4}"), "phone-like number"),
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"), "e-mail address"),
    (re.compile(r"[\x00-\x09\x0b-\x1f\x7f\u200b\ufeff]"), "control character"),
    (re.compile(r"[ \t]\n|\n[ \t]|  "), "stray whitespace"),
]


def check_text(text: str, where: str) -> None:
    if not text or not text.strip():
        raise SystemExit(f"{where}: empty text")
    for rx, what in BAD_PATTERNS:
        m = rx.search(text)
        if m:
            raise SystemExit(f"{where}: {what}: {m.group(0)!r} in {text[:120]!r}")


def norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"\s+", " ", text).strip()


def lang_of(turns) -> str:
    text = "".join(t for _, t in turns)
    cjk = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
    return "zh" if cjk > len(text) * 0.15 else "en"


def build_conversations(r: random.Random) -> list[dict]:
    convs: list[dict] = []
    seen_conv: set[str] = set()
    seen_first: set[str] = set()
    seen_final: set[str] = set()
    for L in ("en", "zh"):
        for cat, fn, count, multi_share in CATEGORIES:
            made = tries = 0
            n_multi = round(count * multi_share)
            while made < count:
                tries += 1
                if tries > count * 400:
                    raise SystemExit(f"could not make {count} distinct {cat} conversations in {L} (made {made})")
                g = Gen(r, L)
                multi = made < n_multi
                turns = fn(g, multi)
                if L == "zh":
                    turns = [(role, space_zh(t)) for role, t in turns]
                if multi and len(turns) < 4:
                    continue
                if any(len(t) < MIN_ANSWER_CHARS for role, t in turns if role == "assistant"):
                    continue
                first, final = norm(turns[0][1]), norm(turns[-1][1])
                whole = norm("\n".join(t for _, t in turns))
                if whole in seen_conv or first in seen_first or final in seen_final:
                    continue
                assert [role for role, _ in turns] == ["user", "assistant"] * (len(turns) // 2), cat
                assert lang_of(turns) == L, (cat, turns)
                for i, (_, t) in enumerate(turns):
                    check_text(t, f"{cat}/{L} turn {i}")
                seen_conv.add(whole)
                seen_first.add(first)
                seen_final.add(final)
                system = r.choices(SYSTEM[L], weights=SYSTEM_WEIGHTS)[0]
                convs.append({"lang": L, "category": cat, "system": system, "turns": turns})
                made += 1
    r.shuffle(convs)
    return convs


def to_openai(c: dict) -> dict:
    return {"messages": [{"role": "system", "content": c["system"]}]
            + [{"role": role, "content": text} for role, text in c["turns"]]}


def to_alpaca(c: dict) -> dict:
    t = c["turns"]
    pairs = [[t[i][1], t[i + 1][1]] for i in range(0, len(t), 2)]
    return {"instruction": pairs[-1][0], "input": "", "output": pairs[-1][1], "system": c["system"],
            "history": pairs[:-1]}


def to_sharegpt(c: dict) -> dict:
    return {"conversations": [{"from": "human" if role == "user" else "gpt", "value": text} for role, text in c["turns"]],
            "system": c["system"]}


def pct(xs: list[int], q: float) -> int:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def stats(convs: list[dict]) -> dict:
    ans = [len(text) for c in convs for role, text in c["turns"] if role == "assistant"]
    by_lang = {L: sum(1 for c in convs if c["lang"] == L) for L in ("en", "zh")}
    multi = sum(1 for c in convs if len(c["turns"]) > 2)
    cats: dict[str, int] = {}
    for c in convs:
        cats[c["category"]] = cats.get(c["category"], 0) + 1
    return dict(n=len(convs), by_lang=by_lang, multi=multi, answers=len(ans), a_min=min(ans),
                a_median=int(statistics.median(ans)), a_p95=pct(ans, 0.95), a_max=max(ans), cats=cats)


README = """# Sample data: Beanlight customer service

Bilingual (English and Simplified Chinese) customer-service fine-tuning data for **Beanlight
(豆光)**, a *fictional* brand of home coffee machines, grinders and kettles. Beanlight, its
products, prices, policies, staff and customers are all invented; any resemblance to a real
company or person is accidental. There is no personal data in these files: no e-mail addresses
(but the `example.com` ones of the preference pairs), no phone numbers, no ID numbers, no real
addresses; order numbers look like `A-20418`.

The brand voice the data teaches: warm, concise, apologetic when we got something wrong, and
never promising a refund, replacement, compensation or date that policy does not allow. When the
answer is no, the reply says why and offers what it can instead.

## Files

| file | what | rows |
|---|---|---|
| `support_openai.jsonl` | OpenAI chat fine-tuning format: one JSON object per line holding a `messages` list, a system turn then alternating user/assistant turns, always ending with an assistant turn | {n} conversations |
| `support_alpaca.json` | the same conversations as a JSON array in Alpaca form: `instruction` (last user turn), `input` (always `""`), `output` (last assistant turn), `system`, `history` (earlier `[user, assistant]` pairs, empty for single-turn rows) | {n} |
| `support_sharegpt.json` | the same conversations as a JSON array in ShareGPT form: `conversations` (`from`: `human` / `gpt`, `value`) and `system` | {n} |
| `support_preference.jsonl` | preference (DPO) pairs in TRL's conversational format: `prompt` (system + user), `chosen` / `rejected` one assistant turn each; the rejected answers are curt, wrong or unsafe; not length-biased (the chosen answer is the longer one in about half the pairs). Written by `scripts/make_preference_data.py`; its e-mail addresses are on `example.com`, a domain reserved for examples | 96 pairs (48 en / 48 zh) |
| `corpus.txt` | raw text for continual pretraining: Beanlight's product pages and manuals, care guides, policy pages, FAQ, recipes, a glossary and knowledge-base articles, written as prose; one paragraph per line, a blank line between documents | {paras} lines (paragraphs) in {docs} documents, {kb} KB |

The three chat files hold the same conversations in the same order, so row *i* of one is row *i*
of the others.

## What is in the conversations

- **Languages:** {en} English and {zh} Chinese conversations. A conversation stays in one
  language. Each language has one brand system prompt in three variants (full, policy-focused,
  short).
- **Turns:** {multi} conversations ({multi_pct}%) are multi-turn, with 2 or 3 user/assistant
  exchanges (the agent asks for an order number or photos, the customer follows up, pushes back
  on a refusal, or calms down); the rest are single-turn.
- **Categories** (conversations across both languages):
{cat_lines}
- **Answer length** ({answers} assistant turns, in characters): min {a_min}, median {a_median},
  95th percentile {a_p95}, max {a_max}. The spread is deliberate: one-line thank-you replies of
  about 30 tokens sit next to step-by-step how-to and warranty answers of 300 to 500 tokens,
  which makes the set useful for checking sequence packing.

Policy facts the answers keep to (so the data is consistent with itself and with `corpus.txt`):
returns within 30 days of delivery; free return shipping for faulty, damaged or wrong items;
change-of-mind return shipping of $7 (¥15 in China) taken from the refund; refunds within 3
business days of the return arriving, to the original payment method only; opened beans, used
consumables and gift cards are not returnable; 14-day price protection, once per order; transit
damage reported within 7 days; a 2-year warranty on machines, grinders and kettles, 1 year on small
items, 6 months on accessories and wear parts; out-of-warranty checks at $25 (¥60), waived if the
repair goes ahead.

## How it was made

Everything here is written by one deterministic script using only the Python standard library:

```
python scripts/make_sample_data.py
```

It assembles each conversation from many hand-written parts (products, parts and colours, issue
types, customer phrasings and moods, order situations, policy facts, troubleshooting steps,
apology, closing and sign-off styles) with a fixed random seed ({seed}), so re-running it writes
byte-identical files. It refuses to write anything with an exact or whitespace/case-only duplicate
(whole conversation, first user message, or final answer), a template brace, a placeholder,
a Chinese ellipsis, an HTML tag, a control character, an e-mail address or a long digit run.

## Licence

Apache-2.0, the same as the rest of the project.
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "sample_data", help="output folder (default: sample_data/)")
    args = ap.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    r = random.Random(SEED)
    convs = build_conversations(r)
    corpus_docs = build_corpus(random.Random(SEED + 1))
    paragraphs = [p for d in corpus_docs for p in d]
    for i, para in enumerate(paragraphs):
        check_text(para, f"corpus paragraph {i + 1}")
        assert "\n" not in para
    if len({norm(p) for p in paragraphs}) != len(paragraphs):
        raise SystemExit("corpus has duplicate paragraphs")

    def write(name: str, text: str) -> None:
        (out / name).write_bytes(text.encode("utf-8"))

    write("support_openai.jsonl", "".join(json.dumps(to_openai(c), ensure_ascii=False) + "\n" for c in convs))
    write("support_alpaca.json", json.dumps([to_alpaca(c) for c in convs], ensure_ascii=False, indent=2) + "\n")
    write("support_sharegpt.json", json.dumps([to_sharegpt(c) for c in convs], ensure_ascii=False, indent=2) + "\n")
    corpus_text = "\n\n".join("\n".join(d) for d in corpus_docs) + "\n"
    write("corpus.txt", corpus_text)

    s = stats(convs)
    cat_lines = "\n".join(f"  - `{k}`: {v}" for k, v in sorted(s["cats"].items()))
    readme = README.format(n=s["n"], docs=len(corpus_docs), paras=len(paragraphs), kb=round(len(corpus_text.encode("utf-8")) / 1024),
                           en=s["by_lang"]["en"], zh=s["by_lang"]["zh"], multi=s["multi"],
                           multi_pct=round(100 * s["multi"] / s["n"]), cat_lines=cat_lines, answers=s["answers"],
                           a_min=s["a_min"], a_median=s["a_median"], a_p95=s["a_p95"], a_max=s["a_max"], seed=SEED)
    write("README.md", readme)
    print(f"wrote {s['n']} conversations ({s['by_lang']['en']} en, {s['by_lang']['zh']} zh, {s['multi']} multi-turn) "
          f"and {len(corpus_docs)} corpus documents, {len(paragraphs)} paragraphs ({len(corpus_text.encode('utf-8')) / 1024:.0f} KB) to {out}")
    print(f"assistant answers: {s['answers']}, chars min {s['a_min']} / median {s['a_median']} / "
          f"p95 {s['a_p95']} / max {s['a_max']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
