// name: summary/area-overview
// description: 各区域（默认各街道）党建覆盖概况 | One row per area of a level (default: streets) with what its subtree holds
// param: area area = null | an area id or unambiguous name: only areas inside it
// param: level str = "street" | which areas get a row: district, street, town, community, …
// columns: area_id, area, communities, grids, uncovered_grids, joint_committees, units, grid_workers, open_demands
OPTIONAL MATCH (scope:Area {id: $area})
WITH scope
MATCH (a:Area)
WHERE a.level = $level AND ($area IS NULL OR (a)-[:PART_OF*0..12]->(scope))
MATCH (x)-[:PART_OF*0..12]->(a)
WITH DISTINCT a, x
OPTIONAL MATCH (u)-[:LOCATED_IN]->(x)
WITH a, x, count(u) AS units
OPTIONAL MATCH (w)-[:ASSIGNED_TO]->(x)
WITH a, x, units, count(w) AS workers
OPTIONAL MATCH (b)-[:COVERS]->(x)
WITH a, x, units, workers, collect(b.kind) AS covering
OPTIONAL MATCH (j)-[:SEATED_IN]->(x)
WITH a, x, units, workers, covering,
     size([k IN collect(j.kind) WHERE k IN ['street_joint_committee', 'community_joint_committee',
                                            'grid_joint_branch', 'regional_party_committee']]) AS committees
OPTIONAL MATCH (x)-[:RAISES]->(d)
OPTIONAL MATCH (p)-[:ADDRESSES]->(d)
WITH a, x, units, workers, covering, committees, d, collect(p.status) AS statuses
WITH a, x, units, workers, covering, committees,
     count(CASE WHEN NOT 'claimed' IN statuses AND NOT 'done' IN statuses THEN d END) AS open_demands
RETURN a.id AS area_id, a.name AS area,
       toInteger(sum(CASE WHEN x.level = 'community' THEN 1 ELSE 0 END)) AS communities,
       toInteger(sum(CASE WHEN x.level = 'grid' THEN 1 ELSE 0 END)) AS grids,
       toInteger(sum(CASE WHEN x.level = 'grid' AND NOT 'grid_party_branch' IN covering THEN 1 ELSE 0 END))
         AS uncovered_grids,
       toInteger(sum(committees)) AS joint_committees, toInteger(sum(units)) AS units,
       toInteger(sum(workers)) AS grid_workers, toInteger(sum(open_demands)) AS open_demands
ORDER BY area_id
