import type { Knex } from 'knex';

// The authorization server's token-signing keys. Private keys are stored only encrypted
// (AES-256-GCM under KEY_ENCRYPTION_KEY). A key is published from creation, signs from
// activates_at, stops signing at retires_at and stays published until published_until.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table oauth_signing_keys (
      kid               text primary key,
      alg               text not null check (alg in ('ES256', 'EdDSA')),
      public_jwk        jsonb not null,
      private_key_enc   text not null,
      created_at        timestamptz not null,
      activates_at      timestamptz not null,
      retires_at        timestamptz,
      published_until   timestamptz,
      check (retires_at is null or retires_at >= activates_at),
      check ((retires_at is null) = (published_until is null))
    )`);
  await knex.raw('create index oauth_signing_keys_activation_idx on oauth_signing_keys (activates_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table oauth_signing_keys');
}
