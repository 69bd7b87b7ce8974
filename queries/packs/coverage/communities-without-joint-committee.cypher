// name: coverage/communities-without-joint-committee
// description: 没有社区“大党委”的社区 | Communities with no community joint committee seated in them
// param: area area = null | an area id or unambiguous name: only communities inside it
// columns: community_id, community, street
OPTIONAL MATCH (scope:Area {id: $area})
WITH scope
MATCH (c:Community)
WHERE $area IS NULL OR (c)-[:PART_OF*0..12]->(scope)
OPTIONAL MATCH (o)-[:SEATED_IN]->(c)
WITH c, collect(o.kind) AS kinds
WHERE NOT 'community_joint_committee' IN kinds
RETURN c.id AS community_id, c.name AS community,
       [(c)-[:PART_OF*0..12]->(s) WHERE s.level = 'street' | s.name][0] AS street
ORDER BY community_id
