// name: agreements/units-without-agreement
// description: 未与所在社区或街道签订有效共驻共建协议的驻区单位 | Units in a community with no co-building agreement in force with that community or its street
// param: area area = null | an area id or unambiguous name: units located inside it
// param: on date = today | the date the agreement must be in force on (signed ≤ on ≤ expires)
// columns: unit_id, unit, sector, community
// types: str, str, str, str
// two parts and only one answers. With an area, walk down its PART_OF subtree from the area's index entry;
// without, scan the label (a single "$area IS NULL OR in-scope" test would scan the whole label either way).
// Grouped by community, not by unit, since FalkorDB's aggregation costs by group; a community's street is
// looked up once for its units; about half the engine time of the per-unit form at city scale.
WITH $area AS area
WHERE area IS NOT NULL
MATCH (scope:Area {id: area})<-[:PART_OF*0..12]-(loc)<-[:LOCATED_IN]-(u:Unit)
// the containing community (a unit in a grid or building belongs to it); units in no community drop out
MATCH (loc)-[:PART_OF*0..12]->(c)
WHERE c.level = 'community'
OPTIONAL MATCH (u)-[:PARTY_TO]->(a)<-[:PARTY_TO]-(p:Area)
WITH c, collect(DISTINCT u) AS units,
     collect(CASE WHEN a.kind = 'co_building' AND a.signed <= $on AND (a.expires IS NULL OR a.expires >= $on)
                  THEN [u, p.id] END) AS signed
WITH c, units, signed, [c.id] + [(c)-[:PART_OF*1..12]->(s) WHERE s.level = 'street' | s.id] AS parties
// a unit is covered by an agreement in force whose other party is its community or that community's street
WITH c, units, [x IN signed WHERE x[1] IN parties | x[0]] AS covered
UNWIND [u IN units WHERE NOT u IN covered] AS u
RETURN u.id AS unit_id, u.name AS unit, u.sector AS sector, c.name AS community
ORDER BY unit_id
UNION ALL
WITH $area AS area
WHERE area IS NULL
MATCH (u:Unit)-[:LOCATED_IN]->(loc)
MATCH (loc)-[:PART_OF*0..12]->(c)
WHERE c.level = 'community'
OPTIONAL MATCH (u)-[:PARTY_TO]->(a)<-[:PARTY_TO]-(p:Area)
WITH c, collect(DISTINCT u) AS units,
     collect(CASE WHEN a.kind = 'co_building' AND a.signed <= $on AND (a.expires IS NULL OR a.expires >= $on)
                  THEN [u, p.id] END) AS signed
WITH c, units, signed, [c.id] + [(c)-[:PART_OF*1..12]->(s) WHERE s.level = 'street' | s.id] AS parties
WITH c, units, [x IN signed WHERE x[1] IN parties | x[0]] AS covered
UNWIND [u IN units WHERE NOT u IN covered] AS u
RETURN u.id AS unit_id, u.name AS unit, u.sector AS sector, c.name AS community
ORDER BY unit_id
