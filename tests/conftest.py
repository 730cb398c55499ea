"""Shared fixtures: the seeds, and one warehouse built from them once per test session."""

from __future__ import annotations

import atexit
import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Airflow reads AIRFLOW_HOME at import: keep every test's Airflow state out of ~ and the repo,
# in a folder made only when none is set, and removed when the session ends.
if "AIRFLOW_HOME" not in os.environ:
    os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="newsevents-airflow-")
    atexit.register(shutil.rmtree, os.environ["AIRFLOW_HOME"], ignore_errors=True)
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
GOLD = ROOT / "gold" / "seed_events.jsonl"
SEED_DATES = [
    dt.date(2023, 9, 19),
    dt.date(2023, 9, 20),
    dt.date(2023, 11, 15),
    dt.date(2024, 11, 15),
    dt.date(2024, 11, 16),
]


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def seed_warehouse(tmp_path_factory) -> Path:
    """The seeds run through every stage (command-line path) into a fresh warehouse."""
    from pipeline.config import Settings
    from pipeline.runner import run_partition

    warehouse = tmp_path_factory.mktemp("seed_warehouse")
    settings = Settings(source=str(SEEDS), warehouse=str(warehouse))
    for day in SEED_DATES:
        run_partition(str(SEEDS), str(warehouse), day, f"test__{day}", settings)
    return warehouse


# Two days of re-dated seeds (3 and 2 documents) with an empty day on each side: the range the
# one shared Airflow backfill of the test session covers.
TWO_DAYS = (dt.date(2024, 3, 1), dt.date(2024, 3, 2))
AIRFLOW_RANGE = (dt.date(2024, 2, 29), dt.date(2024, 3, 3))


def write_two_day_source(src: Path) -> Path:
    """The seeds re-dated so that each of two days has several documents (3 and 2)."""
    src.mkdir(parents=True)
    lines = ["file,published_date"]
    for i, path in enumerate(sorted(SEEDS.glob("*.txt"))):
        shutil.copy2(path, src / path.name)
        lines.append(f"{path.name},{TWO_DAYS[0] if i < 3 else TWO_DAYS[1]}")
    (src / "manifest.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return src


def listening_sockets() -> list[str]:
    """`host:port` of every listening TCP socket held by a process this test process started
    (the Airflow components and all their children), asked per process: the machine-wide
    table may not name the owning pids, and `setproctitle` overwrites a process's environment."""
    import psutil

    out = set()
    for proc in psutil.Process().children(recursive=True):
        try:
            conns = proc.net_connections(kind="inet")
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
        out.update(f"{c.laddr.ip}:{c.laddr.port}" for c in conns if c.status == psutil.CONN_LISTEN)
    return sorted(out)


@pytest.fixture(scope="session")
def airflow_backfill(tmp_path_factory) -> dict:
    """One real Airflow (api-server, scheduler, dag-processor, LocalExecutor) for the session:
    a backfill of AIRFLOW_RANGE over the two-day source in one-document shards. The tests of
    test_backfill_airflow.py and test_shards.py read what it left; a scheduler start costs
    more than the runs themselves, so it is paid once."""
    from pipeline import airflow_local as al

    tmp = tmp_path_factory.mktemp("airflow")
    source = write_two_day_source(tmp / "two_days")
    warehouse, home = tmp / "warehouse", tmp / "airflow_home"
    env = al.airflow_env(
        home,
        port=al.free_port(),
        extra={
            "NEWSEVENTS_SOURCE": str(source),
            "NEWSEVENTS_WAREHOUSE": str(warehouse),
            "NEWSEVENTS_SHARD_SIZE": "1",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS": "pipeline.airflow_sqlite.CONNECT_ARGS",
        },
    )
    al.init_db(env)
    with al.running_airflow(env):
        al.wait_for_dag(env)
        runs = al.backfill(env, *AIRFLOW_RANGE, timeout=900)
        listeners = listening_sockets()
    return {"source": source, "warehouse": warehouse, "home": home, "runs": runs, "listeners": listeners}


@pytest.fixture
def source_copy(tmp_path) -> Path:
    """A writable copy of the seeds."""
    dst = tmp_path / "source"
    shutil.copytree(SEEDS, dst)
    return dst


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    """The command line's main(argv) in this process; argparse errors (SystemExit) become their exit code."""
    from pipeline.cli import main

    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err
