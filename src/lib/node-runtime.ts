// The Node.js line the project runs on (docs/adr/0014-node-lts-runtime.md). One constant for the
// code; .node-version (the exact release the launcher fetches), package.json's engines and the images'
// base name the same line, and test/unit/node-runtime.test.ts proves they agree.
export const NODE_MAJOR = 26;

/** Why this Node cannot run the project (one line that says what to do), or undefined when it can. */
export function unsupportedNode(version: string): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (major >= NODE_MAJOR) return undefined;
  return `ixctl needs Node.js ${NODE_MAJOR} or newer (this is ${version}): run it through npm (npm start, npm run ixctl -- ...), which fetches Node.js ${NODE_MAJOR} once into ~/.cache/ix-operator, or install Node.js ${NODE_MAJOR} LTS`;
}
