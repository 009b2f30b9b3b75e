// Search with the query language, highlighted hits, relevance / recent sort,
// "did you mean", load more through cursors. State lives in the URL
// (/search?q=...&sort=recent) so results can be shared and reloaded.
import { api, qs } from '../api.js';
import { pagedList, tweetCard } from '../components.js';
import { h, plural } from '../dom.js';

// The operators of docs/search.md.
const OPERATORS = [
  ['word', 'the word and its forms (running also finds runs)', 'coffee'],
  ['"a phrase"', 'the words together, in order', '"good morning"'],
  ['-term', 'exclude a term, phrase or operator', 'coffee -decaf'],
  ['a OR b', 'either one', 'tea OR coffee'],
  ['( … )', 'grouping', '(tea OR coffee) -sugar'],
  ['#tag', 'hashtag', '#cppcon'],
  ['@user', 'tweets mentioning the user', '@alice'],
  ['$TAG', 'cashtag', '$ACME'],
  ['from:user', 'written by the user', 'from:alice lunch'],
  ['to:user', 'replies to the user', 'to:bob'],
  ['since:YYYY-MM-DD', 'on or after that day (UTC)', 'since:2026-11-01'],
  ['until:YYYY-MM-DD', 'before that day', 'until:2026-12-01'],
  ['has:links', 'also has:mentions, has:hashtags, has:cashtags', 'release has:links'],
  ['is:reply', 'replies only', 'is:reply from:alice'],
  ['pre*', 'words starting with pre (2+ characters)', 'micro*'],
];

function help() {
  return h('details', { class: 'search-help' },
    h('summary', {}, 'Search operators'),
    h('table', {},
      h('caption', { class: 'visually-hidden' }, 'Search operators'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Syntax'), h('th', { scope: 'col' }, 'Finds'), h('th', { scope: 'col' }, 'Example'))),
      h('tbody', {}, OPERATORS.map(([syntax, what, example]) => h('tr', {},
        h('td', {}, h('code', {}, syntax)),
        h('td', {}, what),
        h('td', {}, h('a', { href: `/search${qs({ q: example })}` }, h('code', {}, example))))))));
}

export function searchView(main, ctx) {
  const q = (ctx.query.get('q') || '').trim();
  const sort = ctx.query.get('sort') === 'recent' ? 'recent' : 'relevance';
  document.title = q ? `${q} · Search · chirp` : 'Search · chirp';
  const input = h('input', { id: 'search-q', name: 'q', type: 'search', value: q, maxlength: 512, autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'search-hint' });
  const select = h('select', { id: 'search-sort', name: 'sort' },
    h('option', { value: 'relevance', selected: sort === 'relevance' }, 'Relevance'),
    h('option', { value: 'recent', selected: sort === 'recent' }, 'Recent'));
  const form = h('form', { class: 'card search-form', role: 'search' },
    h('div', { class: 'field grow' }, h('label', { for: 'search-q' }, 'Search'), input),
    h('div', { class: 'field' }, h('label', { for: 'search-sort' }, 'Sort by'), select),
    h('button', { type: 'submit', class: 'button primary' }, 'Search'),
    h('p', { id: 'search-hint', class: 'hint full' }, 'Words, "phrases", #tags, @users, from:, since:, OR, -exclude… see the operators below.'));
  const go = (query, order) => ctx.navigate(`/search${qs({ q: query, sort: order === 'recent' ? 'recent' : '' })}`);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (input.value.trim()) go(input.value.trim(), select.value);
    else input.focus();
  });
  select.addEventListener('change', () => {
    if (input.value.trim()) go(input.value.trim(), select.value);
  });
  main.append(h('h1', { tabindex: '-1' }, 'Search'), form, help());
  if (!q) {
    main.append(h('p', { class: 'state empty' }, 'Type a query to search every tweet.'));
    return;
  }
  const summary = h('p', { class: 'search-summary', role: 'status' });
  const suggestion = h('p', { class: 'suggestion', hidden: true });
  main.append(h('h2', {}, 'Results'), suggestion, summary);
  const list = pagedList({
    label: `Results for ${q}`,
    fetchPage: (cursor) => api('GET', `/search${qs({ q, sort, cursor })}`),
    render: (hit) => tweetCard(hit.tweet, { highlights: hit.highlights }),
    itemId: (hit) => hit.tweet.id,
    emptyText: `No tweets match ${q}.`,
    moreLabel: 'Load more results',
    errorPrefix: 'This search cannot run',
    onCleanup: ctx.cleanup,
    afterPage: (page) => {
      if (page.estimated_total !== undefined && !summary.textContent)
        summary.textContent = `About ${plural(page.estimated_total, 'result', 'results')}`;
      if (page.suggestion && suggestion.hidden) {
        suggestion.hidden = false;
        suggestion.append('Did you mean ', h('a', { href: `/search${qs({ q: page.suggestion, sort: sort === 'recent' ? 'recent' : '' })}` }, page.suggestion), '?');
      }
    },
  });
  main.append(list.el);
}
