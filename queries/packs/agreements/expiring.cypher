// name: agreements/expiring
// description: 现行有效、90天内（或指定日期前）到期的协议 | Agreements in force today that expire within 90 days (or before a date)
// param: area area = null | an area id or unambiguous name: agreements whose area party is inside it
// param: before date = today+90 | list agreements expiring strictly before this date (default: 90 days from today)
// param: today date = today | the date "in force" is judged on (default: the local date)
// columns: agreement_id, kind, unit, area, expires
// types: str, str, str, str, str
// two parts and only one answers. With an area, walk down its PART_OF subtree from the area's index entry;
// without, scan the label (a single "$area IS NULL OR in-scope" test would scan the whole label either way)
WITH $area AS area
WHERE area IS NOT NULL
MATCH (scope:Area {id: area})<-[:PART_OF*0..12]-(p:Area)
// dates filtered after a WITH: a filter in the MATCH makes FalkorDB start from every agreement
WITH p
MATCH (p)-[:PARTY_TO]->(a:Agreement)
WITH p, a
WHERE a.signed <= $today AND a.expires IS NOT NULL AND a.expires >= $today AND a.expires < $before
OPTIONAL MATCH (a)<-[:PARTY_TO]-(u)
WHERE u:Unit
WITH a, p, collect(u.name)[0] AS unit
RETURN a.id AS agreement_id, a.kind AS kind, unit, p.name AS area, a.expires AS expires
ORDER BY expires, agreement_id
UNION ALL
WITH $area AS area
WHERE area IS NULL
MATCH (a:Agreement)<-[:PARTY_TO]-(p:Area)
WHERE a.signed <= $today AND a.expires IS NOT NULL AND a.expires >= $today AND a.expires < $before
OPTIONAL MATCH (a)<-[:PARTY_TO]-(u)
WHERE u:Unit
WITH a, p, collect(u.name)[0] AS unit
RETURN a.id AS agreement_id, a.kind AS kind, unit, p.name AS area, a.expires AS expires
ORDER BY expires, agreement_id
