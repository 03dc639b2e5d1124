import type { HttpAnswer } from '../helpers/service-process';

/** One answered (or failed) request of a load. */
export interface Outcome {
  readonly kind: string;
  readonly sentAt: number;
  readonly answeredAt: number;
  /** 0 when the connection failed or timed out (the service never answered). */
  readonly status: number;
  readonly type: string;
  readonly body: Record<string, unknown>;
}

export interface LoadOperation {
  readonly kind: string;
  /** May answer for another kind (e.g. nothing to approve yet, so a decision was asked instead). */
  run(): Promise<HttpAnswer & { readonly kind?: string }>;
}

/** A steady mixed load: `workers` loops, each taking the operations in turn, until stopped. */
export class Load {
  readonly outcomes: Outcome[] = [];
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly operations: readonly LoadOperation[],
    private readonly workers = 4,
  ) {}

  start(): void {
    this.running = true;
    this.loops = Array.from({ length: this.workers }, (_, w) => this.loop(w));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async loop(offset: number): Promise<void> {
    for (let i = offset; this.running; i++) {
      const op = this.operations[i % this.operations.length];
      const sentAt = Date.now();
      let answer: Pick<Outcome, 'status' | 'type' | 'body'> & { kind?: string };
      try {
        answer = await op.run();
      } catch (err) {
        answer = { status: 0, type: '', body: { error: (err as Error).message } };
      }
      this.outcomes.push({
        kind: answer.kind ?? op.kind,
        sentAt,
        answeredAt: Date.now(),
        status: answer.status,
        type: answer.type,
        body: answer.body,
      });
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

/** The payload of a JWT, unverified (to find an issued token's jti). */
export function jwtPayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}
