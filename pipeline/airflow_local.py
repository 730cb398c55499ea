"""Airflow inside the project folder: configuration, and the real scheduler started and
stopped on demand, for `make run`, the backfill test and local use.

Everything lives under an ignored `AIRFLOW_HOME` (default `.airflow/`): SQLite metadata DB,
LocalExecutor, `dags_folder` = `dags/`, examples off, servers bound to 127.0.0.1. No global
state outside the project folder; nothing here is imported by the DAG file.

The PostgreSQL + Celery set-up (`docs/operations.md`) uses the same DAG and code; only the
`AIRFLOW__*` variables change.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from pipeline.config import DAG_ID, OTHER_SETTINGS, PROJECT_ROOT, env_name

TERMINAL = {"success", "failed"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Airflow's processes create their files (metadata DB, logs, generated config) readable by their
# owner only: AIRFLOW_HOME holds the JWT secret, the DB and task logs with article text.
PRIVATE_UMASK = 0o077
# Modules the LocalExecutor's forkserver imports once, so that every task process inherits them
# (pipeline/airflow_preload.py says why; benchmarks/airflow_overhead.py what it buys).
FORKSERVER_PRELOAD = "airflow,airflow.executors.local_executor,pipeline.airflow_preload"


def private_home(home: Path) -> Path:
    """AIRFLOW_HOME made (or narrowed to) 0700, its secret written 0600, its files 0600."""
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o700)
    secret_file = home / "jwt_secret"
    if not secret_file.exists():
        fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    restrict_files(home)
    return secret_file


def restrict_files(home: Path) -> None:
    """Owner-only permissions on AIRFLOW_HOME's files (an older home had them 0644)."""
    for path in home.iterdir():
        if path.is_file() and not path.is_symlink():
            path.chmod(0o600)


def airflow_env(home: Path | None = None, port: int = 8080, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for every airflow process of this project (CLI, servers, task workers)."""
    home = Path(home or os.environ.get("AIRFLOW_HOME") or PROJECT_ROOT / ".airflow").resolve()
    secret_file = private_home(home)
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": env.get("AIRFLOW__CORE__DAGS_FOLDER", str(PROJECT_ROOT / "dags")),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": env.get("AIRFLOW__CORE__EXECUTOR", "LocalExecutor"),
            "AIRFLOW__CORE__PARALLELISM": env.get("AIRFLOW__CORE__PARALLELISM", "4"),
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": env.get(
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{home / 'airflow.db'}"
            ),
            "AIRFLOW__API__HOST": "127.0.0.1",
            # the embedded api-server listens on loopback only; without this every REST call of
            # this module would need a token from the simple auth manager's generated password
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__API_AUTH__JWT_SECRET": secret_file.read_text().strip(),
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            # were it enabled, on loopback like every other listener (its default is 0.0.0.0)
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST": "127.0.0.1",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": env.get("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING"),
            "GX_ANALYTICS_ENABLED": "False",
            "PYTHONPATH": os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH", "")) if p),
        }
    )
    if env["AIRFLOW__CORE__EXECUTOR"].rsplit(".", 1)[-1] == "LocalExecutor":  # also named by its path
        # task processes forked from a server that preloaded the pipeline (see FORKSERVER_PRELOAD);
        # Celery workers fork their own pool, and the scheduler there runs no task
        env.setdefault("AIRFLOW__SCHEDULER__MP_START_METHOD", "forkserver")
        env.setdefault("AIRFLOW__CORE__MP_FORKSERVER_PRELOAD", FORKSERVER_PRELOAD)
    if env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("sqlite"):
        env.setdefault("AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS", "pipeline.airflow_sqlite.CONNECT_ARGS")
    env.update(extra or {})
    return env


def airflow(
    args: list[str], env: dict[str, str], check: bool = True, capture: bool = True
) -> subprocess.CompletedProcess:
    """Run the `airflow` command of this virtual environment."""
    exe = Path(sys.executable).with_name("airflow")
    proc = subprocess.run(
        [str(exe), *args], env=env, text=True, capture_output=capture, cwd=PROJECT_ROOT, umask=PRIVATE_UMASK
    )
    if check and proc.returncode != 0:
        raise RuntimeError(
            f"airflow {' '.join(args)} failed ({proc.returncode}):\n{(proc.stderr or '')[-3000:]}{(proc.stdout or '')[-2000:]}"
        )
    return proc


def init_db(env: dict[str, str]) -> None:
    airflow(["db", "migrate"], env)
    restrict_files(Path(env["AIRFLOW_HOME"]))


def wait_for_port(port: int, timeout: float, procs: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for p in procs:
            if p.poll() is not None:
                raise RuntimeError(
                    f"an Airflow component exited early ({p.args[1:3]}, code {p.returncode}); see its log in AIRFLOW_HOME/logs"
                )
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.5)
    raise RuntimeError(f"the Airflow api-server did not listen on 127.0.0.1:{port} within {timeout:.0f}s")


def celery_worker_commands(count: int) -> list[list[str]]:
    """`airflow celery worker` commands for `count` workers on one machine: one task slot each,
    distinct node names, and no log server (two would fight over its port on one host)."""
    return [
        ["celery", "worker", "--celery-hostname", f"newsevents-{i}@%h", "--concurrency", "1", "--skip-serve-logs"]
        for i in range(1, count + 1)
    ]


# Components restarted when they exit while a backfill is polled (see revive_components).
RESTARTABLE = ("scheduler", "dag-processor")
MAX_RESTARTS = 3
_RUNNING: dict[str, list[list]] = {}  # api port -> [[command, Popen, restarts], ...] of running_airflow


def _start(exe: str, command: list[str], env: dict[str, str], logs: Path) -> subprocess.Popen:
    name = command[0] if command[0] != "celery" else command[3].split("@")[0]
    log_file = os.fdopen(os.open(logs / f"{name}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab")
    return subprocess.Popen(
        [exe, *command],
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        cwd=PROJECT_ROOT,
        start_new_session=True,
        umask=PRIVATE_UMASK,
    )


@contextlib.contextmanager
def running_airflow(env: dict[str, str], celery_workers: int = 0) -> Iterator[dict[str, str]]:
    """Start api-server, scheduler and dag-processor on loopback (and `celery_workers` Celery
    workers, for the CeleryExecutor); stop them all afterwards."""
    port = int(env["AIRFLOW__API__PORT"])
    exe = str(Path(sys.executable).with_name("airflow"))
    logs = Path(env["AIRFLOW_HOME"]) / "logs"
    logs.mkdir(mode=0o700, parents=True, exist_ok=True)
    running: list[list] = []
    components = [
        ["api-server", "--host", "127.0.0.1", "--port", str(port)],
        # no log server: it binds every interface ([::] and 0.0.0.0, no setting moves it) and is
        # not needed here, as the api-server reads the LocalExecutor's task logs from local files
        ["scheduler", "--skip-serve-logs"],
        ["dag-processor"],
        *celery_worker_commands(celery_workers),
    ]
    _RUNNING[str(port)] = running
    try:
        for component in components:
            running.append([component, _start(exe, component, env, logs), 0])
        wait_for_port(port, 120, [p for _, p, _ in running])
        yield env
    finally:
        _RUNNING.pop(str(port), None)
        procs = [p for _, p, _ in running]
        for p in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, 15)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, 9)
                p.wait()


def revive_components(env: dict[str, str]) -> None:
    """Restart a scheduler or dag-processor of `running_airflow` that exited (as systemd or
    Kubernetes would): on SQLite under a heavy load the scheduler was seen to die of a
    StaleDataError mid-backfill, and its queued runs then waited until the timeout. Its state
    is in the metadata DB, so a new one carries on. After MAX_RESTARTS, fail naming the log."""
    logs = Path(env["AIRFLOW_HOME"]) / "logs"
    for entry in _RUNNING.get(env.get("AIRFLOW__API__PORT", ""), []):
        command, proc, restarts = entry
        if command[0] not in RESTARTABLE or proc.poll() is None:
            continue
        if restarts >= MAX_RESTARTS:
            raise RuntimeError(f"the Airflow {command[0]} exited {restarts + 1} times; see {logs / command[0]}.log")
        print(f"airflow: the {command[0]} exited ({proc.returncode}); restarting it", file=sys.stderr)
        entry[1], entry[2] = _start(str(Path(sys.executable).with_name("airflow")), command, env, logs), restarts + 1


def api(env: dict[str, str], method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    """Call the local api-server's REST API (`/api/v2/...`): no `airflow` process per call, which
    on two cores would take CPU from the tasks it is waiting for."""
    url = env["AIRFLOW__API__BASE_URL"].rstrip("/") + path
    data = json.dumps(body).encode() if body is not None else None
    for attempt in range(8):
        req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as exc:
            try:
                detail = json.loads(exc.read() or b"{}")
            except ValueError:
                detail = {}
            # SQLite answers "database is locked" while the scheduler writes: wait and ask again
            if exc.code == 503 and "locked" in str(detail).lower() and attempt < 7:
                time.sleep(1 + attempt)
                continue
            return exc.code, detail
    return 503, {"detail": "database is locked"}


def wait_for_dag(env: dict[str, str], timeout: float = 180) -> None:
    """Until the dag-processor has serialised the DAG."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            status, _ = api(env, "GET", f"/api/v2/dags/{DAG_ID}")
            if status == 200:
                return
        time.sleep(2)
    raise RuntimeError(f"DAG {DAG_ID} was not parsed within {timeout:.0f}s: run `airflow dags list-import-errors`")


def list_runs(
    env: dict[str, str], run_type: str | None = None, start: dt.date | None = None, end: dt.date | None = None
) -> list[dict]:
    """The runs of the DAG (run_id, state, logical_date, run_type, data interval), optionally only
    those of `run_type` with a logical date on [start, end]: the api-server filters, so a poll
    pages through the runs asked for, not through every run the metadata DB holds."""
    query = "limit=100&order_by=id"
    if run_type:
        query += f"&run_type={run_type}"
    if start:
        query += f"&logical_date_gte={start.isoformat()}T00:00:00Z"
    if end:
        query += f"&logical_date_lt={(end + dt.timedelta(days=1)).isoformat()}T00:00:00Z"
    runs: list[dict] = []
    while True:
        status, page = api(env, "GET", f"/api/v2/dags/{DAG_ID}/dagRuns?{query}&offset={len(runs)}")
        if status != 200:
            raise RuntimeError(f"listing runs of {DAG_ID} failed ({status}): {page}")
        # the REST API calls it dag_run_id; the CLI and the rest of this project say run_id
        runs.extend({**r, "run_id": r.get("dag_run_id")} for r in page.get("dag_runs", []))
        if not page.get("dag_runs") or len(runs) >= page.get("total_entries", 0):
            return runs


def unpause(env: dict[str, str]) -> None:
    status, body = api(env, "PATCH", f"/api/v2/dags/{DAG_ID}?update_mask=is_paused", {"is_paused": False})
    if status != 200:
        raise RuntimeError(f"unpausing {DAG_ID} failed ({status}): {body}")


def backfill(
    env: dict[str, str],
    start: dt.date,
    end: dt.date,
    timeout: float = 900,
    reprocess: str = "completed",
) -> list[dict]:
    """Create a backfill for [start, end] (inclusive), as `airflow backfill create` does, and
    wait until its runs end."""
    unpause(env)
    body = {
        "dag_id": DAG_ID,
        "from_date": f"{start.isoformat()}T00:00:00Z",
        "to_date": f"{end.isoformat()}T00:00:00Z",
        "reprocess_behavior": reprocess,
        "max_active_runs": int(env.get(env_name("max_active_runs"), OTHER_SETTINGS["max_active_runs"][0])),
    }
    # one backfill per DAG at a time (409): the scheduler marks the previous one complete a few
    # heartbeats after its last run ends
    deadline = time.monotonic() + 180
    while True:
        status, answer = api(env, "POST", "/api/v2/backfills", body)
        if status in (200, 201):
            break
        # 503 "Database is locked": SQLite while the scheduler writes; the next try goes through
        if status not in (409, 503) or time.monotonic() > deadline:
            raise RuntimeError(f"creating the backfill {start}..{end} failed ({status}): {answer}")
        time.sleep(1)
    wanted = (end - start).days + 1
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = [
            r
            for r in list_runs(env, "backfill", start, end)
            if r.get("run_type") == "backfill"
            and start.isoformat() <= str(r.get("logical_date", ""))[:10] <= end.isoformat()
        ]
        if len(runs) >= wanted and all(r.get("state") in TERMINAL for r in runs):
            return runs
        revive_components(env)
        time.sleep(1)
    raise RuntimeError(f"backfill {start}..{end} did not finish within {timeout:.0f}s; see AIRFLOW_HOME/logs")


def contiguous_ranges(days: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """[2023-09-19, 2023-09-20, 2024-11-16] -> [(09-19, 09-20), (11-16, 11-16)]."""
    ranges: list[tuple[dt.date, dt.date]] = []
    for day in sorted(set(days)):
        if ranges and day == ranges[-1][1] + dt.timedelta(days=1):
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def run_through_airflow(
    source: Path,
    warehouse: Path,
    home: Path | None = None,
    days: list[dt.date] | None = None,
    progress=print,
    celery_workers: int = 0,
) -> list[dict]:
    """The real thing: scheduler + api-server, one backfill per run of consecutive publication
    dates found in `source` (a DAG run per date), then stop everything.

    The executor and metadata DB come from `AIRFLOW__*` variables (see airflow_env); with
    `AIRFLOW__CORE__EXECUTOR=CeleryExecutor`, pass `celery_workers` to start that many workers."""
    from pipeline.config import Settings
    from pipeline.ingest import publication_dates

    if days is None:
        days = publication_dates(source, Settings().max_file_bytes)
    if not days:
        raise RuntimeError(f"no documents with a valid publication date in {source}")
    env = airflow_env(
        home,
        port=free_port(),
        extra={
            "NEWSEVENTS_SOURCE": str(Path(source).resolve()),
            "NEWSEVENTS_WAREHOUSE": str(Path(warehouse).resolve()),
        },
    )
    progress(f"airflow: AIRFLOW_HOME={env['AIRFLOW_HOME']}, initialising the metadata DB")
    init_db(env)
    runs: list[dict] = []
    with running_airflow(env, celery_workers=celery_workers):
        progress(
            f"airflow: {env['AIRFLOW__CORE__EXECUTOR']}, api-server on {env['AIRFLOW__API__BASE_URL']}, "
            f"scheduler, dag-processor and {celery_workers} Celery worker(s) started"
        )
        wait_for_dag(env)
        for start, end in contiguous_ranges(days):
            progress(f"airflow: backfill {DAG_ID} {start} .. {end}")
            # a minute a day at most on a busy machine (a corpus day takes seconds)
            done = backfill(env, start, end, timeout=max(900.0, 60.0 * ((end - start).days + 1)))
            runs.extend(done)
            for r in sorted(done, key=lambda r: r["logical_date"]):
                progress(f"  run {r['run_id']}  partition {str(r['logical_date'])[:10]}  {r['state']}")
    failed = [r for r in runs if r.get("state") != "success"]
    if failed:
        raise RuntimeError(
            f"{len(failed)} DAG run(s) failed: {[r['run_id'] for r in failed]}; task logs are under {env['AIRFLOW_HOME']}/logs"
        )
    return runs
