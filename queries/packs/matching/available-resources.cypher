// name: matching/available-resources
// description: 仍有剩余服务能力的资源清单 | Resources with capacity left (capacity minus the claimed or done projects using them)
// param: area area = null | an area id or unambiguous name: resources whose owner sits inside it
// columns: resource_id, resource, category, owner, remaining
// two parts and only one answers. With an area, walk down its PART_OF subtree from the area's index entry;
// without, scan the label (a single "$area IS NULL OR in-scope" test would scan the whole label either way)
WITH $area AS area
WHERE area IS NOT NULL
// an owner's place is its home (LOCATED_IN, one hop), or the owner itself when it is an area with no home
MATCH (scope:Area {id: area})<-[:PART_OF*0..12]-(place)<-[:LOCATED_IN*0..1]-(owner)-[:OFFERS]->(r:Resource)
WHERE owner <> place OR NOT (owner)-[:LOCATED_IN]->()
WITH DISTINCT r, owner
OPTIONAL MATCH (p)-[:USES]->(r)
WITH r, owner, r.capacity - size([s IN collect(p.status) WHERE s IN ['claimed', 'done']]) AS remaining
WHERE remaining > 0
RETURN r.id AS resource_id, r.name AS resource, r.category AS category, owner.name AS owner, remaining
ORDER BY resource_id
UNION ALL
WITH $area AS area
WHERE area IS NULL
MATCH (r:Resource)<-[:OFFERS]-(owner)
OPTIONAL MATCH (p)-[:USES]->(r)
WITH r, owner, r.capacity - size([s IN collect(p.status) WHERE s IN ['claimed', 'done']]) AS remaining
WHERE remaining > 0
RETURN r.id AS resource_id, r.name AS resource, r.category AS category, owner.name AS owner, remaining
ORDER BY resource_id
