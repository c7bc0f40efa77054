"""Engines: other places to run the steps of :mod:`dedup.pipeline`.

The in-process engine lives in :mod:`dedup.pipeline`. An engine here decides
where each step runs and how data moves between them; it never has a stage
of its own: every result comes from the public steps of the stage modules.

- :mod:`dedup.engines.spark`: Apache Spark (``pip install 'dedup-provenance[spark]'``).
"""
