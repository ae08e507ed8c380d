"""Uploaded files: checked, stored once per content, their text found for search, downloaded."""
