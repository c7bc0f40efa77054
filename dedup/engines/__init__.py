"""Engines: other places to run the steps of :mod:`dedup.pipeline`.

The in-process engine lives in :mod:`dedup.pipeline`. An engine here decides
where each step runs and how data moves between them; it never has a stage
of its own: every result comes from the public steps of the stage modules.

- :mod:`dedup.engines.spark`: Apache Spark (``pip install 'dedup-provenance[spark]'``).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from types import ModuleType

from ..errors import ParameterError

__all__ = ["spark_available", "spark_engine"]


def spark_available() -> str | None:
    """None when PySpark, pandas, PyArrow and Java are here; else what is missing."""
    for module in ("pyspark", "pyarrow", "pandas"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (pip install 'dedup-provenance[spark]')"
    if not os.environ.get("JAVA_HOME") and shutil.which("java") is None:
        return "no Java (Spark needs Java 17 or 21: set JAVA_HOME or put java on PATH)"
    return None


def spark_engine() -> ModuleType:
    """:mod:`dedup.engines.spark`, or a ParameterError saying what it needs."""
    missing = spark_available()
    if missing:
        raise ParameterError(f"--engine spark: {missing}")
    from . import spark

    return spark
