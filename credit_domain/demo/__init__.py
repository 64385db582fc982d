"""Deterministic demo data for the embedded default and for trying creditbot out."""
