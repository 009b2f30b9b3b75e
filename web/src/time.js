// Relative times ("now", "5m", "3h", "2d", then a date), refreshed every minute.
import { h } from './dom.js';

const fullFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });
const dateFormat = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric' });
const yearFormat = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', year: 'numeric' });

export function relativeTime(date, now = Date.now()) {
  const s = Math.max(0, Math.round((now - date.getTime()) / 1000));
  if (s < 45) return 'now';
  if (s < 3600) return `${Math.max(1, Math.round(s / 60))}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  if (s < 7 * 86400) return `${Math.floor(s / 86400)}d`;
  return date.getFullYear() === new Date(now).getFullYear() ? dateFormat.format(date) : yearFormat.format(date);
}

function spoken(date, now = Date.now()) {
  const s = Math.max(0, Math.round((now - date.getTime()) / 1000));
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.max(1, Math.round(s / 60))} minutes ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} hours ago`;
  return fullFormat.format(date);
}

// The link around a time (to the tweet) is named with the spoken time.
export function labelLink(el, date) {
  const a = el.closest('a');
  if (a) a.setAttribute('aria-label', `${spoken(date)}, open tweet`);
}

export function timeElement(iso) {
  const date = new Date(iso);
  const el = h('time', { datetime: iso, title: fullFormat.format(date) }, relativeTime(date));
  el.dataset.relative = '1';
  return el;
}

setInterval(() => {
  for (const el of document.querySelectorAll('time[data-relative]')) {
    const date = new Date(el.getAttribute('datetime'));
    el.textContent = relativeTime(date);
    labelLink(el, date);
  }
}, 60000);
