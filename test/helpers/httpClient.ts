/**
 * A curl-like client over fetch: a cookie jar, redirects followed by hand (so cookies set on each
 * hop are kept, as `curl -L -c jar -b jar` does), JSON in and out.
 */
export class HttpClient {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly origin: string) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private remember(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (/Max-Age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(method: string, url: string, options: { body?: unknown; headers?: Record<string, string>; follow?: boolean } = {}): Promise<Response> {
    let target = url.startsWith('http') ? url : `${this.origin}${url}`;
    for (let hop = 0; hop < 10; hop += 1) {
      const headers: Record<string, string> = { ...options.headers };
      // Cookies only go back to the API's origin, like a browser's jar.
      if (target.startsWith(this.origin) && this.cookies.size) headers.cookie = this.cookieHeader();
      if (options.body !== undefined && hop === 0) headers['content-type'] = 'application/json';
      if (method !== 'GET' && hop === 0) headers.origin = this.origin;
      const response = await fetch(target, {
        method: hop === 0 ? method : 'GET',
        headers,
        body: options.body !== undefined && hop === 0 ? JSON.stringify(options.body) : undefined,
        redirect: 'manual',
      });
      if (target.startsWith(this.origin)) this.remember(response);
      const location = response.headers.get('location');
      if (!options.follow || response.status < 300 || response.status >= 400 || !location) return response;
      target = new URL(location, target).toString();
    }
    throw new Error('too many redirects');
  }

  async json<T = any>(method: string, url: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; body: T; headers: Headers }> {
    const response = await this.request(method, url, options);
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
  }
}
