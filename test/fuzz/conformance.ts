import type { ContractValidator, Operation } from './contract';

/** What came back, as read off the wire. */
export interface Answer {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly text: string;
}

/** Media types whose bodies are JSON and are checked against the document's schemas. */
const isJson = (mediaType: string) => mediaType === 'application/json' || mediaType.endsWith('+json');

/**
 * Everything wrong with one answer: a 5xx; a status the operation does not document; a 4xx that is
 * not problem+json (outside the OAuth protocol endpoints, which answer RFC 6749 JSON); a media type
 * or a JSON body the document does not describe for that status; a 2xx to a body the document forbids.
 */
export function conformanceProblems(
  contract: ContractValidator,
  op: Operation,
  answer: Answer,
  request: { readonly json?: unknown; readonly contentType?: string },
): string[] {
  const problems: string[] = [];
  const { status } = answer;
  const mediaType = answer.contentType?.split(';')[0].trim().toLowerCase();
  if (status >= 500) problems.push(`server error ${status}`);
  const documented = op.responses[String(status)];
  if (!documented) problems.push(`undocumented status ${status}`);
  const protocol = op.path.startsWith('/oauth/');
  if (status >= 400 && status < 500 && !protocol && mediaType !== 'application/problem+json') {
    problems.push(`${status} is ${mediaType ?? 'without a media type'}, not application/problem+json`);
  }
  if (protocol && status >= 400) {
    const body = safeJson(answer.text);
    if (mediaType !== 'application/json' || typeof (body as { error?: unknown } | undefined)?.error !== 'string') {
      problems.push(`${status} from an OAuth endpoint is not an RFC 6749 error object`);
    }
  }
  if (documented && answer.text.length > 0 && status !== 304 && status !== 204) {
    if (mediaType === undefined || !(mediaType in documented)) {
      problems.push(`${status} answered ${mediaType ?? 'no media type'}; documented: ${Object.keys(documented).join(', ') || 'no body'}`);
    } else if (isJson(mediaType) && documented[mediaType] !== undefined) {
      const body = safeJson(answer.text);
      if (body === undefined) problems.push(`${status} ${mediaType} body is not JSON`);
      else {
        const why = contract.responseProblem(op, String(status), mediaType, body);
        if (why) problems.push(`${status} body does not match the document: ${why}`);
      }
    }
  }
  if ((status === 204 || status === 304) && answer.text.length > 0) problems.push(`${status} with a body`);
  const [requestType, schema] = Object.entries(op.requestBody ?? {})[0] ?? [];
  if (status >= 200 && status < 300 && schema && request.json !== undefined && request.contentType === requestType) {
    const why = contract.requestProblem(op, requestType, request.json);
    if (why) problems.push(`${status} to a body the document forbids: ${why}`);
  }
  return problems;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
