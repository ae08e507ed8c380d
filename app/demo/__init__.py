"""`portal demo-data`: a believable network of agricultural machinery dealers."""
