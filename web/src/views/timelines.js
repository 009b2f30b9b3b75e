// Home (people I follow + me) and all tweets, both newest first and polled.
import { api, qs } from '../api.js';
import { composer, pagedList, tweetCard } from '../components.js';
import { h } from '../dom.js';
import { session } from '../session.js';

function timeline(main, ctx, { title, heading, path, emptyText, withComposer, intro }) {
  document.title = title;
  main.append(h('h1', { tabindex: '-1' }, heading));
  if (intro) main.append(intro);
  let list;
  if (withComposer) main.append(composer({ onPosted: (t) => list.prepend(t) }));
  list = pagedList({
    label: heading,
    fetchPage: (cursor) => api('GET', `${path}${qs({ cursor })}`),
    render: (t) => tweetCard(t),
    emptyText,
    moreLabel: 'Load more tweets',
    poll: true,
    onCleanup: ctx.cleanup,
  });
  main.append(list.el);
}

export function homeView(main, ctx) {
  if (!session.user) return exploreView(main, ctx, true);
  timeline(main, ctx, {
    title: 'Home · chirp',
    heading: 'Home',
    path: '/timeline',
    emptyText: 'Your timeline is empty. Post something, or follow people from All tweets.',
    withComposer: true,
  });
}

export function exploreView(main, ctx, landing = false) {
  timeline(main, ctx, {
    title: landing ? 'chirp' : 'All tweets · chirp',
    heading: 'All tweets',
    path: '/tweets',
    emptyText: 'No tweets yet.',
    withComposer: !!session.user,
    intro: session.user ? null : h('p', { class: 'intro card' }, 'Short messages, fast search. ',
      h('a', { href: '/signup' }, 'Sign up'), ' or ', h('a', { href: '/login' }, 'log in'), ' to post, follow and like.'),
  });
}
