// name: matching/candidates
// description: 开放需求与同类资源的候选配对及距离层级 | Open demands paired with same-category resources that have capacity left, by tier (0 same community, 1 same street, 2 same district)
// param: area area = null | an area id or unambiguous name: demands raised inside it
// param: max_tier int = 2 [0..2] | 0: same community only; 1: also same street; 2: also same district
// param: category str = null | only pairs of this category (categories never pair across: the optimizer fetches them one by one)
// param: per_demand int = 3 | each demand's best this many candidates (lowest tier, then most capacity left, then resource id); 0: every pair
// columns: demand_id, resource_id, category, tier
OPTIONAL MATCH (scope:Area {id: $area})
WITH scope, [(scope)-[:PART_OF*0..12]->(a) | a] AS ups,
     CASE $max_tier WHEN 0 THEN ['community'] WHEN 1 THEN ['community', 'street']
       ELSE ['community', 'street', 'district'] END AS hub_levels
WITH scope, [a IN ups | a.id] AS scope_up, hub_levels[-1] AS hub_level, [a IN ups WHERE a.level IN hub_levels] AS hubs_up
// offers are read below the largest area a pair with a demand in the scope can share (the scope's topmost
// community, street or district up to max_tier's level, else the scope itself); without an area, below
// every top-level area, which reaches every offer whose owner sits in an area (no other offer can pair)
OPTIONAL MATCH (root:Area)
WHERE scope IS NULL AND NOT (root)-[:PART_OF]->()
WITH scope, scope_up, hub_level, hubs_up, collect(root) AS roots
WITH scope, scope_up, hub_level,
     CASE WHEN scope IS NULL THEN roots
       ELSE [coalesce([a IN hubs_up WHERE a.level = 'district'][0], [a IN hubs_up WHERE a.level = 'street'][0],
                      [a IN hubs_up WHERE a.level = 'community'][0], scope)] END AS tops
UNWIND tops AS top
// resources with capacity left (capacity minus claimed or done projects using them), where their owner sits:
// its home (LOCATED_IN), or the owner itself when it is an area with no home
MATCH (top)<-[:PART_OF*0..12]-(place)<-[:LOCATED_IN*0..1]-(owner)-[:OFFERS]->(r:Resource)
WHERE owner <> place OR NOT (owner)-[:LOCATED_IN]->()
WITH DISTINCT scope, scope_up, hub_level, r, place AS loc
WHERE $category IS NULL OR r.category = $category
OPTIONAL MATCH (p)-[:USES]->(r)
WITH scope, scope_up, hub_level, r, loc, r.capacity - size([s IN collect(p.status) WHERE s IN ['claimed', 'done']]) AS remaining
WHERE remaining > 0
WITH scope, scope_up, hub_level, r, remaining,
     [(loc)-[:PART_OF*0..12]->(x) WHERE x.level IN ['community', 'street', 'district'] | x] AS up
WITH scope, scope_up, hub_level, r, remaining, [x IN up WHERE x.level = 'community'][0] AS rc,
     [x IN up WHERE x.level = 'street'][0] AS rs, [x IN up WHERE x.level = 'district'][0] AS rd
// sorted before grouping: each group's offers stay in this order (most capacity left, then resource id),
// so within a tier a demand's best come first
WITH scope, scope_up, r, rc, rs, rd, hub_level, remaining
ORDER BY remaining DESC, r.id
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
// walk down from the smaller of the group's area and the scope: every demand found is inside both
WITH category, offers, CASE WHEN $area IS NOT NULL AND hub_contains_scope THEN scope ELSE hub END AS top
MATCH (top)<-[:PART_OF*0..12]-(da)-[:RAISES]->(d:Demand)
WHERE d.category = category
OPTIONAL MATCH (p)-[:ADDRESSES]->(d)
WITH d, da, category, offers, collect(p.status) AS statuses
WHERE NOT 'claimed' IN statuses AND NOT 'done' IN statuses
WITH d, category, offers, [(da)-[:PART_OF*0..12]->(x) WHERE x.level IN ['community', 'street'] | x] AS up
WITH d, category, offers, [x IN up WHERE x.level = 'community'][0].id AS dc,
     [x IN up WHERE x.level = 'street'][0].id AS ds
WITH d, category,
     [o IN offers | {id: o.id, tier: CASE WHEN dc IS NOT NULL AND o.c = dc THEN 0 WHEN ds IS NOT NULL AND o.s = ds
                                         THEN 1 ELSE 2 END}] AS pairs
// lowest tier first, each tier in the offers' order: the first per_demand are the demand's best
WITH d, category, [p IN pairs WHERE p.tier = 0] + [p IN pairs WHERE p.tier = 1 AND $max_tier >= 1] +
                  [p IN pairs WHERE p.tier = 2 AND $max_tier >= 2] AS ranked
UNWIND CASE WHEN $per_demand > 0 THEN ranked[0..$per_demand] ELSE ranked END AS p
RETURN d.id AS demand_id, p.id AS resource_id, category, p.tier AS tier
ORDER BY demand_id, tier, resource_id
