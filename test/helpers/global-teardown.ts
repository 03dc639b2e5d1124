import { TEMPLATE_ENV, dropTemplate } from './database';

export default async function globalTeardown(): Promise<void> {
  const template = process.env[TEMPLATE_ENV];
  if (template) await dropTemplate(template);
}
