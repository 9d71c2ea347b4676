"""Report content served by the sample portals: the five seed reports and the bundled attachment files.

Everything here is read from this package (content/seeds/, content/html/, files/), never from /work/shared,
so the demo runs from a clone alone.

A seed report is served in two ways:
  * its own page (the genuine report on its county's portal): content/html/<seed>.html verbatim — the
    published-page renderings made by tests/fixtures/make_html.py, copied here (tests check the copies
    are current). Without that file, the text rendering below inside the family's page chrome.
  * reused text (other items of a column): the seed text wrapped line by line — lines holding tabs become
    <table> rows (one cell per tab-separated field; consecutive tab lines form one table), others <p>.
"""
from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SEED_DIR = PACKAGE_DIR / "content" / "seeds"
SEED_HTML_DIR = PACKAGE_DIR / "content" / "html"
FILES_DIR = PACKAGE_DIR / "files"

# seed id (file stem) -> short id used in titles/notes
SEEDS = {
    "000": "000_2a90619c97eddfaa",  # 民和回族土族自治县人民政府 2022
    "001": "001_759fee5d4dfad9d3",  # 栾川县 县政府办 2022
    "002": "002_17501a4b6fe8e48c",  # titled 贺兰县 2022, body about 灵武市 (traditional characters)
    "003": "003_0b45a7d4e00025aa",  # 湟中区 2023
    "004": "004_99a88681b58e46ea",  # 靖远县 2020 (old 2017-era table layout)
}


@dataclass(frozen=True)
class NumberEdit:
    """The one table number the "changed" variant alters: first `before` after `anchor` becomes `after`."""
    anchor: str
    before: str
    after: str


# Chosen by reading the seed texts: each anchor is a table row label, `before` the number in that row.
SEED_EDITS = {
    SEEDS["000"]: NumberEdit("行政许可", "4153", "4154"),
    SEEDS["001"]: NumberEdit("行政许可", "0", "1"),
    SEEDS["002"]: NumberEdit("行政許可", "6045", "6046"),
    SEEDS["003"]: NumberEdit("行政许可", "8771", "8772"),
    SEEDS["004"]: NumberEdit("行政许可", "3612", "3613"),
}

# Attachment files bundled in files/: key -> (file name, mime type)
FILES = {
    "pdf": ("hongze-2024.pdf", "application/pdf"),          # real published report (淮安市洪泽区 2024)
    "docx": ("township-report.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "doc-html": ("report-saved-as-html.doc", "application/msword"),  # named .doc, really (GBK) HTML
}


def seed_text(seed: str) -> str:
    return (SEED_DIR / f"{seed}.txt").read_text(encoding="utf-8")


def seed_title(seed: str) -> str:
    """First non-empty line of the seed text (its printed title, sometimes after the issuing office)."""
    lines = [ln.strip() for ln in seed_text(seed).splitlines() if ln.strip()]
    return next((ln for ln in lines if "报告" in ln or "報告" in ln), lines[0])


@functools.lru_cache(maxsize=None)
def seed_html(seed: str) -> str:
    """HTML fragment (no <html>/<body>) rendered from the seed text."""
    return text_to_html(seed_text(seed))


@dataclass(frozen=True)
class SeedPage:
    text: str
    codec: str               # how to encode text back to bytes
    declared: str | None     # charset named in the page's <meta>, if any


@functools.lru_cache(maxsize=None)
def seed_page(seed: str) -> SeedPage | None:
    """The published-page rendering of a seed, or None when content/html has none."""
    path = SEED_HTML_DIR / f"{seed}.html"
    if not path.exists():
        return None
    data = path.read_bytes()
    m = re.search(rb"""charset=["']?([\w-]+)""", data[:2048], re.I)
    declared = m.group(1).decode().lower() if m else None
    codec = "gb18030" if declared and declared.startswith("gb") else "utf-8"
    return SeedPage(data.decode(codec), codec, declared)


def seed_body(seed: str) -> str:
    """The article part of the seed's page (for JSON-delivered content), else the text rendering."""
    page = seed_page(seed)
    if page is None:
        return seed_html(seed)
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page.text, "lxml")
    node = soup.find(id="UCAP-CONTENT") or soup.find(id="zoom") or soup.find(class_="TRS_Editor") or soup.body
    return node.decode_contents() if node else page.text


def text_to_html(text: str) -> str:
    out: list[str] = []
    table: list[list[str]] = []

    def flush_table() -> None:
        if table:
            rows = "".join(
                "<tr>" + "".join(f"<td>{html.escape(c.strip())}</td>" for c in row) + "</tr>\n" for row in table)
            out.append(f'<table border="1" cellspacing="0" cellpadding="0">\n{rows}</table>')
            table.clear()

    for line in text.splitlines():
        if "\t" in line:
            table.append(line.split("\t"))
            continue
        if not line.strip():
            continue  # blank lines inside a table (seed 000) do not end it
        flush_table()
        escaped = html.escape(line.strip())
        escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)
        out.append(f"<p>{escaped}</p>")
    flush_table()
    return "\n".join(out)


def apply_edit(fragment: str, edit: NumberEdit) -> str:
    """Replace the first standalone `before` number found after `anchor` (raises if absent: a broken fixture)."""
    start = fragment.find(edit.anchor)
    if start < 0:
        raise ValueError(f"anchor {edit.anchor!r} not in report")
    number = re.compile(rf"(?<![\d.]){re.escape(edit.before)}(?![\d.])")
    # only text between tags counts (never an attribute such as style="padding:0cm")
    for text in re.compile(r"(?:^|>)([^<]*)").finditer(fragment, start):
        m = number.search(fragment, text.start(1), text.end(1))
        if m:
            return fragment[:m.start()] + edit.after + fragment[m.end():]
    raise ValueError(f"number {edit.before} not after {edit.anchor!r}")


@functools.lru_cache(maxsize=None)
def file_bytes(key: str) -> bytes:
    name, _ = FILES[key]
    return (FILES_DIR / name).read_bytes()


def file_mime(key: str) -> str:
    return FILES[key][1]


# --- generation of the small attachment files (run once; results are committed in files/) -------------------

DOCX_REPORT = {
    "title": "栾川县城关镇人民政府2022年政府信息公开工作年度报告",
    # (row label, 本年制发件数, 本年废止件数, 现行有效件数) — values chosen here, asserted by hand in tests
    "rows": [("规章", "0", "0", "0"), ("行政规范性文件", "2", "1", "9")],
    "licence_label": "行政许可", "licence": "316",
}

DOC_HTML_REPORT = {
    "title": "靖远县乌兰镇人民政府2020年政府信息公开工作年度报告",
    "licence_label": "行政许可", "licence": "57",
}


def make_docx(path: Path) -> None:
    import docx  # python-docx; only needed to regenerate the file

    d = docx.Document()
    d.add_heading(DOCX_REPORT["title"], level=1)
    d.add_paragraph("一、总体情况")
    d.add_paragraph("2022年，我镇认真贯彻落实《中华人民共和国政府信息公开条例》，持续推进政务公开工作。")
    d.add_paragraph("二、主动公开政府信息情况")
    t = d.add_table(rows=1, cols=4)
    t.style = "Table Grid"
    for cell, text in zip(t.rows[0].cells, ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]):
        cell.text = text
    for row in DOCX_REPORT["rows"]:
        cells = t.add_row().cells
        for cell, text in zip(cells, row):
            cell.text = text
    t2 = d.add_table(rows=2, cols=2)
    t2.style = "Table Grid"
    t2.rows[0].cells[0].text, t2.rows[0].cells[1].text = "信息内容", "本年处理决定数量"
    t2.rows[1].cells[0].text, t2.rows[1].cells[1].text = DOCX_REPORT["licence_label"], DOCX_REPORT["licence"]
    d.add_paragraph("三、收到和处理政府信息公开申请情况")
    d.add_paragraph("本年度未收到政府信息公开申请。")
    d.core_properties.title = DOCX_REPORT["title"]
    d.save(str(path))


def make_doc_html(path: Path) -> None:
    """A Word "save as web page" file with a .doc name: HTML, GBK-encoded, declared gb2312."""
    title = DOC_HTML_REPORT["title"]
    page = f"""<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns="http://www.w3.org/TR/REC-html40">
<head><meta http-equiv=Content-Type content="text/html; charset=gb2312"><meta name=ProgId content=Word.Document>
<meta name=Generator content="Microsoft Word 15"><title>{title}</title></head>
<body lang=ZH-CN style='tab-interval:21.0pt'><div class=WordSection1>
<p class=MsoNormal align=center style='text-align:center'><b><span style='font-size:16.0pt'>{title}</span></b></p>
<p class=MsoNormal>一、总体情况</p>
<p class=MsoNormal>2020年，我镇按照县政府统一部署，扎实推进政府信息公开工作。</p>
<p class=MsoNormal>二、主动公开政府信息情况</p>
<table class=MsoTableGrid border=1 cellspacing=0 cellpadding=0>
<tr><td><p class=MsoNormal>信息内容</p></td><td><p class=MsoNormal>本年处理决定数量</p></td></tr>
<tr><td><p class=MsoNormal>{DOC_HTML_REPORT["licence_label"]}</p></td><td><p class=MsoNormal>{DOC_HTML_REPORT["licence"]}</p></td></tr>
</table>
<p class=MsoNormal>三、收到和处理政府信息公开申请情况</p><p class=MsoNormal>本年度未收到政府信息公开申请。</p>
</div></body></html>
"""
    path.write_bytes(page.encode("gb18030"))


if __name__ == "__main__":  # python -m crawler.sample_portals.content  -> regenerate files/*.docx, *.doc
    make_docx(FILES_DIR / FILES["docx"][0])
    make_doc_html(FILES_DIR / FILES["doc-html"][0])
    print("wrote", FILES_DIR)
