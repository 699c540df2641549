// A VF's channel counts through Debian's ethtool (its netlink interface, ETHTOOL_MSG_CHANNELS_*),
// run as a subprocess: `ethtool -l` reads, `ethtool -L <ifname> combined N` sets, `ethtool -i` names
// the device's PCI address. A netdev in a pod's network namespace is reached with nsenter --net.
import { execFile } from 'node:child_process';

/** A netdev, by name, in the agent's network namespace or the one a netns file names (/proc/<pid>/ns/net). */
export interface NetdevRef {
  ifname: string;
  netns?: string;
}

export interface Channels {
  /** Current combined (RX+TX) channels; undefined when the driver has none ("n/a"). */
  combined?: number;
  /** The driver's maximum; undefined or 0 when it has no combined channels. */
  maxCombined?: number;
}

export interface ChannelControl {
  busInfo(dev: NetdevRef): Promise<string | undefined>;
  read(dev: NetdevRef): Promise<Channels>;
  setCombined(dev: NetdevRef, count: number): Promise<void>;
}

/** The Combined line of each section of `ethtool -l` output. */
export function parseChannels(text: string): Channels {
  const section = (title: string) => {
    const at = text.indexOf(title);
    if (at < 0) return undefined;
    const m = /^Combined:[ \t]*(\S+)/m.exec(text.slice(at));
    return m && /^\d+$/.test(m[1]!) ? Number(m[1]) : undefined;
  };
  const out: Channels = {};
  const max = section('Pre-set maximums:');
  const current = section('Current hardware settings:');
  if (max !== undefined) out.maxCombined = max;
  if (current !== undefined) out.combined = current;
  return out;
}

/** The bus-info line of `ethtool -i`: a PCI address for a PCI netdev, empty for virtual ones. */
export function parseBusInfo(text: string): string | undefined {
  const m = /^bus-info:[ \t]*(\S*)/m.exec(text);
  return m?.[1] || undefined;
}

export class EthtoolChannels implements ChannelControl {
  constructor(private readonly ethtool = 'ethtool', private readonly nsenter = 'nsenter') {}

  private run(dev: NetdevRef, args: string[]): Promise<string> {
    const [cmd, argv] = dev.netns ? [this.nsenter, [`--net=${dev.netns}`, this.ethtool, ...args]] : [this.ethtool, args];
    return new Promise((resolve, reject) => {
      execFile(cmd, argv, { timeout: 10_000 }, (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return reject(new Error(`${cmd} is not installed (needed to set channel counts; Debian package ${cmd === this.ethtool ? 'ethtool' : 'util-linux'})`));
        // ethtool's own words, which carry the kernel's ("netlink error: Operation not supported").
        reject(new Error(`${[cmd, ...argv].join(' ')}: ${stderr.trim().split('\n').join('; ') || err.message}`));
      });
    });
  }

  async busInfo(dev: NetdevRef): Promise<string | undefined> {
    return parseBusInfo(await this.run(dev, ['-i', dev.ifname]));
  }

  async read(dev: NetdevRef): Promise<Channels> {
    return parseChannels(await this.run(dev, ['-l', dev.ifname]));
  }

  async setCombined(dev: NetdevRef, count: number): Promise<void> {
    await this.run(dev, ['-L', dev.ifname, 'combined', String(count)]);
  }
}
