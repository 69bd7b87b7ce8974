// name: map/unit-links
// description: 单位的协议、提供的资源和认领的项目 | Agreements, offered resources and claimed projects of the given units
// internal: true
// param: ids list = [] | unit ids
// columns: unit_id, rel, label, id, name, props, area_id
UNWIND $ids AS unit_id
MATCH (u:Unit {id: unit_id})-[r:PARTY_TO|OFFERS|CLAIMS]->(x)
OPTIONAL MATCH (x)<-[:PARTY_TO]-(a:Area)
RETURN unit_id, type(r) AS rel, labels(x)[0] AS label, x.id AS id, x.name AS name, properties(x) AS props,
       a.id AS area_id
ORDER BY unit_id, rel, id
