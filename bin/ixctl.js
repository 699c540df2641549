#!/usr/bin/env node
// ixctl runs the TypeScript sources through tsx's loader: one artefact for the CLI, the operator,
// the agent and the dataplane, with no separate build step to forget (see docs/adr/0002).
// Checked before anything is loaded: an older Node gets one line that says what to do.
const major = Number(process.versions.node.split('.')[0]);
if (major < 26) {
  process.stderr.write(`ixctl needs Node.js 26 or newer (this is ${process.version}): run it through npm (npm run ixctl -- ...), which fetches Node.js 26 once, or install Node.js 26 LTS\n`);
  process.exit(1);
}
const { register } = await import('tsx/esm/api');
register();
await import('../src/cli/main.ts');
