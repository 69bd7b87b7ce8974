// name: coverage/streets-without-joint-committee
// description: 没有街道“大工委”的街道 | Streets with no street joint committee seated in them
// param: area area = null | an area id or unambiguous name: only streets inside it
// columns: street_id, street, district
OPTIONAL MATCH (scope:Area {id: $area})
WITH scope
MATCH (s:Street)
WHERE $area IS NULL OR (s)-[:PART_OF*0..12]->(scope)
OPTIONAL MATCH (o)-[:SEATED_IN]->(s)
WITH s, collect(o.kind) AS kinds
WHERE NOT 'street_joint_committee' IN kinds
RETURN s.id AS street_id, s.name AS street,
       [(s)-[:PART_OF*0..12]->(d) WHERE d.level = 'district' | d.name][0] AS district
ORDER BY street_id
