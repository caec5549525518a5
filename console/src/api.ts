// The console's only way to the server: the documented /v1 routes, with the API key as a
// bearer token. The key is kept in this tab's sessionStorage (gone when the tab closes), never
// in a URL or a cookie.
export type Role = 'viewer' | 'analyst' | 'officer';

export interface Me {
  key_id: string;
  role: Role;
  label: string;
}

const KEY_STORAGE = 'exportctl.apiKey';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
  describe(): string {
    return this.field ? `${this.message} (field: ${this.field})` : this.message;
  }
}

export class Api {
  constructor(private readonly key: string) {}

  async request<T = any>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.key}` };
    let payload: string | undefined;
    if (body !== undefined) {
      headers['Content-Type'] = contentType;
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const res = await fetch(path, {
      method,
      headers,
      body: payload,
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
    });
    const text = await res.text();
    if (!res.ok) {
      let err: any = null;
      try {
        err = JSON.parse(text)?.error;
      } catch {
        /* not JSON: the text is the message */
      }
      throw new ApiError(res.status, err?.code ?? 'http_' + res.status, err?.field ?? '', err?.message ?? (text || res.statusText));
    }
    const type = res.headers.get('Content-Type') ?? '';
    return (type.startsWith('application/json') ? JSON.parse(text) : text) as T;
  }

  get<T = any>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }
  post<T = any>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }
}

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

export function storeKey(key: string | null): void {
  try {
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    /* storage disabled: the key stays in memory only */
  }
}

export function roleAllows(have: Role, need: Role): boolean {
  const rank: Record<Role, number> = { viewer: 0, analyst: 1, officer: 2 };
  return rank[have] >= rank[need];
}

export function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? '?' + s : '';
}
