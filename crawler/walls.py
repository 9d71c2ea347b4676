"""Recognise anti-bot walls (WAF challenges) so a portal is recorded as `blocked` — never evaded.

Signatures from portal-patterns.md §3 row 3:
  瑞数 (Riversecurity): HTTP 412 (sometimes 202/200) + `<meta … r='m'>` + inline `$_ts` script, cookie FSSBBIl1UgzbN7N…
  加速乐 (Jiasule):      HTTP 521 + `document.cookie=` script setting `__jsl_clearance(_s)`, cookie `__jsluid_s`
  创宇盾 and others:      HTTP 468 / 418 ("访问被拦截"), 405/422 on some hosts
  200-OK stubs:           ~1 KB body that is only a script (cookie-setting / self-reloading), no content
A JS *redirect* stub (`location.href="/col/col123/index.html"`) is not a wall: it names a target and sets no cookie;
discovery follows it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

WALL_STATUSES = {412, 521, 468, 418}
STUB_MAX_BYTES = 2500

_SIGNATURES = [
    ("ruishu_ts", re.compile(rb"\$_ts\s*=|\$_ts\.|\$_ts\[")),
    ("ruishu_meta_r_m", re.compile(rb"""<meta[^>]+\br\s*=\s*['"]?m['"]?""", re.I)),
    # the cookie name is often assembled from pieces: ('_')+('_jsl_clearance_s')
    ("jiasule_clearance", re.compile(rb"_jsl_clearance|__jsluid")),
    ("intercepted", re.compile("访问被拦截|请求被拦截|访问受限|安全验证|人机验证|waf".encode("utf-8"), re.I)),
    ("cookie_script", re.compile(rb"document\.cookie\s*=")),
    ("self_reload", re.compile(rb"location\.reload\s*\(|window\.location\s*=\s*window\.location|"
                               rb"location\.href\s*=\s*location\.href")),
]
_WALL_COOKIES = re.compile(r"FSSBBIl1UgzbN7N|__jsluid|__jsl_clearance|acw_tc|yunsuo_session", re.I)
_SCRIPT = re.compile(rb"<script\b.*?</script>", re.I | re.S)
_TAGS = re.compile(rb"<[^>]+>")


@dataclass(frozen=True)
class Wall:
    status: int
    signature: str
    size: int

    def evidence(self) -> dict:
        return {"status": self.status, "signature": self.signature, "body_size": self.size}


def _visible_text_len(body: bytes) -> int:
    text = _TAGS.sub(b"", _SCRIPT.sub(b"", body))
    return len(re.sub(rb"\s+", b"", text))


def detect(status: int, body: bytes, headers: dict[str, str] | None = None) -> Wall | None:
    """A Wall when the response is an anti-bot challenge, else None."""
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    found = [name for name, rx in _SIGNATURES if rx.search(body[:20000])]
    cookie = headers.get("set-cookie", "")
    if _WALL_COOKIES.search(cookie):
        found.append("wall_cookie")
    if status in WALL_STATUSES:
        return Wall(status, "+".join(found) or f"http_{status}", len(body))
    if status in (202, 403, 405, 422) and found:
        return Wall(status, "+".join(found), len(body))
    if status == 200 and len(body) <= STUB_MAX_BYTES and found:
        # Only-a-script page: cookie dance / $_ts / self reload, with (almost) no visible text.
        strong = {"ruishu_ts", "ruishu_meta_r_m", "jiasule_clearance", "cookie_script", "self_reload", "wall_cookie"}
        if strong.intersection(found) and _visible_text_len(body) < 200:
            return Wall(status, "+".join(found), len(body))
        if "intercepted" in found and _visible_text_len(body) < 200:
            return Wall(status, "+".join(found), len(body))
    return None
