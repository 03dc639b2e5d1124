import type { Knex } from 'knex';

// A vulnerability (finding) names the test kind that found it and whether it blocks release: high and
// critical findings and every privacy-review finding always do; others when marked so.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table app_vulnerabilities
      add column test_kind         text check (test_kind in ('penetration', 'compatibility', 'privacy_review')),
      add column security_test_id  uuid references app_security_tests (id),
      add column blocks_release    boolean not null default false`);
  await knex.raw(`update app_vulnerabilities set blocks_release = true where severity in ('high', 'critical')`);
  await knex.raw(`
    alter table app_vulnerabilities add constraint app_vulnerabilities_blocking_check
      check (blocks_release or not (severity in ('high', 'critical') or test_kind = 'privacy_review'))`);
  await knex.raw('create index app_vulnerabilities_blocking_idx on app_vulnerabilities (app_id) where fixed_at is null and blocks_release');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index app_vulnerabilities_blocking_idx');
  await knex.raw('alter table app_vulnerabilities drop constraint app_vulnerabilities_blocking_check');
  await knex.raw('alter table app_vulnerabilities drop column blocks_release, drop column security_test_id, drop column test_kind');
}
