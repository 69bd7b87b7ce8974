// name: map/areas
// description: 地图骨架：某区域及其下级区域 | Map backbone: an area and the areas under it, to a depth
// internal: true
// param: area area = null | the map's area (id or unambiguous name); null: every top-level area
// param: depth int = 12 [0..12] | how many levels below the area to include
// columns: id, name, level, parent_id, households, depth, spans
MATCH (top:Area)
WHERE top.id = $area OR ($area IS NULL AND NOT (top)-[:PART_OF]->(:Area))
MATCH p = (a:Area)-[:PART_OF*0..12]->(top)
WITH a, length(p) AS depth
WHERE depth <= $depth
OPTIONAL MATCH (a)-[:PART_OF]->(parent:Area)
OPTIONAL MATCH (a)-[:SPANS]->(s:Area)
// sorted before collecting: a pattern comprehension lists them in each engine's own order
WITH a, depth, parent, s
ORDER BY s.id
WITH a, depth, parent, collect(s.id) AS spans
RETURN a.id AS id, a.name AS name, a.level AS level, parent.id AS parent_id, a.households AS households, depth,
       spans
ORDER BY depth, id
