// name: committees/composition
// description: 联合党组织（大工委、大党委、区域党委）的成员构成与缺少的必需单位类型 | Every joint committee: members, their sectors, and the required sectors it lacks
// param: area area = null | an area id or unambiguous name: committees seated inside it
// param: required sectors = null | sectors every committee must include; default by kind: street → police_station; community → police_station, property_company, owners_committee; others → none
// columns: committee_id, committee, kind, members, sectors, missing
// two parts and only one answers. With an area, walk down its PART_OF subtree from the area's index entry;
// without, scan the label (a single "$area IS NULL OR in-scope" test would scan the whole label either way)
WITH $area AS area
WHERE area IS NOT NULL
MATCH (scope:Area {id: area})<-[:PART_OF*0..12]-(seat:Area)
// kinds filtered after a WITH: a filter in the MATCH makes FalkorDB start from every committee
WITH DISTINCT seat
MATCH (seat)<-[:SEATED_IN]-(c:PartyOrg)
WITH c
WHERE c.kind IN ['street_joint_committee', 'community_joint_committee', 'grid_joint_branch', 'regional_party_committee']
WITH DISTINCT c
OPTIONAL MATCH (u)-[:MEMBER_OF]->(c)
WITH c, count(DISTINCT u) AS members, collect(DISTINCT u.sector) AS present
WITH c, members, present,
     CASE
       WHEN $required IS NOT NULL THEN $required
       WHEN c.kind = 'street_joint_committee' THEN ['police_station']
       WHEN c.kind = 'community_joint_committee' THEN ['police_station', 'property_company', 'owners_committee']
       ELSE []
     END AS required,
     // the sector vocabulary in alphabetical order; filtering it keeps lists sorted on both engines
     ['agency', 'hospital', 'merchant', 'other', 'owners_committee', 'police_station', 'private_enterprise',
      'property_company', 'school', 'social_org', 'soe'] AS vocab
RETURN c.id AS committee_id, c.name AS committee, c.kind AS kind, members,
       [s IN vocab WHERE s IN present] + [s IN present WHERE NOT s IN vocab] AS sectors,
       [s IN vocab WHERE s IN required AND NOT s IN present] AS missing
ORDER BY committee_id
UNION ALL
WITH $area AS area
WHERE area IS NULL
MATCH (c:PartyOrg)
WHERE c.kind IN ['street_joint_committee', 'community_joint_committee', 'grid_joint_branch', 'regional_party_committee']
OPTIONAL MATCH (u)-[:MEMBER_OF]->(c)
WITH c, count(DISTINCT u) AS members, collect(DISTINCT u.sector) AS present
WITH c, members, present,
     CASE
       WHEN $required IS NOT NULL THEN $required
       WHEN c.kind = 'street_joint_committee' THEN ['police_station']
       WHEN c.kind = 'community_joint_committee' THEN ['police_station', 'property_company', 'owners_committee']
       ELSE []
     END AS required,
     ['agency', 'hospital', 'merchant', 'other', 'owners_committee', 'police_station', 'private_enterprise',
      'property_company', 'school', 'social_org', 'soe'] AS vocab
RETURN c.id AS committee_id, c.name AS committee, c.kind AS kind, members,
       [s IN vocab WHERE s IN present] + [s IN present WHERE NOT s IN vocab] AS sectors,
       [s IN vocab WHERE s IN required AND NOT s IN present] AS missing
ORDER BY committee_id
