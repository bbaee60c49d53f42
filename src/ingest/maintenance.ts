import type { Logger } from '../log.ts';
import type { ControlDb } from '../store/control/db.ts';
import { pruneIds } from './id-window.ts';
import { pruneSessions } from './session-state.ts';

const EVERY_MS = 60_000;

/**
 * Keeps the shared ingest state bounded: ids past the 24 h window and session keys idle
 * past their retention leave the control store, a bounded slice per statement. Every
 * replica runs it; two running at once only delete the same rows.
 */
export class IngestMaintenance {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly db: ControlDb,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.run()
        .catch((err: unknown) => this.log.warn({ err }, 'ingest state pruning failed; next round retries'))
        .finally(() => {
          this.running = undefined;
        });
    }, EVERY_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Prunes until a slice comes back short. */
  async run(nowMs = Date.now()): Promise<void> {
    while ((await pruneIds(this.db, nowMs)) >= 50_000) {}
    while ((await pruneSessions(this.db, nowMs)) >= 50_000) {}
  }
}
