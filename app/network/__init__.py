"""Territories, partners and comparison groups."""
