"""Sites behind an anti-bot wall (portal-patterns §3 row 3): every path, robots.txt included, is the challenge.

Ruishu412: HTTP 412, ~1 KB body with <meta … r='m'>, an inline `$_ts` script and an external r='m' script;
    sets cookie FSSBBIl1UgzbN7N80S. (A browser would compute the …T cookie and reload; we never let anyone in.)
Jiasule521: HTTP 521 with a `document.cookie='__jsl_clearance_s=…'` + reload script; sets cookie __jsluid_s.
"""
from __future__ import annotations

import hashlib

from .portal import Portal
from .web import Request, Response


class Ruishu412(Portal):
    platform = "waf"
    expected_status = "blocked"
    column_path = None

    def assign_paths(self) -> None:
        pass

    def token(self, req: Request, n: int) -> str:
        seed = hashlib.sha256(f"{self.county.adcode}{req.path}".encode()).hexdigest()
        return (seed * (n // len(seed) + 1))[:n]

    def handle(self, req: Request) -> Response:
        cd = self.token(req, 600)
        body = ("<!DOCTYPE html><html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">"
                f"<meta content=\"{self.token(req, 160)}\" r='m'>"
                "<script type=\"text/javascript\" r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts=window['$_ts']={};"
                f"$_ts.nsd=43562;$_ts.cd=\"{cd}\";</script>"
                "<script type=\"text/javascript\" charset=\"utf-8\" src=\"/4QbVtADbnLVIc/d.FxJzG50F.dfe1675.js\" r='m'></script>"
                "</head><body></body></html>")
        cookie = f"FSSBBIl1UgzbN7N80S={self.token(req, 64)}; Path=/; expires=Tue, 01 Jan 2036 00:00:00 GMT; HttpOnly"
        return Response(status=412, body=body.encode(), content_type="text/html", cacheable=False,
                        headers=[("Set-Cookie", cookie)])

    def route(self, req: Request) -> Response | None:  # pragma: no cover - handle() answers everything
        return None

    def manifest_extra(self) -> dict:
        return {"wall": {"status": 412, "signature": "$_ts", "cookie": "FSSBBIl1UgzbN7N80S"}}


class Jiasule521(Ruishu412):
    def handle(self, req: Request) -> Response:
        clearance = f"1700000000.{self.token(req, 3)}|0|{self.token(req, 32)}"
        body = ("<html><body><script>document.cookie='__jsl_clearance_s=" + clearance +
                ";max-age=3600;path=/';location.href=location.pathname+location.search</script></body></html>")
        cookie = f"__jsluid_s={self.token(req, 32)}; max-age=31536000; path=/; HttpOnly"
        return Response(status=521, body=body.encode(), content_type="text/html", cacheable=False,
                        headers=[("Set-Cookie", cookie)])

    def manifest_extra(self) -> dict:
        return {"wall": {"status": 521, "signature": "__jsl_clearance_s", "cookie": "__jsluid_s"}}
