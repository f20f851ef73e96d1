// Parses Mermaid texts with Mermaid's own parser (the mermaid package, under a jsdom window: its
// DOMPurify needs one) and prints what it read, for graph_test.go to compare with the Graph it drew.
//
// Usage: node mermaid-parse.mjs MODULES_DIR < texts.json   (a JSON array of strings)
// Prints a JSON array, one entry per text: {error} or {type, vertices, edges, subgraphs}, with
// every label decoded as the browser would show it (entity codes resolved, <br> as a line break).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(join(process.argv[2], 'package.json'));
const { JSDOM } = require('jsdom');
const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import(pathToFileURL(require.resolve('mermaid')).href);

const area = document.createElement('textarea');
// decode undoes Mermaid's own entity encoding (encodeEntities: #N; becomes a private marker until the
// renderer's decodeEntities), then lets the HTML parser resolve the entities, as the rendered SVG does.
function decode(s) {
  s = String(s ?? '').replaceAll('ﬂ°°', '&#').replaceAll('ﬂ°', '&').replaceAll('¶ß', ';').replaceAll('<br>', '\n');
  area.innerHTML = s;
  return area.value;
}

const texts = JSON.parse(readFileSync(0, 'utf8'));
const out = [];
for (const text of texts) {
  try {
    await mermaid.parse(text); // throws on a syntax error; registers the diagram types
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    const db = diagram.db;
    out.push({
      type: diagram.type,
      vertices: [...db.getVertices().values()].map(v => ({ id: v.id, text: decode(v.text), shape: v.type ?? '' })),
      edges: db.getEdges().map(e => ({ start: e.start, end: e.end, text: decode(e.text), stroke: e.stroke ?? '' })),
      subgraphs: db.getSubGraphs().map(s => ({ id: s.id, title: decode(s.title), nodes: s.nodes })),
    });
  } catch (e) {
    out.push({ error: String(e && e.message || e) });
  }
}
process.stdout.write(JSON.stringify(out));
