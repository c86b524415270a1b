"""Finding passages: dense, BM25 and sentence channels, provision lookup, fusion and rerank
as replaceable stages, and the graph of references between provisions."""
