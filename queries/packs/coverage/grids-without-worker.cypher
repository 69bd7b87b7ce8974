// name: coverage/grids-without-worker
// description: 没有网格员的网格 | Grids with no grid worker assigned
// param: area area = null | an area id or unambiguous name: only grids inside it
// columns: grid_id, grid, community
OPTIONAL MATCH (scope:Area {id: $area})
WITH scope
MATCH (g:Grid)
WHERE $area IS NULL OR (g)-[:PART_OF*0..12]->(scope)
OPTIONAL MATCH (w)-[:ASSIGNED_TO]->(g)
WITH g, count(w) AS workers
WHERE workers = 0
RETURN g.id AS grid_id, g.name AS grid,
       [(g)-[:PART_OF*0..12]->(c) WHERE c.level = 'community' | c.name][0] AS community
ORDER BY grid_id
