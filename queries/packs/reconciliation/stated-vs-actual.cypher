// name: reconciliation/stated-vs-actual
// description: 文件所述数字与图中实际数量对照 | Each number a document states next to the count of matching nodes in the area it is about
// param: area area = null | an area id or unambiguous name: statements about areas inside it
// columns: area, category, stated, actual, source
OPTIONAL MATCH (scope:Area {id: $area})
WITH scope
MATCH (s:Statement)-[:ABOUT]->(a:Area)
WHERE s.category IN ['street', 'town', 'community', 'village', 'grid',
                     'street_working_committee', 'community_party_org', 'grid_party_branch', 'building_party_group',
                     'member_household', 'street_joint_committee', 'community_joint_committee', 'grid_joint_branch',
                     'regional_party_committee', 'resident_unit', 'grid_worker']
  AND ($area IS NULL OR (a)-[:PART_OF*0..12]->(scope))
OPTIONAL MATCH (s)-[:FROM]->(doc:Document)
OPTIONAL MATCH (x:Area)-[:PART_OF*0..12]->(a)
WITH s, a, doc, x
OPTIONAL MATCH (o:PartyOrg)-[:SEATED_IN]->(x)
WHERE o.kind = s.category
OPTIONAL MATCH (u:Unit)-[:LOCATED_IN]->(x)
WHERE s.category = 'resident_unit'
OPTIONAL MATCH (w:GridWorker)-[:ASSIGNED_TO]->(x)
WHERE s.category = 'grid_worker'
WITH s, a, doc,
     count(DISTINCT CASE WHEN x.level = s.category THEN x END) AS areas,
     count(DISTINCT o) AS orgs, count(DISTINCT u) AS units, count(DISTINCT w) AS workers
RETURN a.name AS area, s.category AS category, s.value AS stated, areas + orgs + units + workers AS actual,
       doc.source AS source
ORDER BY area, category, stated
