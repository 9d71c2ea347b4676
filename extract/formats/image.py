"""Scanned pages and images → ParsedDocument, by OCR (rapidocr-onnxruntime; its ONNX models ship inside the
wheel, nothing is downloaded).

A page is OCR'd once. Tables are rebuilt from the ruling lines seen in the image (OpenCV morphology): the
line positions give the grid, and two neighbouring grid positions are one (merged) cell unless a line
separates them — the same rule as for PDF vector lines (grid.cells_from_separators). Each recognised text
box goes to the cell holding its centre; a box that straddles a column line (digits of adjacent cells read
as one) is re-read cell by cell. Every cell keeps the lowest confidence of its boxes (a low-scoring box is read
a second time to tell doubt about the value from doubt between look-alikes such as "0"/"O", see
`_second_reads`); a cell under LOW_CONFIDENCE, or an "empty" cell with ink in it, is counted in
meta["low_confidence_cells"].
Used for image files and, from pdf.py, for PDF pages without a text layer.
"""
from __future__ import annotations

import io
from functools import lru_cache

import numpy as np

from extract.formats import limits
from extract.formats.grid import (DocumentBuilder, GridCell, ProseItem, TableItem, cells_from_separators,
                                  clean_text, join_text, normalise_document)
from extract.model import ExtractError, ParsedDocument

LOW_CONFIDENCE = 0.8
# One ONNX thread per OCR: documents are parallel at the process level. On the shared 2-core machine the default
# thread pool spins against other work: a T3 page took 7 s wall / 7.4 s CPU with it, 4.2-5 s / 3.6-3.9 s with one.
OCR_THREADS = 1


@lru_cache(maxsize=1)
def engine():
    from rapidocr_onnxruntime import RapidOCR
    return RapidOCR(intra_op_num_threads=OCR_THREADS, inter_op_num_threads=OCR_THREADS)


def parse(data: bytes, hints: dict) -> ParsedDocument:
    from PIL import Image, UnidentifiedImageError

    limits.check_size(data, "image")
    deadline = limits.Deadline()
    Image.MAX_IMAGE_PIXELS = limits.MAX_IMAGE_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as im:
            frames = getattr(im, "n_frames", 1)
            if frames > limits.MAX_OCR_PAGES:
                raise ExtractError("too_large", f"the image has {frames} pages (limit {limits.MAX_OCR_PAGES})")
            pages = []
            for i in range(frames):
                im.seek(i)
                # Pillow only refuses images over twice its limit: check the header's size before decoding.
                if im.size[0] * im.size[1] > limits.MAX_IMAGE_PIXELS:
                    raise ExtractError("too_large", f"image page {i + 1} is {im.size[0]}x{im.size[1]} pixels "
                                                    f"(limit {limits.MAX_IMAGE_PIXELS})")
                im.load()
                pages.append(np.asarray(im.convert("L")))
    except Image.DecompressionBombError as exc:
        raise ExtractError("too_large", f"the image is too large: {exc}") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        kind = "truncated" if "truncated" in str(exc).lower() else "corrupt"
        raise ExtractError(kind, f"the image cannot be decoded: {exc}") from exc
    builder = DocumentBuilder()
    stats = {"cells": 0, "low_confidence_cells": 0}
    for number, gray in enumerate(pages, 1):
        deadline.check(f"image page {number}")
        limits.extend_budget(limits.OCR_PAGE_SECONDS, f"OCR of image page {number}")
        items, page_stats = ocr_page(gray, number, scale=1.0)
        builder.add_page(number, items)
        for k in stats:
            stats[k] += page_stats[k]
    meta = {"ocr": True, "pages": len(pages), "ocr_pages": list(range(1, len(pages) + 1)),
            "ocr_cells": stats["cells"], "low_confidence_cells": stats["low_confidence_cells"],
            "tables": len(builder.tables), "bbox_units": "pixels"}
    return normalise_document(ParsedDocument(builder.lines(), "image", meta))


def ocr_pdf_page(pdfium_doc, number: int, deadline: limits.Deadline):
    """OCR page `number` (1-based) of an open pypdfium2 document; bboxes come back in PDF points."""
    page = pdfium_doc[number - 1]
    scale = limits.OCR_DPI / 72
    w, h = page.get_size()
    if w * h * scale * scale > limits.MAX_IMAGE_PIXELS:
        scale = (limits.MAX_IMAGE_PIXELS / (w * h)) ** 0.5
    gray = np.asarray(page.render(scale=scale, grayscale=True).to_pil().convert("L"))
    page.close()
    deadline.check(f"OCR of page {number}")
    return ocr_page(gray, number, scale)


def ocr_page(gray: np.ndarray, number: int, scale: float):
    """Items (tables and prose lines) of one page image; coordinates divided by `scale`."""
    boxes = _recognise(gray)
    heights = sorted(b["bbox"][3] - b["bbox"][1] for b in boxes)
    text_height = heights[len(heights) // 2] if heights else 20.0
    tables = [_table_cells(region, hmask, vmask, text_height)
              for region, hmask, vmask in _table_regions(gray, text_height)]
    tables = [t for t in tables if t is not None]
    prose_boxes = []
    for box in boxes:
        x0, top, x1, bottom = box["bbox"]
        cx, cy = (x0 + x1) / 2, (top + bottom) / 2
        for cells in tables:
            hits = [c for c in cells if c.bbox[0] <= cx < c.bbox[2] and c.bbox[1] <= cy < c.bbox[3]]
            if hits or _inside(cells, cx, cy):
                spanned = [c for c in cells if _overlap_x(c.bbox, box["bbox"]) > 0.25 * (c.bbox[2] - c.bbox[0])
                           and c.bbox[1] <= cy < c.bbox[3]]
                if len(spanned) > 1:  # one box over several cells: read each cell on its own
                    for c in spanned:
                        c.extra.setdefault("boxes", []).extend(_reread(gray, c.bbox, box["bbox"]))
                elif hits:
                    hits[0].extra.setdefault("boxes", []).append(box)
                break
        else:
            prose_boxes.append(box)
    _second_reads(gray, [(c, b) for cells in tables for c in cells for b in c.extra.get("boxes", [])])
    stats = {"cells": 0, "low_confidence_cells": 0}
    items: list = []
    for cells in tables:
        for c in cells:
            found = c.extra.pop("boxes", [])
            c.text = join_text([" ".join(b["text"] for b in line) for line in _lines(found)])
            if found:
                c.confidence = round(min(b["score"] for b in found), 3)
            else:  # nothing read: really empty, or text the detector missed?
                c.confidence = 0.0 if _has_ink(gray, c.bbox) else 1.0
            stats["cells"] += 1
            if c.confidence < LOW_CONFIDENCE:
                stats["low_confidence_cells"] += 1
            c.bbox = tuple(v / scale for v in c.bbox)
        bbox = (min(c.bbox[0] for c in cells), min(c.bbox[1] for c in cells),
                max(c.bbox[2] for c in cells), max(c.bbox[3] for c in cells))
        items.append(TableItem(cells, number, bbox, tol=1.0))
    for line in _lines(prose_boxes):
        text = clean_text(" ".join(b["text"] for b in line))
        if text:
            box = (min(b["bbox"][0] for b in line) / scale, min(b["bbox"][1] for b in line) / scale,
                   max(b["bbox"][2] for b in line) / scale, max(b["bbox"][3] for b in line) / scale)
            items.append(ProseItem(text, number, box, confidence=round(min(b["score"] for b in line), 3)))
    return items, stats


def _recognise(gray: np.ndarray) -> list[dict]:
    result, _ = engine()(np.stack([gray] * 3, axis=-1))
    out = []
    for points, text, score in result or []:
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        out.append({"bbox": (min(xs), min(ys), max(xs), max(ys)), "text": text, "score": float(score)})
    return out


# ------------------------------------------------------------------------------------- confidence of a cell
# The recogniser's score of a box is the mean, over the characters read, of the winning class's probability.
# For a lone digit that is often 0.6-0.8 although the digit is right: the rest of the probability goes to
# "O" and "o", which are the same shape. A Latin letter is not a possible reading of a cell in these tables,
# so that doubt says nothing about the value. A low-scoring box in a table is therefore read a second time,
# from its own crop (padded, inside the cell's ruling lines), and its confidence becomes the lowest, over its
# characters, of the winner's probability among the possible readings (everything but Latin letters; a
# competing digit, a dash, "一" or the CTC blank — a dropped character — all still count against it). Only
# when both reads give the same text; otherwise the first score stays. A confident misreading that both reads
# share is beyond any OCR score: the table checks (row and column sums) are what catches it.

SECOND_READ_BATCH = 16  # crops per recogniser run (they are small: a batch costs about what one crop does)


def _second_reads(gray: np.ndarray, cell_boxes: list) -> None:
    """Re-score the low-scoring boxes of table cells (in place): when the second read gives the same text, the
    box's score becomes that read's value confidence (the first is kept as "first_score")."""
    todo = []
    for cell, box in cell_boxes:
        if box["score"] >= LOW_CONFIDENCE or not box["text"] or _impossible_chars() & set(box["text"]):
            continue
        crop = _crop(gray, cell.bbox, box["bbox"])
        if crop is not None:
            todo.append((box, crop))
    for (box, _), (text, confidences) in zip(todo, read_crops([crop for _, crop in todo])):
        if text == box["text"] and confidences:
            box["first_score"], box["score"] = box["score"], round(min(confidences), 3)


def _crop(gray: np.ndarray, cell_bbox, box_bbox, pad: int = 4):
    x0 = max(cell_bbox[0] + 3, box_bbox[0] - pad)
    top = max(cell_bbox[1] + 3, box_bbox[1] - pad)
    x1 = min(cell_bbox[2] - 3, box_bbox[2] + pad)
    bottom = min(cell_bbox[3] - 3, box_bbox[3] + pad)
    if x1 - x0 < 4 or bottom - top < 4:
        return None
    return gray[int(top):int(bottom), int(x0):int(x1)]


def read_crops(crops: list[np.ndarray]) -> list[tuple[str, list[float]]]:
    """Recognise text-line images: per crop (text, per character the winner's probability among the possible
    readings). Batched like RapidOCR's recogniser (sorted by width, padded to the widest of the batch)."""
    rec = engine().text_rec
    _, height, width = rec.rec_image_shape
    ratios = [crop.shape[1] / crop.shape[0] for crop in crops]
    order = sorted(range(len(crops)), key=lambda i: ratios[i])
    out: list = [None] * len(crops)
    for start in range(0, len(order), SECOND_READ_BATCH):
        batch = order[start:start + SECOND_READ_BATCH]
        widest = max([width / height] + [ratios[i] for i in batch])
        norm = np.stack([rec.resize_norm_img(np.stack([crops[i]] * 3, axis=-1), widest) for i in batch])
        probs = rec.session(norm.astype(np.float32))[0]  # (crops, time steps, classes), softmax
        for i, p in zip(batch, probs):
            out[i] = decode_ctc(p, rec.postprocess_op.character)
    return out


def decode_ctc(probs: np.ndarray, alphabet: list[str]) -> tuple[str, list[float]]:
    """Greedy CTC decoding (class 0 = blank; a repeated class is one character), as RapidOCR does it, plus a
    confidence per character: its probability over the probability of everything possible in a table cell."""
    impossible = _impossible_indices(tuple(alphabet))
    best = probs.argmax(axis=1)
    text, confidences = [], []
    prev = 0
    for t, k in enumerate(best):
        if k != 0 and k != prev:
            text.append(alphabet[k])
            possible = 1.0 - float(probs[t, impossible].sum())
            confidences.append(float(probs[t, k]) / max(possible, 1e-9))
        prev = k
    return "".join(text), confidences


@lru_cache(maxsize=1)
def _impossible_chars() -> frozenset[str]:
    latin = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    fullwidth = "".join(chr(ord(ch) - 0x21 + 0xFF21) if ch.isupper() else chr(ord(ch) - 0x61 + 0xFF41) for ch in latin)
    return frozenset(latin + fullwidth)


@lru_cache(maxsize=4)
def _impossible_indices(alphabet: tuple[str, ...]) -> np.ndarray:
    impossible = _impossible_chars()
    return np.array([i for i, ch in enumerate(alphabet) if ch in impossible], dtype=int)


def _reread(gray: np.ndarray, cell_bbox, box_bbox) -> list[dict]:
    x0, top = max(cell_bbox[0], box_bbox[0]) + 2, max(cell_bbox[1], box_bbox[1] - 2)
    x1, bottom = min(cell_bbox[2], box_bbox[2]) - 2, min(cell_bbox[3], box_bbox[3] + 2)
    if x1 - x0 < 4 or bottom - top < 4:
        return []
    crop = gray[int(top):int(bottom), int(x0):int(x1)]
    crop = np.pad(crop, 8, constant_values=255)
    result, _ = engine()(np.stack([crop] * 3, axis=-1), use_det=False, use_cls=False)
    out = []
    for text, score in result or []:
        if text.strip():
            out.append({"bbox": (x0, top, x1, bottom), "text": text.strip(), "score": float(score)})
    return out


def _lines(boxes: list[dict]) -> list[list[dict]]:
    """Group boxes into text lines (vertical overlap), lines top to bottom, boxes left to right."""
    lines: list[list[dict]] = []
    for b in sorted(boxes, key=lambda b: (b["bbox"][1] + b["bbox"][3]) / 2):
        if lines:
            last = lines[-1]
            top, bottom = min(x["bbox"][1] for x in last), max(x["bbox"][3] for x in last)
            overlap = min(bottom, b["bbox"][3]) - max(top, b["bbox"][1])
            if overlap > 0.5 * min(bottom - top, b["bbox"][3] - b["bbox"][1]):
                last.append(b)
                continue
        lines.append([b])
    return [sorted(line, key=lambda b: b["bbox"][0]) for line in lines]


def _overlap_x(a, b) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0]))


def _inside(cells, x, y) -> bool:
    return (min(c.bbox[0] for c in cells) <= x <= max(c.bbox[2] for c in cells)
            and min(c.bbox[1] for c in cells) <= y <= max(c.bbox[3] for c in cells))


def _has_ink(gray: np.ndarray, bbox) -> bool:
    x0, top, x1, bottom = (int(v) for v in bbox)
    inner = gray[top + 5:bottom - 4, x0 + 5:x1 - 4]
    return inner.size > 0 and float((inner < 128).mean()) > 0.01


# ------------------------------------------------------------------------------------------------ ruling lines
def _line_masks(gray: np.ndarray, text_height: float):
    """Masks of horizontal and vertical ruling lines: dark runs longer than any stroke of a character."""
    import cv2
    binary = cv2.adaptiveThreshold(255 - gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 15, -10)
    h, w = gray.shape
    hmask = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(w // 40, int(3 * text_height)), 1)))
    vmask = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, int(1.6 * text_height))))
    return hmask, vmask


def _table_regions(gray: np.ndarray, text_height: float):
    """(x0, top, x1, bottom) of each ruled table, with the line masks."""
    import cv2
    hmask, vmask = _line_masks(gray, text_height)
    grid = cv2.dilate(cv2.bitwise_or(hmask, vmask), np.ones((3, 3), np.uint8))
    n, _, stats, _ = cv2.connectedComponentsWithStats(grid)
    out = []
    for i in range(1, n):
        x, y, w, h, _area = stats[i]
        if w > 60 and h > 30:
            out.append(((x, y, x + w, y + h), hmask, vmask))
    return out


def _positions(profile: np.ndarray, offset: int, min_count: int) -> list[float]:
    """Centres of the runs where a line mask projection reaches `min_count` pixels."""
    idx = np.flatnonzero(profile >= min_count)
    if idx.size == 0:
        return []
    runs, start, prev = [], idx[0], idx[0]
    for i in idx[1:]:
        if i > prev + 2:
            runs.append((start + prev) / 2 + offset)
            start = i
        prev = i
    runs.append((start + prev) / 2 + offset)
    return runs


def _table_cells(region, hmask, vmask, text_height: float) -> list[GridCell] | None:
    x0, top, x1, bottom = region
    hsub, vsub = hmask[top:bottom, x0:x1] > 0, vmask[top:bottom, x0:x1] > 0
    xs = _positions(vsub.sum(axis=0), x0, int(1.6 * text_height))
    ys = _positions(hsub.sum(axis=1), top, int(3 * text_height))
    if len(xs) < 3 or len(ys) < 3:
        return None  # a frame or a rule, not a table

    def covered(mask, fixed, lo, hi, vertical) -> bool:
        lo, hi = int(lo + 0.25 * (hi - lo)), int(hi - 0.25 * (hi - lo))
        f = int(round(fixed))
        band = mask[lo:hi, max(0, f - 3):f + 4] if vertical else mask[max(0, f - 3):f + 4, lo:hi]
        if band.size == 0:
            return False
        hits = band.any(axis=1 if vertical else 0)
        return float(hits.mean()) > 0.6

    cells = cells_from_separators(
        xs, ys,
        lambda k, r: covered(vmask > 0, xs[k], ys[r], ys[r + 1], True),
        lambda k, c: covered(hmask > 0, ys[k], xs[c], xs[c + 1], False))
    return cells
