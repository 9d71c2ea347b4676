"""What a county's 年报 column lists: reports of the government, its office, departments and townships, plus
noise (news, 图解, notices). Families decide URLs and markup; this module decides titles, dates and content.

Each report item records what it IS (year reported on, unit) — that is what the manifest publishes — and what
its page is made of (a seed's text reused, or a short page pointing at an attachment file).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from . import content


@dataclass(frozen=True)
class County:
    adcode: str
    name: str            # 民和回族土族自治县
    short: str           # 民和县 (how departments are prefixed)
    prefecture: str
    province_abbr: str   # ICP prefix: 青, 豫, 宁 ...
    departments: tuple[str, ...] = ("教育局", "财政局", "卫生健康局", "自然资源局")
    townships: tuple[str, ...] = ()

    @property
    def government(self) -> str:
        return f"{self.name}人民政府"


@dataclass
class Attachment:
    file: str                  # key of content.FILES
    name: str                  # display name (中文名.pdf)
    path: str = ""             # set by the family
    octet_stream: bool = False  # serve as application/octet-stream instead of the real type
    ident: str | int = ""       # family-specific id (gkmlpt attachment id, Epoint attachGuid)


@dataclass
class Item:
    key: str
    kind: str                  # report | news | graphic | notice
    title: str
    date: dt.date
    year: int | None = None    # year reported on (reports only)
    unit_kind: str | None = None   # government | office | department | township
    unit: str | None = None
    seed: str | None = None        # the genuine seed report this item is
    body_seed: str | None = None   # seed whose text fills the page (reused for non-seed items)
    attachments: list[Attachment] = field(default_factory=list)
    note: str | None = None
    path: str = ""                 # set by the family
    extra: dict = field(default_factory=dict)  # family-specific ids

    @property
    def is_report(self) -> bool:
        return self.kind == "report"

    def manifest_entry(self) -> dict:
        host = {"host": self.extra["host"]} if self.extra.get("host", "main") != "main" else {}
        # `listed`: the address the list gives when it is not where the page is served (a redirect in between)
        path = self.extra.get("listed") or self.path
        if not self.is_report:
            return {"path": path, "title": self.title, "kind": self.kind, **host}
        entry = {
            "path": path, "title": self.title, "year": self.year, "unit_kind": self.unit_kind,
            "unit": self.unit, "attachments": [a.path for a in self.attachments], "seed": self.seed,
            "content": {"html_from_seed": self.body_seed,
                        "files": [content.FILES[a.file][0] for a in self.attachments]},
            "published": self.date.isoformat(), **host,
        }
        if self.note:
            entry["note"] = self.note
        if "fetch" in self.extra:  # the request that really delivers the content (Epoint shells)
            entry["fetch"] = self.extra["fetch"]
        if self.extra.get("listed"):
            entry["served_at"] = self.path
        return entry


# Title forms seen on real lists (portal-patterns §2.2), picked by year so each column mixes them.
GOV_TITLES = (
    "{gov}{y}年政府信息公开工作年度报告",
    "{name}{y}年政府信息公开工作年度报告",
    "{name}{y}年度政府信息公开工作年度报告",
    "{name} {y} 年政府信息公开工作年度报告",
    "{name}{y}年政府信息公开年度报告",
)

# How non-seed report pages are made, in rotation: ("seed", n) reuses seed text n; ("file", key) is a short
# page with an attachment; ("both", n, key) is seed text plus an attachment.
RECIPES = (("seed", 0), ("file", "pdf"), ("seed", 1), ("file", "docx"), ("both", 2, "pdf"), ("seed", 3),
           ("file", "doc-html"), ("seed", 4))

SEED_IDS = list(content.SEEDS.values())


def report_date(year: int, unit_kind: str, i: int = 0) -> dt.date:
    """Publication date: departments/townships in Jan-Feb, the government by end of March (条例 art. 50)."""
    month, day = {"government": (3, 28), "office": (3, 15), "department": (1, 20), "township": (2, 10)}[unit_kind]
    return dt.date(year + 1, month, min(28, day + i))


def standard_items(county: County, *, gov_years, office_years=(), dept_years=(), town_years=(),
                   seed_item: Item | None = None, noise_years=(2022, 2023), recipe_offset: int = 0) -> list[Item]:
    """The column of one county, newest first. `seed_item` replaces the generated item with the same key."""
    items: list[Item] = []
    for y in gov_years:
        title = GOV_TITLES[y % len(GOV_TITLES)].format(gov=county.government, name=county.name, y=y)
        items.append(Item(f"gov-{y}", "report", title, report_date(y, "government"), y, "government",
                          county.government))
    for y in office_years:
        unit = f"{county.government}办公室"
        items.append(Item(f"office-{y}", "report", f"{unit}{y}年政府信息公开工作年度报告",
                          report_date(y, "office"), y, "office", unit))
    for i, dept in enumerate(county.departments):
        for y in dept_years:
            unit = f"{county.short}{dept}"
            items.append(Item(f"dept{i}-{y}", "report", f"{unit}{y}年政府信息公开工作年度报告",
                              report_date(y, "department", i), y, "department", unit))
    for i, town in enumerate(county.townships):
        for y in town_years:
            unit = f"{town}人民政府" if town.endswith(("镇", "乡")) else f"{town}办事处"
            title = f"{unit}{y}年政府信息公开工作年度报告" if i % 2 == 0 else f"{town}{y}年政府信息公开工作年报"
            items.append(Item(f"town{i}-{y}", "report", title, report_date(y, "township", i), y, "township", unit))
    for y in noise_years:
        items.append(Item(f"graphic-{y}", "graphic", f"一图读懂{county.name}{y}年政府信息公开工作年度报告",
                          report_date(y, "government") + dt.timedelta(days=1)))
        items.append(Item(f"meeting-{y}", "news", f"{county.short}召开{y}年度政务公开工作会议",
                          dt.date(y + 1, 2, 16)))
    if noise_years:
        y = max(noise_years)
        items.append(Item(f"notice-{y}", "notice",
                          f"关于做好{y}年政府信息公开工作年度报告编制发布工作的通知", dt.date(y + 1, 1, 5)))
    if seed_item is not None:
        items = [it for it in items if it.key != seed_item.key] + [seed_item]
    fill_content(items, recipe_offset)
    items.sort(key=lambda it: (it.date, it.key), reverse=True)
    return items


def fill_content(items: list[Item], offset: int = 0) -> None:
    """Give each non-seed report a recipe from RECIPES, in rotation."""
    n = offset
    for it in items:
        if not it.is_report or it.seed or it.body_seed or it.attachments:
            continue
        recipe = RECIPES[n % len(RECIPES)]
        n += 1
        if recipe[0] in ("seed", "both"):
            it.body_seed = SEED_IDS[recipe[1]]
        if recipe[0] in ("file", "both"):
            key = recipe[-1]
            ext = content.FILES[key][0].rsplit(".", 1)[1]
            it.attachments.append(Attachment(key, f"{it.title}.{ext}"))


def seed_report(key: str, seed: str, title: str, year: int, unit_kind: str, unit: str, date: dt.date,
                note: str | None = None) -> Item:
    return Item(key, "report", title, date, year, unit_kind, unit, seed=seed, body_seed=seed, note=note)
