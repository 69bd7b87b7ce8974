// name: coverage/streets-without-joint-committee
// description: 没有街道“大工委”的街道 | Streets with no street joint committee seated in them
// param: area area = null | an area id or unambiguous name: only streets inside it
// columns: street_id, street, district
// types: str, str, str
// two parts and only one answers. With an area, walk down its PART_OF subtree from the area's index entry;
// without, scan the label (a single "$area IS NULL OR in-scope" test would scan the whole label either way)
WITH $area AS area
WHERE area IS NOT NULL
MATCH (scope:Area {id: area})<-[:PART_OF*0..12]-(s:Street)
OPTIONAL MATCH (o)-[:SEATED_IN]->(s)
WITH s, collect(o.kind) AS kinds
WHERE NOT 'street_joint_committee' IN kinds
RETURN s.id AS street_id, s.name AS street,
       [(s)-[:PART_OF*0..12]->(d) WHERE d.level = 'district' | d.name][0] AS district
ORDER BY street_id
UNION ALL
WITH $area AS area
WHERE area IS NULL
MATCH (s:Street)
OPTIONAL MATCH (o)-[:SEATED_IN]->(s)
WITH s, collect(o.kind) AS kinds
WHERE NOT 'street_joint_committee' IN kinds
RETURN s.id AS street_id, s.name AS street,
       [(s)-[:PART_OF*0..12]->(d) WHERE d.level = 'district' | d.name][0] AS district
ORDER BY street_id
