// name: matching/candidates
// description: 开放需求与同类资源的候选配对及距离层级 | Open demands paired with same-category resources that have capacity left, by tier (0 same community, 1 same street, 2 same district)
// param: area area = null | an area id or unambiguous name: demands raised inside it
// param: max_tier int = 2 [0..2] | 0: same community only; 1: also same street; 2: also same district
// param: category str = null | only pairs of this category (categories never pair across: the optimizer fetches them one by one)
// columns: demand_id, resource_id, category, tier
OPTIONAL MATCH (scope:Area {id: $area})
WITH scope, [(scope)-[:PART_OF*0..12]->(a) | a.id] AS scope_up,
     CASE $max_tier WHEN 0 THEN 'community' WHEN 1 THEN 'street' ELSE 'district' END AS hub_level
// resources with capacity left (capacity minus claimed or done projects using them), where their owner sits
MATCH (r:Resource)<-[:OFFERS]-(owner)
WHERE $category IS NULL OR r.category = $category
OPTIONAL MATCH (owner)-[:LOCATED_IN]->(home)
WITH scope, scope_up, hub_level, r, coalesce(home, owner) AS loc
OPTIONAL MATCH (p)-[:USES]->(r)
WITH scope, scope_up, hub_level, r, loc, r.capacity - size([s IN collect(p.status) WHERE s IN ['claimed', 'done']]) AS remaining
WHERE remaining > 0
WITH scope, scope_up, hub_level, r,
     [(loc)-[:PART_OF*0..12]->(x) WHERE x.level IN ['community', 'street', 'district'] | x] AS up
WITH scope, scope_up, hub_level, r, [x IN up WHERE x.level = 'community'][0] AS rc,
     [x IN up WHERE x.level = 'street'][0] AS rs, [x IN up WHERE x.level = 'district'][0] AS rd
// group offers by the largest area a pair within max_tier can share, and by category;
// each group then walks down from that area once to find the demands in it
WITH scope, scope_up, r.category AS category,
     CASE hub_level WHEN 'community' THEN rc WHEN 'street' THEN coalesce(rs, rc) ELSE coalesce(rd, rs, rc) END
       AS hub,
     collect({id: r.id, c: rc.id, s: rs.id}) AS offers
WHERE hub IS NOT NULL
// with an area, only groups whose area contains it or lies inside it can hold demands inside it
// (computed in WITH: FalkorDB cannot evaluate a pattern comprehension inside WHERE)
WITH scope, category, hub, offers, hub.id IN scope_up AS hub_contains_scope,
     scope.id IN [(hub)-[:PART_OF*0..12]->(a) | a.id] AS scope_contains_hub
WHERE $area IS NULL OR hub_contains_scope OR scope_contains_hub
MATCH (hub)<-[:PART_OF*0..12]-(da)-[:RAISES]->(d:Demand)
WHERE d.category = category AND ($area IS NULL OR (da)-[:PART_OF*0..12]->(scope))
OPTIONAL MATCH (p)-[:ADDRESSES]->(d)
WITH d, da, category, offers, collect(p.status) AS statuses
WHERE NOT 'claimed' IN statuses AND NOT 'done' IN statuses
WITH d, category, offers, [(da)-[:PART_OF*0..12]->(x) WHERE x.level IN ['community', 'street'] | x] AS up
WITH d, category, offers, [x IN up WHERE x.level = 'community'][0].id AS dc,
     [x IN up WHERE x.level = 'street'][0].id AS ds
UNWIND offers AS o
WITH d, category, o,
     CASE WHEN dc IS NOT NULL AND o.c = dc THEN 0 WHEN ds IS NOT NULL AND o.s = ds THEN 1 ELSE 2 END AS tier
WHERE tier <= $max_tier
RETURN d.id AS demand_id, o.id AS resource_id, category, tier
ORDER BY demand_id, tier, resource_id
