// name: export/area-relationships
// description: 导出某区域周边的关系 | The relationships a scoped export needs: every one touching export/area-nodes
// internal: true
// param: area area | the area's id
// columns: from_labels, from_id, type, props, to_labels, to_id
MATCH (:Area {id: $area})<-[:PART_OF*0..12]-(a:Area)
WITH DISTINCT a
OPTIONAL MATCH (a)--(x)
WITH a, collect(DISTINCT x) AS near
UNWIND [a] + [x IN near WHERE NOT 'Area' IN labels(x)] AS n1
WITH DISTINCT n1
OPTIONAL MATCH (n1)--(n2)
WITH n1, collect(DISTINCT n2) AS next
UNWIND [n1] + next AS n
WITH DISTINCT n
MATCH (n)-[r]-()
WITH DISTINCT r
WITH r, startNode(r) AS a, endNode(r) AS b
RETURN labels(a) AS from_labels, a.id AS from_id, type(r) AS type, properties(r) AS props, labels(b) AS to_labels,
       b.id AS to_id
