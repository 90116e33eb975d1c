#!/usr/bin/python3
"""OCR accuracy and speed benchmark (issue 14; results in BENCHMARKS.md).

Renders marked and unmarked first pages — the PDF fixtures of tests/fixtures/office and,
when ../shared/corpora/gongwen is present, its 公文 samples (rendered here, never copied
into the repository) — as scans: 100/150/200/300 dpi, gray PNG, JPEG at quality 30/60/90,
±2° rotation (JPEG 75), bitonal CCITT G4; wraps each as an image-only PDF (img2pdf) and
runs `mark-lint check --system unclassified --format json` on it, one document per run.
A mark counts as found when ML301 names the right level and term; a false mark is any
ML301 on an unmarked page. Wall time is per document (one process, OCR included).

    nice /usr/bin/python3 scripts/ocr-bench.py [--bin target/release/mark-lint]
        [--dpi 150,200] [--prepare full|scale|none] [--jobs 1]
        [--psm 6] [--min-confidence 60] [--pages 1]

--psm and --min-confidence try other Tesseract segmentation modes and confidence
thresholds (MARK_LINT_OCR_PSM, MARK_LINT_OCR_MIN_CONFIDENCE: benchmark hooks, not
settings). --pages N makes each document N pages: the page under test, then N-1
unmarked pages (misplaced-page2.pdf page 1 in the same scan form), so the 附件 look
at pages 2..N is timed; none of those pages starts an attachment. --attachment (with
--pages 3 or more) makes page 3 an attachment's first page in the same scan form
(drawn by tests/fixtures/scans/make_scans.py: 附件, then 机密★10年, title and body):
its mark must be found too (ML301 naming 机密 10年), and only the two expected marks
count as true.

Needs poppler-utils, img2pdf (python3-img2pdf), Pillow (python3-pil), LibreOffice for
the .docx samples, and Tesseract with chi_sim. Not a test: numbers depend on the machine.
"""

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import img2pdf
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
OFFICE = ROOT / "tests" / "fixtures" / "office" / "pdf"
GONGWEN = ROOT.parent / "shared" / "corpora" / "gongwen"

# (name, source file, page, expected (level, term) or None)
SOURCES = [
    ("fixture page1", OFFICE / "page1.pdf", 1, ("秘密", "5年")),
    ("fixture header", OFFICE / "header.pdf", 1, ("机密", "10年")),
    ("fixture unmarked", OFFICE / "misplaced-page2.pdf", 1, None),
    ("fixture two-pages p1", OFFICE / "two-pages.pdf", 1, None),
    ("gongwen LaTeX main.pdf", GONGWEN / "zy19970__Latex-for-GB-T-9704-2012" / "main.pdf", 1, ("机密", "1年")),
    ("gongwen exam firstpage", GONGWEN / "xkwxdyy__exam-zh" / "doc" / "figures" / "firstpage.pdf", 1, ("绝密", "启用前")),
    ("gongwen standard.docx", GONGWEN / "kamisky__GB-T-9704-2012-gongwen-format" / "samples" / "公文样例_standard.docx", 1, ("秘密", "1年")),
    ("gongwen letter.docx", GONGWEN / "kamisky__GB-T-9704-2012-gongwen-format" / "samples" / "公文样例_letter.docx", 1, None),
    ("gongwen order.docx", GONGWEN / "kamisky__GB-T-9704-2012-gongwen-format" / "samples" / "公文样例_order.docx", 1, None),
    ("gongwen GovDoc 397.pdf", GONGWEN / "RuilinXu__GovDoc-CN" / "GovDoc-CN_Sample" / "397" / "397.pdf", 1, None),
]


def as_pdf(src, tmp):
    if src.suffix == ".pdf":
        return src
    out = Path(tmp) / (src.stem + ".pdf")
    if not out.exists():
        subprocess.run(
            ["soffice", "-env:UserInstallation=file:///tmp/lo-ocr-profile", "--headless",
             "--convert-to", "pdf", "--outdir", tmp, str(src)],
            check=True, capture_output=True,
        )
    return out


def render(pdf, page, dpi, tmp):
    stem = Path(tmp) / "r"
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-gray", "-png", "-singlefile", str(pdf), str(stem)],
        check=True,
    )
    return Image.open(str(stem) + ".png").convert("L")


def save(img, fmt, dpi, **kw):
    b = io.BytesIO()
    img.save(b, fmt, dpi=(dpi, dpi), **kw)
    return b.getvalue()


def variants(img, dpi):
    yield "gray PNG", save(img, "PNG", dpi)
    for q in (30, 60, 90):
        yield f"JPEG q{q}", save(img, "JPEG", dpi, quality=q)
    for a in (-2, 2):
        rot = img.rotate(a, resample=Image.BICUBIC, fillcolor=255)
        yield f"rotated {a:+d}°", save(rot, "JPEG", dpi, quality=75)
    bw = img.point(lambda p: 255 if p > 128 else 0).convert("1")
    yield "bitonal G4", save(bw, "TIFF", dpi, compression="group4")


def lint(binary, pdf_bytes, env):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf_bytes)
        f.flush()
        start = time.monotonic()
        out = subprocess.run(
            [binary, "check", "--today", "2026-11-27", "--system", "unclassified", "--format", "json", f.name],
            capture_output=True, env=env,
        )
        took = time.monotonic() - start
    report = json.loads(out.stdout or b"{}")
    return report.get("diagnostics", []), took


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(ROOT / "target" / "release" / "mark-lint"))
    ap.add_argument("--dpi", default="100,150,200,300")
    ap.add_argument("--prepare", default="full")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--psm", default="6")
    ap.add_argument("--min-confidence", default="60")
    ap.add_argument("--pages", type=int, default=1)
    ap.add_argument("--attachment", action="store_true")
    args = ap.parse_args()
    if args.attachment and args.pages < 3:
        ap.error("--attachment needs --pages 3 or more")
    attached = None
    if args.attachment:
        sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "scans"))
        import make_scans
        attached = make_scans.ATTACHED[2]
    env = dict(os.environ, MARK_LINT_OCR_PREPARE=args.prepare, MARK_LINT_OCR_PSM=args.psm,
               MARK_LINT_OCR_MIN_CONFIDENCE=args.min_confidence)
    a4 = (img2pdf.mm_to_pt(210), img2pdf.mm_to_pt(297))
    cases = []
    with tempfile.TemporaryDirectory(prefix="mark-lint-bench-") as tmp:
        for name, src, page, want in SOURCES:
            if not src.exists():
                print(f"skipped (absent): {name}", file=sys.stderr)
                continue
            pdf = as_pdf(src, tmp)
            for dpi in map(int, args.dpi.split(",")):
                img = render(pdf, page, dpi, tmp)
                filler = dict(variants(render(OFFICE / "misplaced-page2.pdf", 1, dpi, tmp), dpi))
                annex = dict(variants(make_scans.drawn(attached, dpi), dpi)) if attached else {}
                for variant, data in variants(img, dpi):
                    pages = [data] + [filler[variant]] * (args.pages - 1)
                    if attached:
                        pages[2] = annex[variant]
                    doc = img2pdf.convert(pages, layout_fun=img2pdf.get_layout_fun(a4), nodate=True)
                    cases.append((name, dpi, variant, want, doc))
        def run(case):
            name, dpi, variant, want, doc = case
            diags, took = lint(args.bin, doc, env)
            marks = [(d["mark"]["level"], d["mark"]["term"]) for d in diags if d["code"] == "ML301" and d.get("mark")]
            unsure = any(d["code"] == "ML900" for d in diags)
            return name, dpi, variant, want, marks, unsure, took
        with ThreadPoolExecutor(args.jobs) as pool:
            results = list(pool.map(run, cases))
    table = {}
    times = []
    annex_mark = ("机密", "10年")
    for name, dpi, variant, want, marks, unsure, took in results:
        times.append(took)
        key = (dpi, variant)
        row = table.setdefault(key, [0, 0, 0, 0, 0, 0])  # found, marked, false, unmarked, ml900, attachments found
        expected = {tuple(want)} if want else set()
        if attached:
            expected.add(annex_mark)
            row[5] += int(annex_mark in marks)
        others = [m for m in marks if m not in expected]
        if want:
            row[1] += 1
            row[0] += int(tuple(want) in marks)
        else:
            row[3] += 1
            row[2] += int(bool(others))
        row[4] += int(unsure)
        ok = expected <= set(marks) and not others
        status = "ok" if ok else "FALSE" if others else "MISS"
        print(f"{status:5} {dpi:3} {variant:12} {name:26} want={want} got={marks} ml900={unsure} {took:.2f}s", file=sys.stderr)
    extra = " attachment marks found |" if attached else ""
    print(f"| dpi | scan | marks found | false marks | ML900 (unsure) |{extra}")
    print(f"|---|---|---|---|---|{'---|' if attached else ''}")
    for (dpi, variant), (found, marked, false, unmarked, ml900, annexes) in sorted(table.items()):
        cell = f" {annexes}/{marked + unmarked} |" if attached else ""
        print(f"| {dpi} | {variant} | {found}/{marked} | {false}/{unmarked} | {ml900} |{cell}")
    times.sort()
    n = len(times)
    print(f"\n{n} documents of {args.pages} page(s), prepare={args.prepare}, psm={args.psm}, "
          f"min-confidence={args.min_confidence}: mean {sum(times)/n:.2f} s, median {times[n//2]:.2f} s, max {times[-1]:.2f} s per document")


if __name__ == "__main__":
    main()
