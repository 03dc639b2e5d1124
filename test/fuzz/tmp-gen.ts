import fc from 'fast-check';
import doc from '../../openapi/openapi.json';
import { SchemaArbitraries } from './schema-arbitrary';
const s = new SchemaArbitraries(doc as never);
const body = (doc as any).paths['/v1/vendors/{id}/clients'].post.requestBody.content['application/json'].schema;
const schema = s.resolve(body);
for (const [k, v] of Object.entries(schema.properties as object)) {
  const t0 = Date.now();
  fc.sample(s.valid(v as never, k), { seed: 1, numRuns: 20 });
  console.log('valid', k, Date.now() - t0);
  const t1 = Date.now();
  fc.sample(s.invalid(v as never), { seed: 1, numRuns: 20 });
  console.log('invalid', k, Date.now() - t1);
}
for (const mode of ['valid', 'invalid'] as const) {
  const t0 = Date.now();
  fc.sample(mode === 'valid' ? s.valid(body) : s.invalid(body), { seed: 20261127, numRuns: 5 });
  console.log('whole', mode, Date.now() - t0);
}
