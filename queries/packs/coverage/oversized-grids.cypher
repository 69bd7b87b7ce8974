// name: coverage/oversized-grids
// description: 户数超过标准的网格 | Grids whose households exceed the standard
// param: area area = null | an area id or unambiguous name: only grids inside it
// param: max_households int = 500 [1..] | the households standard per grid (按照500户左右标准)
// columns: grid_id, grid, community, households
OPTIONAL MATCH (scope:Area {id: $area})
WITH scope
MATCH (g:Grid)
WHERE g.households > $max_households
  AND ($area IS NULL OR (g)-[:PART_OF*0..12]->(scope))
RETURN g.id AS grid_id, g.name AS grid,
       [(g)-[:PART_OF*0..12]->(c) WHERE c.level = 'community' | c.name][0] AS community,
       g.households AS households
ORDER BY households DESC, grid_id
