// Where the extension host's event loop stalled while a test ran: each gap over GAP_MS in a 1 ms
// timer, matched against a CPU profile sampled at the same time to tell whose code ran in it.
// The host runs VS Code's own work too (opening a document, link detection, git), so the longest
// gap alone does not say what the extension did. Printed by tests, never asserted (a timing).
import { Session } from 'node:inspector/promises';
import { openSync, readSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';

const GAP_MS = 10;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Stall {
  readonly ms: number;
  /** CPU time the host's main thread got in the gap (Linux); the rest it waited for a core. */
  readonly cpuMs: number | undefined;
  /** Share of the gap's samples in the extension's code (garbage collection counts for the code it interrupted). */
  readonly ours: number;
  /** The function with the most samples in the gap. */
  readonly top: string;
}

export interface StallReport {
  readonly longest: Stall | undefined;
  /** The longest gap with the extension's code in most of its samples. */
  readonly longestOurs: Stall | undefined;
  /** Of those gaps, the one where the main thread got the most CPU time (Linux). */
  readonly busiestOurs: Stall | undefined;
  readonly longestGcMs: number;
}

const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** This (main) thread's CPU time in ms, from Linux's schedstat; undefined elsewhere. */
function threadCpuMs(): () => number | undefined {
  let fd: number;
  try {
    fd = openSync(`/proc/self/task/${process.pid}/schedstat`, 'r');
  } catch {
    return () => undefined;
  }
  const buf = Buffer.alloc(128);
  return () => Number(buf.toString('latin1', 0, readSync(fd, buf, 0, 128, 0)).split(' ')[0]) / 1e6;
}

/** Runs `fn` while recording the host's stalls; `isOurs` tells the extension's script URLs. */
export async function recordStalls<T>(fn: () => Promise<T>, isOurs: (url: string) => boolean): Promise<{ result: T; report: StallReport }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 1000 });
  let longestGcMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) longestGcMs = Math.max(longestGcMs, e.duration);
  });
  gc.observe({ entryTypes: ['gc'] });
  const gaps: Array<[number, number, number | undefined]> = [];
  const cpu = threadCpuMs();
  await session.post('Profiler.start');
  let last = nowUs();
  let lastCpu = cpu();
  const timer = setInterval(() => {
    const now = nowUs();
    const nowCpu = cpu();
    if (now - last > GAP_MS * 1000) gaps.push([last, now, nowCpu !== undefined && lastCpu !== undefined ? nowCpu - lastCpu : undefined]);
    last = now;
    lastCpu = nowCpu;
  }, 1);
  let result: T;
  try {
    result = await fn();
  } finally {
    clearInterval(timer);
    gc.disconnect();
  }
  const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
  session.disconnect();
  const classify = classifier(profile, isOurs);
  const stalls = gaps.map(([a, b, cpuMs]) => ({ ...classify(a, b), cpuMs }));
  const byLength = (x: Stall | undefined, y: Stall): Stall => (x && x.ms >= y.ms ? x : y);
  return {
    result,
    report: {
      longest: stalls.reduce<Stall | undefined>(byLength, undefined),
      longestOurs: stalls.filter((s) => s.ours > 0.5).reduce<Stall | undefined>(byLength, undefined),
      busiestOurs: stalls
        .filter((s) => s.ours > 0.5 && s.cpuMs !== undefined)
        .reduce<Stall | undefined>((x, y) => (x && x.cpuMs! >= y.cpuMs! ? x : y), undefined),
      longestGcMs,
    },
  };
}

/**
 * A function that tells, for a gap [fromUs, toUs], whose code the profile's samples in it were
 * in and the most sampled function. The samples' times and owners are worked out once.
 */
function classifier(profile: Profile, isOurs: (url: string) => boolean): (fromUs: number, toUs: number) => Omit<Stall, 'cpuMs'> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const ours = (id: number): boolean => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) if (isOurs(byId.get(at)!.callFrame.url)) return true;
    return false;
  };
  const samples: Array<{ t: number; node: ProfileNode; mine: boolean }> = [];
  let t = profile.startTime;
  let previousOurs = false;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    const node = byId.get(profile.samples[i])!;
    const name = node.callFrame.functionName;
    const mine: boolean = name === '(garbage collector)' ? previousOurs : ours(node.id);
    if (name !== '(garbage collector)' && name !== '(idle)') previousOurs = mine;
    samples.push({ t, node, mine });
  }
  return (fromUs, toUs) => {
    let counted = 0;
    let inOurs = 0;
    const self = new Map<string, number>();
    for (const { t: at, node, mine } of samples) {
      const name = node.callFrame.functionName;
      if (at < fromUs || at > toUs || name === '(idle)') continue;
      counted++;
      if (mine) inOurs++;
      const key = `${name || '(anonymous)'} ${node.callFrame.url.split('/').pop()}:${node.callFrame.lineNumber + 1}`;
      self.set(key, (self.get(key) ?? 0) + 1);
    }
    const top = [...self].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '(no samples)';
    return { ms: (toUs - fromUs) / 1000, ours: counted ? inOurs / counted : 0, top };
  };
}

/** One line for a test's output. */
export function describeStalls(r: StallReport): string {
  const fmt = (s: Stall | undefined): string =>
    s
      ? `${s.ms.toFixed(1)} ms (${s.cpuMs === undefined ? '' : `${s.cpuMs.toFixed(1)} ms of it on the CPU, `}${(s.ours * 100).toFixed(0)}% in the extension; most samples: ${s.top})`
      : 'none over 10 ms';
  return (
    `longest stall ${fmt(r.longest)}; longest in the extension's code ${fmt(r.longestOurs)}; ` +
    `the extension's stall with the most CPU time ${fmt(r.busiestOurs)}; longest GC pause ${r.longestGcMs.toFixed(1)} ms`
  );
}
