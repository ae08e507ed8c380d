"""Records of the supplier's own systems (ERP, accounting, warranty) about each partner, and their import."""
