"""Graph backends: embedded FalkorDB, FalkorDB servers, Neo4j 5."""
