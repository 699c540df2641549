// Imported first by main.ts: on an older Node, one line that says what to do instead of a stack
// trace from deep inside a dependency (undici, which @kubernetes/client-node 2 uses, needs Node 22).
import { unsupportedNode } from '../lib/node-runtime.ts';

const problem = unsupportedNode(process.version);
if (problem) {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
