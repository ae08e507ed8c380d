"""The start page by role: what a managing director or the Zentrale's staff want every morning."""
