// Render each CSL-JSON item alone as a bibliography entry in each style, as text and as HTML,
// with citeproc-js: the processor Zotero and Mendeley use.
//
// stdin: {"locale": PATH, "styles": {NAME: PATH, ...}, "items": [CSL-JSON item, ...]}
// stdout: {ITEM_ID: {NAME: {"text": ENTRY, "html": ENTRY}, ...}, ...}
// scripts/citeproc_reference.py gives it the inputs and writes what it prints.
"use strict";
const fs = require("fs");
const CSL = require("citeproc");

const input = JSON.parse(fs.readFileSync(0, "utf8"));
const locale = fs.readFileSync(input.locale, "utf8");
const items = Object.fromEntries(input.items.map((item) => [item.id, item]));
const system = {
  retrieveLocale: () => locale,
  retrieveItem: (id) => items[id],
};

const out = {};
for (const [name, path] of Object.entries(input.styles)) {
  const style = fs.readFileSync(path, "utf8");
  for (const format of ["text", "html"]) {
    for (const id of Object.keys(items)) {
      const engine = new CSL.Engine(system, style, "en-US", true);
      engine.setOutputFormat(format);
      engine.updateItems([id]);
      const [meta, entries] = engine.makeBibliography();
      if (meta.bibliography_errors.length) {
        throw new Error(`${name} ${id}: ${JSON.stringify(meta.bibliography_errors)}`);
      }
      out[id] ??= {};
      out[id][name] ??= {};
      out[id][name][format] = entries.join("").trim();
    }
  }
}
process.stdout.write(JSON.stringify(out, null, 2) + "\n");
