"""The Spark engine: the pipeline's steps on a Spark cluster, the same result byte for byte.

    from pyspark.sql import SparkSession
    from dedup import Params
    from dedup.engines.spark import provenance_files

    spark = SparkSession.builder.master("local[2]").getOrCreate()
    result = provenance_files(spark, ["dump.jsonl.gz"], Params())
    # result.report is what dedup.provenance_files gives for the same input

Needs ``pip install 'dedup-provenance[spark]'`` (PySpark 4 with pandas and
PyArrow; Java 17 or 21). :mod:`.run` describes the stages; :mod:`.steps`
holds the partition functions, each a call of a pipeline step.
"""

from __future__ import annotations

import os
import sys

from .records import ReportWritten, is_directory, write_provenance
from .run import SparkOptions, cluster_files, provenance_files

__all__ = ["cluster_files", "provenance_files", "write_provenance", "ReportWritten", "is_directory", "SparkOptions",
           "local_session"]


def local_session(master: str = "local[*]", *, app_name: str = "dedup", config: dict[str, str] | None = None):
    """A SparkSession for ``master``, its Python workers running this interpreter.

    In local mode, shuffles get four partitions per core instead of Spark's
    200 (which suit a cluster, and cost more in tasks than they save on one
    machine), and keep them all (no merging by size, which balances bytes,
    not work). ``config`` adds or overrides settings; a session that exists
    already (under ``spark-submit``) is returned as it is.
    """
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.master(master).appName(app_name)
    defaults = {"spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false"}
    if master.startswith("local"):
        cores = master[len("local["):-1] if master.startswith("local[") else "1"
        count = (os.cpu_count() or 1) if cores in ("*", "") else int(cores.split(",")[0])
        defaults["spark.sql.shuffle.partitions"] = str(4 * count)
        # Spark would merge small shuffle partitions (by bytes) into fewer tasks than the
        # cores can balance: signing, alignment and the report are few bytes and much
        # Python, and ran as 3 tasks on 2 cores (one core idle while the last ran).
        defaults["spark.sql.adaptive.coalescePartitions.enabled"] = "false"
    for key, value in {**defaults, **(config or {})}.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark
