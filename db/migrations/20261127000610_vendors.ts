import type { Knex } from 'knex';

// Outsourcing vendors, their contract's allowed purposes, and every status change they went through.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table vendors (
      id                          uuid primary key,
      name                        text not null unique,
      unified_social_credit_code  text unique check (unified_social_credit_code ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'),
      contacts                    jsonb not null default '[]'::jsonb,
      contract_reference          text not null,
      contract_starts_at          timestamptz not null,
      contract_ends_at            timestamptz not null,
      security_assessment         jsonb,
      status                      text not null check (status in ('active', 'suspended', 'terminated')),
      status_reason               text,
      status_changed_at           timestamptz not null,
      status_changed_by           text not null,
      created_at                  timestamptz not null,
      updated_at                  timestamptz not null,
      check (contract_ends_at > contract_starts_at)
    )`);
  await knex.raw('create index vendors_created_idx on vendors (created_at, id)');
  await knex.raw('create index vendors_status_idx on vendors (status, created_at, id)');
  await knex.raw(`
    create table vendor_contract_purposes (
      vendor_id   uuid not null references vendors (id),
      purpose_key text not null references purposes (key),
      primary key (vendor_id, purpose_key)
    )`);
  await knex.raw('create index vendor_contract_purposes_purpose_idx on vendor_contract_purposes (purpose_key)');
  await knex.raw(`
    create table vendor_status_history (
      id          bigserial primary key,
      vendor_id   uuid not null references vendors (id),
      from_status text check (from_status in ('active', 'suspended', 'terminated')),
      to_status   text not null check (to_status in ('active', 'suspended', 'terminated')),
      reason      text,
      actor       text not null,
      at          timestamptz not null
    )`);
  await knex.raw('create index vendor_status_history_vendor_idx on vendor_status_history (vendor_id, id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table vendor_status_history');
  await knex.raw('drop table vendor_contract_purposes');
  await knex.raw('drop table vendors');
}
