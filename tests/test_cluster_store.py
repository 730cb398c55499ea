"""event_clusters maintained per date equals a full rebuild, byte for byte, in any order of publishes,
with reruns that change a date, removed dates and a crash mid-refresh; a refresh touches only the
files of the clusters its dates belong to; every reader sees one table."""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
from pathlib import Path

import pytest

from benchmarks.synthetic_warehouse import publish_date
from pipeline import cluster_store
from pipeline.stages import refresh_event_clusters
from pipeline.warehouse import read_table, remove_tree

DAYS = [dt.date(2024, 1, 1) + dt.timedelta(days=3 * i) for i in range(40)]  # four months, clusters span dates
PER_DATE = 12


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file the cluster maintenance writes, by path; the state without its input signatures
    (sizes, stamps and inodes of the partition files, which differ between two warehouses)."""
    out = {
        str(p.relative_to(root)): p.read_bytes()
        for folder in ("event_clusters", "_clusters/members")
        for p in sorted((root / folder).glob("*.parquet"))
    }
    state = json.loads((root / "_clusters" / "state.json").read_bytes())
    state["dates"] = {d: v["buckets"] for d, v in state["dates"].items()}
    out["state"] = json.dumps(state, sort_keys=True).encode()
    return out


def rebuilt(root: Path, tmp: Path) -> dict[str, bytes]:
    """The snapshot of a full rebuild of the same partitions (in a copy, so the original stays as it is)."""
    copy = tmp / f"rebuild-{root.name}-{len(list(tmp.glob('rebuild-*')))}"
    shutil.copytree(root, copy)
    assert refresh_event_clusters(str(copy), rebuild=True)["mode"] == "rebuild"
    return snapshot(copy)


def publish_and_refresh(root: Path, day: dt.date, variant: int = 0) -> dict:
    publish_date(root, day, PER_DATE, variant, fast=True)
    return refresh_event_clusters(str(root))


@pytest.mark.parametrize("order", ["chronological", "reverse", "shuffled"])
def test_incremental_equals_a_full_rebuild_in_any_order_with_reruns(tmp_path, order) -> None:
    days = {"chronological": DAYS, "reverse": DAYS[::-1], "shuffled": random.Random(3).sample(DAYS, len(DAYS))}[order]
    root = tmp_path / order
    modes = [publish_and_refresh(root, day)["mode"] for day in days]
    assert modes[0] == "rebuild" and set(modes[1:]) == {"incremental"}  # only the first refresh builds all
    after_first_pass = snapshot(root)
    assert after_first_pass == rebuilt(root, tmp_path)
    rng = random.Random(order)
    for day in rng.sample(DAYS, 8):  # reruns that change the date's events (other draw, fewer rows)
        assert publish_and_refresh(root, day, variant=rng.randrange(1, 4))["mode"] == "incremental"
    gone = rng.choice(DAYS)
    for table in ("events", "documents"):
        remove_tree(root / table / f"published_date={gone}")
    assert refresh_event_clusters(str(root))["dates"] == 1
    publish_date(root, DAYS[0], PER_DATE, variant=5, fast=True)
    publish_date(root, DAYS[1], PER_DATE, variant=6, fast=True)  # two dates changed before one refresh
    assert refresh_event_clusters(str(root))["dates"] == 2
    final = snapshot(root)
    assert final == rebuilt(root, tmp_path)
    assert final != after_first_pass
    events = read_table(root, "events", ["event_id"]).num_rows
    clusters = read_table(root, "event_clusters", ["mentions"])
    assert sum(clusters.column("mentions").to_pylist()) == events  # every event in exactly one cluster


def test_the_same_partitions_give_the_same_table_whatever_the_order(tmp_path) -> None:
    tables = []
    for name, days in (("a", DAYS), ("b", DAYS[::-1])):
        for day in days:
            publish_and_refresh(tmp_path / name, day)
        tables.append({k: v for k, v in snapshot(tmp_path / name).items() if k != "state"})
    assert tables[0] == tables[1]


def test_a_refresh_recomputes_only_the_clusters_of_the_changed_date(tmp_path) -> None:
    for day in DAYS:
        publish_and_refresh(tmp_path, day)
    before = snapshot(tmp_path)
    day = DAYS[20]
    old_ids = set(
        read_table(tmp_path, "events", ["published_date", "cluster_id"])
        .to_pandas()
        .query("published_date == @day")["cluster_id"]
    )
    result = publish_and_refresh(tmp_path, day, variant=1)
    events = read_table(tmp_path, "events", ["published_date", "cluster_id"]).to_pandas()
    new_ids = set(events[events["published_date"] == day]["cluster_id"])
    assert result["clusters"] == len(old_ids | new_ids)  # the clusters it belonged to before and after
    buckets = {cluster_store.bucket_of(c) for c in old_ids | new_ids}
    assert result["buckets"] == len(buckets)
    after = snapshot(tmp_path)
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)} - {"state"}
    allowed = {f"{folder}/part-{b}.parquet" for b in buckets for folder in ("event_clusters", "_clusters/members")}
    assert changed and changed <= allowed


def test_a_crash_mid_refresh_is_redone_by_the_next(tmp_path, monkeypatch) -> None:
    for day in DAYS[:10]:
        publish_and_refresh(tmp_path, day)
    publish_date(tmp_path, DAYS[4], PER_DATE, variant=2)
    publish_date(tmp_path, DAYS[30], PER_DATE)
    calls = []
    original = cluster_store._refresh_bucket

    def crash_after_one(*args, **kwargs):
        if calls:
            raise KeyboardInterrupt("killed mid-refresh")
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(cluster_store, "_refresh_bucket", crash_after_one)
    with pytest.raises(KeyboardInterrupt):
        refresh_event_clusters(str(tmp_path))
    monkeypatch.setattr(cluster_store, "_refresh_bucket", original)
    pending = json.loads((tmp_path / "_clusters" / "pending.json").read_bytes())
    assert DAYS[4].isoformat() in pending  # marked stale before any bucket changed
    publish_date(tmp_path, DAYS[4], PER_DATE, variant=3)  # and changed again before the next refresh
    assert refresh_event_clusters(str(tmp_path))["mode"] == "incremental"
    assert not (tmp_path / "_clusters" / "pending.json").exists()
    assert snapshot(tmp_path) == rebuilt(tmp_path, tmp_path.parent / "copy")


def test_an_older_layout_or_schema_is_rebuilt(tmp_path) -> None:
    for day in DAYS[:3]:
        publish_and_refresh(tmp_path, day)
    (tmp_path / "event_clusters" / "part-0.parquet").write_bytes(b"old single-file layout")
    state_path = tmp_path / "_clusters" / "state.json"
    state = json.loads(state_path.read_bytes())
    state["schema_version"] = "0.9.0"
    state_path.write_text(json.dumps(state))
    assert refresh_event_clusters(str(tmp_path))["mode"] == "rebuild"
    assert not (tmp_path / "event_clusters" / "part-0.parquet").exists()
    assert json.loads(state_path.read_bytes())["schema_version"] != "0.9.0"


def test_every_reader_sees_one_table(tmp_path) -> None:
    import duckdb
    import pandas as pd
    import polars as pl
    import pyarrow.dataset as ds

    for day in DAYS[:12]:
        publish_and_refresh(tmp_path, day)
    folder = tmp_path / "event_clusters"
    n = ds.dataset(folder).count_rows()
    assert len(list(folder.glob("*.parquet"))) > 1 and n > 1  # one file per month here
    assert len(pd.read_parquet(folder)) == n
    assert duckdb.sql(f"SELECT count(*) FROM read_parquet('{folder}/*.parquet')").fetchall() == [(n,)]
    assert pl.read_parquet(f"{folder}/*.parquet").height == n
    assert not list(folder.glob(".*")) and not list(tmp_path.glob("_clusters/members/.*"))


def test_a_warehouse_whose_events_are_all_gone_keeps_one_empty_file(tmp_path) -> None:
    for day in DAYS[:2]:
        publish_and_refresh(tmp_path, day)
    for table in ("events", "documents"):
        for day in DAYS[:2]:
            remove_tree(tmp_path / table / f"published_date={day}")
    (tmp_path / "events").mkdir(exist_ok=True)
    refresh_event_clusters(str(tmp_path))
    files = sorted(p.name for p in (tmp_path / "event_clusters").glob("*.parquet"))
    assert files == ["part-empty.parquet"] and read_table(tmp_path, "event_clusters").num_rows == 0


def test_the_command_line_refreshes_and_rebuilds(seed_warehouse, tmp_path, capsys) -> None:
    from pipeline.cli import EXIT_OK, main

    root = tmp_path / "warehouse"
    shutil.copytree(seed_warehouse, root)
    published = snapshot(root)  # what the pipeline's own refreshes left after publishing the seeds
    assert main(["clusters", str(root)]) == EXIT_OK  # a copy's files are new files: every date is folded in again
    assert "event_clusters (incremental): 5 date(s) folded in" in capsys.readouterr().out
    assert snapshot(root) == published
    assert main(["clusters", str(root)]) == EXIT_OK
    assert "event_clusters (incremental): 0 date(s) folded in" in capsys.readouterr().out
    assert main(["clusters", str(root), "--rebuild", "--check"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "event_clusters (rebuild)" in out and "0 failed with severity error" in out, out
    assert snapshot(root) == published


def test_the_maintained_table_passes_its_suite_and_the_suite_can_fail(tmp_path) -> None:
    import pyarrow as pa

    from pipeline.validate import check_event_clusters

    for day in DAYS:
        publish_and_refresh(tmp_path, day)
    for day in DAYS[::7]:
        publish_and_refresh(tmp_path, day, variant=2)
    table = read_table(tmp_path, "event_clusters")
    results = check_event_clusters(table)
    assert results and all(r.success for r in results), [r for r in results if not r.success]
    broken = table.set_column(
        table.schema.get_field_index("outlets"), "outlets", pa.array([10**6] * table.num_rows, pa.int64())
    )
    failed = {r.check for r in check_event_clusters(broken) if not r.success}
    assert any("articles" in name and "outlets" in name for name in failed), failed
