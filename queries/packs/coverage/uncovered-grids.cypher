// name: coverage/uncovered-grids
// description: 没有网格党支部覆盖的网格 | Grids that no grid party branch covers
// param: area area = null | an area id or unambiguous name: only grids inside it
// columns: grid_id, grid, community, households
// types: str, str, str, int
// two parts and only one answers. With an area, walk down its PART_OF subtree from the area's index entry;
// without, scan the label (a single "$area IS NULL OR in-scope" test would scan the whole label either way)
WITH $area AS area
WHERE area IS NOT NULL
MATCH (scope:Area {id: area})<-[:PART_OF*0..12]-(g:Grid)
// first keep the grids with no cover or a cover that is not a branch (few), without grouping every grid;
// then collect-then-test those (a WHERE on the OPTIONAL MATCH is several times slower on FalkorDB)
OPTIONAL MATCH (o)-[:COVERS]->(g)
WITH g, o
WHERE NOT coalesce(o.kind = 'grid_party_branch', false)
WITH DISTINCT g
OPTIONAL MATCH (o)-[:COVERS]->(g)
WITH g, collect(o.kind) AS kinds
WHERE NOT 'grid_party_branch' IN kinds
RETURN g.id AS grid_id, g.name AS grid,
       [(g)-[:PART_OF*0..12]->(c) WHERE c.level = 'community' | c.name][0] AS community,
       g.households AS households
ORDER BY grid_id
UNION ALL
WITH $area AS area
WHERE area IS NULL
MATCH (g:Grid)
OPTIONAL MATCH (o)-[:COVERS]->(g)
WITH g, o
WHERE NOT coalesce(o.kind = 'grid_party_branch', false)
WITH DISTINCT g
OPTIONAL MATCH (o)-[:COVERS]->(g)
WITH g, collect(o.kind) AS kinds
WHERE NOT 'grid_party_branch' IN kinds
RETURN g.id AS grid_id, g.name AS grid,
       [(g)-[:PART_OF*0..12]->(c) WHERE c.level = 'community' | c.name][0] AS community,
       g.households AS households
ORDER BY grid_id
