// Lint Cypher with Neo4j's own front end (@neo4j-cypher/language-support).
// stdin:  JSON {"queries": [{"id": "...", "query": "...", "parameters": {...}}],
//               "labels": [...], "relationshipTypes": [...]}
// stdout: JSON [{"id": "...", "diagnostics": [{"severity", "message", "line", "column"}]}]
// severity 1 = error, 2 = warning. Exit 0 unless the input itself is unreadable.
'use strict';
const ls = require('@neo4j-cypher/language-support');

const builtIn = (table) =>
  Object.fromEntries(Object.entries(table['CYPHER 5'] || {}).filter(([, f]) => f.isBuiltIn !== false));

function main(input) {
  const req = JSON.parse(input);
  const mock = ls.testData.mockSchema;
  const functions = { 'CYPHER 5': builtIn(mock.functions) };
  const procedures = {
    'CYPHER 5': Object.fromEntries(
      Object.entries(mock.procedures['CYPHER 5'] || {}).filter(([name]) => /^(db|dbms)\./.test(name))),
  };
  const out = req.queries.map((q) => {
    const schema = {
      labels: req.labels || [],
      relationshipTypes: req.relationshipTypes || [],
      parameters: q.parameters || {},
      functions,
      procedures,
    };
    const { diagnostics } = ls.lintCypherQuery(q.query, schema);
    return {
      id: q.id,
      diagnostics: diagnostics.map((d) => ({
        severity: d.severity,
        message: d.message,
        line: d.range.start.line + 1,
        column: d.range.start.character + 1,
      })),
    };
  });
  process.stdout.write(JSON.stringify(out));
}

let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (c) => { buf += c; });
process.stdin.on('end', () => main(buf));
