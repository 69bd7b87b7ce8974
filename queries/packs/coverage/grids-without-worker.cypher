// name: coverage/grids-without-worker
// description: 没有网格员的网格 | Grids with no grid worker assigned
// param: area area = null | an area id or unambiguous name: only grids inside it
// columns: grid_id, grid, community
// types: str, str, str
// two parts and only one answers. With an area, walk down its PART_OF subtree from the area's index entry;
// without, scan the label (a single "$area IS NULL OR in-scope" test would scan the whole label either way)
WITH $area AS area
WHERE area IS NOT NULL
MATCH (scope:Area {id: area})<-[:PART_OF*0..12]-(g:Grid)
// a grid with no worker keeps its one row with no relationship: no grouping of every grid (a third faster)
OPTIONAL MATCH (w)-[r:ASSIGNED_TO]->(g)
WITH g, r
WHERE r IS NULL
RETURN g.id AS grid_id, g.name AS grid,
       [(g)-[:PART_OF*0..12]->(c) WHERE c.level = 'community' | c.name][0] AS community
ORDER BY grid_id
UNION ALL
WITH $area AS area
WHERE area IS NULL
MATCH (g:Grid)
OPTIONAL MATCH (w)-[r:ASSIGNED_TO]->(g)
WITH g, r
WHERE r IS NULL
RETURN g.id AS grid_id, g.name AS grid,
       [(g)-[:PART_OF*0..12]->(c) WHERE c.level = 'community' | c.name][0] AS community
ORDER BY grid_id
