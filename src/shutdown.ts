import type { Logger } from './log.ts';

/** One piece of work a shutdown waits for, and what is lost if it never finishes. */
export interface ShutdownPart {
  name: string;
  run: () => Promise<void>;
  /** Said in the log when the deadline passes before `run` settles (or before it starts). */
  gaveUp: () => string;
}

export interface ShutdownPlan {
  /** Run concurrently; the parts of one lane run in order. */
  lanes: ShutdownPart[][];
  /** Run in order once every lane has finished (closing the stores the lanes use). */
  last: ShutdownPart[];
}

type State = 'pending' | 'running' | 'done' | 'failed';

/**
 * Runs a shutdown plan within `deadlineMs`. Resolves true when every part finished, false
 * when a part failed or the deadline passed first; in that case each unfinished part's
 * `gaveUp()` is logged, so the operator knows what the exit left behind. A part that hangs
 * (a store that never answers) cannot hold the process past the deadline.
 */
export async function shutdownWithin(plan: ShutdownPlan, deadlineMs: number, log: Logger): Promise<boolean> {
  const state = new Map<ShutdownPart, State>();
  for (const p of [...plan.lanes.flat(), ...plan.last]) state.set(p, 'pending');
  let clean = true;
  const runPart = async (p: ShutdownPart): Promise<void> => {
    state.set(p, 'running');
    try {
      await p.run();
      state.set(p, 'done');
    } catch (err) {
      state.set(p, 'failed');
      clean = false;
      log.error({ err, part: p.name }, `shutdown: ${p.name} failed`);
    }
  };
  const all = (async () => {
    await Promise.all(
      plan.lanes.map(async (lane) => {
        for (const p of lane) await runPart(p);
      }),
    );
    for (const p of plan.last) await runPart(p);
  })();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), deadlineMs);
  });
  const outcome = await Promise.race([all.then(() => 'finished' as const), expired]);
  clearTimeout(timer);
  if (outcome === 'finished') return clean;

  const gaveUp: string[] = [];
  for (const [p, s] of state) {
    if (s === 'running') gaveUp.push(p.gaveUp());
    else if (s === 'pending') gaveUp.push(`${p.gaveUp()} (not started: waiting on an earlier step)`);
  }
  log.error(
    { deadlineSeconds: deadlineMs / 1000, gaveUp },
    `shutdown deadline of ${deadlineMs / 1000} s passed; gave up: ${gaveUp.join('; ')}`,
  );
  return false;
}
