import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchema, FastifySchemaCompiler } from 'fastify';

// Query and path values arrive as text, so they are coerced to the schema's types
// ('10' → 10). A JSON body already carries its types: coercing it would turn
// {"event": true} into "true", {"message": null} into "" and ["v1"] into "v1", so a
// wrong type would be stored instead of answered with a 400 (found by the fuzz test).
const options = { useDefaults: true, removeAdditional: true, allErrors: false, strict: false } as const;
const coercing = new Ajv({ ...options, coerceTypes: 'array' });
const exact = new Ajv({ ...options, coerceTypes: false });
addFormats.default(coercing);
addFormats.default(exact);

export const validatorCompiler: FastifySchemaCompiler<FastifySchema> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? exact : coercing).compile(schema as object);
