// name: coverage/uncovered-grids
// description: 没有网格党支部覆盖的网格 | Grids that no grid party branch covers
// param: area area = null | an area id or unambiguous name: only grids inside it
// columns: grid_id, grid, community, households
OPTIONAL MATCH (scope:Area {id: $area})
WITH scope
MATCH (g:Grid)
WHERE $area IS NULL OR (g)-[:PART_OF*0..12]->(scope)
// collect-then-test: a WHERE on the OPTIONAL MATCH is several times slower on FalkorDB
OPTIONAL MATCH (o)-[:COVERS]->(g)
WITH g, collect(o.kind) AS kinds
WHERE NOT 'grid_party_branch' IN kinds
RETURN g.id AS grid_id, g.name AS grid,
       [(g)-[:PART_OF*0..12]->(c) WHERE c.level = 'community' | c.name][0] AS community,
       g.households AS households
ORDER BY grid_id
