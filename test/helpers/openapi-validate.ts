import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { derefSchema, listRoutes, loadApiDocument } from '../../src/api/openapi.ts';

// Response bodies are checked against the served OpenAPI document's 200 schema of the
// operation, with additional properties forbidden so a misspelt field fails the test.
const doc = loadApiDocument();
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats.default(ajv);

function closeObjects(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closeObjects);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = closeObjects(v);
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  if (out.format === 'int32' || out.format === 'int64') delete out.format;
  return out;
}

const validators = new Map<string, ReturnType<typeof ajv.compile>>();
for (const r of listRoutes(doc)) {
  const schema = r.operation.responses['200']?.content?.['application/json']?.schema;
  if (schema) validators.set(r.operation.operationId, ajv.compile(closeObjects(derefSchema(doc, schema)) as object));
}

/** Throws with the schema errors when `body` does not match the operation's 200 schema. */
export function assertMatchesSchema(operationId: string, body: unknown): void {
  const validate = validators.get(operationId);
  if (!validate) throw new Error(`no response schema for ${operationId}`);
  if (!validate(body)) {
    throw new Error(`${operationId} response does not match the OpenAPI schema: ${ajv.errorsText(validate.errors)}`);
  }
}
