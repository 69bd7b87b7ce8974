// name: coverage/communities-without-joint-committee
// description: 没有社区“大党委”的社区 | Communities with no community joint committee seated in them
// param: area area = null | an area id or unambiguous name: only communities inside it
// columns: community_id, community, street
// types: str, str, str
// two parts and only one answers. With an area, walk down its PART_OF subtree from the area's index entry;
// without, scan the label (a single "$area IS NULL OR in-scope" test would scan the whole label either way)
WITH $area AS area
WHERE area IS NOT NULL
MATCH (scope:Area {id: area})<-[:PART_OF*0..12]-(c:Community)
OPTIONAL MATCH (o)-[:SEATED_IN]->(c)
WITH c, collect(o.kind) AS kinds
WHERE NOT 'community_joint_committee' IN kinds
RETURN c.id AS community_id, c.name AS community,
       [(c)-[:PART_OF*0..12]->(s) WHERE s.level = 'street' | s.name][0] AS street
ORDER BY community_id
UNION ALL
WITH $area AS area
WHERE area IS NULL
MATCH (c:Community)
OPTIONAL MATCH (o)-[:SEATED_IN]->(c)
WITH c, collect(o.kind) AS kinds
WHERE NOT 'community_joint_committee' IN kinds
RETURN c.id AS community_id, c.name AS community,
       [(c)-[:PART_OF*0..12]->(s) WHERE s.level = 'street' | s.name][0] AS street
ORDER BY community_id
