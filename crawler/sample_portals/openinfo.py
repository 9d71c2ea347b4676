"""A 信息公开 platform whose 年报 are kept per unit and selected by query string, not by a column (spec-variants
"Other county CMSs": `openInfo.action?depCode=<code>&menuCat=219`, Jieyang; `spage.xp?…&unitid=…&frame=nb`, Hefei).

/openInfo/index.action lists the units (`openInfo.action?depCode=…`, one per unit); a unit's page has a menu
(机构信息 menuCat=101, 政府信息公开指南 102, 政府信息公开年报 219); the 年报 menu lists that unit's reports
(`pubnewsDetail.action?newsId=N`). Nothing links a unit's reports but its own 年报 menu."""
from __future__ import annotations

from .catalog import Item
from .simple import ArticleSite
from .web import Request, Response, esc

BASE = "/openInfo/"


class OpenInfo(ArticleSite):
    platform = "openinfo"
    column_path = BASE + "index.action"
    first_news_id = 870112

    def assign_paths(self) -> None:
        units = sorted({it.unit for it in self.all_items if it.unit})
        self.units = {f"{101 + 3 * n:04d}": unit for n, unit in enumerate(units)}
        self.code_of = {unit: code for code, unit in self.units.items()}
        gov = self.county.government
        for n, it in enumerate(self.all_items):
            it.extra["id"] = self.first_news_id - 17 * n
            it.extra["unit_code"] = self.code_of.get(it.unit or gov) or self.code_of.get(gov) or next(iter(self.units))
            it.path = f"{BASE}pubnewsDetail.action?newsId={it.extra['id']}"
            for k, att in enumerate(it.attachments):
                att.path = f"/uploadfile/{it.date:%Y%m}/{it.extra['id']}_{k}.{att.name.rsplit('.', 1)[1]}"

    def route(self, req: Request) -> Response | None:
        p, args = req.path, req.args
        if p in ("/", "/index.html"):
            return self.nav_page(self.site.name, [("/xwzx/index.html", "新闻中心"), (self.column_path, "政府信息公开")])
        if p == self.column_path:
            links = [(f"{BASE}openInfo.action?depCode={code}", unit) for code, unit in self.units.items()]
            return self.nav_page("政府信息公开", links, intro="<p>请选择信息公开单位：</p>")
        if p == BASE + "openInfo.action":
            code = args.get("depCode")
            if code not in self.units:
                return None
            menu = args.get("menuCat")
            if menu == "219":
                return self.unit_list(code)
            if menu in ("101", "102"):
                return self.html(f"{self.units[code]}_{self.site.name}", f"<p>{esc(self.units[code])}</p>")
            base = f"{BASE}openInfo.action?depCode={code}"
            return self.nav_page(self.units[code], [(f"{base}&menuCat=101", "机构信息"),
                                                    (f"{base}&menuCat=102", "政府信息公开指南"),
                                                    (f"{base}&menuCat=219", "政府信息公开年报")])
        key = f"{p}?{req.query}" if p == BASE + "pubnewsDetail.action" else p
        return self.item_or_file(key)

    def unit_list(self, code: str) -> Response:
        items: list[Item] = [it for it in self.items if it.extra["unit_code"] == code]
        rows = "".join(f'<li><a href="{esc(it.path)}" title="{esc(it.title)}">{esc(it.title)}</a>'
                       f'<span>{it.date:%Y-%m-%d}</span></li>' for it in items)
        return self.html(f"政府信息公开年报_{self.units[code]}", f'<h2>{esc(self.units[code])} 政府信息公开年报</h2>'
                         f'<ul class="newslist">{rows or "<li>暂无信息</li>"}</ul>')

    def manifest_extra(self) -> dict:
        return {"units": self.units, "unit_reports": "openInfo.action?depCode=<code>&menuCat=219"}
