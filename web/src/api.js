// The public API (../shared/API.md) over fetch, with the cookie session:
// the browser sends chirp_session itself; unsafe requests add X-CSRF-Token
// from the readable chirp_csrf cookie (double-submit defence).

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// Called when the server says the session is gone (revoked, expired) on a
// request that needed it; session.js uses it to show the logged-out app.
let unauthorizedHandler = null;
export function onUnauthorized(fn) {
  unauthorizedHandler = fn;
}

function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)chirp_csrf=([^;]*)/);
  return m ? decodeURIComponent(m[1]) : '';
}

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrfToken();
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'network', 'Cannot reach chirp. Check your connection and try again.');
  }
  if (res.status === 204) return null;
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (!res.ok) {
    const err = data && data.error;
    if (res.status === 401 && unauthorizedHandler && !path.startsWith('/auth/login')) unauthorizedHandler();
    throw new ApiError(res.status, err ? err.code : 'http', err ? err.message : `Request failed (${res.status})`);
  }
  return data;
}

// Query string from an object, skipping empty values.
export function qs(params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
}

export const enc = encodeURIComponent;
