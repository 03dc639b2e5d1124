import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/** One operation of the OpenAPI document, as the fuzzer and the authorization matrix read it. */
export interface Operation {
  readonly method: string;
  readonly path: string;
  readonly operationId: string;
  readonly parameters: ReadonlyArray<{
    name: string;
    in: 'path' | 'query' | 'header';
    required?: boolean;
    schema: Record<string, unknown>;
  }>;
  /** Media type → schema of the request body, when the operation takes one. */
  readonly requestBody?: Readonly<Record<string, Record<string, unknown>>>;
  /** Status → media type → schema (a media type may have no schema). */
  readonly responses: Readonly<Record<string, Readonly<Record<string, Record<string, unknown> | undefined>>>>;
  readonly security: ReadonlyArray<Record<string, unknown>>;
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete'];
const DOC_ID = 'https://privacy-governance.test/openapi.json';

interface RawOperation {
  operationId: string;
  parameters?: Operation['parameters'];
  requestBody?: { content: Record<string, { schema?: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, { schema?: Record<string, unknown> }> }>;
  security?: Array<Record<string, unknown>>;
}

/** A parameter may be a `$ref` to components/parameters (e.g. the shared Idempotency-Key header). */
function resolveParameter(document: Record<string, unknown>, parameter: Record<string, unknown>): Operation['parameters'][number] {
  const ref = parameter.$ref;
  if (typeof ref !== 'string') return parameter as unknown as Operation['parameters'][number];
  const name = ref.replace('#/components/parameters/', '');
  const components = (document.components as { parameters?: Record<string, unknown> } | undefined)?.parameters ?? {};
  const resolved = components[name];
  if (!resolved) throw new Error(`unresolved parameter ${ref}`);
  return resolved as Operation['parameters'][number];
}

export function operationsOf(document: Record<string, unknown>): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, RawOperation>>)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const responses: Record<string, Record<string, Record<string, unknown> | undefined>> = {};
      for (const [status, response] of Object.entries(op.responses)) {
        responses[status] = Object.fromEntries(Object.entries(response.content ?? {}).map(([type, media]) => [type, media.schema]));
      }
      operations.push({
        method,
        path,
        operationId: op.operationId,
        parameters: (op.parameters ?? []).map((p) => resolveParameter(document, p as unknown as Record<string, unknown>)),
        requestBody: op.requestBody
          ? Object.fromEntries(Object.entries(op.requestBody.content).map(([type, media]) => [type, media.schema ?? {}]))
          : undefined,
        responses,
        security: op.security ?? [],
      });
    }
  }
  return operations;
}

const escapePointer = (segment: string) => encodeURIComponent(segment.replace(/~/g, '~0').replace(/\//g, '~1'));

/**
 * Checks bodies against the document's JSON Schemas (2020-12, as OpenAPI 3.1 uses them) with ajv,
 * compiling each schema once, in place, so `$ref`s resolve inside the document.
 */
export class ContractValidator {
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(document: Record<string, unknown>) {
    // strict: false — OpenAPI adds keywords (example, externalDocs…) a plain JSON Schema validator does not know.
    this.ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ ...document, $id: DOC_ID }, DOC_ID);
  }

  private validator(pointer: string): ValidateFunction {
    let fn = this.compiled.get(pointer);
    if (!fn) {
      fn = this.ajv.compile({ $ref: `${DOC_ID}#${pointer}` });
      this.compiled.set(pointer, fn);
    }
    return fn;
  }

  /** Undefined when `body` is what the document says for this response; otherwise why not. */
  responseProblem(op: Operation, status: string, mediaType: string, body: unknown): string | undefined {
    return this.check(`/paths/${escapePointer(op.path)}/${op.method}/responses/${status}/content/${escapePointer(mediaType)}/schema`, body);
  }

  requestProblem(op: Operation, mediaType: string, body: unknown): string | undefined {
    return this.check(`/paths/${escapePointer(op.path)}/${op.method}/requestBody/content/${escapePointer(mediaType)}/schema`, body);
  }

  private check(pointer: string, body: unknown): string | undefined {
    const validate = this.validator(pointer);
    if (validate(body)) return undefined;
    return this.ajv.errorsText(validate.errors, { dataVar: 'body' });
  }
}
