// First: an older Node gets one line, not a failure inside a dependency.
import './require-node.ts';
import { Command } from 'commander';
import { registerSim } from './sim.ts';
import { registerRun } from './run.ts';
import { registerOperator } from './operator.ts';
import { registerAgent } from './agent.ts';
import { registerStatus } from './status.ts';
import { registerBench } from './bench.ts';
import { registerEndpoints } from './endpoints.ts';

const program = new Command()
  .name('ixctl')
  .description('ix-operator: dedicated cores and NIC queues for latency-critical dataplanes on Kubernetes')
  .showHelpAfterError();

registerSim(program);
registerRun(program);
registerOperator(program);
registerAgent(program);
registerStatus(program);
registerBench(program);
registerEndpoints(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`ixctl: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
