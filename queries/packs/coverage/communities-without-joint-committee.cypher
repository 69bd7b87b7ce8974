// name: coverage/communities-without-joint-committee
// description: 没有社区“大党委”的社区 | Communities with no community joint committee seated in them
// param: area area = null | an area id or unambiguous name: only communities inside it
// columns: community_id, community, street
OPTIONAL MATCH (scope:Area {id: $area})
WITH scope
MATCH (c:Community)
WHERE $area IS NULL OR (c)-[:PART_OF*0..12]->(scope)
OPTIONAL MATCH (o:PartyOrg)-[:SEATED_IN]->(c)
WHERE o.kind = 'community_joint_committee'
WITH c, count(o) AS committees
WHERE committees = 0
RETURN c.id AS community_id, c.name AS community,
       [(c)-[:PART_OF*0..12]->(s:Street) | s.name][0] AS street
ORDER BY community_id
