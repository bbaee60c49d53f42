import type { AnalyticsReader, ReadRequest } from '../src/store/clickhouse/reader.ts';

/**
 * Wraps a reader so every read the server runs while `sink.on` is recorded (without its
 * request's abort signal, so the benchmarks can replay it after the request ended).
 */
export function recordingReader(inner: AnalyticsReader, sink: { on: boolean; list: ReadRequest[] }): AnalyticsReader {
  return {
    rows(req) {
      if (sink.on) sink.list.push({ ...req, signal: undefined });
      return inner.rows(req);
    },
    close: () => inner.close(),
  };
}
