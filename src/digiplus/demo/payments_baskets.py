"""What the demo's customers buy: each shop's menu, and baskets drawn from it, so every demo
payment carries item lines (``metadata["items"]``, the format of ``digiplus.lake.items``) and
every merchant's basket analysis has something to find.

A basket is one main item (by weight, sometimes two of it) and add-ons, each with its own
chance, some only alongside particular mains (tea with the oyster omelette, a card holder with a
new EasyCard): the associations the basket rules then find. The payment's amount is the basket's
total; a basket outside the shop's ticket range is drawn again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    sku: str
    name: str
    price: int  # NT$ whole dollars


@dataclass(frozen=True)
class Menu:
    mains: tuple[tuple[Item, float], ...]  # (item, weight)
    extras: tuple[tuple[Item, float, tuple[str, ...]], ...]  # (item, chance, only with these mains' skus; () = any)
    twice: float = 0.2  # chance of two of the main


def _i(sku: str, name: str, price: int) -> Item:
    return Item(sku, name, price)


MENUS: dict[str, Menu] = {
    "oyster": Menu(
        mains=(
            (_i("OYSTER-OMELETTE", "蚵仔煎 Oyster omelette", 75), 5),
            (_i("SHRIMP-OMELETTE", "蝦仁煎 Shrimp omelette", 85), 2),
        ),
        extras=(
            (_i("OYSTER-SOUP", "蚵仔湯 Oyster soup", 60), 0.35, ("OYSTER-OMELETTE",)),
            (_i("MELON-TEA", "冬瓜茶 Winter melon tea", 30), 0.4, ()),
            (_i("GREENS", "燙青菜 Blanched greens", 40), 0.3, ("SHRIMP-OMELETTE",)),
        ),
    ),
    "tainan_stall": Menu(
        mains=(
            (_i("MILKFISH-CONGEE", "虱目魚粥 Milkfish congee", 80), 4),
            (_i("SAVOURY-CONGEE", "鹹粥 Savoury congee", 60), 3),
            (_i("BELLY-CONGEE", "虱目魚肚粥 Milkfish belly congee", 120), 2),
        ),
        extras=(
            (_i("FRIED-DOUGH", "油條 Fried dough stick", 20), 0.45, ("MILKFISH-CONGEE", "SAVOURY-CONGEE")),
            (_i("BRAISED-EGG", "滷蛋 Braised egg", 15), 0.3, ()),
            (_i("PORK-RICE", "肉燥飯 Minced pork rice", 35), 0.35, ("BELLY-CONGEE",)),
        ),
    ),
    "clinic": Menu(
        mains=((_i("REGISTRATION", "掛號費 Registration fee", 150), 1),),
        extras=(
            (_i("VISIT-COPAY", "門診部分負擔 Visit co-payment", 50), 0.9, ()),
            (_i("DRUG-COPAY", "藥品部分負擔 Medicine co-payment", 40), 0.65, ()),
            (_i("FLU-VACCINE", "自費流感疫苗 Flu vaccine (self-paid)", 350), 0.08, ()),
            (_i("CERTIFICATE", "診斷證明書 Medical certificate", 100), 0.1, ()),
        ),
        twice=0.0,
    ),
    "campus": Menu(
        mains=(
            (_i("NOTEBOOK", "筆記本 Notebook", 45), 5),
            (_i("TEXTBOOK", "教科書 Textbook", 650), 2),
            (_i("HOODIE", "校園帽T Campus hoodie", 590), 1),
            (_i("MUG", "校徽馬克杯 Crest mug", 280), 1),
        ),
        extras=(
            (_i("PEN", "原子筆 Ballpoint pen", 30), 0.5, ("NOTEBOOK",)),
            (_i("HIGHLIGHTER", "螢光筆 Highlighter", 35), 0.4, ("TEXTBOOK",)),
            (_i("TOTE", "帆布袋 Tote bag", 220), 0.3, ("HOODIE", "MUG")),
        ),
    ),
    "mrt_kiosk": Menu(
        mains=(
            (_i("SINGLE-TICKET", "單程票 Single-journey token", 30), 5),
            (_i("EASYCARD", "悠遊卡 EasyCard", 100), 2),
        ),
        extras=(
            (_i("CARD-HOLDER", "卡套 Card holder", 20), 0.55, ("EASYCARD",)),
            (_i("WATER", "瓶裝水 Bottled water", 20), 0.2, ()),
        ),
        twice=0.3,
    ),
    "hualien_bnb": Menu(
        mains=(
            (_i("DOUBLE-ROOM", "雙人房 Double room (night)", 2400), 4),
            (_i("FAMILY-ROOM", "四人房 Family room (night)", 3600), 2),
        ),
        extras=(
            (_i("BREAKFAST", "早餐 Breakfast", 200), 0.6, ()),
            (_i("SCOOTER", "機車租借 Scooter rental", 400), 0.3, ("DOUBLE-ROOM",)),
            (_i("PICK-UP", "車站接送 Station pick-up", 300), 0.4, ("FAMILY-ROOM",)),
        ),
        twice=0.35,
    ),
    "kaohsiung_museum": Menu(
        mains=(
            (_i("CATALOGUE", "展覽畫冊 Exhibition catalogue", 680), 2),
            (_i("TOTE-BAG", "帆布袋 Tote bag", 390), 2),
            (_i("POSTCARD-SET", "明信片組 Postcard set", 180), 4),
            (_i("MUG", "馬克杯 Mug", 320), 2),
        ),
        extras=(
            (_i("WASHI-TAPE", "紙膠帶 Washi tape", 120), 0.35, ("POSTCARD-SET",)),
            (_i("POSTCARD", "明信片 Postcard", 50), 0.4, ()),
            (_i("POSTER", "海報 Poster", 250), 0.3, ("CATALOGUE",)),
        ),
        twice=0.1,
    ),
    "bubble_tea": Menu(
        mains=(
            (_i("BUBBLE-MILK-TEA", "珍珠奶茶 Bubble milk tea", 65), 5),
            (_i("BROWN-SUGAR", "黑糖珍奶 Brown sugar bubble milk", 75), 3),
            (_i("FOUR-SEASONS", "四季春茶 Four Seasons oolong", 45), 2),
        ),
        extras=(
            (_i("EXTRA-PEARLS", "加珍珠 Extra pearls", 10), 0.35, ("BROWN-SUGAR", "BUBBLE-MILK-TEA")),
            (_i("PUDDING", "加布丁 Pudding topping", 15), 0.25, ()),
        ),
        twice=0.3,
    ),
    "district_office": Menu(
        mains=(
            (_i("HOUSEHOLD-COPY", "戶籍謄本 Household registration copy", 15), 5),
            (_i("ID-REISSUE", "身分證換發 ID card reissue", 50), 2),
            (_i("REGISTER-BOOK", "戶口名簿 Household register book", 30), 1),
        ),
        extras=(
            (_i("SEAL-CERT", "印鑑證明 Seal certificate", 50), 0.25, ("HOUSEHOLD-COPY",)),
            (_i("ENGLISH-COPY", "英文戶籍謄本 English household transcript", 100), 0.2, ("HOUSEHOLD-COPY",)),
            (_i("ID-PHOTO", "證件照 ID photo", 150), 0.3, ("ID-REISSUE",)),
        ),
        twice=0.35,
    ),
}


def draw_basket(slug: str, rng: random.Random, low: int, high: int) -> tuple[str, int]:
    """A basket of shop ``slug`` whose total is within ``low`` .. ``high`` NT$: its item lines
    as text (``sku:quantity:unit_amount:name;…``) and its total in whole dollars."""
    menu = MENUS[slug]
    items, weights = [m for m, _ in menu.mains], [w for _, w in menu.mains]
    for _ in range(100):
        main = rng.choices(items, weights)[0]
        lines = [(main, 2 if rng.random() < menu.twice else 1)]
        for extra, chance, only in menu.extras:
            if (not only or main.sku in only) and rng.random() < chance:
                lines.append((extra, 1))
        total = sum(item.price * qty for item, qty in lines)
        if low <= total <= high:
            return ";".join(f"{item.sku}:{qty}:{item.price}:{item.name}" for item, qty in lines), total
    cheapest = min((m for m in items if low <= m.price <= high), key=lambda m: m.price)
    return f"{cheapest.sku}:1:{cheapest.price}:{cheapest.name}", cheapest.price
