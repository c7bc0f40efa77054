"""Speed and memory of dedup at scale, stage by stage, beside datasketch and rensa (issue 4).

    python -m benchmarks.speed [--sizes 10000 20000] [--skip-peers] [--out benchmarks/out]

Each size is a synthetic dump from ``benchmarks.make_dump`` (seed 0), made in
``benchmarks/data/`` unless already there. Every measurement runs in a fresh process:

- dedup's stages one after another, in one child, from public stage functions in the
  pipeline's order: read, normalise (normalise and tokenise), segment, sign, index (band
  keys and candidate pairs), cluster (verify, group, build), align (rare-shingle anchors,
  document pairs, rapidfuzz alignment) and report (provenance report; clusters and
  provenance written as JSON Lines). A stage's peak RSS is the kernel's high-water mark,
  reset as the stage starts, so it includes what earlier stages keep in memory. At the
  smallest size the child then runs ``dedup.find_provenance`` and checks that both found
  the same passages, candidates, clusters, document pairs and alignments;
- the command line, process start included: ``dedup cluster --jobs 1`` and ``--jobs 2``,
  ``dedup provenance`` (all cores; up to ``--provenance-limit`` articles);
- signatures only, on one core, of the very passages dedup's segmentation cuts (of the
  first ``--sign-limit`` articles): ``dedup.sign_batch``, datasketch ``MinHash.bulk``, rensa
  ``RMinHash.update`` and ``RMinHash.digest_matrix_from_token_sets``; stage ``sign``
  starts from tokens or shingles, ``text+sign`` also makes them from the text;
- the pipeline a user would write by hand, end to end (paragraphs, MinHash, LSH insert
  and query, union-find, clusters written as JSON Lines): one with datasketch, one with
  rensa. Their scripts are written to ``--out`` and run alone. Where one would take
  longer than ``--peer-budget`` seconds, its figures are extrapolated linearly from the
  largest size measured (at least 10,000 articles) and marked so.

A process's peak RSS is the larger of its ``ru_maxrss`` (from ``wait4``) and the peak,
sampled every 50 ms, of the summed RSS of its process tree (``--jobs 2`` workers).
A ratio is seconds over dedup's seconds for the same work: signing peers against
dedup's row of the same stage, command lines and hand-built pipelines against
``dedup cluster --jobs 1``; above 1, dedup is faster. MB are 10^6 bytes of UTF-8 text: of
the whole dump, or of all passages signed for the signing rows. Each row records the
load average as it started, and each size a hash of dedup's source before and after
(a warning says when dedup changed mid-run). To measure a fixed commit while dedup/ is
being edited, run from an export of it: ``git archive HEAD | tar -x -C /tmp/snap``, then
``cd /tmp/snap && PYTHONPATH=$PWD python -m benchmarks.speed --data ... --out ...``
(PYTHONPATH, so that the ``dedup`` command imports the export too).

Writes a table to stdout, ``speed.json`` (rows, machine, corpus figures, stage parts)
and ``speed.png`` (time and peak memory against size, log-log).
"""
