// A tweet's text as DOM nodes: entities (code-point [start, end) indices from
// the API) become links, search highlight ranges become <mark>. Everything is
// built from text nodes; nothing is parsed as HTML.
import { h } from './dom.js';

// Only http(s) links leave the site; twitter-text also finds bare "example.com".
export function externalHref(url) {
  if (/^https?:\/\//i.test(url)) return url;
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return null;
  return `https://${url}`;
}

function entityLinks(entities) {
  const links = [];
  const e = entities || {};
  for (const t of e.hashtags || [])
    links.push({ indices: t.indices, href: `/search?q=${encodeURIComponent(`#${t.tag}`)}`, kind: 'hashtag' });
  for (const t of e.cashtags || [])
    links.push({ indices: t.indices, href: `/search?q=${encodeURIComponent(`$${t.tag}`)}`, kind: 'cashtag' });
  for (const m of e.mentions || [])
    links.push({ indices: m.indices, href: `/${encodeURIComponent(m.username)}`, kind: 'mention' });
  for (const u of e.urls || []) {
    const href = externalHref(u.url);
    if (href) links.push({ indices: u.indices, href, kind: 'url', external: true });
  }
  links.sort((a, b) => a.indices[0] - b.indices[0]);
  // Drop overlaps (should not happen) so the walk below stays simple.
  const kept = [];
  let end = 0;
  for (const l of links) {
    if (l.indices[0] >= end && l.indices[1] > l.indices[0]) {
      kept.push(l);
      end = l.indices[1];
    }
  }
  return kept;
}

// Appends cps[from, to) to parent, wrapping highlighted runs in <mark>.
function appendMarked(parent, cps, from, to, marked) {
  let i = from;
  while (i < to) {
    const on = marked[i];
    let j = i;
    while (j < to && marked[j] === on) j++;
    const text = cps.slice(i, j).join('');
    parent.append(on ? h('mark', {}, text) : document.createTextNode(text));
    i = j;
  }
}

// text: the tweet text; entities: the API's entities; highlights: [[start, end], ...] or undefined.
export function renderTweetText(text, entities, highlights) {
  const cps = Array.from(text);
  const marked = new Array(cps.length).fill(false);
  for (const [s, e] of highlights || []) for (let i = Math.max(0, s); i < Math.min(e, cps.length); i++) marked[i] = true;
  const p = h('p', { class: 'tweet-text', dir: 'auto' });
  let pos = 0;
  for (const link of entityLinks(entities)) {
    const [s, e] = link.indices;
    if (e > cps.length) continue;
    appendMarked(p, cps, pos, s, marked);
    const a = h('a', {
      href: link.href,
      class: `entity ${link.kind}`,
      rel: link.external ? 'noopener noreferrer' : undefined,
      target: link.external ? '_blank' : undefined,
    });
    appendMarked(a, cps, s, e, marked);
    p.append(a);
    pos = e;
  }
  appendMarked(p, cps, pos, cps.length, marked);
  return p;
}
