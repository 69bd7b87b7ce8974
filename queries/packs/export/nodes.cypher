// name: export/nodes
// description: 导出全部节点 | Every node with its labels and properties, for export
// internal: true
// columns: labels, props
MATCH (n)
RETURN labels(n) AS labels, properties(n) AS props
