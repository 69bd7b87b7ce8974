// name: map/projects
// description: 回应需求的项目及其使用的资源 | Projects that address the given demands, with the resource they use and who claimed them
// internal: true
// param: ids list = [] | demand ids
// columns: demand_id, project_id, project, status, resource_id, claimed_by
UNWIND $ids AS demand_id
MATCH (p:Project)-[:ADDRESSES]->(d:Demand {id: demand_id})
OPTIONAL MATCH (p)-[:USES]->(r:Resource)
OPTIONAL MATCH (u:Unit)-[:CLAIMS]->(p)
RETURN demand_id, p.id AS project_id, p.name AS project, p.status AS status, r.id AS resource_id, u.id AS claimed_by
ORDER BY demand_id, project_id
