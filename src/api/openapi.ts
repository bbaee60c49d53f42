import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { addCsvContent } from './csv-shape.ts';

// The served document = the seed (verbatim copy of the shared API) + our additions.
// Route schemas are derived from it, so there is one source for both.
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'openapi');

export interface OpenApiParameter {
  name: string;
  in: 'query' | 'path' | 'header';
  required?: boolean;
  description?: string;
  schema?: Record<string, unknown>;
  $ref?: string;
}

export interface OpenApiOperation {
  operationId: string;
  summary?: string;
  description?: string;
  parameters?: OpenApiParameter[];
  requestBody?: { content?: Record<string, { schema?: Record<string, unknown> }> };
  responses: Record<string, { description: string; content?: Record<string, { schema?: Record<string, unknown> }> }>;
  tags?: string[];
}

export interface OpenApiDocument {
  openapi: string;
  info: Record<string, unknown>;
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: {
    schemas: Record<string, Record<string, unknown>>;
    parameters?: Record<string, OpenApiParameter>;
  } & Record<string, unknown>;
  [key: string]: unknown;
}

export const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

function readYaml(file: string): OpenApiDocument {
  return YAML.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as OpenApiDocument;
}

let cached: OpenApiDocument | undefined;

/** The merged document (seed + additions), built once. */
export function loadApiDocument(): OpenApiDocument {
  if (cached) return cached;
  const doc = readYaml('seed.yaml');
  const extra = readYaml('additions.yaml');
  for (const [p, ops] of Object.entries(extra.paths ?? {})) {
    doc.paths[p] = { ...(doc.paths[p] ?? {}), ...ops };
  }
  doc.components.schemas = { ...doc.components.schemas, ...(extra.components?.schemas ?? {}) };
  doc.components.parameters = { ...(doc.components.parameters ?? {}), ...(extra.components?.parameters ?? {}) };
  doc.components.responses = {
    ...((doc.components.responses as object | undefined) ?? {}),
    ...((extra.components?.responses as object | undefined) ?? {}),
  };
  addEdgeResponses(doc);
  // "Try it out" in /docs must reach the server that serves them, not the seed's first server.
  doc.servers = [{ url: '/', description: 'this server' }, ...((doc.servers as unknown[] | undefined) ?? [])];
  // Extension: every operation with a time range also takes `timezone` (CONTRACT §3).
  for (const ops of Object.values(doc.paths)) {
    for (const op of Object.values(ops)) {
      const params = op.parameters ?? [];
      if (params.some((p) => p.name === 'start_time') && !params.some((p) => p.name === 'timezone')) {
        params.push({ $ref: '#/components/parameters/timezone' } as OpenApiParameter);
        op.parameters = params;
      }
    }
  }
  // Extension: the series and row-list reads also answer text/csv (issue 11, csv-shape.ts).
  addCsvContent(doc);
  cached = doc;
  return doc;
}

// Status → components.responses entry (openapi/additions.yaml) every operation can answer.
const EDGE_RESPONSES: [status: string, name: string, withBody: boolean][] = [
  ['408', 'EdgeRequestTimeout', false],
  ['413', 'EdgePayloadTooLarge', true],
  ['414', 'EdgeUriTooLong', false],
  ['415', 'EdgeUnsupportedMediaType', true],
  ['429', 'TooManyRequests', false],
  ['431', 'EdgeHeaderFieldsTooLarge', false],
];

/** Documents the HTTP edge's answers on each operation (body ones only where there is a body). */
function addEdgeResponses(doc: OpenApiDocument): void {
  const known = (doc.components.responses ?? {}) as Record<string, unknown>;
  for (const ops of Object.values(doc.paths)) {
    for (const op of Object.values(ops)) {
      for (const [status, name, withBody] of EDGE_RESPONSES) {
        if (!(name in known) || op.responses[status] || (withBody && !op.requestBody)) continue;
        op.responses[status] = { $ref: `#/components/responses/${name}` } as never;
      }
    }
  }
}

/** Resolves a `#/components/...` reference within the document. */
export function resolveRef<T>(doc: OpenApiDocument, ref: string): T {
  const parts = ref.replace(/^#\//, '').split('/');
  let node: unknown = doc;
  for (const part of parts) node = (node as Record<string, unknown>)[part];
  if (node === undefined) throw new Error(`unresolved $ref ${ref}`);
  return node as T;
}

/** Inlines every $ref so the schema can be compiled on its own (Fastify, Ajv). */
export function derefSchema(doc: OpenApiDocument, schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map((s) => derefSchema(doc, s));
  if (typeof schema !== 'object' || schema === null) return schema;
  const obj = schema as Record<string, unknown>;
  if (typeof obj.$ref === 'string') return derefSchema(doc, resolveRef(doc, obj.$ref));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = derefSchema(doc, v);
  return out;
}

export interface RouteSpec {
  method: (typeof HTTP_METHODS)[number];
  openApiPath: string;
  url: string;
  operation: OpenApiOperation;
  parameters: OpenApiParameter[];
}

export function listRoutes(doc: OpenApiDocument): RouteSpec[] {
  const routes: RouteSpec[] = [];
  for (const [p, ops] of Object.entries(doc.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = ops[method];
      if (!operation) continue;
      const parameters = (operation.parameters ?? []).map((prm) =>
        prm.$ref ? resolveRef<OpenApiParameter>(doc, prm.$ref) : prm,
      );
      routes.push({ method, openApiPath: p, url: p.replace(/\{([^}]+)\}/g, ':$1'), operation, parameters });
    }
  }
  return routes;
}
