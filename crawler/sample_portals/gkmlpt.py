"""Guangdong 政府信息公开目录管理平台 gkmlpt (portal-patterns §1.4).

/gkmlpt/index embeds window._CONFIG = {SID, TREE:[{id,name,jump_url,children,post_count}]}; the 年报 category
is /gkmlpt/annualreport#<id>. The list is JSON only: GET /gkmlpt/api/all/{catId}?page={n}&sid={SID}, 100 per
page, page 0 == page 1, past the end -> empty articles. Details /gkmlpt/content/{a}/{bbbb}/post_{id}.html with the
8-label table and _CONFIG.DETAIL (content HTML escaped as \\u003C); attachments /attachment/0/x/y/z.pdf.
"""
from __future__ import annotations

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

    @property
    def column_path(self) -> str:
        return f"/gkmlpt/annualreport#{self.cat_id}"

    def assign_paths(self) -> None:
        for n, it in enumerate(self.items):
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
                    f'{self.config_script()}<script src="/gkmlpt/static/js/app.js"></script>')
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
        rows = self.items[(page - 1) * PER_PAGE: page * PER_PAGE]
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
                "per_page": PER_PAGE}
