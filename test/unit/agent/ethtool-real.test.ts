// Debian's ethtool and nsenter as the agent runs them, against a real netdev in a network namespace
// of this test's own (a veth pair: no combined channels, as a driver without them answers). Needs
// root, ip (iproute2), ethtool and nsenter (util-linux); fails, naming what is missing, without them.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { EthtoolChannels } from '../../../src/agent/nic/ethtool.ts';

const NETNS = `ix-agent-test-${process.pid}`;

function ip(...args: string[]): void {
  try {
    execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    throw new Error(`the ethtool test cannot set up a network namespace (ip ${args.join(' ')}: ${(e as Error).message.trim()}); it needs root, iproute2, ethtool and util-linux's nsenter`);
  }
}

after(() => {
  try {
    execFileSync('ip', ['netns', 'del', NETNS], { stdio: 'ignore' });
  } catch {
    // never created
  }
});

describe('ethtool through nsenter', () => {
  it('reads a netdev in another network namespace and reports the driver\'s refusal in ethtool\'s words', async () => {
    ip('netns', 'add', NETNS);
    ip('-n', NETNS, 'link', 'add', 'ixa', 'type', 'veth', 'peer', 'name', 'ixb');
    const ethtool = new EthtoolChannels();
    const dev = { ifname: 'ixa', netns: `/run/netns/${NETNS}` };
    assert.deepEqual(await ethtool.read(dev), {}, 'veth has RX and TX channels, no combined ones');
    assert.equal(await ethtool.busInfo(dev), undefined, 'a virtual device has no PCI address');
    await assert.rejects(ethtool.setCombined(dev, 2), (e: Error) => {
      assert.equal(e.message, `nsenter --net=/run/netns/${NETNS} ethtool -L ixa combined 2: netlink error: requested channel count exceeds maximum (offset 32); netlink error: Invalid argument`);
      return true;
    });
    await assert.rejects(ethtool.read({ ifname: 'ixa' }), /ethtool -l ixa: netlink error: no device matches name/, 'not in the agent\'s own namespace');
    await assert.rejects(new EthtoolChannels('/nonexistent/ethtool').read({ ifname: 'ixa' }), /\/nonexistent\/ethtool is not installed/);
  });
});
