"""Connected components of the verified pairs, without GraphFrames.

Grouping (:func:`dedup.cluster.group_passages`) never joins passages of two
connected components, so it can run on each component alone, and a
component can go to one task. Which component a passage is in is found

- on the driver, with the project's :class:`~dedup.spans.UnionFind`, while
  the verified pairs are few enough (``driver_pairs``; 16 bytes each);
- beyond that, by large-star/small-star rounds (Kiveris et al., "Connected
  Components in MapReduce and Beyond", 2014) as Spark joins and
  aggregations, each round checkpointed as Parquet so that the plan stays
  short.

Either way a component is named by its smallest passage rank, so the result
does not depend on the path taken.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ...spans import UnionFind

__all__ = ["components"]

#: Verified pairs up to which components are found on the driver.
DRIVER_PAIRS = 20_000_000


def components(spark, edges, work: str, driver_pairs: int = DRIVER_PAIRS, name: str = "components"):
    """A DataFrame (node, component) over every node of ``edges`` (left, right):
    passages, or documents. Rounds beyond the driver keep their Parquet under
    ``work``/``name``-*."""
    pairs = edges.select("left", "right")
    if pairs.limit(driver_pairs + 1).count() <= driver_pairs:
        return _on_driver(spark, pairs)
    return _star_rounds(spark, pairs, f"{work}/{name}")


def _on_driver(spark, pairs):
    table = pairs.toArrow()
    left = table.column("left").to_numpy()
    right = table.column("right").to_numpy()
    nodes, local = np.unique(np.concatenate([left, right]), return_inverse=True)
    sets = UnionFind(len(nodes))
    k = len(left)
    for a, b in zip(local[:k].tolist(), local[k:].tolist()):
        sets.union(a, b)
    # The root of a set is its smallest element, and nodes are sorted: the
    # component is named by its smallest passage.
    roots = np.array([sets.find(x) for x in range(len(nodes))], dtype=np.int64)
    found = pa.table({"node": pa.array(nodes, pa.int64()), "component": pa.array(nodes[roots], pa.int64())})
    return spark.createDataFrame(found)


def _star_rounds(spark, pairs, prefix: str):
    from pyspark.sql import functions as F

    def checkpoint(frame, name: str):
        path = f"{prefix}-{name}"
        frame.write.mode("overwrite").parquet(path)
        return spark.read.parquet(path)

    # Edges (u, v) with u > v: each points from a node to a smaller neighbour.
    edges = checkpoint(pairs.select(F.greatest("left", "right").alias("u"), F.least("left", "right").alias("v"))
                       .distinct(), "0")
    round_ = 0
    while True:
        round_ += 1
        # Large star: every node links its larger neighbours to its smallest neighbour (or itself).
        both = edges.select("u", "v").unionByName(edges.select(F.col("v").alias("u"), F.col("u").alias("v")))
        smallest = both.groupBy("u").agg(F.min("v").alias("m"))
        large = (both.join(smallest, "u").where(F.col("v") > F.col("u"))
                 .select(F.col("v").alias("u"), F.least("m", "u").alias("v")).distinct())
        large = checkpoint(large, f"{round_}-large")
        # Small star: every node links itself and its smaller neighbours to the smallest of them.
        smaller = large.groupBy("u").agg(F.min("v").alias("m"))
        small = (large.join(smaller, "u")
                 .select(F.col("v").alias("u"), F.col("m").alias("v"))
                 .unionByName(smaller.select("u", F.col("m").alias("v")))
                 .where(F.col("u") != F.col("v")).distinct())
        small = checkpoint(small, f"{round_}-small")
        changed = small.exceptAll(edges).limit(1).count() + edges.exceptAll(small).limit(1).count()
        edges = small
        if not changed:
            break
    # Every edge now points from a node to its component's smallest node.
    stars = edges.select(F.col("u").alias("node"), F.col("v").alias("component"))
    centres = edges.select(F.col("v").alias("node"), F.col("v").alias("component")).distinct()
    return stars.unionByName(centres).distinct()
