"""Text rules shared by ingest, retrieval and answers: search tokens and sentence ends."""
