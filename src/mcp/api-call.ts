/**
 * How a tool reaches the API: a request to the Worker's own routes, dispatched in-process with
 * the caller's credentials. Every rule (validation, auth, rate limits, idempotency, credits) is
 * the route's, applied exactly as for an HTTP client; the tools add none of their own.
 */
export type ApiDispatch = (request: Request) => Promise<Response>;

export interface ApiAnswer {
  status: number;
  body: unknown;
}

export class ApiCaller {
  constructor(
    private readonly dispatch: ApiDispatch,
    private readonly origin: string,
    /** The caller's own credential headers (`authorization` or `x-api-key`), passed on unchanged. */
    private readonly credentials: Record<string, string>,
  ) {}

  async call(
    method: "GET" | "POST",
    path: string,
    body?: { json: unknown } | { form: FormData },
    extraHeaders: Record<string, string> = {},
  ): Promise<ApiAnswer> {
    const headers = new Headers({ ...extraHeaders, ...this.credentials, accept: "application/json" });
    let payload: BodyInit | undefined;
    if (body && "json" in body) {
      headers.set("content-type", "application/json");
      payload = JSON.stringify(body.json);
    } else if (body) payload = body.form;
    const res = await this.dispatch(new Request(new URL(path, this.origin), { method, headers, body: payload }));
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: kept as text
    }
    return { status: res.status, body: parsed };
  }

  /** Bytes of a URL the API itself serves (a signed file URL), through the same dispatch. */
  async bytes(url: string): Promise<Uint8Array | null> {
    const res = await this.dispatch(new Request(url));
    if (!res.ok) {
      await res.body?.cancel();
      return null;
    }
    return new Uint8Array(await res.arrayBuffer());
  }
}
