// name: matching/open-demands
// description: 尚无项目认领或完成的需求 | Demands that no claimed or done project addresses
// param: area area = null | an area id or unambiguous name: demands raised inside it
// columns: demand_id, demand, category, community, households, urgency
// types: str, str, str, str, int, int
// two parts and only one answers. With an area, walk down its PART_OF subtree from the area's index entry;
// without, scan the label (a single "$area IS NULL OR in-scope" test would scan the whole label either way)
WITH $area AS area
WHERE area IS NOT NULL
MATCH (scope:Area {id: area})<-[:PART_OF*0..12]-(da)-[:RAISES]->(d:Demand)
// collect-then-test: a WHERE on the OPTIONAL MATCH is several times slower on FalkorDB
OPTIONAL MATCH (p)-[:ADDRESSES]->(d)
WITH d, da, collect(p.status) AS statuses
WHERE NOT 'claimed' IN statuses AND NOT 'done' IN statuses
// the containing community once per raising area, not once per demand (20 % faster at city scale)
WITH da, collect(d) AS raised
WITH raised, [(da)-[:PART_OF*0..12]->(c) WHERE c.level = 'community' | c.name][0] AS community
UNWIND raised AS d
RETURN d.id AS demand_id, d.name AS demand, d.category AS category, community,
       d.households AS households, d.urgency AS urgency
ORDER BY coalesce(urgency, -1) DESC, coalesce(households, -1) DESC, demand_id
UNION ALL
WITH $area AS area
WHERE area IS NULL
MATCH (d:Demand)
OPTIONAL MATCH (d)<-[:RAISES]-(da)
OPTIONAL MATCH (p)-[:ADDRESSES]->(d)
WITH d, da, collect(p.status) AS statuses
WHERE NOT 'claimed' IN statuses AND NOT 'done' IN statuses
WITH da, collect(d) AS raised
WITH raised, [(da)-[:PART_OF*0..12]->(c) WHERE c.level = 'community' | c.name][0] AS community
UNWIND raised AS d
RETURN d.id AS demand_id, d.name AS demand, d.category AS category, community,
       d.households AS households, d.urgency AS urgency
ORDER BY coalesce(urgency, -1) DESC, coalesce(households, -1) DESC, demand_id
