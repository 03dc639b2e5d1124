import { createLocalJWKSet } from 'jose';
import { createContainer, type Container, type ContainerOptions } from '../container';
import { createLogger } from '../logger';

/**
 * The service's features for a command-line tool: it authenticates nobody (no staff keys are
 * needed) and registers no process metrics; it logs warnings unless told to keep quiet.
 */
export function toolContainer(
  options: Pick<ContainerOptions, 'config' | 'db' | 'secrets'> & { readonly logLevel?: 'warn' | 'silent' },
): Container {
  const { logLevel = 'warn', ...platform } = options;
  return createContainer({
    ...platform,
    logger: createLogger(logLevel),
    staffKeys: createLocalJWKSet({ keys: [] }),
    defaultMetrics: false,
  });
}
