// Who is logged in (cookie session). GET /auth/session never answers 401.
import { api, onUnauthorized } from './api.js';

export const session = { user: null };
const listeners = new Set();

export function onSessionChange(fn) {
  listeners.add(fn);
}

export function setUser(user) {
  session.user = user;
  for (const fn of listeners) fn(user);
}

// A revoked or expired cookie: the next authenticated call is a 401, so the
// app forgets the user (the server already ignores the stale cookie on reads).
onUnauthorized(() => {
  if (!session.user) return;
  setUser(null);
  window.dispatchEvent(new Event('chirp:session-lost'));
});

export async function loadSession() {
  try {
    const data = await api('GET', '/auth/session');
    setUser(data.user);
  } catch {
    setUser(null);
  }
}

export async function login(username, password) {
  const data = await api('POST', '/auth/login', { username, password, cookie: true });
  setUser(data.user);
  return data.user;
}

export async function logout() {
  await api('POST', '/auth/logout');
  setUser(null);
}

export function isMe(username) {
  return !!session.user && session.user.username.toLowerCase() === String(username).toLowerCase();
}
