"""The partner relationship: master data, contacts, the supplier's staff, and the partner file (360°)."""
