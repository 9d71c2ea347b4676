"""The portal registry: every county-level division, the bundled national list of portals (with provenance),
operators' imports that always win, refreshing from a newer list, `nianbao crawl --all`'s choice."""
import csv
import json
import sqlite3

from crawler import run
from nianbao import cli
from storage import Archive
from storage.registry import BUNDLED


def bundled_rows() -> dict[str, dict]:
    with open(BUNDLED, encoding="utf-8", newline="") as fh:
        return {r["adcode"]: r for r in csv.DictReader(fh)}


def test_a_fresh_install_knows_every_countys_portal(tmp_path, capsys):
    missing = tmp_path / "never-created.db"
    assert cli.main(["portals", "list", "--json", "--db", str(missing)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) >= 2800 and not missing.exists()  # listing never creates an archive
    by_code = {r["adcode"]: r for r in rows}
    # 靖远县 (seed 004 prints its portal in section 六): the bundled list has the same host
    assert by_code["620421"]["url"] == bundled_rows()["620421"]["url"]
    assert by_code["620421"]["source"] == "bundled:county-portals.csv"
    assert (by_code["620421"]["province"], by_code["620421"]["prefecture"]) == ("甘肃省", "白银市")
    gk = next(r for r in rows if r.get("gk_url"))
    assert gk["gk_kind"] in ("gk-entry", "policy-column")
    # --all on an archive that never imported anything: every bundled portal (chosen, not crawled here)
    assert len(run.chosen_adcodes(tmp_path / "a.db", everything=True)) >= 2800
    conn = sqlite3.connect(tmp_path / "a.db")
    assert conn.execute("SELECT COUNT(*) FROM portals").fetchone()[0] >= 2849  # with a URL or not


def test_an_import_wins_over_the_bundled_list_and_survives_a_refresh(tmp_path, capsys):
    db = tmp_path / "archive.db"
    mine = tmp_path / "portals.csv"
    mine.write_text("adcode,name,url\n630222,民和回族土族自治县,http://portal.example.test/minhe/\n", encoding="utf-8")
    assert cli.main(["portals", "import", str(mine), "--db", str(db)]) == 0
    # A newer national list: 民和's URL changed there too, and so did 靖远县's (which nobody imported).
    newer = tmp_path / "county-portals-2027.csv"
    rows = bundled_rows()
    rows["630222"]["url"] = "http://newer-list.example.test/minhe/"
    rows["620421"]["url"] = "http://newer-list.example.test/jingyuan/"
    with open(newer, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(next(iter(rows.values()))))
        w.writeheader()
        w.writerows(rows.values())
    assert cli.main(["portals", "refresh", str(newer), "--db", str(db)]) == 0
    assert "1 imported rows kept" in capsys.readouterr().out
    with Archive(db, readonly=True) as archive:
        got = archive.registry.rows_for(["630222", "620421"])
    assert (got["630222"]["url"], got["630222"]["source"]) == ("http://portal.example.test/minhe/", "portals.csv")
    assert (got["620421"]["url"], got["620421"]["source"]) == ("http://newer-list.example.test/jingyuan/",
                                                               "bundled:county-portals-2027.csv")
    # and the bundled list again: the import still stands
    assert cli.main(["portals", "refresh", "--db", str(db)]) == 0
    with Archive(db, readonly=True) as archive:
        assert archive.registry.rows_for(["630222"])["630222"]["url"] == "http://portal.example.test/minhe/"


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
        with Archive(db, readonly=True) as archive:
            assert archive.registry.adcode_for_url(base + "/nb/2022.txt") == "410324"
            assert archive.registry.adcode_for_url("http://elsewhere.example/x") is None
        assert cli.main(["extract", base + "/nb/2022.txt", "--db", str(db), "--allow-loopback"]) == 0
        row = sqlite3.connect(db).execute("SELECT region_code, region_source, url FROM reports").fetchone()
        assert row == ("410324", "hint", base + "/nb/2022.txt")
    finally:
        server.shutdown()
