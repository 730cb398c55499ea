"""Shared fixtures: the seeds, and one warehouse built from them once per test session."""

from __future__ import annotations

import atexit
import datetime as dt
import os
import shutil
import tempfile
import time
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


def build_seed_warehouse(warehouse: Path) -> Path:
    """The seeds run through every stage (command-line path) into `warehouse`."""
    from pipeline.config import Settings
    from pipeline.runner import run_partition

    settings = Settings(source=str(SEEDS), warehouse=str(warehouse))
    for day in SEED_DATES:
        run_partition(str(SEEDS), str(warehouse), day, f"test__{day}", settings)
    return warehouse


@pytest.fixture(scope="session")
def seed_warehouse(tmp_path_factory) -> Path:
    """The seeds run through every stage into a fresh warehouse, once per test session: under
    pytest-xdist the first worker to ask builds it beside the workers' own temporary folders,
    holding a lock that the others wait on. Its users only read it (or copy it first)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return build_seed_warehouse(tmp_path_factory.mktemp("seed_warehouse"))
    import fcntl

    shared = tmp_path_factory.getbasetemp().parent  # the session's folder, common to the workers
    warehouse, done = shared / "seed_warehouse", shared / "seed_warehouse.done"
    with open(shared / "seed_warehouse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(warehouse, ignore_errors=True)  # a build that failed on another worker
            build_seed_warehouse(warehouse)
            done.touch()
    return warehouse


AIRFLOW_GROUP = "airflow_backfill"


def xdist_scope(nodeid: str) -> str:
    """Under `pytest -n N --dist loadfile` (make test), the unit a worker takes: a whole test
    module, so its module and session fixtures are built on one worker only, and every module
    that uses the session's one Airflow stack (the `airflow_backfill` fixture) together, so the
    stack starts once. The scheduler sees node ids only, so the module's text says which."""
    path = nodeid.split("::", 1)[0]
    module = ROOT / path
    if module.suffix == ".py" and module.is_file() and AIRFLOW_GROUP in module.read_text(encoding="utf-8"):
        return AIRFLOW_GROUP
    return path


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    """pytest-xdist's loadfile scheduling, by xdist_scope. (Its loadgroup mode would do it with
    marks, but with pytest 9 it cannot rename the node ids it groups by.)"""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class ByModule(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return xdist_scope(nodeid)

    return ByModule(config, log)


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


DOWNSTREAM = "events_per_type"


def documented_dag() -> str:
    """The Python block of the "Downstream DAGs" section of docs/operations.md."""
    import re

    page = (ROOT / "docs" / "operations.md").read_text()
    section = page.split("## Downstream DAGs", 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(r"```python\n(.*?)```", section, re.S)
    return code


def downstream_runs(al, env) -> list[dict]:
    status, page = al.api(env, "GET", f"/api/v2/dags/{DOWNSTREAM}/dagRuns?limit=100")
    return page.get("dag_runs", []) if status == 200 else []


def set_paused(al, env, dag_id: str, paused: bool) -> None:
    status, body = al.api(env, "PATCH", f"/api/v2/dags/{dag_id}?update_mask=is_paused", {"is_paused": paused})
    assert status == 200, body


@pytest.fixture(scope="session")
def airflow_backfill(tmp_path_factory) -> dict:
    """One real Airflow (api-server, scheduler, dag-processor, LocalExecutor) for the session:
    a backfill of AIRFLOW_RANGE over the two-day source in one-document shards, with the
    downstream DAG of docs/operations.md beside the pipeline's. A scheduler start costs more
    than the runs themselves, so it is paid once for test_backfill_airflow.py, test_shards.py
    and test_downstream_airflow.py, which read what it left.

    The range runs as two backfills: the first (the empty first day and TWO_DAYS[0]) publishes
    once with the downstream DAG unpaused, and waits for the one run that publish triggers;
    the downstream DAG is paused again before the second (TWO_DAYS[1] and the empty last day),
    so its runs are those of exactly one publish."""
    from pipeline import airflow_local as al

    tmp = tmp_path_factory.mktemp("airflow")
    source = write_two_day_source(tmp / "two_days")
    warehouse, home, dags, reports = tmp / "warehouse", tmp / "airflow_home", tmp / "dags", tmp / "reports"
    dags.mkdir()
    (dags / "news_events.py").symlink_to(ROOT / "dags" / "news_events.py")
    (dags / f"{DOWNSTREAM}.py").write_text(documented_dag())
    env = al.airflow_env(
        home,
        port=al.free_port(),
        extra={
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
            "NEWSEVENTS_SOURCE": str(source),
            "NEWSEVENTS_WAREHOUSE": str(warehouse),
            "NEWSEVENTS_SHARD_SIZE": "1",
            "EVENTS_REPORT_DIR": str(reports),
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS": "pipeline.airflow_sqlite.CONNECT_ARGS",
        },
    )
    al.init_db(env)
    first, last = AIRFLOW_RANGE
    with al.running_airflow(env):
        al.wait_for_dag(env)
        deadline = time.monotonic() + 180
        while al.api(env, "GET", f"/api/v2/dags/{DOWNSTREAM}")[0] != 200:
            assert time.monotonic() < deadline, "the downstream DAG was not parsed: airflow dags list-import-errors"
            time.sleep(2)
        set_paused(al, env, DOWNSTREAM, False)
        before_publish = downstream_runs(al, env)
        runs = al.backfill(env, first, TWO_DAYS[0], timeout=900)
        deadline = time.monotonic() + 300
        while not any(r["state"] in al.TERMINAL for r in downstream_runs(al, env)):
            assert time.monotonic() < deadline, "the downstream DAG did not run after the publish"
            time.sleep(2)
        after_publish = downstream_runs(al, env)
        set_paused(al, env, DOWNSTREAM, True)
        runs += al.backfill(env, TWO_DAYS[1], last, timeout=900)
        listeners = listening_sockets()
    return {
        "source": source,
        "warehouse": warehouse,
        "home": home,
        "runs": runs,
        "listeners": listeners,
        "reports": reports,
        "downstream_before_publish": before_publish,
        "downstream_after_publish": after_publish,
    }


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
