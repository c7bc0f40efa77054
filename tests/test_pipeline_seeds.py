"""End to end on the bundled seeds: the shared UN Office description is found."""

from __future__ import annotations

import dedup

A, B = "000_06ca5f3817816343", "001_379fe7a909cd7bd2"
FIRST = "The United Nations Office of Counter-Terrorism was established"
LAST = "counter-terrorism-related meetings."


def _shared_span(text: str) -> tuple[int, int]:
    start = text.index(FIRST)
    return start, text.index(LAST) + len(LAST)


def test_office_description_is_clustered_across_000_and_001(seeds_dir):
    result = dedup.cluster_files([seeds_dir])
    texts = {doc_id: doc.text for doc_id, doc in result.documents.items()}
    for doc_id in (A, B):
        want_start, want_end = _shared_span(texts[doc_id])
        covered = set()
        for c in result.clusters:
            if {m.doc for m in c.members} >= {A, B}:
                for m in c.members:
                    if m.doc == doc_id:
                        covered.update(range(m.start, m.end))
        wanted = set(range(want_start, want_end))
        # Every character of the shared description, except inter-sentence spaces, is in a cluster.
        missing = [i for i in wanted - covered if not texts[doc_id][i].isspace()]
        assert not missing, f"{doc_id}: {len(missing)} characters of the shared text not clustered"


def test_cluster_members_slice_back_and_share_text(seeds_dir):
    result = dedup.cluster_files([seeds_dir])
    assert result.clusters
    for c in result.clusters:
        assert c.documents >= 2
        words = []
        for m in c.members:
            text = result.documents[m.doc].text
            assert 0 <= m.start < m.end <= len(text)
            assert text[m.start : m.end] == text[m.start : m.end].strip()
            words.append(set(dedup.normalize(text[m.start : m.end]).text.split()))
        # No cluster joins passages that share no text.
        for i in range(len(words)):
            for j in range(i + 1, len(words)):
                assert len(words[i] & words[j]) >= 5


def test_ids_do_not_depend_on_input_order(seeds_dir):
    docs = list(dedup.read_documents([seeds_dir]))
    forward = dedup.find_clusters(docs).clusters
    backward = dedup.find_clusters(list(reversed(docs))).clusters
    assert forward == backward
