// name: committees/multi-seat-units
// description: 同时在多个联合党组织任职的驻区单位 | Units whose party heads sit on several joint committees; sorted by committees, most first
// param: area area = null | an area id or unambiguous name: units located inside it
// param: min_committees int = 2 [1..] | list units on at least this many joint committees
// columns: unit_id, unit, sector, committees, committee_names
OPTIONAL MATCH (scope:Area {id: $area})
WITH scope
MATCH (u:Unit)-[:MEMBER_OF]->(c:PartyOrg)
WHERE c.kind IN ['street_joint_committee', 'community_joint_committee', 'grid_joint_branch', 'regional_party_committee']
OPTIONAL MATCH (u)-[:LOCATED_IN]->(loc)
WITH scope, u, loc, c
WHERE $area IS NULL OR (loc)-[:PART_OF*0..12]->(scope)
WITH u, c
ORDER BY c.name
WITH u, count(DISTINCT c) AS committees, collect(DISTINCT c.name) AS committee_names
WHERE committees >= $min_committees
RETURN u.id AS unit_id, u.name AS unit, u.sector AS sector, committees, committee_names
ORDER BY committees DESC, unit_id
