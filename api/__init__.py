"""The Datathèque web application: SPARQL endpoint, linked-data pages, catalogue."""
