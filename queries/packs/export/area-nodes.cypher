// name: export/area-nodes
// description: 导出某区域周边的节点 | The nodes a scoped export needs, read from the area down, never the whole graph
// internal: true
// param: area area | the area's id
// columns: labels, props
// The areas under the area, what is attached to them, and everything next to those, a superset of the
// export (two steps out from the area tree, never up into other areas), which the exporter then trims.
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
RETURN labels(n) AS labels, properties(n) AS props
