"""HTTP plumbing shared by all sample portals: request/response objects, conditional GET, the page skeleton."""
from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import html
import json
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote_to_bytes

CST = dt.timezone(dt.timedelta(hours=8))


@dataclass
class Request:
    method: str
    path: str                 # path only, %-decoded as UTF-8
    query: str                # raw query string (undecoded)
    headers: dict[str, str]   # lower-case names
    body: bytes = b""
    host: str = "127.0.0.1"   # "127.0.0.1:PORT" as the client addressed us; used for absolute links
    vhost: str = "main"       # which of the portal's hosts was asked ("main", or a name in Portal.extra_hosts)

    @property
    def args(self) -> dict[str, str]:
        """Query parameters decoded as UTF-8 (invalid bytes become U+FFFD, never an exception)."""
        return {k: v[0] for k, v in parse_qs(self.query, keep_blank_values=True, errors="replace").items()}

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True).items()}

    def raw_arg(self, name: str) -> bytes | None:
        """A query parameter's raw bytes after %-decoding (to see which charset the client used)."""
        for part in self.query.split("&"):
            key, _, value = part.partition("=")
            if key == name:
                return unquote_to_bytes(value.replace("+", " "))
        return None

    @property
    def base(self) -> str:
        return f"http://{self.host}"


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    last_modified: dt.datetime | None = None
    cacheable: bool = True    # static resource: send ETag/Last-Modified and honour conditional GETs

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:20] + '"'


def html_response(text: str, *, charset: str = "utf-8", declared: str | None = None, header_charset: bool = True,
                  modified: dt.date | dt.datetime | None = None, status: int = 200) -> Response:
    """Encode `text` with `charset`; the Content-Type header names `declared` (default: charset) unless
    header_charset is False (then only the page's own <meta> says what it is)."""
    declared = declared or charset
    ctype = f"text/html; charset={declared}" if header_charset else "text/html"
    return Response(status=status, body=text.encode(charset), content_type=ctype, last_modified=as_datetime(modified))


def json_response(obj, status: int = 200) -> Response:
    """JSON gets an ETag (GET APIs can be revalidated) but no Last-Modified."""
    return Response(status=status, body=json.dumps(obj, ensure_ascii=False).encode("utf-8"),
                    content_type="application/json;charset=UTF-8")


def not_found(text: str = "404 Not Found") -> Response:
    return Response(status=404, body=f"<html><body><h1>{text}</h1></body></html>".encode(), cacheable=False)


def as_datetime(value: dt.date | dt.datetime | None) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime(value.year, value.month, value.day, 9, 30, tzinfo=CST)


def is_not_modified(req: Request, resp: Response) -> bool:
    """RFC 9110 §13.1: If-None-Match wins over If-Modified-Since."""
    inm = req.headers.get("if-none-match")
    if inm is not None:
        tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
        return "*" in tags or resp.etag in tags
    ims = req.headers.get("if-modified-since")
    if ims and resp.last_modified is not None:
        try:
            since = email.utils.parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        return resp.last_modified.replace(microsecond=0) <= since
    return False


def finalize(req: Request, resp: Response) -> Response:
    """Conditional GET on a portal's answer: 304 when the client's validators match, else the ETag added."""
    conditional = req.method in ("GET", "HEAD") and resp.status == 200 and resp.cacheable
    if conditional and is_not_modified(req, resp):
        return Response(status=304, body=b"", content_type=None, last_modified=resp.last_modified,
                        headers=[("ETag", resp.etag)], cacheable=False)
    if conditional:
        resp.headers.append(("ETag", resp.etag))
    return resp


def header_lines(resp: Response) -> list[tuple[str, str]]:
    """The response headers as sent (the status line and the blank line aside)."""
    out = []
    if resp.content_type:
        out.append(("Content-Type", resp.content_type))
    if resp.last_modified is not None and (resp.cacheable or resp.status == 304):
        out.append(("Last-Modified", http_date(resp.last_modified)))
    out += resp.headers
    if resp.status != 304:
        out.append(("Content-Length", str(len(resp.body))))
    return out


def http_date(value: dt.datetime) -> str:
    return email.utils.format_datetime(value.astimezone(dt.timezone.utc), usegmt=True)


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def page(title: str, body: str, *, site: "SiteInfo", charset: str = "utf-8", head: str = "") -> str:
    """Common page skeleton: header with the site name, body, footer with 网站标识码 and ICP (identity checks)."""
    return f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{esc(title)}</title>
<meta name="SiteName" content="{esc(site.name)}">
{head}
</head>
<body>
<div class="header"><a href="/">{esc(site.name)}</a></div>
{body}
<div class="footer">
<p>主办：{esc(site.host_unit)} 网站标识码：{site.site_code} <a href="https://beian.miit.gov.cn/">{site.icp}</a></p>
</div>
</body>
</html>
"""


@dataclass(frozen=True)
class SiteInfo:
    name: str        # "民和回族土族自治县人民政府"
    host_unit: str   # "民和回族土族自治县人民政府办公室"
    site_code: str   # 网站标识码 (10 chars, starting with the region code)
    icp: str         # "青ICP备05000123号"
