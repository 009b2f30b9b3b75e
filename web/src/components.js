// Shared pieces of the screens: a tweet card, a paged tweet list, the composer.
import { api, enc } from './api.js';
import { MAX_WEIGHTED, weightedLength } from './counter.js';
import { clear, h, plural, stateMessage, toast } from './dom.js';
import { isMe, session } from './session.js';
import { labelLink, timeElement } from './time.js';
import { renderTweetText } from './tweet_text.js';

export function tweetPath(t) {
  return `/${enc(t.username)}/status/${enc(t.id)}`;
}

function tweetApi(t) {
  return `/tweets/${enc(t.username)}/${enc(t.id)}`;
}

function likeButton(tweet) {
  const count = h('span', { class: 'count' });
  const btn = h('button', { type: 'button', class: 'action like' }, h('span', { 'aria-hidden': 'true' }, '♥'), h('span', {}, 'Like'), count);
  const paint = () => {
    btn.setAttribute('aria-pressed', tweet.viewer_liked ? 'true' : 'false');
    count.textContent = `(${tweet.counts.likes})`;
  };
  paint();
  btn.addEventListener('click', async () => {
    const liked = !tweet.viewer_liked;
    btn.disabled = true;
    try {
      await api(liked ? 'PUT' : 'DELETE', `${tweetApi(tweet)}/like`);
      tweet.viewer_liked = liked;
      tweet.counts.likes = Math.max(0, tweet.counts.likes + (liked ? 1 : -1));
      paint();
    } catch (e) {
      toast(`Could not ${liked ? 'like' : 'unlike'}: ${e.message}`);
    } finally {
      btn.disabled = false;
    }
  });
  return btn;
}

// opts: {highlights, onDeleted, focus: bool (the page's main tweet)}
export function tweetCard(tweet, opts = {}) {
  const author = h('a', { href: `/${enc(tweet.username)}`, class: 'author' },
    h('span', { class: 'display-name' }, tweet.display_name || tweet.username),
    ' ',
    h('span', { class: 'username' }, `@${tweet.username}`));
  const time = timeElement(tweet.created_at);
  const when = h('a', { href: tweetPath(tweet), class: 'when' }, time);
  labelLink(time, new Date(tweet.created_at));
  const article = h('article', { class: `tweet${opts.focus ? ' focus' : ''}`, dataset: { id: tweet.id } },
    h('header', { class: 'tweet-head' }, author, h('span', { 'aria-hidden': 'true', class: 'sep' }, '·'), when),
    tweet.in_reply_to
      ? h('p', { class: 'reply-to' }, 'Replying to ',
          h('a', { href: `/${enc(tweet.in_reply_to.username)}/status/${enc(tweet.in_reply_to.id)}` }, `@${tweet.in_reply_to.username}`))
      : null,
    renderTweetText(tweet.text, tweet.entities, opts.highlights));
  const actions = h('div', { class: 'tweet-actions' });
  actions.append(h('a', { href: tweetPath(tweet), class: 'action' }, `Replies (${tweet.counts.replies})`));
  if (session.user) actions.append(likeButton(tweet));
  else actions.append(h('span', { class: 'action static' }, plural(tweet.counts.likes, 'like', 'likes')));
  if (isMe(tweet.username)) {
    const del = h('button', { type: 'button', class: 'action danger' }, 'Delete');
    del.addEventListener('click', async () => {
      del.disabled = true;
      try {
        await api('DELETE', tweetApi(tweet));
        toast('Tweet deleted');
        if (opts.onDeleted) opts.onDeleted(tweet);
        else (article.closest('li') || article).remove();
      } catch (e) {
        del.disabled = false;
        toast(`Could not delete: ${e.message}`);
      }
    });
    actions.append(del);
  }
  article.append(actions);
  return article;
}

function newerThan(a, b) {
  return BigInt(a) > BigInt(b);
}

// A list paged through cursors ("Load more"), with loading, empty and error
// states. With opts.poll, the first page is fetched again every pollMs and
// tweets newer than the newest shown are offered with a "Show N new" button.
//   opts: {label, fetchPage(cursor) -> {items, next_cursor}, render(item) -> Node,
//          emptyText, poll, itemId(item), onCleanup(fn)}
export function pagedList(opts) {
  const itemId = opts.itemId || ((t) => t.id);
  const list = h('ol', { class: 'tweets', 'aria-label': opts.label });
  const status = h('div', { class: 'list-status' });
  const more = h('button', { type: 'button', class: 'button secondary load-more', hidden: true }, opts.moreLabel || 'Load more');
  const fresh = h('button', { type: 'button', class: 'button new-tweets', hidden: true });
  // A polite live region around the button, so screen readers hear "Show 2 new tweets".
  const section = h('section', { class: 'list', 'aria-busy': 'true' }, h('div', { 'aria-live': 'polite' }, fresh), list, status, more);
  const seen = new Set();
  let cursor = null;
  let newest = null;
  let pending = [];

  const add = (items, atTop) => {
    const nodes = [];
    for (const item of items) {
      const id = itemId(item);
      if (seen.has(id)) continue;
      seen.add(id);
      if (newest === null || newerThan(id, newest)) newest = id;
      nodes.push(h('li', {}, opts.render(item)));
    }
    if (atTop) list.prepend(...nodes);
    else list.append(...nodes);
  };

  const load = async () => {
    more.disabled = true;
    section.setAttribute('aria-busy', 'true');
    clear(status).append(stateMessage('loading', 'Loading…'));
    try {
      const page = await opts.fetchPage(cursor);
      add(page.items, false);
      cursor = page.next_cursor;
      clear(status);
      if (!list.children.length) status.append(stateMessage('empty', opts.emptyText || 'Nothing here yet.'));
      more.hidden = !cursor;
      if (opts.afterPage) opts.afterPage(page);
    } catch (e) {
      clear(status).append(stateMessage('error', `${opts.errorPrefix || 'Could not load'}: ${e.message}`));
      more.hidden = !cursor && list.children.length === 0;
      more.textContent = 'Try again';
    } finally {
      more.disabled = false;
      section.setAttribute('aria-busy', 'false');
    }
  };
  more.addEventListener('click', async () => {
    more.textContent = opts.moreLabel || 'Load more';
    await load();
  });

  fresh.addEventListener('click', () => {
    const items = pending;
    pending = [];
    fresh.hidden = true;
    add(items, true);
    clear(status);
    list.querySelector('li a')?.focus();
  });

  if (opts.poll) {
    const check = async () => {
      if (document.hidden) return;
      try {
        const page = await opts.fetchPage(null);
        const fresher = page.items.filter((t) => !seen.has(itemId(t)) && (newest === null || newerThan(itemId(t), newest)));
        if (!fresher.length) return;
        if (!list.children.length) {
          add(fresher, true);
          clear(status);
          return;
        }
        pending = fresher;
        fresh.hidden = false;
        fresh.textContent = `Show ${plural(fresher.length, 'new tweet', 'new tweets')}`;
      } catch {
        // A failed poll is retried at the next tick; the list stays as it is.
      }
    };
    const timer = setInterval(check, opts.pollMs || 5000);
    opts.onCleanup(() => clearInterval(timer));
  }
  load();
  return { el: section, prepend: (item) => add([item], true), status };
}

// The compose form: textarea, live weighted counter, Post button, server errors.
//   opts: {replyTo: tweet | undefined, onPosted(tweet)}
let composerSeq = 0;
export function composer(opts = {}) {
  const n = ++composerSeq;
  const isReply = !!opts.replyTo;
  const fieldId = `compose-${n}`;
  const counterId = `counter-${n}`;
  const label = isReply ? `Reply to @${opts.replyTo.username}` : 'Tweet text';
  const area = h('textarea', {
    id: fieldId, name: 'text', rows: isReply ? 2 : 3, required: true,
    placeholder: isReply ? 'Post your reply' : 'What’s happening?',
    'aria-describedby': counterId,
  });
  const counter = h('span', { id: counterId, class: 'counter' });
  const announce = h('span', { class: 'visually-hidden', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit', class: 'button primary' }, isReply ? 'Reply' : 'Post');
  const error = h('p', { class: 'form-error', role: 'alert' });
  const form = h('form', { class: 'composer', novalidate: true },
    h('label', { for: fieldId, class: isReply ? 'visually-hidden' : 'compose-label' }, label),
    area,
    h('div', { class: 'composer-foot' }, counter, announce, button),
    error);

  let lastBand = '';
  const update = () => {
    const left = MAX_WEIGHTED - weightedLength(area.value);
    counter.textContent = left < 0 ? `${-left} characters over the limit` : `${left} characters left`;
    const band = left < 0 ? 'over' : left <= 20 ? 'near' : '';
    counter.className = `counter ${band}`;
    area.setAttribute('aria-invalid', left < 0 ? 'true' : 'false');
    if (band !== lastBand) {
      announce.textContent = left < 0 ? `Too long by ${-left} characters` : band === 'near' ? `${left} characters left` : '';
      lastBand = band;
    }
    button.disabled = area.value.trim() === '';
  };
  area.addEventListener('input', () => {
    error.textContent = '';
    update();
  });
  area.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) form.requestSubmit();
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    button.disabled = true;
    try {
      const body = { text: area.value };
      if (isReply) body.in_reply_to = opts.replyTo.id;
      const tweet = await api('POST', '/tweets', body);
      area.value = '';
      update();
      toast(isReply ? 'Reply posted' : 'Tweet posted');
      if (opts.onPosted) opts.onPosted(tweet);
    } catch (err) {
      error.textContent = `Not posted: ${err.message}`;
      area.focus();
    } finally {
      button.disabled = area.value.trim() === '';
    }
  });
  update();
  return form;
}
