"""dedup: find reused passages in news text and say where they came from.

Each stage is a module of its own and is re-exported here; every step of the
pipeline is a public, pure function with its own options object (see
:mod:`dedup.pipeline` for the steps in order). :func:`find_clusters` and
:func:`cluster_files` run the pipeline up to clusters of shared passages;
:func:`find_provenance` and :func:`provenance_files` run it to the end: every
reused span of every article, its matches and its likely origin. :class:`Archive`
keeps articles in one SQLite file, added day by day.
"""

from .align import AlignDoc, Alignment, align_pair
from .carriers import Carrier, FirstSeen
from .cluster import (
    Cluster, ClusterMember, Verified, build_clusters, cluster_index, group_passages, verify_candidates, verify_pairs,
)
from .corpus import CorpusIndex, SignedBatch, SignOptions, gather_signed, index_batch, passage_rank, sign_documents
from .errors import DedupError, InputError, ParameterError, WriteError
from .grammar import function_word_mask
from .index import (
    Candidates, DocumentPairs, anchor_pairs, band_keys, candidate_pairs, document_pairs, find_candidates,
    lsh_candidates, optimal_bands,
)
from .ingest import Document, IngestReport, Skipped, read_documents
from .normalize import NormalizedText, TokenBatch, normalize, tokenize_batch
from .options import (
    AlignOptions, AnchorOptions, LshOptions, ProvenanceOptions, SegmentOptions, VerifyOptions,
)
from .pipeline import (
    ClusterResult, Params, Progress, ProvenanceResult, align_documents, cluster_files, find_clusters,
    find_provenance, provenance_files, provenance_of_index,
)
from .provenance import (
    DocumentReport, Match, NearDuplicate, ProvenanceReport, ReuseCluster, ReusedSpan, build_provenance,
)
from .segment import Passage, Passages, paragraph_spans, segment_batch, sentence_spans
from .sign import Scheme, Signatures, document_anchors, from_lean_minhash, sign_batch, to_lean_minhash
from .store import DocumentStore
from .archive import Archive, ArchiveInfo, ArchiveResult, Revision

__version__ = "0.1.0"

__all__ = [
    # ingest
    "Document", "IngestReport", "Skipped", "read_documents",
    # normalize
    "NormalizedText", "TokenBatch", "normalize", "tokenize_batch",
    # segment
    "Passage", "Passages", "paragraph_spans", "segment_batch", "sentence_spans",
    # sign
    "Scheme", "Signatures", "document_anchors", "from_lean_minhash", "sign_batch", "to_lean_minhash",
    # corpus: signed batches and the corpus index
    "SignOptions", "SignedBatch", "CorpusIndex", "sign_documents", "index_batch", "gather_signed", "passage_rank",
    # index
    "Candidates", "DocumentPairs", "anchor_pairs", "band_keys", "candidate_pairs", "document_pairs",
    "find_candidates", "lsh_candidates", "optimal_bands",
    # cluster
    "Cluster", "ClusterMember", "Verified", "build_clusters", "cluster_index", "group_passages",
    "verify_candidates", "verify_pairs",
    # align
    "AlignDoc", "Alignment", "align_pair",
    # provenance
    "DocumentReport", "Match", "NearDuplicate", "ProvenanceReport", "ReuseCluster", "ReusedSpan", "build_provenance",
    # options of the steps
    "AlignOptions", "AnchorOptions", "LshOptions", "ProvenanceOptions", "SegmentOptions", "VerifyOptions",
    # pipeline
    "ClusterResult", "Params", "Progress", "ProvenanceResult", "align_documents", "cluster_files", "find_clusters",
    "find_provenance", "provenance_files", "provenance_of_index",
    # archive
    "Archive", "ArchiveInfo", "ArchiveResult", "Revision",
    # grammar
    "function_word_mask",
    # carriers
    "Carrier", "FirstSeen",
    # store
    "DocumentStore",
    # errors
    "DedupError", "InputError", "ParameterError", "WriteError",
    "__version__",
]
