"""The analyst notebook runs top to bottom against a warehouse built from the seeds, with and
without the event_clusters table, and says clearly what to do when there is no warehouse."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOK = ROOT / "notebooks" / "explore_events.ipynb"


def execute(monkeypatch, warehouse: Path, figures: Path) -> nbformat.NotebookNode:
    """Run every cell in a fresh kernel; the kernel inherits this process's environment."""
    monkeypatch.setenv("NEWSEVENTS_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("NEWSEVENTS_FIGURES", str(figures))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    )
    client.execute()
    return nb


def text_outputs(nb: nbformat.NotebookNode) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", "") or out.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def write_clusters(warehouse: Path) -> int:
    """An event_clusters table in the published layout: events of one type and actor country
    grouped as one cluster (a stand-in for the clustering stage, only to exercise the reader)."""
    import pyarrow.dataset as ds

    from pipeline.warehouse import file_table, publish_file, publish_partition, to_arrow
    from schemas import TABLES

    events = ds.dataset(warehouse / "events", partitioning="hive").to_table().to_pylist()
    groups: dict[tuple, list[dict]] = {}
    for e in events:
        groups.setdefault((e["event_type"], e["actor_country"]), []).append(e)
    rows = []
    for i, ((event_type, country), members) in enumerate(sorted(groups.items(), key=lambda kv: str(kv[0]))):
        first = min(str(m["published_date"]) for m in members)
        rows.append(
            {
                "cluster_id": f"c{i:04d}",
                "published_date": dt.date.fromisoformat(first),
                "event_type": event_type,
                "actor_country": country,
                "countries": sorted({country} - {None}),
                "event_date": None,
                "mentions": len(members),
                "articles": len({m["doc_id"] for m in members}),
                "outlets": 1,
                "event_ids": [m["event_id"] for m in members],
            }
        )
    table = to_arrow("event_clusters", rows)
    if not TABLES["event_clusters"].partitioned:  # one file rebuilt whole, published_date a plain column
        publish_file(file_table("event_clusters", table), warehouse / "event_clusters" / "part-0.parquet")
        return len(rows)
    for day in sorted({r["published_date"] for r in rows}):
        mask = [r["published_date"] == day for r in rows]
        publish_partition(warehouse, "event_clusters", day, table.filter(mask))
    return len(rows)


def test_committed_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "the notebook has no code"
    assert all(not c.outputs and c.execution_count is None for c in code)


@pytest.mark.slow
def test_runs_top_to_bottom_on_the_seed_warehouse(seed_warehouse, tmp_path, monkeypatch):
    assert (seed_warehouse / "event_clusters").exists(), "the pipeline publishes event_clusters"
    nb = execute(monkeypatch, seed_warehouse, tmp_path / "figures")
    out = text_outputs(nb)

    png = tmp_path / "figures" / "events_per_type.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    assert (tmp_path / "figures" / "actor_network.png").is_file()

    checked = re.search(r"(\d+) of (\d+) evidence sentences are exactly", out)
    assert checked and checked.group(1) == checked.group(2) and int(checked.group(2)) > 0, out[-2000:]
    assert "clusters from event_clusters.event_ids" in out, out[-2000:]
    assert "pledges" in out and "USD 300,000,000" in out  # seed 003's pledge, formatted for reading


@pytest.mark.slow
def test_uses_event_clusters_when_present(seed_warehouse, tmp_path, monkeypatch):
    warehouse = tmp_path / "warehouse"
    shutil.copytree(seed_warehouse, warehouse)
    clusters = write_clusters(warehouse)
    out = text_outputs(execute(monkeypatch, warehouse, tmp_path / "figures"))
    assert f"clusters from event_clusters.event_ids: {clusters} clusters" in out, out[-2000:]
    assert "How the story of cluster" in out


@pytest.mark.slow
def test_runs_when_no_event_was_found(seed_warehouse, tmp_path, monkeypatch):
    """Articles published but no event extracted (a partition the validation only warns about)."""
    import pyarrow.parquet as pq

    warehouse = tmp_path / "warehouse"
    shutil.copytree(seed_warehouse, warehouse)
    for part in (warehouse / "events").rglob("*.parquet"):
        table = pq.read_table(part)
        pq.write_table(table.slice(0, 0), part)
    out = text_outputs(execute(monkeypatch, warehouse, tmp_path / "figures"))
    assert "and 0 event mentions" in out
    assert (tmp_path / "figures" / "events_per_type.png").is_file()


@pytest.mark.slow
def test_evidence_check_reports_a_span_that_does_not_match(seed_warehouse, tmp_path, monkeypatch):
    import pyarrow as pa
    import pyarrow.parquet as pq

    warehouse = tmp_path / "warehouse"
    shutil.copytree(seed_warehouse, warehouse)
    part = sorted((warehouse / "events").rglob("*.parquet"))[0]
    table = pq.read_table(part)
    starts = table.column("evidence_start").to_pylist()
    starts[0] += 1  # the first event's span now starts one character late
    index = table.schema.get_field_index("evidence_start")
    pq.write_table(table.set_column(index, table.schema.field(index), pa.array(starts, pa.int64())), part)
    total = ds_rows(warehouse / "events")
    out = text_outputs(execute(monkeypatch, warehouse, tmp_path / "figures"))
    assert f"{total - 1} of {total} evidence sentences are exactly" in out
    assert table.column("event_id")[0].as_py() in out  # the offending event is listed


def ds_rows(folder: Path) -> int:
    import pyarrow.dataset as ds

    return ds.dataset(folder, partitioning="hive").count_rows()


def test_missing_warehouse_says_what_to_do(tmp_path, monkeypatch):
    with pytest.raises(CellExecutionError) as err:
        execute(monkeypatch, tmp_path / "nowhere", tmp_path / "figures")
    assert "run `make run`" in str(err.value) and "NEWSEVENTS_WAREHOUSE" in str(err.value)
