#!/usr/bin/env node
// ixctl runs the TypeScript sources through tsx's loader: one artefact for the CLI, the operator,
// the agent and the dataplane, with no separate build step to forget (see docs/adr/0002).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
