import type { TestApp } from '../helpers/app';
import type { Answer } from './conformance';
import type { FuzzRequest } from './requests';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Reads any response as text: superagent's own parsers would choke on (or hide) what the fuzzer needs to see. */
function asText(res: NodeJS.ReadableStream, callback: (err: Error | null, body: unknown) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks).toString('utf8')));
  res.on('error', (err) => callback(err, undefined));
}

/** Sends the request exactly as generated (headers and bytes) to the in-process server. */
export async function send(t: TestApp, request: FuzzRequest): Promise<Answer> {
  let call = t.http[request.method as Method](request.url)
    .buffer(true)
    .parse(asText as never);
  for (const [name, value] of Object.entries(request.headers)) call = call.set(name, value);
  if (request.body !== undefined) {
    // superagent sends a string as-is under the media type set; without one it would add a form
    // type of its own (and it JSON-encodes a Buffer), so a body without a media type is written raw.
    if (request.headers['Content-Type'] !== undefined) call = call.send(request.body);
    else call.write(request.body);
  }
  const res = await call.ok(() => true);
  return { status: res.status, contentType: res.headers['content-type'] as string | undefined, text: res.body as string };
}

/** Runs `tasks` with at most `concurrency` in flight. */
export async function pool<T>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      await task(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
