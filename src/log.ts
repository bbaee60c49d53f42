import { type DestinationStream, type Logger, pino } from 'pino';
import type { Config } from './config.ts';

export type { Logger };

/**
 * The service's one logger (pino, the library Fastify logs through): created once from
 * config, handed to the HTTP server (request logs carry `reqId`) and to the background
 * services (ingest writer, webhook dispatcher, shutdown). pino writes synchronously to
 * stdout by default, so lines logged right before process.exit are not lost.
 */
export function createLogger(level: Config['logLevel'], destination?: DestinationStream): Logger {
  return destination ? pino({ level }, destination) : pino({ level });
}
