"""The benchmark analysis pages: the managing director's view of the own business against its groups."""
