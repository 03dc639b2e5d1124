import type { Knex } from 'knex';

// Processing purposes (PIPL Art. 13 legal bases); grants, notices and consents refer to them by key.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table purposes (
      id             uuid primary key,
      key            text not null unique
                     check (length(key) <= 100 and key ~ '^[a-z][a-z0-9_]*([.][a-z][a-z0-9_]*)*$'),
      description    text not null,
      legal_basis    text not null check (legal_basis in
                       ('consent', 'contract', 'legal_obligation', 'hr', 'public_health', 'news', 'public_info', 'other_law')),
      retention_days integer not null check (retention_days > 0),
      status         text not null default 'active' check (status in ('active', 'retired')),
      retired_at     timestamptz,
      created_at     timestamptz not null,
      updated_at     timestamptz not null,
      check ((status = 'retired') = (retired_at is not null))
    )`);
  await knex.raw('create index purposes_legal_basis_idx on purposes (legal_basis, key)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table purposes');
}
