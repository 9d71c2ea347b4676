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
