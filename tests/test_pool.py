"""The process pool (`--processes N`, pipeline/parallel.py) behaves as one process: the same
tables byte for byte, dates validated in batches (one GX pass for many dates), and a date that
fails validation is not published while the others are, with PartitionsFailed at the end."""

from __future__ import annotations

import datetime as dt
import json
from concurrent.futures import Future
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import SEED_DATES, SEEDS

from pipeline.cli import EXIT_FAILED, EXIT_OK, main
from pipeline.records import Counts, Prepared, Published, Shard

PUBLISHED = ("documents", "events", "removed_segments", "event_clusters", "quarantine")


def run_cli(warehouse: Path, *extra: str, source: Path = SEEDS) -> int:
    return main(["run", "--source", str(source), "--warehouse", str(warehouse), *extra])


def published_bytes(warehouse: Path) -> dict[str, bytes]:
    """Every published table file (the `runs` rows hold timings, so they differ by nature)."""
    return {
        str(p.relative_to(warehouse)): p.read_bytes()
        for table in PUBLISHED
        for p in sorted((warehouse / table).rglob("*.parquet"))
    }


def gx_passes(warehouse: Path) -> dict[str, list[str]]:
    """Per date, the dates validated in the same GX pass (the `batch` of its validation report)."""
    out = {}
    for report in sorted((warehouse / "_validation").glob("*/*.json")):
        data = json.loads(report.read_text())
        out[data["published_date"]] = data["batch"]
    return out


@pytest.fixture(scope="module")
def one_and_two_processes(tmp_path_factory) -> tuple[Path, Path]:
    """The seed dates run once with one process and once with two (one-document shards)."""
    one = tmp_path_factory.mktemp("one_process")
    two = tmp_path_factory.mktemp("two_processes")
    assert run_cli(one) == EXIT_OK
    assert run_cli(two, "--processes", "2", "--shard-size", "1") == EXIT_OK
    return one, two


def test_two_processes_publish_the_same_bytes_as_one(one_and_two_processes):
    one, two = one_and_two_processes
    a, b = published_bytes(one), published_bytes(two)
    for day in SEED_DATES:
        for table in ("documents", "events", "removed_segments"):
            assert f"{table}/published_date={day}/part-0.parquet" in a, f"{table} {day} not published"
    assert any(name.startswith("event_clusters/part-") for name in a)
    assert sorted(a) == sorted(b)
    for name in a:
        assert a[name] == b[name], f"{name} differs between one process and two"
    assert not any((two / "_staging").rglob("*.parquet")), "staging left behind"


def test_two_processes_validate_dates_in_batches(one_and_two_processes):
    """Dates are validated in shared GX passes, not one pass per date. When the last date starts,
    every date but the (at most 2) still being worked on is ready and not yet validated, so
    the first pass covers at least len(dates) - 2 dates whatever the timing."""
    _, two = one_and_two_processes
    passes = gx_passes(two)
    days = [d.isoformat() for d in SEED_DATES]
    assert sorted(passes) == days
    for day, batch in passes.items():
        assert day in batch
    distinct = {tuple(b) for b in passes.values()}
    assert max(len(b) for b in distinct) >= len(days) - 2, distinct
    assert len(distinct) <= 3, distinct
    assert sum(len(b) for b in distinct) == len(days), "a date validated in two passes"


def test_a_date_failing_validation_in_the_pool_leaves_the_others_published(tmp_path, monkeypatch, capsys):
    """A worker writes out-of-range confidences for one date (tests/pool_hooks.py): GX fails that
    date in its batch; the other dates are published, PartitionsFailed names the failed one and
    the command exits 1 with the summary of one process."""
    from pool_hooks import BAD_DAY_ENV, init_worker_with_bad_events

    import pipeline.parallel as parallel
    from pipeline.runner import PartitionsFailed
    from pipeline.validate import ValidationFailed

    bad = SEED_DATES[2]
    monkeypatch.setenv(BAD_DAY_ENV, bad.isoformat())
    monkeypatch.setattr(parallel, "_init_worker", init_worker_with_bad_events)
    raised: list[BaseException] = []
    real = parallel.run_partitions_parallel

    def recording(*args, **kwargs):
        try:
            return real(*args, **kwargs)
        except BaseException as exc:
            raised.append(exc)
            raise

    monkeypatch.setattr(parallel, "run_partitions_parallel", recording)
    warehouse = tmp_path / "w"
    assert run_cli(warehouse, "--processes", "2") == EXIT_FAILED
    out, err = capsys.readouterr()

    (exc,) = raised
    assert isinstance(exc, PartitionsFailed)
    (failure,) = exc.failures
    assert isinstance(failure, ValidationFailed) and failure.report["published_date"] == bad.isoformat()
    assert "confidence" in str(failure)
    others = [d for d in SEED_DATES if d != bad]
    assert [r.day for r in exc.results] == others
    for day in others:
        assert (warehouse / "events" / f"published_date={day}" / "part-0.parquet").is_file()
    assert not (warehouse / "events" / f"published_date={bad}").exists()
    assert list((warehouse / "event_clusters").glob("part-*.parquet"))
    assert f"{bad}: validation=failed" in out
    assert f"partitions written: {len(others)} of {len(SEED_DATES)} days" in out
    assert f"backfill --start {bad} --end {bad}" in err


def test_validation_failed_pickles_with_its_report():
    """A worker hands a failed date back to the parent through pickle: the report must survive."""
    import pickle

    from pipeline.validate import ValidationFailed

    report = {"published_date": "2024-01-02", "outcome": "failed", "results": [{"sample": [{"x": 1}]}]}
    back = pickle.loads(pickle.dumps(ValidationFailed("validation failed for 2024-01-02", report)))
    assert isinstance(back, ValidationFailed)
    assert str(back) == "validation failed for 2024-01-02" and back.report == report


# --- the scheduling alone, in this process (no workers, no spaCy, no GX) --------------------------


class InlinePool:
    """Stands in for ProcessPoolExecutor: runs each task when it is submitted, in this process."""

    def __init__(self, max_workers: int, **_kwargs):
        self.max_workers = max_workers

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def submit(self, fn, *args):
        fut: Future = Future()
        try:
            fut.set_result(fn(*args))
        except Exception as exc:
            fut.set_exception(exc)
        return fut


class FakeStages:
    """Fake units: DOCS documents and two shards per date; records each batch and the staged dates."""

    def __init__(self, docs: int = 1, bad: frozenset = frozenset(), crash: str | None = None):
        self.docs, self.bad, self.crash = docs, bad, crash
        self.batches: list[list[str]] = []
        self.staged: set[str] = set()
        self.most_staged = 0

    def prepare(self, source, warehouse, day, run_id, settings) -> Prepared:
        self.staged.add(day.isoformat())
        self.most_staged = max(self.most_staged, len(self.staged))
        cleaned = SimpleNamespace(day=day, counts=Counts(self.docs, self.docs, 0, 0))
        return Prepared(shards=[Shard(cleaned, i, 2, i, 1) for i in range(2)])

    def extract(self, shard, settings) -> str:
        if shard.cleaned.day.isoformat() == self.crash:
            raise OSError("No space left on device")
        return f"{shard.cleaned.day}/events-{shard.shard}.parquet"

    def finish(self, items) -> list:
        from pipeline.validate import ValidationFailed

        self.batches.append([cleaned.day.isoformat() for cleaned, _ in items])
        out = []
        for cleaned, paths in items:
            assert paths == sorted(paths) and len(paths) == 2
            day = cleaned.day.isoformat()
            self.staged.discard(day)
            if day in self.bad:
                out.append(ValidationFailed(f"validation failed for {day}", {"published_date": day}))
            else:
                out.append(Published(cleaned.day, "run", "wh", cleaned.counts, "passed", {}))
        return out


def run_inline(monkeypatch, fake: FakeStages, days: list[dt.date], processes: int = 2) -> list[dict]:
    import pipeline.parallel as parallel
    from pipeline.config import Settings

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", InlinePool)
    for name in ("prepare", "extract", "finish"):
        monkeypatch.setattr(parallel, name, getattr(fake, name))
    settings = Settings(source="src", warehouse="wh")
    return parallel.run_partitions_parallel("src", "wh", days, settings, processes, lambda d: f"t__{d}")


def some_days(n: int) -> list[dt.date]:
    return [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(n)]


def test_batches_follow_the_limits_of_one_process_and_staging_stays_bounded(monkeypatch):
    from pipeline.runner import MAX_BATCH_DAYS

    days = some_days(3 * MAX_BATCH_DAYS + 10)
    fake = FakeStages()
    results = run_inline(monkeypatch, fake, days)
    assert [r.day for r in results] == days
    assert sorted(d for b in fake.batches for d in b) == [d.isoformat() for d in days]
    assert [len(b) for b in fake.batches[:3]] == [MAX_BATCH_DAYS] * 3  # full batches while dates remain
    assert len(fake.batches) <= 3 + 1 + 2  # the rest: at most one per date still in flight at the end
    assert fake.most_staged <= MAX_BATCH_DAYS + 2


def test_batches_close_at_the_document_limit(monkeypatch):
    from pipeline.runner import MAX_BATCH_DOCUMENTS

    fake = FakeStages(docs=MAX_BATCH_DOCUMENTS // 2)
    run_inline(monkeypatch, fake, some_days(7))
    assert all(len(b) <= 2 for b in fake.batches), fake.batches


def test_failed_dates_are_collected_and_raised_at_the_end(monkeypatch):
    from pipeline.runner import PartitionsFailed

    days = some_days(10)
    bad = {days[1].isoformat(), days[7].isoformat()}
    with pytest.raises(PartitionsFailed) as info:
        run_inline(monkeypatch, FakeStages(bad=frozenset(bad)), days)
    assert [f.report["published_date"] for f in info.value.failures] == sorted(bad)
    assert [r.day.isoformat() for r in info.value.results] == [d.isoformat() for d in days if d.isoformat() not in bad]


def test_a_crash_in_extraction_stops_the_run(monkeypatch):
    days = some_days(5)
    with pytest.raises(OSError, match="No space left"):
        run_inline(monkeypatch, FakeStages(crash=days[2].isoformat()), days)
