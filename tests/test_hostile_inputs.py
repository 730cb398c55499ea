"""Hostile inputs: one bad input never stops a source, nothing hangs, memory stays bounded.

Each test builds its inputs in tmp_path (generated, never corpus text) and checks that the bad
input becomes a quarantine row naming the file, the line where it applies, the reason and what
to do, while every valid article of the same source is still published, and that
inputs = documents + duplicates + quarantined.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import threading
import tracemalloc
import zlib
from pathlib import Path

import pytest

from pipeline.ingest import ingest

MAX = 100_000
DAY = "2024-11-16"
STORY = (
    "The foreign ministers of Ghana and Nigeria met in Accra on Monday to discuss a regional power grid.\n\n"
    "The talks will continue next month in Abuja, officials said.\n"
)


def story(n: int) -> str:
    return STORY.replace("Monday", f"day {n}")


def record(n: int, **extra) -> dict:
    return {
        "id": f"r{n}",
        "published_date": DAY,
        "outlet": "Daily Example",
        "title": f"Talks {n}",
        "text": story(n),
    } | extra


def jsonl(records: list) -> bytes:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records).encode()


def balanced(result) -> bool:
    c = result.source_counts
    return c["inputs"] == c["documents"] + c["duplicates"] + c["quarantined"]


def rows(result) -> dict[str, dict]:
    return {q["source_path"]: q for q in result.quarantine}


def published(result) -> set[str]:
    return {d["source_name"] for d in result.documents}


def names_file_and_line(row: dict, file: str, line: int | None) -> bool:
    return row["line"] == line and file in row["source_path"] and bool(row["detail"])


# ---------------------------------------------------------------- broken files do not stop the source


def test_a_truncated_gzip_keeps_its_complete_records_and_quarantines_the_break(tmp_path):
    # random tokens keep the records from compressing into each other, so the cut falls mid-file
    data = gzip.compress(jsonl([record(i, text=story(i) + os.urandom(300).hex()) for i in range(1, 6)]))
    (tmp_path / "cut.jsonl.gz").write_bytes(data[: len(data) * 2 // 3])
    (tmp_path / "ok.jsonl").write_bytes(jsonl([record(9)]))
    result = ingest(tmp_path, MAX)
    stop = [q for q in result.quarantine if q["reason"] == "truncated"]
    assert len(stop) == 1 and names_file_and_line(stop[0], "cut.jsonl.gz", stop[0]["line"])
    kept = {d["source_name"] for d in result.documents if d["source_path"].startswith("cut.jsonl.gz")}
    # every record before the broken line is published, the broken line and what follows are not
    assert kept == {f"r{i}" for i in range(1, stop[0]["line"])} and len(kept) >= 2
    assert "r9" in published(result)
    assert "re-export" in stop[0]["detail"] and balanced(result)


def test_a_gzip_with_a_bad_crc_publishes_none_of_its_records(tmp_path):
    data = bytearray(gzip.compress(jsonl([record(1), record(2)])))
    data[-8:-4] = (zlib.crc32(b"other") & 0xFFFFFFFF).to_bytes(4, "little")
    (tmp_path / "crc.jsonl.gz").write_bytes(bytes(data))
    (tmp_path / "ok.jsonl").write_bytes(jsonl([record(9)]))
    result = ingest(tmp_path, MAX)
    assert published(result) == {"r9"}
    got = rows(result)
    assert {p: q["reason"] for p, q in got.items()} == {
        "crc.jsonl.gz#1": "corrupt_gzip",
        "crc.jsonl.gz#2": "corrupt_gzip",
    }
    assert all("CRC" in q["detail"] and q["line"] in (1, 2) for q in got.values())
    assert balanced(result)


@pytest.mark.parametrize(
    ("line", "reason", "says"),
    [
        (
            '{"id": "s", "published_date": "2024-11-16", "text": "Talks in Accra \\ud800 resumed."}',
            "bad_record",
            "surrogate",
        ),
        ("[" * 200_000 + "]" * 200_000, "bad_record", "nested"),
        (
            '{"id": "n", "published_date": "2024-11-16", "views": ' + "9" * 5000 + ', "text": "A story."}',
            "bad_record",
            "digits",
        ),
        ('{"id": "z", "published_date": "2024-11-16", "text": "Talks\\u0000 in Accra."}', "binary", "NUL"),
        ('{"id": "z2", "published_date": "2024-11-16", "text": "Talks\x00 in Accra."}', "binary", "NUL"),
    ],
)
def test_a_record_that_cannot_be_text_is_one_quarantine_row_at_its_line(tmp_path, line, reason, says):
    (tmp_path / "export.jsonl").write_text(
        jsonl([record(1)]).decode() + line + "\n" + jsonl([record(3)]).decode(),
        encoding="utf-8",
        errors="surrogatepass",
    )
    result = ingest(tmp_path, 1 << 20)
    assert published(result) == {"r1", "r3"}
    row = rows(result)["export.jsonl#2"]
    assert row["reason"] == reason and says in row["detail"] and row["line"] == 2
    assert balanced(result)


def test_a_symlink_loop_is_quarantined(tmp_path):
    (tmp_path / "ok.txt").write_text(" date 2024-11-16 " + STORY)
    os.symlink(tmp_path / "loop_b.txt", tmp_path / "loop_a.txt")
    os.symlink(tmp_path / "loop_a.txt", tmp_path / "loop_b.txt")
    result = ingest(tmp_path, MAX)
    assert published(result) == {"ok.txt"}
    got = rows(result)
    assert {got[p]["reason"] for p in ("loop_a.txt", "loop_b.txt")} == {"link_loop"}
    assert balanced(result)


def _unreadable(monkeypatch, name: str) -> None:
    """Tests run as root, for whom chmod 000 changes nothing: make opening `name` fail as it would."""
    real = os.open

    def fake(path, flags, *args, **kwargs):
        if os.path.basename(os.fspath(path)) == name:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", fake)


@pytest.mark.parametrize("name", ["locked.txt", "locked.jsonl"])
def test_an_unreadable_file_is_quarantined(tmp_path, monkeypatch, name):
    (tmp_path / "ok.txt").write_text(" date 2024-11-16 " + STORY)
    (tmp_path / name).write_bytes(
        jsonl([record(2)]) if name.endswith(".jsonl") else (" date 2024-11-16 " + story(2)).encode()
    )
    _unreadable(monkeypatch, name)
    result = ingest(tmp_path, MAX)
    assert published(result) == {"ok.txt"}
    row = rows(result)[name]
    assert row["reason"] == "unreadable" and "Permission denied" in row["detail"] and "permissions" in row["detail"]
    assert balanced(result)


def _ingest_within(seconds: float, *args, **kwargs):
    """ingest in a thread, so a hang fails the test instead of blocking the suite."""
    out: dict = {}
    worker = threading.Thread(target=lambda: out.setdefault("result", ingest(*args, **kwargs)), daemon=True)
    worker.start()
    worker.join(seconds)
    assert "result" in out, f"ingest did not finish within {seconds} s"
    return out["result"]


def test_a_fifo_is_never_opened_and_is_quarantined(tmp_path):
    (tmp_path / "ok.txt").write_text(" date 2024-11-16 " + STORY)
    os.mkfifo(tmp_path / "pipe.txt")
    os.mkfifo(tmp_path / "pipe.jsonl")
    os.symlink(tmp_path / "pipe.txt", tmp_path / "to_pipe.txt")
    result = _ingest_within(20, tmp_path, MAX)
    assert published(result) == {"ok.txt"}
    got = {p: q["reason"] for p, q in rows(result).items()}
    assert got == {"pipe.txt": "not_regular_file", "pipe.jsonl": "not_regular_file", "to_pipe.txt": "not_regular_file"}
    assert balanced(result)


def test_conflicting_manifest_rows_quarantine_the_file(tmp_path):
    (tmp_path / "a.txt").write_text(STORY)
    (tmp_path / "b.txt").write_text(story(2))
    (tmp_path / "manifest.csv").write_text(
        f"file,published_date\na.txt,{DAY}\nb.txt,{DAY}\na.txt,2024-11-17\nb.txt,{DAY}\n"
    )
    result = ingest(tmp_path, MAX)
    assert published(result) == {"b.txt"}  # the same date twice is no conflict
    row = rows(result)["a.txt"]
    assert row["reason"] == "conflicting_manifest_rows" and row["published_date"] is None
    assert "lines 2 and 4" in row["detail"] and "2024-11-17" in row["detail"]
    assert balanced(result)


# ---------------------------------------------------------------- bounded memory and time


def test_one_huge_line_in_a_small_gzip_never_reaches_memory(tmp_path):
    line_limit = 1 << 20
    with gzip.open(tmp_path / "bomb.jsonl.gz", "wb", compresslevel=1) as fh:
        fh.write(jsonl([record(1)]))
        fh.write(b'{"id": "huge", "text": "')
        block = b"a" * (1 << 20)
        for _ in range(50):
            fh.write(block)
        fh.write(b'"}\n')
        fh.write(jsonl([record(3)]))
    tracemalloc.start()
    try:
        result = ingest(tmp_path, line_limit)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert published(result) == {"r1", "r3"}
    row = rows(result)["bomb.jsonl.gz#2"]
    assert row["reason"] == "too_large" and "NEWSEVENTS_MAX_FILE_BYTES" in row["detail"]
    assert peak < 12 * line_limit, f"peak {peak} bytes for a 50 MB line with a 1 MB limit"
    assert balanced(result)


def test_blank_lines_cost_no_inputs_and_the_decompressed_size_is_bounded(tmp_path, monkeypatch):
    with gzip.open(tmp_path / "blanks.jsonl.gz", "wb", compresslevel=1) as fh:
        fh.write(jsonl([record(1)]))
        fh.write(b"\n" * 3_000_000)
        fh.write(jsonl([record(2)]))
        fh.write(b"\n" * 30_000_000)
        fh.write(jsonl([record(3)]))
    monkeypatch.setenv("NEWSEVENTS_MAX_DECOMPRESSED_BYTES", str(16 << 20))
    result = ingest(tmp_path, MAX)
    assert published(result) == {"r1", "r2"}
    assert {d["source_path"] for d in result.documents} == {"blanks.jsonl.gz#1", "blanks.jsonl.gz#3000002"}
    (row,) = result.quarantine
    assert row["reason"] == "too_large" and "NEWSEVENTS_MAX_DECOMPRESSED_BYTES" in row["detail"]
    assert row["line"] > 3_000_002 and result.source_counts["inputs"] == 3 and balanced(result)
    monkeypatch.setenv("NEWSEVENTS_MAX_DECOMPRESSED_BYTES", str(64 << 20))
    assert published(ingest(tmp_path, MAX)) == {"r1", "r2", "r3"}


def test_an_article_longer_than_the_limit_is_quarantined_by_its_cleaned_length(tmp_path, monkeypatch):
    from pipeline.clean import clean_text

    furniture = "".join(f"Photo: Agency picture desk number {i}\n" for i in range(100))
    mostly_furniture = STORY + "\n" + furniture
    long_story = "\n\n".join(story(i) for i in range(40))
    cleaned, _, _ = clean_text(mostly_furniture)
    # the premise: raw text over the limit, cleaned text under it
    assert len(cleaned) < 2000 < len(mostly_furniture) and len(clean_text(long_story)[0]) > 2000
    (tmp_path / "export.jsonl").write_bytes(
        jsonl([record(1, text=mostly_furniture), record(2, text=long_story), record(3)])
    )
    monkeypatch.setenv("NEWSEVENTS_MAX_ARTICLE_CHARS", "2000")
    result = ingest(tmp_path, MAX)
    assert published(result) == {"r1", "r3"}
    row = rows(result)["export.jsonl#2"]
    assert row["reason"] == "too_long" and "NEWSEVENTS_MAX_ARTICLE_CHARS" in row["detail"] and balanced(result)


@pytest.mark.slow  # a whole run: the model, validation and publishing
def test_the_default_limit_keeps_an_article_spacy_refuses_out_of_the_run(tmp_path):
    from pipeline.config import Settings
    from pipeline.runner import run_partition

    text = " date 2024-11-16 " + "\n\n".join(" ".join(story(i * 12 + j) for j in range(12)) for i in range(600))
    assert 1_000_000 < len(text) < 5 * 1024 * 1024
    src = tmp_path / "src"
    src.mkdir()
    (src / "long.txt").write_text(text)
    (src / "ok.txt").write_text(" date 2024-11-16 " + STORY)
    wh = tmp_path / "wh"
    out = run_partition(
        str(src), str(wh), dt.date.fromisoformat(DAY), "long-1", Settings(source=str(src), warehouse=str(wh))
    )
    assert out.counts.documents == 1 and out.counts.quarantined == 1


# ---------------------------------------------------------------- smaller input defects


def test_nul_bytes_anywhere_in_a_text_file_make_it_binary(tmp_path):
    (tmp_path / "late_nul.txt").write_bytes((" date 2024-11-16 " + STORY * 200).encode() + b"\x00tail")
    (tmp_path / "ok.txt").write_text(" date 2024-11-16 " + STORY)
    result = ingest(tmp_path, MAX)
    assert published(result) == {"ok.txt"} and rows(result)["late_nul.txt"]["reason"] == "binary"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_text_and_json_lines_are_decoded_by_their_byte_order_mark(tmp_path, codec):
    bom = {"utf-16": b"", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[codec]
    text = " date 2024-11-16 Talks in Montréal – “agreed” on Monday.\n"
    (tmp_path / "wide.txt").write_bytes(bom + text.encode(codec))
    lines = jsonl([record(1, text="Ministers in Zürich agreed.\n"), record(2)]).decode()
    (tmp_path / "wide.jsonl").write_bytes(bom + lines.encode(codec))
    result = ingest(tmp_path, MAX)
    docs = {d["source_path"]: d for d in result.documents}
    assert set(docs) == {"wide.txt", "wide.jsonl#1", "wide.jsonl#2"}, result.quarantine
    assert docs["wide.txt"]["raw_text"] == text and docs["wide.txt"]["input_fixes"] == "decoded_utf16"
    assert docs["wide.jsonl#1"]["raw_text"] == "Ministers in Zürich agreed.\n"
    assert docs["wide.jsonl#2"]["input_fixes"] == "decoded_utf16"
    assert result.source_counts["inputs"] == 3 and balanced(result)


def test_non_string_metadata_is_never_stored_as_a_python_repr(tmp_path):
    (tmp_path / "export.jsonl").write_bytes(
        jsonl(
            [
                record(1, outlet=1843, title=2024),
                record(2, title=["Grid", "talks"]),
                record(3, outlet={"name": "Daily Example"}),
                record(4, authors=[{"name": "Ama Mensah"}]),
                record(5, title=True),
                record(6, authors=["Ama Mensah", "Kofi Boateng"]),
            ]
        )
    )
    result = ingest(tmp_path, MAX)
    docs = {d["source_name"]: d for d in result.documents}
    assert (docs["r1"]["outlet"], docs["r1"]["title"]) == ("1843", "2024")
    assert docs["r1"]["input_fixes"] == "outlet_number_as_text,title_number_as_text"
    assert docs["r6"]["byline"] == "Ama Mensah, Kofi Boateng"
    got = rows(result)
    assert {p: q["reason"] for p, q in got.items()} == {f"export.jsonl#{i}": "bad_record" for i in (2, 3, 4, 5)}
    assert "'title' is a JSON array" in got["export.jsonl#2"]["detail"]
    assert "'outlet' is a JSON object" in got["export.jsonl#3"]["detail"]
    assert all("{'" not in str(v) and "['" not in str(v) for d in result.documents for v in d.values())
    assert balanced(result)


def test_two_records_with_one_id_and_different_texts_keep_the_first(tmp_path):
    (tmp_path / "a.jsonl").write_bytes(
        jsonl([record(1), record(1, text=story(99)), record(1), record(2, published_date="2024-11-15")])
    )
    (tmp_path / "b.jsonl").write_bytes(jsonl([record(2, text=story(98))]))
    result = ingest(tmp_path, MAX)
    assert {d["source_path"] for d in result.documents} == {"a.jsonl#1", "a.jsonl#4"}
    got = rows(result)
    assert got["a.jsonl#2"]["reason"] == "conflicting_id" and "a.jsonl#1" in got["a.jsonl#2"]["detail"]
    assert got["a.jsonl#3"]["reason"] == "duplicate"  # same id and same text: an exact duplicate
    assert got["b.jsonl#1"]["reason"] == "conflicting_id" and "a.jsonl#4" in got["b.jsonl#1"]["detail"]
    assert balanced(result)


def test_a_single_ndjson_file_is_a_source(tmp_path):
    from pipeline.cli import check_source

    path = tmp_path / "export.ndjson"
    path.write_bytes(jsonl([record(1), record(2)]))
    assert check_source(path) == path
    assert published(ingest(path, MAX)) == {"r1", "r2"}


def test_publication_dates_far_in_the_future_are_quarantined(tmp_path, monkeypatch):
    today = dt.datetime.now(dt.UTC).date()
    near, far = (today + dt.timedelta(days=2)).isoformat(), (today + dt.timedelta(days=3)).isoformat()
    (tmp_path / "export.jsonl").write_bytes(
        jsonl([record(1, published_date=near), record(2, published_date=far), record(3, published_date="2999-12-31")])
    )
    result = ingest(tmp_path, MAX)
    assert published(result) == {"r1"}
    got = rows(result)
    assert {q["reason"] for q in got.values()} == {"future_date"}
    assert (
        "NEWSEVENTS_MAX_FUTURE_DAYS" in got["export.jsonl#3"]["detail"]
        and "2999-12-31" in got["export.jsonl#3"]["detail"]
    )
    monkeypatch.setenv("NEWSEVENTS_MAX_FUTURE_DAYS", "3")
    assert published(ingest(tmp_path, MAX)) == {"r1", "r2"}


# ---------------------------------------------------------------- the index stays correct


def hostile_folder(root: Path) -> Path:
    """A little of everything above, next to valid articles."""
    root.mkdir()
    data = gzip.compress(jsonl([record(i) for i in range(1, 6)]))
    (root / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    (root / "ok.jsonl").write_bytes(jsonl([record(10), record(11, published_date="2999-12-31"), "[" * 50_000]))
    (root / "wide.txt").write_bytes((" date 2024-11-16 " + story(20)).encode("utf-16"))
    (root / "manifest.csv").write_text("file,published_date\nwide.txt,2024-11-16\nwide.txt,2024-11-16\n")
    os.symlink(root / "loop", root / "loop")
    os.mkfifo(root / "pipe.txt")
    return root


def test_the_index_gives_the_same_answer_on_a_hostile_source(tmp_path, monkeypatch):
    src, index = hostile_folder(tmp_path / "src"), tmp_path / "index"
    full = _ingest_within(60, src, MAX)
    cold = _ingest_within(60, src, MAX, None, index)
    warm = _ingest_within(60, src, MAX, None, index)
    assert warm.index["index_hit"] and warm.index["files_read"] == 0
    assert full.documents == cold.documents == warm.documents
    assert full.quarantine == cold.quarantine == warm.quarantine
    assert {q["reason"] for q in full.quarantine} == {
        "truncated",
        "future_date",
        "bad_record",
        "link_loop",
        "not_regular_file",
    }
    # a changed limit re-decides from the stored facts
    monkeypatch.setenv("NEWSEVENTS_MAX_FUTURE_DAYS", str(400_000))
    later = _ingest_within(60, src, MAX, None, index)
    assert "r11" in published(later) and not later.index["index_hit"]
    assert balanced(full) and balanced(later)
