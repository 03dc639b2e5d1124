import { BENCH_ADMIN, type BenchContext, type BenchRow, type Scenario } from './lib';

// A staff-authenticated read through the whole stack: request id, logging, metrics, JWT
// verification, Casbin department access, zod validation, a paginated SELECT, JSON.

const OWNER = 'bench-owner';

export async function departmentsBench(bench: BenchContext): Promise<BenchRow[]> {
  const baseline = await bench.baseline('json');
  const service = await bench.startService();
  try {
    await service.call(BENCH_ADMIN, 'POST', '/v1/departments', { code: 'RETAIL', name: 'Retail banking', kind: 'business' });
    for (let i = 1; i <= 20; i++) {
      await service.call(BENCH_ADMIN, 'POST', '/v1/departments', {
        code: `DEPT_${i}`,
        name: `Department ${i}`,
        kind: 'business',
        parent: 'RETAIL',
      });
    }
    await service.call(BENCH_ADMIN, 'POST', '/v1/role-assignments', { subject: OWNER, role: 'data_owner', department: 'RETAIL' });
    const page = await service.call<{ items: unknown[] }>(OWNER, 'GET', '/v1/departments?limit=50');
    if (page.items.length !== 21) throw new Error(`expected 21 departments, got ${page.items.length}`);

    const token = await service.staffToken(OWNER);
    const result = await bench.load('GET /v1/departments (21 rows, data owner)', {
      url: `${service.url}/v1/departments?limit=50`,
      headers: { authorization: `Bearer ${token}` },
      pid: service.pid,
    });
    return [
      { scenario: 'departments', result: baseline, notes: 'bare Koa, one JSON route' },
      { scenario: 'departments', result, baseline, notes: `RSS ${service.rssMiB()} MiB, start-up ${service.startupSeconds} s` },
    ];
  } finally {
    await service.stop();
  }
}

export const departmentsScenario: Scenario = {
  name: 'departments',
  description: 'GET /v1/departments with a staff token vs a bare Koa JSON route',
  run: departmentsBench,
};
