"""The analyst notebook runs top to bottom against a warehouse built from the seeds, with and
without the event_clusters table, and says clearly what to do when there is no warehouse."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOK = ROOT / "notebooks" / "explore_events.ipynb"


def execute(monkeypatch, warehouse: Path, figures: Path, edit: tuple[str, str] | None = None) -> nbformat.NotebookNode:
    """Run every cell in a fresh kernel; the kernel inherits this process's environment. `edit`
    replaces a piece of a cell's source first, as an analyst changing the filter would. CSV exports
    go to `figures/../exports`."""
    monkeypatch.setenv("NEWSEVENTS_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("NEWSEVENTS_FIGURES", str(figures))
    monkeypatch.setenv("NEWSEVENTS_EXPORT", str(figures.parent / "exports"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    if edit:
        (cell,) = [c for c in nb.cells if c.cell_type == "code" and edit[0] in c.source]
        cell.source = cell.source.replace(edit[0], edit[1])
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

    for name in ("events_per_type", "events_map", "actor_timeline", "actor_network"):
        png = tmp_path / "figures" / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000, name

    checked = re.search(r"(\d+) of (\d+) evidence sentences are exactly", out)
    assert checked and checked.group(1) == checked.group(2) and int(checked.group(2)) > 0, out[-2000:]
    assert "clusters from event_clusters.event_ids" in out, out[-2000:]
    assert "pledges" in out and "USD 300,000,000" in out  # seed 003's pledge, formatted for reading
    assert "KOR (South Korea)" in out  # country names beside codes
    import pandas as pd

    real = pd.read_csv(tmp_path / "exports" / "real_events.csv")
    assert len(real) == pq_rows(seed_warehouse / "event_clusters") and {"url", "evidence_text"} <= set(real.columns)
    mentions = pd.read_csv(tmp_path / "exports" / "event_mentions.csv")
    assert len(mentions) == ds_rows(seed_warehouse / "events") and {"outlet", "url"} <= set(mentions.columns)


@pytest.mark.slow
def test_the_filter_rules_later_cells_and_clusters_are_built_when_the_table_is_missing(
    seed_warehouse, tmp_path, monkeypatch
):
    import pandas as pd

    warehouse = tmp_path / "warehouse"
    shutil.copytree(seed_warehouse, warehouse)
    clusters = pq_rows(warehouse / "event_clusters")
    pledges = ds_count(warehouse / "event_clusters", "pledge")
    shutil.rmtree(warehouse / "event_clusters")  # a warehouse written before the table existed
    shutil.rmtree(warehouse / "_clusters")
    nb = execute(monkeypatch, warehouse, tmp_path / "figures", edit=('"types": [],', '"types": ["pledge"],'))
    out = text_outputs(nb)
    assert "no event_clusters table" in out
    assert f"clusters from pipeline.cluster.build_clusters: {clusters} clusters" in out, out[-2000:]
    assert f"{pledges} of {clusters} real events" in out, out[-3000:]
    real = pd.read_csv(tmp_path / "exports" / "real_events.csv")
    assert len(real) == pledges > 0 and set(real.event_type) == {"pledge"}
    assert set(pd.read_csv(tmp_path / "exports" / "event_mentions.csv").event_type) == {"pledge"}


def pq_rows(folder: Path) -> int:
    import pyarrow.dataset as ds

    return ds.dataset(folder).count_rows()


def ds_count(folder: Path, event_type: str) -> int:
    import pyarrow.dataset as ds

    return ds.dataset(folder).to_table(filter=ds.field("event_type") == event_type).num_rows


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
