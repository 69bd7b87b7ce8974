// name: export/relationships
// description: 导出全部关系 | Every relationship with its end nodes' labels and ids, for export
// internal: true
// columns: from_labels, from_id, type, props, to_labels, to_id
MATCH (a)-[r]->(b)
RETURN labels(a) AS from_labels, a.id AS from_id, type(r) AS type, properties(r) AS props, labels(b) AS to_labels,
       b.id AS to_id
