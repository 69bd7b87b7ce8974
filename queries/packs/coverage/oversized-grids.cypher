// name: coverage/oversized-grids
// description: 户数超过标准的网格 | Grids whose households exceed the standard
// param: area area = null | an area id or unambiguous name: only grids inside it
// param: max_households int = 500 [1..] | the households standard per grid (按照500户左右标准)
// columns: grid_id, grid, community, households
// types: str, str, str, int
// two parts and only one answers. With an area, walk down its PART_OF subtree from the area's index entry;
// without, scan the label (a single "$area IS NULL OR in-scope" test would scan the whole label either way)
WITH $area AS area
WHERE area IS NOT NULL
MATCH (scope:Area {id: area})<-[:PART_OF*0..12]-(g:Grid)
// filtered after a WITH: a filter in the MATCH makes FalkorDB start from a scan of every grid
WITH g
WHERE g.households > $max_households
RETURN g.id AS grid_id, g.name AS grid,
       [(g)-[:PART_OF*0..12]->(c) WHERE c.level = 'community' | c.name][0] AS community,
       g.households AS households
ORDER BY households DESC, grid_id
UNION ALL
WITH $area AS area
WHERE area IS NULL
MATCH (g:Grid)
WHERE g.households > $max_households
RETURN g.id AS grid_id, g.name AS grid,
       [(g)-[:PART_OF*0..12]->(c) WHERE c.level = 'community' | c.name][0] AS community,
       g.households AS households
ORDER BY households DESC, grid_id
