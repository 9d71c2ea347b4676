"""The portal registry: every county-level division, portals imported from CSV, `nianbao crawl --all`."""
import sqlite3

from crawler import registry
from nianbao import cli


def test_import_and_crawl_all_selects_only_portals_with_a_url(tmp_path, capsys):
    db = tmp_path / "archive.db"
    assert registry.registered_adcodes(db) == []
    assert cli.main(["crawl", "--all", "--db", str(db)]) == 2  # nothing registered: a clear error, no crawl
    assert "no portal with a URL" in capsys.readouterr().err
    csv = tmp_path / "portals.csv"
    csv.write_text("adcode,name,url\n630222,民和回族土族自治县,http://www.minhe.gov.cn/\n"
                   "620421,靖远县,http://www.jingyuan.gov.cn/\n", encoding="utf-8")
    assert cli.main(["portals", "import", str(csv), "--db", str(db)]) == 0
    assert registry.registered_adcodes(db) == ["620421", "630222"]
    fresh = tmp_path / "fresh.db"
    csv.write_text("adcode,name,url\n630222,民和回族土族自治县,http://www.minhe.gov.cn/\n", encoding="utf-8")
    assert cli.main(["portals", "import", str(csv), "--db", str(fresh)]) == 0
    # the portal seed 004 names (http://www.jingyuan.gov.cn/) is known without being imported
    assert registry.registered_adcodes(fresh) == ["620421", "630222"]
    conn = sqlite3.connect(db)
    total = conn.execute("SELECT COUNT(*) FROM portals").fetchone()[0]
    province = conn.execute("SELECT province, prefecture FROM portals WHERE adcode = '620421'").fetchone()
    assert total >= 2849  # every county-level division is in the registry, URL or not
    assert province == ("甘肃省", "白银市")


def test_extract_url_takes_the_region_hint_from_the_registered_portal(tmp_path, seeds_dir):
    """`nianbao extract URL`: the portal registered for the URL's host gives the region when the report names
    no place in its title (seed 001: 县政府办…; the body names 栾川)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    body = (seeds_dir / "001_759fee5d4dfad9d3.txt").read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        db = tmp_path / "archive.db"
        csv = tmp_path / "portals.csv"
        csv.write_text(f"adcode,name,url\n410324,栾川县,{base}/\n", encoding="utf-8")
        assert cli.main(["portals", "import", str(csv), "--db", str(db)]) == 0
        assert registry.adcode_for_url(db, base + "/nb/2022.txt") == "410324"
        assert registry.adcode_for_url(db, "http://elsewhere.example/x") is None
        assert cli.main(["extract", base + "/nb/2022.txt", "--db", str(db), "--allow-loopback"]) == 0
        row = sqlite3.connect(db).execute("SELECT region_code, region_source, url FROM reports").fetchone()
        assert row == ("410324", "hint", base + "/nb/2022.txt")
    finally:
        server.shutdown()
