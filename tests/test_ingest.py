"""Ingest: every source shape, every kind of bad input, identity, duplicates and the index.

Inputs are small hand-written texts made in tmp_path; every test checks the accounting
identity inputs = documents + duplicates + quarantined.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
from pathlib import Path

import pytest

from pipeline.ingest import content_id, ingest, parse_date, publication_dates

MAX = 100_000
STORY = (
    "The foreign ministers of Ghana and Nigeria met in Accra on Monday to discuss a regional power grid.\n\n"
    "The talks will continue next month in Abuja, officials said.\n"
)
WIRE = (
    "NAIROBI - Kenya's central bank raised its benchmark lending rate by two percentage points on Tuesday, "
    "its biggest increase in a decade, as governor Patrick Njoroge tried to slow inflation driven by fuel costs "
    "and a weaker shilling.\n\n"
    "The monetary policy committee voted to lift the rate to 12.5 percent after consumer prices rose 8.7 percent "
    "in the year to October, above the bank's target range of 2.5 to 7.5 percent.\n\n"
    "Njoroge told reporters in Nairobi that the committee expected inflation to ease in the first quarter as "
    "harvests improved, but warned that drought in the north could push food prices higher again.\n\n"
    "Economists at Standard Bank and Absa had expected a smaller move. Traders said the decision surprised the "
    "currency market, where the shilling firmed slightly against the dollar in afternoon trade.\n\n"
    "Finance minister Njuguna Ndung'u has promised to cut government borrowing next year, and the International "
    "Monetary Fund is due to review the country's lending programme in December, officials said.\n\n"
    "Business groups in Mombasa and Kisumu said higher borrowing costs would hurt small manufacturers who are "
    "already struggling with power cuts and delayed payments from county governments."
)


def write(folder: Path, rel: str, content: str | bytes) -> Path:
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def manifest(folder: Path, rows: list[tuple[str, str]]) -> None:
    lines = ["file,published_date"] + [f"{f},{d}" for f, d in rows]
    (folder / "manifest.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def balanced(result) -> bool:
    c = result.source_counts
    return c["inputs"] == c["documents"] + c["duplicates"] + c["quarantined"]


def reasons(result) -> dict[str, str]:
    return {q["source_path"]: q["reason"] for q in result.quarantine}


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-11-16", dt.date(2024, 11, 16)),
        ("2024-11-16T08:30:00Z", dt.date(2024, 11, 16)),
        ("11/1", None),
        ("0001-01-01", None),
        ("2023-13-45", None),
        ("2023-02-30", None),
        ("16.11.2024", None),
    ],
)
def test_dates_are_parsed_strictly_never_guessed(value, expected):
    day, problem = parse_date(value)
    assert day == expected
    assert (problem is None) == (expected is not None)


def test_date_order_manifest_then_header_else_quarantine(tmp_path):
    write(tmp_path, "a.txt", " date 2024-11-16 " + STORY)  # header, but the manifest wins
    write(tmp_path, "b.txt", " date 2024-11-15 Another story about the grid in Lagos.\n")
    write(tmp_path, "c.txt", "No date anywhere in this story about Accra.\n")
    write(tmp_path, "d.txt", " date 2023-13-45 A story with an impossible header.\n")
    manifest(tmp_path, [("a.txt", "2024-11-10")])
    result = ingest(tmp_path, MAX)
    by_name = {d["source_name"]: d for d in result.documents}
    assert (by_name["a.txt"]["published_date"], by_name["a.txt"]["date_source"]) == (dt.date(2024, 11, 10), "manifest")
    assert (by_name["b.txt"]["published_date"], by_name["b.txt"]["date_source"]) == (
        dt.date(2024, 11, 15),
        "text_header",
    )
    assert reasons(result) == {"c.txt": "no_date", "d.txt": "bad_date"}
    assert balanced(result)


@pytest.mark.parametrize("bad", ["11/1", "0001-01-01", "2023-13-45"])
def test_malformed_manifest_and_record_dates_are_quarantined_with_the_reason(tmp_path, bad):
    write(tmp_path, "a.txt", STORY)
    manifest(tmp_path, [("a.txt", bad)])
    export = tmp_path / "export.jsonl"
    export.write_text(json.dumps({"id": "r1", "published_date": bad, "text": STORY + " More."}) + "\n")
    result = ingest(tmp_path, MAX)
    assert result.documents == []
    assert reasons(result) == {"a.txt": "bad_date", "export.jsonl#1": "bad_date"}
    assert all(bad in q["detail"] and q["published_date"] is None for q in result.quarantine)
    assert balanced(result)


# ---------------------------------------------------------------- source shapes


def test_folders_are_read_recursively_with_manifest_paths_relative_to_the_folder(tmp_path):
    write(tmp_path, "top.txt", STORY)
    write(tmp_path, "2024/11/nested.txt", STORY.replace("Monday", "Tuesday"))
    manifest(tmp_path, [("top.txt", "2024-11-15"), ("2024/11/nested.txt", "2024-11-16")])
    result = ingest(tmp_path, MAX)
    paths = {d["source_path"]: d["published_date"] for d in result.documents}
    assert paths == {"top.txt": dt.date(2024, 11, 15), "2024/11/nested.txt": dt.date(2024, 11, 16)}
    assert {d["source_name"] for d in result.documents} == {"top.txt", "nested.txt"}


@pytest.mark.parametrize("gz", [False, True])
def test_json_lines_exports_plain_or_gzip(tmp_path, gz):
    records = [
        {
            "id": "r1",
            "published_date": "2024-11-16",
            "outlet": "Daily Example",
            "url": "https://example.org/1",
            "title": "Grid talks",
            "authors": "Ama Mensah, Kofi Boateng",
            "text": STORY,
        },
        {"id": "r2", "published_date": "", "text": " date 2024-11-17 " + STORY + "Later."},
        {"id": "r3", "published_date": "", "text": "No date at all."},
    ]
    data = "".join(json.dumps(r) + "\n" for r in records) + "\n{not json\n[1, 2]\n"
    path = tmp_path / ("export.jsonl.gz" if gz else "export.jsonl")
    path.write_bytes(gzip.compress(data.encode()) if gz else data.encode())
    result = ingest(path, MAX)
    docs = {d["source_name"]: d for d in result.documents}
    assert set(docs) == {"r1", "r2"}
    r1 = docs["r1"]
    assert (r1["outlet"], r1["url"], r1["title"], r1["date_source"]) == (
        "Daily Example",
        "https://example.org/1",
        "Grid talks",
        "record",
    )
    assert r1["raw_text"] == STORY and r1["byline"] == "Ama Mensah, Kofi Boateng"
    assert docs["r2"]["date_source"] == "text_header" and docs["r2"]["published_date"] == dt.date(2024, 11, 17)
    assert sorted(reasons(result).values()) == ["bad_record", "bad_record", "no_date"]
    assert balanced(result)
    assert publication_dates(path, MAX) == [dt.date(2024, 11, 16), dt.date(2024, 11, 17)]


# ---------------------------------------------------------------- bad inputs


def test_every_bad_input_is_quarantined_or_fixed_and_accounted_for(tmp_path):
    src = tmp_path / "src"
    outside = tmp_path / "outside"
    write(outside, "secret.txt", STORY)
    write(src, "ok.txt", STORY)
    write(src, "empty.txt", "")
    write(src, "blank.txt", "  \n\t\n")
    write(src, "binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    write(src, "big.txt", "x" * 2000)
    write(src, "cp1252.txt", "The minister’s “plan” – approved.\n".encode("cp1252"))
    write(src, "latin1.txt", "Caf\xe9 talks in Montr\xe9al \x81 resumed.\n".encode("latin-1"))
    write(src, "bom.txt", "\ufeffA story with a byte order mark about Lagos.\n".encode())
    write(src, "crlf.txt", b"Line one about Abuja.\r\n\r\nLine two about Accra.\r\n")
    write(src, "page.txt", "<html><body><h1>Grid</h1><p>Ministers met in <b>Accra</b> &amp; agreed.</p></body></html>")
    write(src, "notes.pdf", b"%PDF-1.4")
    os.symlink(outside / "secret.txt", src / "link_out.txt")
    os.symlink(outside, src / "dir_out")
    os.symlink(src / "ok.txt", src / "link_in.txt")
    names = [
        "ok.txt",
        "empty.txt",
        "blank.txt",
        "binary.txt",
        "big.txt",
        "cp1252.txt",
        "latin1.txt",
        "bom.txt",
        "crlf.txt",
        "page.txt",
        "link_out.txt",
        "link_in.txt",
    ]
    manifest(src, [(n, "2024-11-16") for n in names] + [("../../etc/passwd", "2024-11-16"), ("gone.txt", "2024-11-16")])
    result = ingest(src, 1000)
    got = reasons(result)
    assert got == {
        "empty.txt": "empty",
        "blank.txt": "empty",
        "binary.txt": "binary",
        "big.txt": "too_large",
        "notes.pdf": "unsupported_type",
        "link_out.txt": "outside_source",
        "dir_out": "outside_source",
        "ok.txt": "duplicate",  # same date and content as link_in.txt: the first path in sort order is kept
        "manifest.csv#14": "outside_source",
        "manifest.csv#15": "missing_file",
    }, got
    assert all(q["detail"] for q in result.quarantine)
    assert "NEWSEVENTS_MAX_FILE_BYTES" in next(q["detail"] for q in result.quarantine if q["reason"] == "too_large")
    docs = {d["source_name"]: d for d in result.documents}
    assert "link_in.txt" in docs
    assert docs["cp1252.txt"]["input_fixes"] == "decoded_cp1252"
    assert docs["cp1252.txt"]["raw_text"] == "The minister’s “plan” – approved.\n"
    assert docs["latin1.txt"]["input_fixes"] == "decoded_latin1" and "Montréal" in docs["latin1.txt"]["raw_text"]
    assert docs["bom.txt"]["input_fixes"] == "utf8_bom_removed" and docs["bom.txt"]["raw_text"].startswith("A story")
    assert docs["crlf.txt"]["input_fixes"] == "line_ends_normalised" and "\r" not in docs["crlf.txt"]["raw_text"]
    page = docs["page.txt"]
    assert page["input_fixes"] == "html_stripped"
    assert "<" not in page["raw_text"] and "Ministers met in Accra & agreed." in page["raw_text"]
    assert "secret" not in json.dumps([d["raw_text"] for d in result.documents])
    # 14 entries in the folder + 2 bad manifest rows = 6 documents + 1 duplicate + 9 quarantined
    assert result.source_counts == {
        "inputs": 16,
        "documents": 6,
        "near_duplicates": 0,
        "duplicates": 1,
        "quarantined": 9,
    }
    assert balanced(result)


def test_size_limit_comes_from_the_setting(tmp_path, monkeypatch):
    from pipeline.config import Settings
    from pipeline.stages import ingest_stage

    write(tmp_path / "src", "a.txt", " date 2024-11-16 " + STORY)
    monkeypatch.setenv("NEWSEVENTS_MAX_FILE_BYTES", "50")
    out = ingest_stage(str(tmp_path / "src"), str(tmp_path / "wh"), dt.date(2024, 11, 16), "r1", Settings())
    assert out.counts.as_dict() == {"inputs": 1, "documents": 0, "duplicates": 0, "quarantined": 1}
    monkeypatch.setenv("NEWSEVENTS_MAX_FILE_BYTES", "100000")
    out = ingest_stage(str(tmp_path / "src"), str(tmp_path / "wh"), dt.date(2024, 11, 16), "r2", Settings())
    assert out.counts.as_dict() == {"inputs": 1, "documents": 1, "duplicates": 0, "quarantined": 0}


# ---------------------------------------------------------------- identity and duplicates


def test_same_article_under_two_names_or_in_two_runs_has_one_id(tmp_path):
    write(tmp_path, "a.txt", STORY)
    write(tmp_path, "copy/b.txt", STORY.replace("\n\n", "\n   \n"))  # whitespace differs only
    manifest(tmp_path, [("a.txt", "2024-11-16"), ("copy/b.txt", "2024-11-17")])
    first, second = ingest(tmp_path, MAX), ingest(tmp_path, MAX)
    assert [d["doc_id"] for d in first.documents] == [d["doc_id"] for d in second.documents] == [content_id(STORY)]
    assert first.documents[0]["source_path"] == "a.txt"  # the earliest copy is kept
    assert reasons(first) == {"copy/b.txt": "duplicate"}
    assert first.source_counts["duplicates"] == 1 and balanced(first)
    # the date of the duplicate counts it; the kept copy's date gets the document
    day2 = ingest(tmp_path, MAX, {dt.date(2024, 11, 17)})
    assert (day2.inputs, len(day2.documents), day2.duplicates, day2.quarantined) == (1, 0, 1, 0)


def test_near_duplicates_link_to_the_earliest_copy_whatever_dates_are_run(tmp_path, monkeypatch):
    write(tmp_path, "wire_ap.txt", WIRE)
    write(tmp_path, "outlet_x.txt", "By Jane Roe\n\n" + WIRE + "\n\nCopyright 2024 Outlet X.")
    write(tmp_path, "outlet_y.txt", WIRE.replace("Paragraph 6", "Final paragraph") + "\n\nRead more at Outlet Y.")
    write(tmp_path, "other.txt", STORY)
    manifest(
        tmp_path,
        [
            ("wire_ap.txt", "2024-11-16"),
            ("outlet_x.txt", "2024-11-16"),
            ("outlet_y.txt", "2024-11-17"),
            ("other.txt", "2024-11-17"),
        ],
    )
    together = {d["source_name"]: d for d in ingest(tmp_path, MAX).documents}
    ids = {n: d["doc_id"] for n, d in together.items()}
    earliest = min(ids["wire_ap.txt"], ids["outlet_x.txt"])
    assert together["outlet_y.txt"]["duplicate_of"] == earliest
    assert {together[n]["duplicate_of"] for n in ("wire_ap.txt", "outlet_x.txt")} == {None, earliest}
    assert together["other.txt"]["duplicate_of"] is None
    one_by_one = {}
    for day in (dt.date(2024, 11, 17), dt.date(2024, 11, 16)):
        one_by_one |= {d["source_name"]: d["duplicate_of"] for d in ingest(tmp_path, MAX, {day}).documents}
    assert one_by_one == {n: d["duplicate_of"] for n, d in together.items()}


def test_stories_sharing_little_text_are_not_linked(tmp_path):
    write(tmp_path, "a.txt", WIRE)
    write(tmp_path, "b.txt", STORY * 3)
    manifest(tmp_path, [("a.txt", "2024-11-16"), ("b.txt", "2024-11-16")])
    assert all(d["duplicate_of"] is None for d in ingest(tmp_path, MAX).documents)


# ---------------------------------------------------------------- the index


def test_index_reads_only_changed_files_and_never_changes_the_answer(tmp_path):
    src, index = tmp_path / "src", tmp_path / "index"
    for i in range(5):
        write(src, f"d{i}.txt", STORY.replace("Monday", f"day {i}"))
    manifest(src, [(f"d{i}.txt", f"2024-11-{10 + i}") for i in range(5)])
    day = {dt.date(2024, 11, 12)}
    cold = ingest(src, MAX, day, index)
    assert cold.index["files_read"] == 5
    warm = ingest(src, MAX, day, index)
    assert warm.index["files_read"] == 0 and warm.index["index_hit"]
    assert warm.documents == cold.documents == ingest(src, MAX, day).documents
    assert warm.quarantine == cold.quarantine
    # a changed file is read again and its new content published
    changed = STORY.replace("Monday", "a changed day")
    (src / "d2.txt").write_text(changed, encoding="utf-8")
    after = ingest(src, MAX, day, index)
    assert after.index["files_read"] == 1
    assert [d["raw_text"] for d in after.documents] == [changed]
    # a new manifest date moves a document without reading any file
    manifest(src, [(f"d{i}.txt", "2024-11-12" if i == 4 else f"2024-11-{10 + i}") for i in range(5)])
    moved = ingest(src, MAX, day, index)
    assert moved.index["files_read"] == 0 and len(moved.documents) == 2
    # a removed file disappears, a too-large file is re-read once the limit allows it
    (src / "d4.txt").unlink()
    assert len(ingest(src, MAX, day, index).documents) == 1
    assert ingest(src, 10, day, index).documents == []
    assert len(ingest(src, MAX, day, index).documents) == 1


def test_a_corrupt_index_is_rebuilt(tmp_path):
    src, index = tmp_path / "src", tmp_path / "index"
    write(src, "a.txt", " date 2024-11-16 " + STORY)
    ingest(src, MAX, None, index)
    for f in index.glob("*.parquet"):
        f.write_bytes(b"not parquet")
    result = ingest(src, MAX, None, index)
    assert len(result.documents) == 1 and result.index["files_read"] == 1


def test_ingest_stage_reports_counts_and_the_whole_source_quarantine(tmp_path):
    from pipeline.config import Settings
    from pipeline.stages import ingest_stage
    from pipeline.warehouse import read_staged

    src = tmp_path / "src"
    write(src, "a.txt", " date 2024-11-16 " + STORY)
    write(src, "b.txt", " date 2024-11-17 " + STORY + " Later.")
    write(src, "empty.txt", "")
    write(src, "bad.txt", " date 2023-13-45 " + STORY)
    out = ingest_stage(str(src), str(tmp_path / "wh"), dt.date(2024, 11, 16), "run-1", Settings(max_file_bytes=MAX))
    assert out.counts.as_dict() == {"inputs": 1, "documents": 1, "duplicates": 0, "quarantined": 0}
    assert out.source_counts["inputs"] == 4 and out.source_counts["quarantined"] == 2
    quarantine = read_staged(out.quarantine_file).to_pylist()
    assert {q["source_path"]: q["reason"] for q in quarantine} == {"empty.txt": "empty", "bad.txt": "bad_date"}
    assert (tmp_path / "wh" / "_index").is_dir()


def test_a_folder_link_inside_the_source_is_not_read_twice(tmp_path):
    write(tmp_path, "real/a.txt", " date 2024-11-16 " + STORY)
    os.symlink(tmp_path / "real", tmp_path / "alias")
    result = ingest(tmp_path, MAX)
    assert [d["source_path"] for d in result.documents] == ["real/a.txt"]
    assert result.quarantine == [] and result.source_counts["inputs"] == 1
