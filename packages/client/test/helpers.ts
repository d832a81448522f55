/** A fetch double: answers from a script, and keeps a copy of every request it got. */
export interface FakeFetch {
  fetch: (request: Request) => Promise<Response>;
  requests: Request[];
  /** The body of each request, read as text (a request's body can be read once). */
  bodies: string[];
}

export type Answer = Response | Error | ((request: Request) => Response | Promise<Response>);

export function fakeFetch(answers: Answer[]): FakeFetch {
  const requests: Request[] = [];
  const bodies: string[] = [];
  let i = 0;
  return {
    requests,
    bodies,
    async fetch(request: Request) {
      requests.push(request);
      bodies.push(await request.clone().text());
      const answer = answers[Math.min(i++, answers.length - 1)];
      if (answer === undefined) throw new Error("no scripted answer");
      if (answer instanceof Error) throw answer;
      return typeof answer === "function" ? answer(request) : answer.clone();
    },
  };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

export function envelope(status: number, code: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Response {
  return json(status, { code, message: `${code} happened`, status, requestId: "req_test123", docUrl: `http://x/tryon/v1/errors/${code}`, ...extra }, headers);
}

export const BASE = "http://drape.test";
/** A client that retries at once (tiny backoff): the tests count attempts, not milliseconds. */
export const FAST = { baseDelayMs: 1, maxDelayMs: 2 };
