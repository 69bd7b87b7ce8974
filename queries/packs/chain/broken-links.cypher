// name: chain/broken-links
// description: 组织链条断裂：缺少应有上级组织领导的党组织 | Party organizations the chain 区委→街道党工委→社区党组织→网格党支部→楼栋党小组→党员中心户 leaves without their expected superior
// param: area area = null | an area id or unambiguous name: organizations seated inside it
// columns: org_id, org, kind, seated_in, community, missing_superior
OPTIONAL MATCH (scope:Area {id: $area})
WITH scope
MATCH (o:PartyOrg)
WHERE o.kind IN ['street_working_committee', 'community_party_org', 'grid_party_branch', 'building_party_group',
                 'member_household']
OPTIONAL MATCH (o)-[:SEATED_IN]->(seat)
WITH scope, o, seat
WHERE $area IS NULL OR (seat)-[:PART_OF*0..12]->(scope)
WITH o, seat,
     CASE o.kind
       WHEN 'street_working_committee' THEN 'district_committee'
       WHEN 'community_party_org' THEN 'street_working_committee'
       WHEN 'grid_party_branch' THEN 'community_party_org'
       WHEN 'building_party_group' THEN 'grid_party_branch'
       ELSE 'building_party_group'
     END AS expected
OPTIONAL MATCH (up)-[:LEADS]->(o)
WITH o, seat, expected, collect(up.kind) AS superiors
WHERE NOT expected IN superiors
RETURN o.id AS org_id, o.name AS org, o.kind AS kind, seat.name AS seated_in,
       [(seat)-[:PART_OF*0..12]->(c) WHERE c.level = 'community' | c.name][0] AS community, expected AS missing_superior
ORDER BY org_id
