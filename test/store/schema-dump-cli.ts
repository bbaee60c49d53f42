// `npm run schema:dump`: rewrites docs/schema.sql from a fresh embedded store.
import fs from 'node:fs';
import { freshSchemaDump, SCHEMA_FILE } from './schema-dump.ts';

fs.writeFileSync(SCHEMA_FILE, await freshSchemaDump());
console.log(`wrote ${SCHEMA_FILE}`);
