// name: reconciliation/stated-vs-actual
// description: 文件所述数字与图中实际数量对照 | Each number a document states next to the count of matching nodes in the area it is about
// param: area area = null | an area id or unambiguous name: statements about areas inside it
// columns: area, category, stated, actual, source
// types: str, str, int, int, str
// One row per area, category and stated value. A number stated twice (a headline and its body, or two
// documents) is one row whose source lists each document once, joined by "; ". Actual counts what rosters
// put in the graph, never the areas, orgs and units a document made (ids doc-area-, doc-org-, doc-unit-).
// Only areas a roster made can hold roster nodes, so only those are searched, upward from each kind of
// counterpart the statements need, for all stated areas at once; the statements are then read again
// (grouping many rows by long lists is slow on FalkorDB). The scope is looked up through a WITH, since
// FalkorDB scans every area for an id written as a parameter in the pattern.
WITH $area AS area
OPTIONAL MATCH (scope:Area {id: area})
WITH scope
OPTIONAL MATCH (s:Statement)-[:ABOUT]->(a:Area)
WHERE s.category IN ['street', 'town', 'community', 'village', 'grid',
                     'street_working_committee', 'community_party_org', 'grid_party_branch', 'building_party_group',
                     'member_household', 'street_joint_committee', 'community_joint_committee', 'grid_joint_branch',
                     'regional_party_committee', 'resident_unit', 'grid_worker']
  AND ($area IS NULL OR (a)-[:PART_OF*0..12]->(scope)) AND NOT a.id STARTS WITH 'doc-area-'
WITH collect(DISTINCT a.id) AS ids,
     collect(DISTINCT CASE WHEN s.category IN ['street', 'town', 'community', 'village', 'grid']
                           THEN s.category END) AS levels,
     collect(DISTINCT CASE WHEN s.category IN ['street_working_committee', 'community_party_org',
                                               'grid_party_branch', 'building_party_group', 'member_household',
                                               'street_joint_committee', 'community_joint_committee',
                                               'grid_joint_branch', 'regional_party_committee']
                           THEN s.category END) AS kinds,
     collect(DISTINCT CASE WHEN s.category = 'resident_unit' THEN a.id END) AS unit_areas,
     collect(DISTINCT CASE WHEN s.category = 'grid_worker' THEN a.id END) AS worker_areas
OPTIONAL MATCH (x:Area)-[:PART_OF*1..12]->(up)
WHERE size(levels) > 0 AND x.level IN levels AND up.id IN ids AND NOT x.id STARTS WITH 'doc-area-'
WITH ids, kinds, unit_areas, worker_areas, up.id + '|' + x.level AS key, count(x) AS n
WITH ids, kinds, unit_areas, worker_areas, collect({key: key, n: n}) AS found
OPTIONAL MATCH (o:PartyOrg)-[:SEATED_IN]->()-[:PART_OF*0..12]->(up)
WHERE size(kinds) > 0 AND o.kind IN kinds AND up.id IN ids AND NOT o.id STARTS WITH 'doc-org-'
WITH unit_areas, worker_areas, found, up.id + '|' + o.kind AS key, count(DISTINCT o) AS n
WITH unit_areas, worker_areas, found, collect({key: key, n: n}) AS more
WITH unit_areas, worker_areas, found + more AS found
OPTIONAL MATCH (u:Unit)-[:LOCATED_IN]->()-[:PART_OF*0..12]->(up)
WHERE size(unit_areas) > 0 AND up.id IN unit_areas AND NOT u.id STARTS WITH 'doc-unit-'
WITH worker_areas, found, up.id + '|resident_unit' AS key, count(DISTINCT u) AS n
WITH worker_areas, found, collect({key: key, n: n}) AS more
WITH worker_areas, found + more AS found
OPTIONAL MATCH (w:GridWorker)-[:ASSIGNED_TO]->()-[:PART_OF*0..12]->(up)
WHERE size(worker_areas) > 0 AND up.id IN worker_areas
WITH found, up, count(DISTINCT w) AS n
WITH found, up.id + '|grid_worker' AS key, n
WITH found, collect({key: key, n: n}) AS more
WITH found + more AS found
WITH found, $area AS area
OPTIONAL MATCH (scope:Area {id: area})
WITH found, scope
MATCH (s:Statement)-[:ABOUT]->(a:Area)
WHERE s.category IN ['street', 'town', 'community', 'village', 'grid',
                     'street_working_committee', 'community_party_org', 'grid_party_branch', 'building_party_group',
                     'member_household', 'street_joint_committee', 'community_joint_committee', 'grid_joint_branch',
                     'regional_party_committee', 'resident_unit', 'grid_worker']
  AND ($area IS NULL OR (a)-[:PART_OF*0..12]->(scope))
OPTIONAL MATCH (s)-[:FROM]->(doc:Document)
WITH found, a, s.category AS category, s.value AS stated, collect(DISTINCT doc.source) AS sources
RETURN a.name AS area, category, stated,
       reduce(total = 0, f IN found | total + CASE WHEN f.key = a.id + '|' + category THEN f.n ELSE 0 END) AS actual,
       reduce(out = '', src IN sources | out + CASE WHEN out = '' THEN '' ELSE '; ' END + src) AS source
ORDER BY area, category, stated
