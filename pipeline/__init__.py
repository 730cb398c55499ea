"""News event extraction pipeline: ingest, clean, extract, validate, publish.

Every stage is a plain function importable without Airflow; the DAG in `dags/` and the
command line (`python -m pipeline`) call the same functions.
"""

__version__ = "0.1.0"

# What a DAG file must not import at parse time (the dag-processor parses it every few seconds):
# the tasks import these when they run. tests/test_dag_import.py and the DAG-parse benchmark check it.
HEAVY_MODULES = ("spacy", "thinc", "great_expectations", "pandas", "pyarrow", "pipeline.extract", "pipeline.validate")
