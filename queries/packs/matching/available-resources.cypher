// name: matching/available-resources
// description: 仍有剩余服务能力的资源清单 | Resources with capacity left (capacity minus the claimed or done projects using them)
// param: area area = null | an area id or unambiguous name: resources whose owner sits inside it
// columns: resource_id, resource, category, owner, remaining
OPTIONAL MATCH (scope:Area {id: $area})
WITH scope
MATCH (r:Resource)<-[:OFFERS]-(owner)
OPTIONAL MATCH (owner)-[:LOCATED_IN]->(home)
WITH scope, r, owner, home
// an owner's place is its home, or the owner itself when it is an area; tested apart because FalkorDB
// fails a pattern predicate on a projected alias such as coalesce(home, owner) ("expected Null but was Pointer")
WHERE $area IS NULL OR (home)-[:PART_OF*0..12]->(scope) OR (home IS NULL AND (owner)-[:PART_OF*0..12]->(scope))
OPTIONAL MATCH (p)-[:USES]->(r)
WITH r, owner, r.capacity - size([s IN collect(p.status) WHERE s IN ['claimed', 'done']]) AS remaining
WHERE remaining > 0
RETURN r.id AS resource_id, r.name AS resource, r.category AS category, owner.name AS owner, remaining
ORDER BY resource_id
