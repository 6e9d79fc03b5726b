"""Kennis: knowledge and semantic search (embeddings, ranking, lexical signals)."""
