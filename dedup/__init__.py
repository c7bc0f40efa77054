"""dedup: find reused passages in news text and say where they came from.

Each stage is a module of its own and is re-exported here. :func:`find_clusters`
and :func:`cluster_files` run the pipeline up to clusters of shared passages;
:func:`find_provenance` and :func:`provenance_files` run it to the end: every
reused span of every article, its matches and its likely origin.
"""

from .align import AlignDoc, Alignment, align_pair
from .carriers import Carrier, FirstSeen
from .cluster import Cluster, ClusterMember, Verified, build_clusters, group_passages, verify_pairs
from .errors import DedupError, InputError, ParameterError
from .grammar import function_word_mask
from .index import Candidates, anchor_pairs, band_keys, candidate_pairs, lsh_candidates, optimal_bands
from .ingest import Document, IngestReport, Skipped, read_documents
from .normalize import NormalizedText, TokenBatch, normalize, token_document_frequency, tokenize_batch
from .pipeline import (
    ClusterResult, Params, ProvenanceResult, SignedBatch, align_documents, cluster_files, find_clusters,
    find_provenance, gather_signed, index_batch, passage_rank, provenance_files, sign_documents,
)
from .provenance import (
    DocumentReport, Match, NearDuplicate, ProvenanceReport, ReuseCluster, ReusedSpan, build_provenance,
)
from .segment import Passage, Passages, paragraph_spans, segment_batch, sentence_spans
from .sign import Scheme, Signatures, document_anchors, from_lean_minhash, sign_batch, to_lean_minhash
from .store import DocumentStore

__version__ = "0.1.0"

__all__ = [
    "AlignDoc", "Alignment", "DocumentReport", "Match", "NearDuplicate", "ProvenanceReport", "ProvenanceResult",
    "ReuseCluster", "ReusedSpan", "align_documents", "align_pair", "anchor_pairs", "build_provenance",
    "document_anchors", "find_provenance", "provenance_files", "function_word_mask", "token_document_frequency",
    "Carrier", "FirstSeen",
    "Candidates", "Cluster", "ClusterMember", "ClusterResult", "DedupError", "Document", "IngestReport",
    "InputError", "NormalizedText", "Params", "ParameterError", "Passage", "Passages", "Scheme",
    "SignedBatch", "Signatures", "Skipped", "TokenBatch", "Verified", "band_keys", "build_clusters",
    "candidate_pairs", "lsh_candidates", "index_batch", "gather_signed", "passage_rank", "DocumentStore", "cluster_files", "find_clusters", "from_lean_minhash", "group_passages",
    "normalize", "optimal_bands", "paragraph_spans", "read_documents", "segment_batch", "sentence_spans",
    "sign_batch", "sign_documents", "to_lean_minhash", "tokenize_batch", "verify_pairs", "__version__",
]
