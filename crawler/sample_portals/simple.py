"""What the smaller sample families share: a plain article page (title, date, body, attachment links)."""
from __future__ import annotations

from .catalog import Item
from .portal import Portal
from .web import Response, esc


class ArticleSite(Portal):
    article_class = "article"

    def article_links(self, item: Item) -> str:
        return "".join(f'<p><a href="{esc(self.attachment_href(item, a))}">{esc(a.name)}</a></p>'
                       for a in item.attachments)

    def attachment_href(self, item: Item, att) -> str:
        return att.path

    def article(self, item: Item) -> Response:
        links = self.article_links(item)
        body = f"""<div class="{self.article_class}"><h1>{esc(item.title)}</h1>
<div class="info">发布日期：{item.date:%Y-%m-%d} 来源：{esc(self.site.host_unit)}</div>
<div class="content">{self.body_html(item)}</div>
{f'<div class="attach">附件：{links}</div>' if links else ''}</div>"""
        return self.html(f"{item.title}_{self.site.name}", body, modified=self.item_modified(item))
