// name: summary/area-overview
// description: 各区域（默认各街道）党建覆盖概况 | One row per area of a level (default: streets) with what its subtree holds
// param: area area = null | an area id or unambiguous name: only areas inside it
// param: level str = "street" | which areas get a row: district, street, town, community, …
// columns: area_id, area, communities, grids, uncovered_grids, joint_committees, units, grid_workers, open_demands
OPTIONAL MATCH (scope:Area {id: $area})
WITH scope
MATCH (a:Area)
WHERE a.level = $level AND ($area IS NULL OR (a)-[:PART_OF*0..12]->(scope))
MATCH (x:Area)-[:PART_OF*0..12]->(a)
WITH DISTINCT a, x
OPTIONAL MATCH (u:Unit)-[:LOCATED_IN]->(x)
WITH a, x, count(u) AS units
OPTIONAL MATCH (w:GridWorker)-[:ASSIGNED_TO]->(x)
WITH a, x, units, count(w) AS workers
OPTIONAL MATCH (b:PartyOrg)-[:COVERS]->(x)
WHERE b.kind = 'grid_party_branch'
WITH a, x, units, workers, count(b) AS branches
OPTIONAL MATCH (j:PartyOrg)-[:SEATED_IN]->(x)
WHERE j.kind IN ['street_joint_committee', 'community_joint_committee', 'grid_joint_branch', 'regional_party_committee']
WITH a, x, units, workers, branches, count(j) AS committees
OPTIONAL MATCH (x)-[:RAISES]->(d:Demand)
OPTIONAL MATCH (p:Project)-[:ADDRESSES]->(d)
WHERE p.status IN ['claimed', 'done']
WITH a, x, units, workers, branches, committees, d, count(p) AS closing
WITH a, x, units, workers, branches, committees, count(CASE WHEN closing = 0 THEN d END) AS open_demands
RETURN a.id AS area_id, a.name AS area,
       toInteger(sum(CASE WHEN x.level = 'community' THEN 1 ELSE 0 END)) AS communities,
       toInteger(sum(CASE WHEN x.level = 'grid' THEN 1 ELSE 0 END)) AS grids,
       toInteger(sum(CASE WHEN x.level = 'grid' AND branches = 0 THEN 1 ELSE 0 END)) AS uncovered_grids,
       toInteger(sum(committees)) AS joint_committees, toInteger(sum(units)) AS units,
       toInteger(sum(workers)) AS grid_workers, toInteger(sum(open_demands)) AS open_demands
ORDER BY area_id
