"""News event extraction pipeline: ingest, clean, extract, validate, publish.

Every stage is a plain function importable without Airflow; the DAG in `dags/` and the
command line (`python -m pipeline`) call the same functions.
"""

__version__ = "0.1.0"
