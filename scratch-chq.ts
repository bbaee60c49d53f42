import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';

const ch = createClient({ connection: createChdbConnection({ path: '/tmp/chq-db' }) } as never);
const q = process.argv[2] as string;
const rs = await ch.query({ query: q, format: 'JSONEachRow' });
console.log(JSON.stringify(await rs.json()));
process.exit(0);
