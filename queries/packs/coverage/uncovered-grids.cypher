// name: coverage/uncovered-grids
// description: 没有网格党支部覆盖的网格 | Grids that no grid party branch covers
// param: area area = null | an area id or unambiguous name: only grids inside it
// columns: grid_id, grid, community, households
OPTIONAL MATCH (scope:Area {id: $area})
WITH scope
MATCH (g:Grid)
WHERE $area IS NULL OR (g)-[:PART_OF*0..12]->(scope)
OPTIONAL MATCH (o:PartyOrg)-[:COVERS]->(g)
WHERE o.kind = 'grid_party_branch'
WITH g, count(o) AS branches
WHERE branches = 0
RETURN g.id AS grid_id, g.name AS grid,
       [(g)-[:PART_OF*0..12]->(c:Community) | c.name][0] AS community,
       g.households AS households
ORDER BY grid_id
