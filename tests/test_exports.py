"""The public API is pinned: what ``dedup`` exports, that it is documented, and that importing it is light."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import dedup

# Changing this list is changing the public API: do it on purpose.
EXPORTS = {
    # ingest
    "Document", "IngestReport", "Skipped", "read_documents",
    # normalize
    "NormalizedText", "TokenBatch", "normalize", "tokenize_batch",
    # segment
    "Passage", "Passages", "paragraph_spans", "segment_batch", "sentence_spans",
    # sign
    "Scheme", "Signatures", "document_anchors", "from_lean_minhash", "sign_batch", "to_lean_minhash",
    # corpus
    "SignOptions", "SignedBatch", "CorpusIndex", "sign_documents", "index_batch", "gather_signed", "passage_rank",
    # index
    "Candidates", "DocumentPairs", "anchor_pairs", "band_keys", "candidate_pairs", "document_pairs",
    "find_candidates", "lsh_candidates", "optimal_bands",
    # cluster
    "Cluster", "ClusterMember", "Verified", "build_clusters", "cluster_index", "group_passages",
    "verify_candidates", "verify_pairs",
    # align
    "AlignDoc", "Alignment", "align_pair",
    # grammar
    "function_word_mask",
    # carriers
    "Carrier", "FirstSeen",
    # provenance
    "DocumentReport", "Match", "NearDuplicate", "ProvenanceReport", "ReuseCluster", "ReusedSpan", "build_provenance",
    # options
    "AlignOptions", "AnchorOptions", "LshOptions", "ProvenanceOptions", "SegmentOptions", "VerifyOptions",
    # pipeline
    "ClusterResult", "Params", "Progress", "ProvenanceResult", "align_documents", "cluster_files", "find_clusters",
    "find_provenance", "provenance_files", "provenance_of_index",
    # archive
    "Archive", "ArchiveInfo", "ArchiveResult", "Revision",
    # store
    "DocumentStore",
    # errors
    "DedupError", "InputError", "ParameterError", "WriteError",
    "__version__",
}


def test_all_is_pinned():
    assert len(dedup.__all__) == len(set(dedup.__all__)), "duplicates in __all__"
    assert set(dedup.__all__) == EXPORTS


def test_every_export_is_importable():
    namespace: dict[str, object] = {}
    exec("from dedup import *", namespace)  # noqa: S102 - what a star import gets
    for name in dedup.__all__:
        assert getattr(dedup, name) is not None
        if name != "__version__":
            assert namespace[name] is getattr(dedup, name)


def _public_callables():
    for name in sorted(EXPORTS - {"__version__"}):
        obj = getattr(dedup, name)
        yield name, obj
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if not attr.startswith("_") and inspect.isfunction(member):
                    yield f"{name}.{attr}", member


def _documented(obj) -> bool:
    doc = (obj.__doc__ or "").strip()  # its own, not inherited
    # A dataclass without a docstring gets its signature as __doc__.
    return bool(doc) and not (inspect.isclass(obj) and doc.startswith(f"{obj.__name__}("))


def test_public_functions_and_methods_have_docstrings():
    missing = [name for name, obj in _public_callables() if not inspect.isclass(obj) and not _documented(obj)]
    assert not missing, f"no docstring: {missing}"


def test_public_classes_have_docstrings():
    missing = [name for name, obj in _public_callables() if inspect.isclass(obj) and not _documented(obj)]
    assert not missing, f"no docstring: {missing}"


def test_stage_classes_have_docstrings():
    stages = {"ingest", "normalize", "segment", "sign", "index", "cluster", "errors", "pipeline"}
    missing = [name for name, obj in _public_callables()
               if inspect.isclass(obj) and obj.__module__.split(".")[-1] in stages and not _documented(obj)]
    assert not missing, f"no docstring: {missing}"


def test_errors_form_one_tree_with_exit_codes():
    assert issubclass(dedup.InputError, dedup.DedupError)
    assert issubclass(dedup.ParameterError, dedup.DedupError) and issubclass(dedup.ParameterError, ValueError)
    assert dedup.DedupError.exit_code == 1
    error = dedup.InputError("malformed JSON", path="dump.jsonl", line=3)
    assert (str(error), error.path, error.line, error.reason) == ("dump.jsonl:3: malformed JSON", "dump.jsonl", 3,
                                                                  "malformed JSON")


def _imported_after_import_dedup() -> set[str]:
    code = "import sys, dedup; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


@pytest.fixture(scope="module")
def imported() -> set[str]:
    return _imported_after_import_dedup()


@pytest.mark.parametrize(
    "module",
    [
        "rapidfuzz",
        "charset_normalizer",
        "zstandard",
        "datasketch",
        "scipy",
    ],
)
def test_import_dedup_is_light(imported, module):
    assert module not in imported, f"import dedup imports {module} eagerly"


def test_every_error_is_a_dedup_error_with_exit_code_1():
    for error in (dedup.InputError, dedup.ParameterError, dedup.WriteError):
        assert issubclass(error, dedup.DedupError) and error.exit_code == 1
