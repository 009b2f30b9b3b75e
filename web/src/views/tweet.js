// One tweet with its replies (oldest first): reply, like, delete own.
import { api, enc, qs } from '../api.js';
import { composer, pagedList, tweetCard } from '../components.js';
import { h, stateMessage } from '../dom.js';
import { session } from '../session.js';

export async function tweetView(main, ctx) {
  const { username, id } = ctx.params;
  document.title = 'Tweet · chirp';
  main.append(stateMessage('loading', 'Loading tweet…'));
  const path = `/tweets/${enc(username)}/${enc(id)}`;
  let tweet;
  try {
    tweet = await api('GET', path);
  } catch (e) {
    if (ctx.stale()) return; // the reader has moved on to another screen
    main.replaceChildren(h('h1', { tabindex: '-1' }, e.status === 404 ? 'Tweet not found' : 'Tweet unavailable'),
      stateMessage('error', e.status === 404 ? 'This tweet does not exist or was deleted.' : `Could not load: ${e.message}`),
      h('p', {}, h('a', { href: '/' }, 'Back to the timeline')));
    return;
  }
  if (ctx.stale()) return;
  document.title = `@${tweet.username}: “${Array.from(tweet.text).slice(0, 40).join('')}” · chirp`;
  main.replaceChildren(h('h1', { tabindex: '-1', class: 'visually-hidden' }, `Tweet by @${tweet.username}`),
    tweetCard(tweet, { focus: true, onDeleted: () => ctx.navigate(`/${enc(tweet.username)}`, { replace: true }) }));
  let replies;
  if (session.user) {
    main.append(composer({ replyTo: tweet, onPosted: (t) => {
      tweet.counts.replies += 1;
      replies.prepend(t);
    } }));
  } else {
    main.append(h('p', { class: 'aside' }, h('a', { href: `/login?next=${enc(location.pathname)}` }, 'Log in'), ' to reply.'));
  }
  main.append(h('h2', {}, 'Replies'));
  replies = pagedList({
    label: 'Replies',
    fetchPage: (cursor) => api('GET', `${path}/replies${qs({ cursor })}`),
    render: (t) => tweetCard(t),
    emptyText: 'No replies yet.',
    moreLabel: 'Load more replies',
    onCleanup: ctx.cleanup,
  });
  main.append(replies.el);
}
