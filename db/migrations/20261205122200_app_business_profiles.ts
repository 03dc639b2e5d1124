import type { Knex } from 'knex';

// What each app does (the Notice, item 8): the business lines and regions it serves, its
// third-party cooperative business (partner, agreement, review) and the products it sells
// (whether the sale is traceable, where the disclosures are published). Replaced as a whole.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table app_business_profiles (
      app_id          uuid primary key references apps (id),
      business_lines  text[] not null check (cardinality(business_lines) > 0),
      regions         text[] not null check (cardinality(regions) > 0),
      declared_by     text not null,
      declared_at     timestamptz not null
    )`);
  await knex.raw(`
    create table app_partners (
      id                   uuid primary key,
      app_id               uuid not null references app_business_profiles (app_id),
      name                 text not null,
      cooperation          text not null,
      agreement_reference  text not null,
      agreement_from       date not null,
      agreement_until      date not null,
      reviewed_on          date,
      review_result        text check (review_result in ('passed', 'failed')),
      check (agreement_until >= agreement_from),
      check ((reviewed_on is null) = (review_result is null))
    )`);
  await knex.raw('create unique index app_partners_name on app_partners (app_id, lower(name))');
  await knex.raw(`
    create table app_product_sales (
      id                   uuid primary key,
      app_id               uuid not null references app_business_profiles (app_id),
      product              text not null,
      traceable            boolean not null,
      traceability_method  text,
      disclosure_url       text not null,
      check (not traceable or traceability_method is not null)
    )`);
  await knex.raw('create unique index app_product_sales_product on app_product_sales (app_id, lower(product))');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table app_product_sales');
  await knex.raw('drop table app_partners');
  await knex.raw('drop table app_business_profiles');
}
