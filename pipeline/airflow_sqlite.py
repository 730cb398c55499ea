"""SQLite connection arguments for the embedded Airflow metadata DB.

The api-server, scheduler, dag-processor and CLI commands share one SQLite file; the
default 5 s busy timeout makes a CLI write (`backfill create`) fail with "database is
locked" while the scheduler holds a write lock. A longer wait is all SQLite needs.
Referenced by `AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS` (see airflow_local.py).
"""

CONNECT_ARGS = {"timeout": 60}
