import { type DestinationStream, type Logger, pino } from 'pino';
import type { Config } from './config.ts';

export type { Logger };

/**
 * The service's one logger (pino, the library Fastify logs through): created once from
 * config, handed to the HTTP server (request logs carry `reqId`) and to the background
 * services (ingest writer, webhook dispatcher, shutdown). pino's default stdout stream
 * flushes its buffer on process exit, so lines logged right before process.exit are kept.
 */
export function createLogger(level: Config['logLevel'], destination?: DestinationStream): Logger {
  return destination ? pino({ level }, destination) : pino({ level });
}
