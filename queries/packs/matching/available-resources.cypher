// name: matching/available-resources
// description: 仍有剩余服务能力的资源清单 | Resources with capacity left (capacity minus the claimed or done projects using them)
// param: area area = null | an area id or unambiguous name: resources whose owner sits inside it
// columns: resource_id, resource, category, owner, remaining
OPTIONAL MATCH (scope:Area {id: $area})
WITH scope
MATCH (r:Resource)<-[:OFFERS]-(owner)
OPTIONAL MATCH (owner)-[:LOCATED_IN]->(home)
WITH scope, r, owner, coalesce(home, owner) AS loc
WHERE $area IS NULL OR (loc)-[:PART_OF*0..12]->(scope)
OPTIONAL MATCH (p)-[:USES]->(r)
WITH r, owner, r.capacity - size([s IN collect(p.status) WHERE s IN ['claimed', 'done']]) AS remaining
WHERE remaining > 0
RETURN r.id AS resource_id, r.name AS resource, r.category AS category, owner.name AS owner, remaining
ORDER BY resource_id
