// name: map/attached
// description: 挂在区域上的组织、单位、网格员和清单 | Everything attached to the given areas, one row per relationship
// internal: true
// param: ids list = [] | area ids
// columns: area_id, rel, outgoing, label, id, name, props
UNWIND $ids AS area_id
MATCH (a:Area {id: area_id})-[r]-(x)
// filter on the relationship type: a label test on x here is ~50x slower on FalkorDB
WHERE NOT type(r) IN ['PART_OF', 'SPANS', 'PARTY_TO', 'MENTIONED_IN']
RETURN area_id, type(r) AS rel, startNode(r) = a AS outgoing, labels(x)[0] AS label, x.id AS id, x.name AS name,
       properties(x) AS props
// rel and outgoing too: an organization can both cover and sit in the same area
ORDER BY area_id, label, id, rel, outgoing
