// chirp's web app: a history-API router over plain ES modules.
import { enc } from './api.js';
import { clear, h, stateMessage, toast } from './dom.js';
import { loadSession, logout, onSessionChange, session } from './session.js';
import { loginView, signupView } from './views/auth.js';
import { searchView } from './views/search.js';
import { exploreView, homeView } from './views/timelines.js';
import { tweetView } from './views/tweet.js';
import { userView } from './views/user.js';

const USER = '([A-Za-z0-9_]{1,15})';
const routes = [
  { pattern: /^\/$/, view: homeView },
  { pattern: /^\/explore$/, view: exploreView },
  { pattern: /^\/login$/, view: loginView, guestOnly: true },
  { pattern: /^\/signup$/, view: signupView, guestOnly: true },
  { pattern: /^\/search$/, view: searchView },
  { pattern: new RegExp(`^/${USER}/status/([0-9]{1,20})$`), view: tweetView, keys: ['username', 'id'] },
  { pattern: new RegExp(`^/${USER}$`), view: userView, keys: ['username'] },
];

const main = document.getElementById('main');
let cleanups = [];
let generation = 0;

function notFound(m) {
  document.title = 'Not found · chirp';
  m.append(h('h1', { tabindex: '-1' }, 'Page not found'),
    stateMessage('empty', 'There is nothing at this address.'),
    h('p', {}, h('a', { href: '/' }, 'Go to the home page')));
}

export function navigate(url, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  render(true);
}

function render(moveFocus) {
  for (const fn of cleanups) fn();
  cleanups = [];
  const gen = ++generation;
  const path = location.pathname.length > 1 ? location.pathname.replace(/\/+$/, '') : '/';
  clear(main);
  paintNav(path);
  const ctx = {
    query: new URLSearchParams(location.search),
    params: {},
    navigate,
    cleanup: (fn) => cleanups.push(fn),
    stale: () => gen !== generation,
  };
  const route = routes.find((r) => r.pattern.test(path));
  if (route && route.guestOnly && session.user) {
    navigate('/', { replace: true });
    return;
  }
  if (route) {
    const m = path.match(route.pattern);
    (route.keys || []).forEach((k, i) => { ctx.params[k] = decodeURIComponent(m[i + 1]); });
  }
  const done = Promise.resolve((route ? route.view : notFound)(main, ctx));
  if (moveFocus) {
    window.scrollTo(0, 0);
    done.finally(() => {
      if (gen === generation) (main.querySelector('h1') || main).focus({ preventScroll: true });
    });
  }
}

function navLink(href, text, current) {
  return h('li', {}, h('a', { href, 'aria-current': current ? 'page' : undefined }, text));
}

function paintNav(path) {
  const ul = document.getElementById('nav-links');
  clear(ul);
  const user = session.user;
  if (user) ul.append(navLink('/', 'Home', path === '/'));
  ul.append(navLink('/explore', 'All tweets', path === '/explore' || (!user && path === '/')));
  ul.append(navLink('/search', 'Search', path === '/search'));
  if (user) {
    const mine = `/${enc(user.username)}`;
    ul.append(navLink(mine, 'Profile', path.toLowerCase() === mine.toLowerCase()));
    const out = h('button', { type: 'button', class: 'linkish' }, 'Log out');
    out.addEventListener('click', async () => {
      try {
        await logout();
        toast('You are logged out');
        navigate('/');
      } catch (e) {
        toast(`Could not log out: ${e.message}`);
      }
    });
    ul.append(h('li', {}, out));
  } else {
    ul.append(navLink('/login', 'Log in', path === '/login'));
    ul.append(navLink('/signup', 'Sign up', path === '/signup'));
  }
}

// Same-origin links are routed here unless they leave the app (API, docs, new tab).
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest('a[href]');
  if (!a || a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || /^\/(api|docs|metrics|health|ready)(\/|$)/.test(url.pathname)) return;
  e.preventDefault();
  if (url.pathname + url.search === location.pathname + location.search) render(true);
  else navigate(url.pathname + url.search);
});
window.addEventListener('popstate', () => render(true));
onSessionChange(() => paintNav(location.pathname));
window.addEventListener('chirp:session-lost', () => {
  toast('Your session has ended. Please log in again.');
  const here = location.pathname + location.search;
  navigate(here.startsWith('/login') ? '/login' : `/login?next=${encodeURIComponent(here)}`);
});

loadSession().then(() => render(false));
