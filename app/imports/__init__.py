"""Figures and market data from files (CSV, XLSX), checked in a dry run before anything is stored."""
