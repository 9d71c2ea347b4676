"""Guangdong 政府信息公开目录管理平台 gkmlpt (portal-patterns §1.4).

/gkmlpt/index embeds window._CONFIG = {SID, TREE:[{id,name,jump_url,children,post_count}]}; the 年报 category
is /gkmlpt/annualreport#<id>. The list is JSON only: GET /gkmlpt/api/all/{catId}?page={n}&sid={SID}, 100 per
page, page 0 == page 1, past the end -> empty articles. Details /gkmlpt/content/{a}/{bbbb}/post_{id}.html with the
8-label table and _CONFIG.DETAIL (content HTML escaped as \\u003C); attachments /attachment/0/x/y/z.pdf.
"""
from __future__ import annotations

import datetime as dt
import json

from .catalog import Item
from .portal import Portal
from .web import Request, Response, esc, json_response

PER_PAGE = 100


class Gkmlpt(Portal):
    platform = "gkmlpt"
    sid = "757012"
    cat_id = 3571
    first_post_id = 5627112
    per_page = PER_PAGE

    @property
    def column_path(self) -> str:
        return f"/gkmlpt/annualreport#{self.cat_id}"

    def assign_paths(self) -> None:
        for n, it in enumerate(self.all_items):
            pid = self.first_post_id - 1931 * n
            it.extra["id"] = pid
            it.path = f"/gkmlpt/content/{pid // 1000000}/{pid // 1000}/post_{pid}.html"
            for k, att in enumerate(it.attachments):
                aid = 963149 + 31 * n + k
                ext = att.name.rsplit(".", 1)[1]
                att.path = f"/attachment/0/{aid // 10000}/{aid // 10}/{aid}.{ext}"
                att.ident = aid

    def tree(self) -> list[dict]:
        return [
            {"id": 3560, "name": "政策文件", "jump_url": "", "post_count": 412, "children": [
                {"id": 3561, "name": "规范性文件", "jump_url": "", "post_count": 96, "children": []}]},
            {"id": 3570, "name": "政府信息公开指南", "jump_url": "/gkmlpt/guide", "post_count": 1, "children": []},
            {"id": self.cat_id, "name": "政府信息公开年报", "jump_url": "/gkmlpt/annualreport",
             "post_count": len(self.items), "children": []},
        ]

    def config_script(self, extra: dict | None = None) -> str:
        cfg = {"SID": self.sid, "TREE": self.tree(), "SERVICE_AREA_ID": int(self.county.adcode),
               "SITE_NAME": self.site.name, **(extra or {})}
        return f"<script>window._CONFIG = {json.dumps(cfg, ensure_ascii=False)};</script>"

    def route(self, req: Request) -> Response | None:
        p = req.path
        if p in ("/", "/index.html"):
            return self.nav_page(self.site.name, [("/zwgk/index.html", "政务公开"), ("/gkmlpt/index", "政府信息公开")])
        if p == "/zwgk/index.html":
            return self.nav_page("政务公开", [("/gkmlpt/index", "政府信息公开目录"), ("/gkmlpt/annualreport", "政府信息公开年报")])
        if p in ("/gkmlpt/index", "/gkmlpt/annualreport"):
            # the SPA shell: only _CONFIG and a <noscript> link tell where things are
            body = (f'<div id="app"></div><noscript><a href="/gkmlpt/annualreport#{self.cat_id}">政府信息公开年报</a></noscript>'
                    f'{self.config_script()}<script src="/gkmlpt/static/js/app.js"></script>{self.index_extra()}')
            return self.html(f"政府信息公开_{self.site.name}", body)
        if p.startswith("/gkmlpt/api/all/"):
            return self.api(req, p[len("/gkmlpt/api/all/"):])
        if p in self.files:
            item, att = self.files[p]
            return self.serve_file(item, att, disposition="rfc5987")
        item = self.by_path.get(p)
        if item is not None and not self.is_removed(item):
            return self.detail(item)
        return None

    def index_extra(self) -> str:
        return ""

    def article_json(self, it: Item, req: Request) -> dict:
        return {
            "id": it.extra["id"], "title": it.title, "url": f"{req.base}{it.path}", "post_url": it.path,
            "created_at": f"{it.date:%Y-%m-%d} 09:30:00", "display_publish_time": int(self.item_modified(it).timestamp()),
            "date": f"{it.date:%Y-%m-%d}", "identifier": self.identifier(it), "publisher": self.site.name,
            "document_number": "", "keywords": "年报", "abstract": "", "classify_main_name": "政府信息公开年报",
            "classify_genre_name": "其他", "classify_theme_name": "综合政务", "is_expired": 0, "is_abolished": 0,
            "attachment": [{"id": a.ident, "name": a.name, "type": a.name.rsplit(".", 1)[1],
                            "mime": "application/octet-stream", "size": 0, "url": f"{req.base}{a.path}"}
                           for a in it.attachments],
        }

    def identifier(self, it: Item) -> str:
        return f"11440607MB2D{int(self.county.adcode) % 1000:03d}/{it.date.year}-{it.extra['id'] % 100000:05d}"

    def api(self, req: Request, cat: str) -> Response:
        if cat != str(self.cat_id) or req.args.get("sid") != self.sid:
            return json_response({"classify": {"post_count": 0}, "articles": [], "total": 0})
        try:
            page = max(int(req.args.get("page", "1")), 1)  # page 0 is page 1
        except ValueError:
            page = 1
        rows = self.items[(page - 1) * self.per_page: page * self.per_page]
        return json_response({"classify": {"id": self.cat_id, "name": "政府信息公开年报", "post_count": len(self.items)},
                              "articles": [self.article_json(it, req) for it in rows], "total": len(self.items)})

    def detail(self, it: Item) -> Response:
        content_html = self.body_html(it)
        links = "".join(f'<p><a class="nfw-cms-attachment" href="{esc(a.path)}">{esc(a.name)}</a></p>' for a in it.attachments)
        labels = [("索引号", self.identifier(it)), ("分类", "政府信息公开年报"), ("发布机构", self.site.name),
                  ("成文日期", f"{it.date:%Y-%m-%d}"), ("名称", it.title), ("文号", ""),
                  ("发布日期", f"{it.date:%Y-%m-%d}"), ("主题词", "")]
        table = "".join(f"<tr><th>{k}：</th><td>{esc(v)}</td></tr>" for k, v in labels)
        detail = {"id": it.extra["id"], "title": it.title, "content": content_html + links}
        # json.dumps escapes nothing by default; the real pages escape < > as \u003C \u003E
        detail_js = json.dumps(detail, ensure_ascii=False).replace("<", "\\u003C").replace(">", "\\u003E")
        body = f"""<div class="classify"><table class="table-info">{table}</table></div>
<div class="article"><h1 class="title">{esc(it.title)}</h1>
<div class="article-content">{content_html}</div>
<div class="attachments">{links}</div></div>
<script>window._CONFIG = window._CONFIG || {{}}; window._CONFIG.DETAIL = {detail_js};</script>"""
        return self.html(f"{it.title}_{self.site.name}", body, modified=self.item_modified(it))

    def manifest_extra(self) -> dict:
        return {"sid": self.sid, "category_id": self.cat_id, "api": f"/gkmlpt/api/all/{self.cat_id}?page={{n}}&sid={self.sid}",
                "per_page": self.per_page}


class GkmlptOnTrs(Gkmlpt):
    """gkmlpt mounted on a host whose homepage and other pages are TRS (spec-variants "Guangdong gkmlpt"): the
    platform is recognised per page, not from the homepage. Also: 9 articles per API page (not 100), some
    articles dated only by `create_time` (epoch seconds), and a department sub-site under a path prefix with its
    own small sid, category and attachments (`/sshjj/gkmlpt/…`, `/sshjj/attachment/…`)."""
    platform = "gkmlpt-trs"
    sid = "441284"
    cat_id = 2629
    first_post_id = 4318870
    per_page = 9
    sub, sub_sid, sub_cat, sub_name = "sshjj", "175", 721, "生态环境局"

    def is_sub(self, it: Item) -> bool:
        return it.unit == f"{self.county.short}{self.sub_name}"

    def assign_paths(self) -> None:
        super().assign_paths()
        for it in self.all_items:
            if self.is_sub(it):
                it.path = f"/{self.sub}{it.path}"
                for att in it.attachments:
                    att.path = f"/{self.sub}{att.path}"

    @property
    def main_items(self) -> list[Item]:
        return [it for it in self.items if not self.is_sub(it)]

    def route(self, req: Request) -> Response | None:
        p = req.path
        if p in ("/", "/index.html"):
            return self.trs_page(self.site.name, [("/xwzx/index.html", "新闻中心"), ("/zwgk/index.html", "政务公开")])
        if p == "/zwgk/index.html":
            return self.trs_page("政务公开", [("/gkmlpt/index", "政府信息公开"), ("/zwgk/zcjd/index.html", "政策解读")])
        prefix = f"/{self.sub}"
        if p == f"{prefix}/gkmlpt/index":
            cfg = {"SID": self.sub_sid, "TREE": [{"id": self.sub_cat, "name": "政府信息公开年报", "jump_url": "",
                                                  "post_count": len(self.sub_items()), "children": []}]}
            body = (f'<div id="app"></div><script>window._CONFIG = {json.dumps(cfg, ensure_ascii=False)};</script>'
                    f'<script src="{prefix}/gkmlpt/static/js/app.js"></script>')
            return self.html(f"{self.county.short}{self.sub_name}信息公开_{self.site.name}", body)
        if p.startswith(f"{prefix}/gkmlpt/api/all/"):
            if p != f"{prefix}/gkmlpt/api/all/{self.sub_cat}" or req.args.get("sid") != self.sub_sid:
                return json_response({"classify": {"post_count": 0}, "articles": [], "total": 0})
            rows = self.sub_items()
            return json_response({"classify": {"id": self.sub_cat, "post_count": len(rows)},
                                  "articles": [self.article_json(it, req) for it in rows], "total": len(rows)})
        return super().route(req)

    def sub_items(self) -> list[Item]:
        return [it for it in self.items if self.is_sub(it)]

    def trs_page(self, title: str, links: list[tuple[str, str]]) -> Response:
        lis = "".join(f'<li><a href="{esc(h)}">{esc(t)}</a></li>' for h, t in links)
        body = (f'<div class="position">当前位置：<a href="/" class="CurrChnlCls">首页</a></div><ul class="nav">{lis}</ul>'
                f'<div class="TRS_Editor"><p>{esc(title)}</p></div>')
        return self.html(f"{title}_{self.site.name}", body)

    def config_script(self, extra: dict | None = None) -> str:
        cfg = {"SID": self.sid, "TREE": self.tree(), "SITE_NAME": self.site.name, **(extra or {})}
        return f"<script>window._CONFIG = {json.dumps(cfg, ensure_ascii=False)};</script>"

    def tree(self) -> list[dict]:
        # name before id: the node is found by reading the object, not by the order of its keys
        return [{"name": "政府信息公开指南", "id": 2601, "children": []},
                {"name": "政府信息公开年报", "id": self.cat_id, "post_count": len(self.main_items), "children": []}]

    def index_extra(self) -> str:
        return f'<p><a href="/{self.sub}/gkmlpt/index">{self.sub_name}信息公开</a></p>'

    def api(self, req: Request, cat: str) -> Response:
        if cat != str(self.cat_id) or req.args.get("sid") != self.sid:
            return json_response({"classify": {"post_count": 0}, "articles": [], "total": 0})
        try:
            page = max(int(req.args.get("page", "1")), 1)
        except ValueError:
            page = 1
        items = self.main_items
        rows = items[(page - 1) * self.per_page: page * self.per_page]
        return json_response({"classify": {"id": self.cat_id, "post_count": len(items)},
                              "articles": [self.article_json(it, req) for it in rows], "total": len(items)})

    def article_json(self, it: Item, req: Request) -> dict:
        data = super().article_json(it, req)
        if it.extra["id"] % 2:  # dated only by create_time (epoch seconds)
            for key in ("created_at", "display_publish_time", "date"):
                data.pop(key)
            data["create_time"] = int(dt.datetime(it.date.year, it.date.month, it.date.day, 9, 30,
                                                  tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp())
        return data

    def manifest_extra(self) -> dict:
        return {**super().manifest_extra(), "sub_site": {"prefix": f"/{self.sub}", "sid": self.sub_sid,
                                                          "category_id": self.sub_cat}}
