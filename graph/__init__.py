"""Build the Datathèque knowledge graph: harvest, lift, validate and load sources."""
